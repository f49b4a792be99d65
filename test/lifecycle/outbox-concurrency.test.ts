/**
 * The scheduler under a burst (issue #13): a claimed batch goes out with PUSH_CONCURRENCY pushes
 * in flight and never more, a user's rows in order, each row once; stop() gives the rows not
 * started back at once while the pushes in flight finish; and between passes the scheduler
 * sleeps until the next row is due (or a dead scheduler's lease runs out), not a fixed interval.
 * Timers are injected where the test needs to know what the scheduler asked to sleep for.
 */
import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { clockStartingAt } from '../../src/clock.ts';
import { loadConfig } from '../../src/config.ts';
import { claimDuePushes, defaultOutboxOptions, nextDueAt, outboxOptionsFor, runSchedulerOnce, startScheduler, wakeDelay } from '../../src/lifecycle/outbox.ts';
import type { PassControl, SchedulerDeps, SchedulerTimers } from '../../src/lifecycle/outbox.ts';
import type { Messenger } from '../../src/line/messenger.ts';
import { MEETING_URL, useLifecycleFixture } from './fixtures.ts';

// The reminder moment of a consultation on Wednesday 2026-11-18 is Tuesday 10:00.
const f = useLifecycleFixture({ now: '2026-11-17T10:00:00+09:00' });
beforeEach(() => {
  f.clock.set('2026-11-17T10:00:00+09:00');
});

/** `count` users with a booking on Wednesday 2026-11-18 each (reminders due Tuesday 10:00). */
async function bookMany(count: number, prefix = 'burst'): Promise<string[]> {
  const users: string[] = [];
  const starts = f.calendar.slotStarts;
  for (let i = 0; i < count; i++) {
    const user = await f.addUser(`${prefix}-${i}`);
    await f.addBooking(user, '2026-11-18', starts[i % starts.length] ?? '09:00', { meetingUrl: MEETING_URL });
    users.push(user);
  }
  return users;
}

/**
 * The real messenger, with each push held until `limit` pushes are waiting (or the last of
 * `total` has started): the scheduler can only get past a hold by having `limit` in flight.
 */
function holdingMessenger(limit: number, total: number) {
  const real = f.deps.messenger;
  let held: (() => void)[] = [];
  const state = { inFlight: 0, maxInFlight: 0, started: 0, releaseAutomatically: true };
  const release = () => {
    const waiting = held;
    held = [];
    for (const resolve of waiting) resolve();
  };
  const messenger: Messenger = {
    reply: (token, messages) => real.reply(token, messages),
    async push(to, messages, retryKey) {
      state.inFlight += 1;
      state.started += 1;
      state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
      try {
        await new Promise<void>((resolve) => {
          held.push(resolve);
          if (state.releaseAutomatically && (state.inFlight >= limit || state.started === total)) release();
        });
        return await real.push(to, messages, retryKey);
      } finally {
        state.inFlight -= 1;
      }
    },
  };
  return { messenger, state, release, held: () => held.length };
}

/** Waits (bounded) until `condition` holds; the test fails with `what` otherwise. */
async function until(condition: () => boolean | Promise<boolean>, what: string, seconds = 60): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Timers that only fire when the test says so, and tell what the scheduler asked for. */
function manualTimers() {
  const pending = new Map<number, { callback: () => void; ms: number }>();
  let next = 0;
  const timers: SchedulerTimers = {
    setTimeout(callback, ms) {
      pending.set(++next, { callback, ms });
      return next;
    },
    clearTimeout(handle) {
      pending.delete(handle as number);
    },
  };
  return {
    timers,
    /** The delays of the timers set and not yet fired or cleared. */
    requested: () => [...pending.values()].map((timer) => timer.ms),
    fire() {
      const due = [...pending.values()];
      pending.clear();
      for (const timer of due) timer.callback();
    },
  };
}

const env = { LINE_CHANNEL_SECRET: 'outbox-test-secret', LINE_CHANNEL_ACCESS_TOKEN: 'outbox-test-token', NODE_ENV: 'test' };

