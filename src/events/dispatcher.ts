/**
 * Back-pressure and fairness for applying webhook events. The webhook only records events and
 * hands their users to this dispatcher; it applies them in the background with a bounded number
 * of users at once (sized below the connection pool, so nothing fails for want of a
 * connection and the webhook's own INSERT always finds one), one event per turn of a user, and
 * a user with more events goes to the back of the line: a user who sends a hundred messages
 * cannot hold up the others. Per-user order is kept because one user is never in flight twice
 * (and, across instances, by the user's advisory lock). The queue holds user ids only; the
 * events themselves are safe in the database, so a crash loses nothing (the recovery sweep
 * hands their users back here).
 */
import type { Logger } from '../logger.ts';
import { describeError } from '../logger.ts';

/** What applying one event of a user left behind. */
export type UserStep = 'more' | 'done' | 'retry-later';

export interface DispatcherOptions {
  /** Users applied at the same time. */
  concurrency: number;
  /** Applies the next pending event of `userId`. */
  step(userId: string): Promise<UserStep>;
  logger: Logger;
  /** Sees every piece of background work (tests await them). */
  track?: ((work: Promise<void>) => void) | undefined;
  /** First wait before a user whose event hit a transient error is tried again; doubled up to maxRetryMs. */
  minRetryMs?: number;
  maxRetryMs?: number;
}

export interface EventDispatcher {
  /** Asks for `userId`'s pending events to be applied (idempotent while queued or running). */
  enqueue(userId: string): void;
  /** Users waiting and running now. */
  stats(): { queued: number; running: number; waitingToRetry: number };
  /**
   * Stops taking new work and waits (at most `timeoutMs`) for the users in flight to finish
   * their current event. Queued users stay pending in the database. Returns whether everything
   * in flight finished.
   */
  drain(timeoutMs: number): Promise<boolean>;
}

export function createEventDispatcher(options: DispatcherOptions): EventDispatcher {
  const minRetryMs = options.minRetryMs ?? 500;
  const maxRetryMs = options.maxRetryMs ?? 5_000;
  const queue: string[] = [];
  let head = 0;
  const queued = new Set<string>();
  const running = new Set<string>();
  /** Users asked for again while running: they go back in line when their step ends. */
  const again = new Set<string>();
  const retryTimers = new Map<string, { timer: NodeJS.Timeout; fire: () => void }>();
  const retryDelay = new Map<string, number>();
  let closed = false;
  let idleWaiters: (() => void)[] = [];

  const take = (): string | undefined => {
    if (head >= queue.length) return undefined;
    const userId = queue[head];
    head += 1;
    if (head > 1024 && head * 2 > queue.length) {
      queue.splice(0, head);
      head = 0;
    }
    return userId;
  };

  const pump = () => {
    while (!closed && running.size < options.concurrency) {
      const userId = take();
      if (userId === undefined) break;
      queued.delete(userId);
      run(userId);
    }
    if (running.size === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const wake of waiters) wake();
    }
  };

  const scheduleRetry = (userId: string) => {
    if (retryTimers.has(userId) || closed) return;
    const delay = Math.min((retryDelay.get(userId) ?? minRetryMs / 2) * 2, maxRetryMs);
    retryDelay.set(userId, delay);
    let fire: () => void = () => {};
    const fired = new Promise<void>((resolve) => {
      fire = resolve;
    });
    const timer = setTimeout(() => {
      retryTimers.delete(userId);
      enqueue(userId);
      fire();
    }, delay);
    timer.unref();
    retryTimers.set(userId, { timer, fire });
    options.track?.(fired);
  };

  const run = (userId: string) => {
    running.add(userId);
    const work = (async () => {
      let outcome: UserStep | 'error' = 'error';
      // Let requests that arrived in the same instant record their events first, so one user's
      // events are applied in LINE's order among everything already received.
      await new Promise<void>((resolve) => setImmediate(resolve));
      try {
        outcome = await options.step(userId);
      } catch (error) {
        // The database was unreachable before the event could even be claimed: try again later.
        options.logger.warn({ error: describeError(error) }, 'applying events failed; will retry');
      }
      running.delete(userId);
      if (outcome === 'retry-later' || outcome === 'error') {
        again.delete(userId);
        scheduleRetry(userId);
      } else {
        retryDelay.delete(userId);
        if (outcome === 'more' || again.has(userId)) {
          again.delete(userId);
          enqueue(userId);
        }
      }
      pump();
    })();
    options.track?.(work);
  };

  const enqueue = (userId: string) => {
    if (closed) return;
    if (running.has(userId)) {
      again.add(userId);
      return;
    }
    if (queued.has(userId) || retryTimers.has(userId)) return;
    queued.add(userId);
    queue.push(userId);
    pump();
  };

  return {
    enqueue,
    stats: () => ({ queued: queued.size, running: running.size, waitingToRetry: retryTimers.size }),
    async drain(timeoutMs) {
      closed = true;
      for (const { timer, fire } of retryTimers.values()) {
        clearTimeout(timer);
        fire();
      }
      retryTimers.clear();
      if (running.size === 0) return true;
      let timer: NodeJS.Timeout | undefined;
      const idle = new Promise<boolean>((resolve) => idleWaiters.push(() => resolve(true)));
      const timeout = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
      try {
        return await Promise.race([idle, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
