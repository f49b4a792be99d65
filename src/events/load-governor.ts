/**
 * Keeps accepting webhooks ahead of applying them (issue #13). Node has one thread: when more
 * turns are offered than the CPU can apply, every await of every request queues behind the
 * turns' work, and the webhook — which only records the body and answers — waits seconds,
 * until LINE gives up on it. The governor watches the event loop's delay and lowers the number
 * of users the dispatcher applies at once while the loop is late (halving it), raising it again
 * one step per calm window. Applying then gets what the CPU has left; the events wait safely in
 * the database, and the webhook keeps answering at once.
 *
 * The delay is sampled with perf_hooks' event-loop-delay histogram; the decision is the pure
 * function `nextLimit`, so it is tested without timers or load.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface LoadGovernor {
  /** Users the dispatcher may apply at once now (1 … its configured concurrency). */
  limit(): number;
  /** Called after each window in which the limit rose (the dispatcher starts more work). */
  onRaise(listener: () => void): void;
  stop(): void;
}

/**
 * One step of the controller: halve when the loop's delay in the last window exceeded the
 * allowance, add one when it stayed under half of it, otherwise keep. Never below 1 (events are
 * always applied), never above `max`.
 */
export function nextLimit(current: number, max: number, delayMs: number, allowanceMs: number): number {
  if (delayMs > allowanceMs) return Math.max(1, Math.floor(current / 2));
  if (delayMs < allowanceMs / 2) return Math.min(max, current + 1);
  return current;
}

export interface GovernorOptions {
  /** The dispatcher's configured concurrency: the most the governor allows. */
  max: number;
  /** The event-loop delay (99th percentile over a window, ms) above which applying backs off. */
  allowanceMs: number;
  /** Window length, ms. */
  windowMs?: number;
  /** The delay of the last window; by default perf_hooks' histogram (tests inject their own). */
  sampleDelayMs?: () => number;
}

export function startLoadGovernor(options: GovernorOptions): LoadGovernor {
  const windowMs = options.windowMs ?? 100;
  let histogram: ReturnType<typeof monitorEventLoopDelay> | undefined;
  let sample = options.sampleDelayMs;
  if (!sample) {
    const h = monitorEventLoopDelay({ resolution: 10 });
    h.enable();
    histogram = h;
    sample = () => {
      // Nanoseconds; a window with no sample yet reads as no delay.
      const delay = h.count > 0 ? h.percentile(99) / 1e6 : 0;
      h.reset();
      return delay;
    };
  }
  const read = sample;
  let current = options.max;
  const listeners: (() => void)[] = [];
  const timer = setInterval(() => {
    const next = nextLimit(current, options.max, read(), options.allowanceMs);
    const raised = next > current;
    current = next;
    if (raised) for (const listener of listeners) listener();
  }, windowMs);
  timer.unref();
  return {
    limit: () => current,
    onRaise: (listener) => {
      listeners.push(listener);
    },
    stop() {
      clearInterval(timer);
      histogram?.disable();
    },
  };
}