describe('concurrent delivery', () => {
  it('keeps exactly PUSH_CONCURRENCY pushes in flight, never more, and sends each row once', async () => {
    const users = await bookMany(24);
    const limit = 4;
    const hold = holdingMessenger(limit, users.length);
    const summary = await runSchedulerOnce({ ...f.deps, messenger: hold.messenger }, { ...defaultOutboxOptions, concurrency: limit });
    expect(hold.state.maxInFlight).toBe(limit);
    expect(summary).toMatchObject({ claimed: 24, sent: 24, skipped: 0, retry: 0, failed: 0 });
    for (const user of users) expect(f.line.readableTo(user)).toHaveLength(1);
    expect(f.line.requests.map((request) => request.status).filter((status) => status !== 200)).toEqual([]);
    const rows = await f.db.prisma.push.findMany({ select: { status: true, attempts: true, leaseUntil: true } });
    expect(rows.every((row) => row.status === 'sent' && row.attempts === 1 && row.leaseUntil === null)).toBe(true);
  });

  it('takes PUSH_CONCURRENCY and PUSH_REQUESTS_PER_SECOND from the configuration, a batch of at least ten rows per worker', () => {
    const config = loadConfig({ ...env, PUSH_CONCURRENCY: '25', PUSH_REQUESTS_PER_SECOND: '1200' });
    expect(outboxOptionsFor(config)).toMatchObject({ concurrency: 25, requestsPerSecond: 1200, batchSize: 250 });
    expect(outboxOptionsFor(loadConfig(env))).toMatchObject({ concurrency: 10, requestsPerSecond: 500, batchSize: 100 });
  });

  it('refuses a concurrency or a rate outside its range, naming the variable', () => {
    expect(() => loadConfig({ ...env, PUSH_CONCURRENCY: '0' })).toThrow(/PUSH_CONCURRENCY/);
    expect(() => loadConfig({ ...env, PUSH_CONCURRENCY: 'many' })).toThrow(/PUSH_CONCURRENCY/);
    expect(() => loadConfig({ ...env, PUSH_REQUESTS_PER_SECOND: '2001' })).toThrow(/PUSH_REQUESTS_PER_SECOND/);
  });

  it("delivers a user's rows in the order they were queued, on one worker, while others go out beside them", async () => {
    const others = await bookMany(6, 'beside');
    const user = await f.addUser('several-replies');
    const now = f.clock.now().getTime();
    for (let i = 1; i <= 4; i++) {
      const at = new Date(now - 10 + i);
      await f.db.prisma.push.create({
        data: {
          kind: 'reply',
          userId: user,
          dueAt: at,
          nextAttemptAt: at,
          status: 'pending',
          retryKey: randomUUID(),
          createdAt: at,
          data: { sealed: JSON.stringify([{ type: 'text', text: `reply ${i}` }]) },
        },
      });
    }
    const deps: SchedulerDeps = { ...f.deps, sealer: { seal: (json) => json, open: (sealed) => sealed } };
    f.line.delayNext(15, 20); // slow answers: the rows would overtake each other if they could
    const summary = await runSchedulerOnce(deps, { ...defaultOutboxOptions, concurrency: 5 });
    expect(summary).toMatchObject({ claimed: 10, sent: 10 });
    expect(f.line.readableTo(user)).toEqual(['reply 1', 'reply 2', 'reply 3', 'reply 4']);
    for (const other of others) expect(f.line.readableTo(other)).toHaveLength(1);
  });

  it('skips a row withdrawn after the claim while the rows started beside it go out', async () => {
    const users = await bookMany(6);
    const hold = holdingMessenger(2, 6);
    hold.state.releaseAutomatically = false;
    const pass = runSchedulerOnce({ ...f.deps, messenger: hold.messenger }, { ...defaultOutboxOptions, concurrency: 2 });
    await until(() => hold.held() === 2, 'two pushes in flight');
    // Staff cancel two of the bookings still waiting in the batch: their reminders are withdrawn.
    const waiting = await f.db.prisma.push.findMany({ where: { status: 'pending', attempts: 0 }, orderBy: { id: 'asc' }, select: { id: true, userId: true } });
    expect(waiting).toHaveLength(4);
    const withdrawn = [waiting[0], waiting[2]].map((row) => row?.userId);
    await f.db.prisma.push.updateMany({ where: { id: { in: [waiting[0]?.id ?? '', waiting[2]?.id ?? ''] } }, data: { status: 'withdrawn', leaseUntil: null } });
    hold.state.releaseAutomatically = true;
    hold.release();
    expect(await pass).toMatchObject({ claimed: 6, sent: 4, skipped: 2 });
    for (const user of users) expect(f.line.readableTo(user)).toHaveLength(withdrawn.includes(user) ? 0 : 1);
    const rows = await f.db.prisma.push.findMany({ where: { status: 'withdrawn' }, select: { attempts: true } });
    expect(rows).toEqual([{ attempts: 0 }, { attempts: 0 }]);
  });

  it('lets the other deliveries go on when one fails, and records each outcome', async () => {
    const users = await bookMany(8);
    // A push for one user throws before LINE is asked (a bug, a network error): the rest go out.
    const real = f.deps.messenger;
    const broken = users[3];
    const messenger: Messenger = {
      reply: (token, messages) => real.reply(token, messages),
      push: async (to, messages, retryKey) => {
        if (to === broken) throw new Error('connection reset');
        return real.push(to, messages, retryKey);
      },
    };
    const summary = await runSchedulerOnce({ ...f.deps, messenger }, { ...defaultOutboxOptions, concurrency: 3 });
    expect(summary).toMatchObject({ claimed: 8, sent: 7, retry: 1 });
    for (const user of users) expect(f.line.readableTo(user)).toHaveLength(user === broken ? 0 : 1);
    const row = await f.db.prisma.push.findFirstOrThrow({ where: { userId: broken } });
    expect([row.status, row.attempts, row.leaseUntil]).toEqual(['pending', 1, null]);
  });

  it('starts no more requests than PUSH_REQUESTS_PER_SECOND allows (a lower bound on the time taken)', async () => {
    await bookMany(21);
    const starts: number[] = [];
    const real = f.deps.messenger;
    const messenger: Messenger = {
      reply: (token, messages) => real.reply(token, messages),
      push: (to, messages, retryKey) => {
        starts.push(performance.now());
        return real.push(to, messages, retryKey);
      },
    };
    await runSchedulerOnce({ ...f.deps, messenger }, { ...defaultOutboxOptions, concurrency: 8, requestsPerSecond: 10 });
    expect(starts).toHaveLength(21);
    // 21 starts at 10 a second: 20 gaps of 100 ms at least, however fast LINE answers.
    expect((starts.at(-1) ?? 0) - (starts[0] ?? 0)).toBeGreaterThanOrEqual(1_990);
  });
});

