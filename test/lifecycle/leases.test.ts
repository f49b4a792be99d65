/**
 * A scheduler that dies or stops mid-batch holds up nothing for long: leases are 30 s, renewed
 * while a pass works through its batch, and given back at once when the scheduler stops.
 */
import { describe, expect, it } from 'vitest';
import { claimDuePushes, defaultOutboxOptions, runSchedulerOnce } from '../../src/lifecycle/outbox.ts';
import type { PassControl } from '../../src/lifecycle/outbox.ts';
import { MEETING_URL, useLifecycleFixture } from './fixtures.ts';

// The reminder moment of a consultation on Wednesday 2026-11-18 is Tuesday 10:00.
const f = useLifecycleFixture({ now: '2026-11-17T10:00:00+09:00' });

async function dueReminders(count: number): Promise<string[]> {
  const users: string[] = [];
  for (let i = 0; i < count; i++) {
    const user = await f.addUser(`lease-${i}`);
    await f.addBooking(user, '2026-11-18', ['09:00', '09:30', '10:00', '10:30', '11:00', '11:30', '13:00', '13:30'][i] ?? '14:00', { meetingUrl: MEETING_URL });
    users.push(user);
  }
  return users;
}

describe('push leases', () => {
  it('are 30 seconds: rows claimed by a scheduler that was killed go out about 30 s later, once', async () => {
    expect(defaultOutboxOptions.leaseMs).toBe(30_000);
    const users = await dueReminders(5);
    // A scheduler claims the rows and dies before sending any.
    expect(await claimDuePushes(f.db.prisma, f.clock.now(), { limit: 50, leaseMs: defaultOutboxOptions.leaseMs })).toHaveLength(5);
    f.clock.advance(29_000);
    expect((await runSchedulerOnce(f.deps)).sent).toBe(0);
    f.clock.advance(1_001);
    expect((await runSchedulerOnce(f.deps)).sent).toBe(5);
    expect((await runSchedulerOnce(f.deps)).sent).toBe(0);
    for (const user of users) expect(f.line.pushes.filter((p) => p.to === user)).toHaveLength(1);
  });

  it('are renewed while a pass works through its batch, so a slow batch keeps its rows', async () => {
    const users = await dueReminders(4);
    // Each push takes 20 s of application time, and another scheduler looks for due rows after
    // each one: without renewal it would take over the rows still waiting once 30 s had passed.
    const push = f.deps.messenger.push.bind(f.deps.messenger);
    let takenOver = 0;
    const slow = {
      ...f.deps,
      messenger: {
        ...f.deps.messenger,
        push: async (...args: Parameters<typeof push>) => {
          f.clock.advance(20_000);
          const result = await push(...args);
          takenOver += (await claimDuePushes(f.db.prisma, f.clock.now(), { limit: 50, leaseMs: 1 })).length;
          return result;
        },
      },
    };
    // One at a time: each push moves the clock by 20 s, which only fits a sequential pass (rows
    // in flight at once would see each other's 20 s; concurrent renewal is tested in outbox-concurrency.test.ts).
    const summary = await runSchedulerOnce(slow, { ...defaultOutboxOptions, concurrency: 1 });
    expect(takenOver).toBe(0);
    expect(summary).toMatchObject({ claimed: 4, sent: 4, skipped: 0 });
    for (const user of users) expect(f.line.pushes.filter((p) => p.to === user)).toHaveLength(1);
  });

  it('are given back at once by a scheduler asked to stop, and another sends the rest without waiting', async () => {
    const users = await dueReminders(6);
    const control: PassControl = { stopping: false };
    const push = f.deps.messenger.push.bind(f.deps.messenger);
    const stoppingAfterFirst = {
      ...f.deps,
      messenger: {
        ...f.deps.messenger,
        push: async (...args: Parameters<typeof push>) => {
          control.stopping = true; // SIGTERM arrives during the first delivery
          return push(...args);
        },
      },
    };
    // One at a time, so exactly one delivery is in flight when the stop comes.
    const first = await runSchedulerOnce(stoppingAfterFirst, { ...defaultOutboxOptions, concurrency: 1 }, control);
    expect(first).toMatchObject({ claimed: 6, sent: 1 });
    const held = await f.db.prisma.push.count({ where: { status: 'pending', leaseUntil: { not: null } } });
    expect(held).toBe(0);
    const second = await runSchedulerOnce(f.deps);
    expect(second.sent).toBe(5);
    for (const user of users) expect(f.line.pushes.filter((p) => p.to === user)).toHaveLength(1);
  });
});