describe('stopping during a concurrent batch', () => {
  it('gives the rows not started back at once, lets the pushes in flight finish, and another scheduler sends the rest', async () => {
    const users = await bookMany(10);
    const hold = holdingMessenger(3, users.length);
    hold.state.releaseAutomatically = false;
    const timers = manualTimers();
    const scheduler = startScheduler({ ...f.deps, messenger: hold.messenger }, { ...defaultOutboxOptions, concurrency: 3 }, timers.timers);
    await until(() => hold.held() === 3, 'three pushes in flight');

    const stopped = scheduler.stop();
    // The seven rows not started are free for another scheduler while the three are still in flight.
    await until(async () => (await f.db.prisma.push.count({ where: { status: 'pending', leaseUntil: null } })) === 7, 'the waiting rows given back');
    expect(hold.held()).toBe(3);
    expect(await f.db.prisma.push.count({ where: { status: 'pending', leaseUntil: { not: null } } })).toBe(3);

    hold.release();
    await stopped;
    expect(hold.state.maxInFlight).toBe(3);
    expect(f.line.pushes).toHaveLength(3);
    expect(await f.db.prisma.push.count({ where: { status: 'sent' } })).toBe(3);
    expect(timers.requested()).toEqual([]); // a stopped scheduler sets no timer

    expect((await runSchedulerOnce(f.deps)).sent).toBe(7);
    for (const user of users) expect(f.line.readableTo(user)).toHaveLength(1);
  });

  it('gives back at once also when a pass is stopped through its control (the worker process)', async () => {
    await bookMany(6);
    const hold = holdingMessenger(2, 6);
    hold.state.releaseAutomatically = false;
    const control: PassControl = { stopping: false };
    const pass = runSchedulerOnce({ ...f.deps, messenger: hold.messenger }, { ...defaultOutboxOptions, concurrency: 2 }, control);
    await until(() => hold.held() === 2, 'two pushes in flight');
    control.stopping = true;
    control.wake?.();
    await until(async () => (await f.db.prisma.push.count({ where: { status: 'pending', leaseUntil: null } })) === 4, 'the waiting rows given back');
    hold.release();
    expect(await pass).toMatchObject({ claimed: 6, sent: 2 });
  });
});

describe('waking at the next due moment', () => {
  it('sleeps until the next row is due, not the whole interval, and delivers it without a kick', async () => {
    f.configure({ SCHEDULER_INTERVAL_SECONDS: '300' });
    f.clock.set('2026-11-17T09:58:30+09:00');
    const [user] = await bookMany(1, 'soon'); // due at 10:00, in 90 s
    const timers = manualTimers();
    const scheduler = startScheduler(f.deps, outboxOptionsFor(f.config), timers.timers);
    try {
      await until(() => timers.requested().length === 1, 'the first pass to end');
      expect(timers.requested()).toEqual([90_000]);
      expect(f.line.pushes).toHaveLength(0);

      f.clock.advance(90_000);
      timers.fire();
      await until(() => timers.requested().length === 1, 'the second pass to end');
      expect(f.line.readableTo(user ?? '')).toHaveLength(1);
      expect(timers.requested()).toEqual([300_000]); // nothing left: the interval
    } finally {
      await scheduler.stop();
    }
  });

  it("wakes when a dead scheduler's lease runs out, and sends its rows then", async () => {
    f.configure({ SCHEDULER_INTERVAL_SECONDS: '300' });
    const users = await bookMany(3, 'orphaned');
    expect(await claimDuePushes(f.db.prisma, f.clock.now(), { limit: 10, leaseMs: 45_000 })).toHaveLength(3); // then it died
    const timers = manualTimers();
    const scheduler = startScheduler(f.deps, outboxOptionsFor(f.config), timers.timers);
    try {
      await until(() => timers.requested().length === 1, 'the first pass to end');
      expect(timers.requested()).toEqual([45_000]);
      f.clock.advance(45_000);
      timers.fire();
      await until(() => timers.requested().length === 1, 'the second pass to end');
      for (const user of users) expect(f.line.readableTo(user)).toHaveLength(1);
    } finally {
      await scheduler.stop();
    }
  });

  it('sleeps at most the interval, so rows another instance writes are seen in time', async () => {
    f.configure({ SCHEDULER_INTERVAL_SECONDS: '30' });
    f.clock.set('2026-11-16T10:00:00+09:00');
    await bookMany(1, 'tomorrow'); // due in a day
    expect(await nextDueAt(f.db.prisma)).toEqual(new Date('2026-11-17T10:00:00+09:00'));
    const timers = manualTimers();
    const scheduler = startScheduler(f.deps, outboxOptionsFor(f.config), timers.timers);
    try {
      await until(() => timers.requested().length === 1, 'the first pass to end');
      expect(timers.requested()).toEqual([30_000]);
      // A kick (a reply handed to the outbox, local mode's clock moved) runs a pass at once.
      f.clock.set('2026-11-17T10:00:00+09:00');
      scheduler.kick();
      await until(() => f.line.pushes.length === 1, 'the kicked pass to send');
    } finally {
      await scheduler.stop();
    }
  });

  it('with the real timers, a row due in a second and a half is sent long before the hour-long interval', async () => {
    f.configure({ SCHEDULER_INTERVAL_SECONDS: '3600' });
    const [user] = await bookMany(1, 'real-time'); // due 2026-11-17 10:00
    const deps: SchedulerDeps = { ...f.deps, clock: clockStartingAt(new Date('2026-11-17T09:59:58.500+09:00')) };
    const scheduler = startScheduler(deps);
    try {
      await until(() => f.line.pushes.length === 1, 'the reminder', 60);
      expect(f.line.readableTo(user ?? '')).toHaveLength(1);
    } finally {
      await scheduler.stop();
    }
  });

  it('computes the sleep: until the due moment, capped; at once or after a second when a row is overdue', () => {
    const now = new Date('2026-11-17T10:00:00Z');
    expect(wakeDelay(null, now, 30_000, false)).toBe(30_000);
    expect(wakeDelay(new Date(now.getTime() + 1_234), now, 30_000, false)).toBe(1_234);
    expect(wakeDelay(new Date(now.getTime() + 3_600_000), now, 30_000, true)).toBe(30_000);
    // Overdue after a pass that claimed rows (it stopped after 100 batches): go on at once.
    expect(wakeDelay(new Date(now.getTime() - 5), now, 30_000, true)).toBe(0);
    // Overdue and nothing claimed: the row is locked by someone else; no tight loop.
    expect(wakeDelay(new Date(now.getTime() - 5), now, 30_000, false)).toBe(1_000);
    expect(wakeDelay(new Date(now.getTime() - 5), now, 500, false)).toBe(500);
  });
});
