/**
 * Several schedulers on one PostgreSQL database, each with its own PrismaClient and connection
 * pool, as separate instances would have: every reminder goes out once. Runs when
 * TEST_DATABASE_URL names a PostgreSQL server (`npm run test:pg`); PGlite is a single
 * connection, where the question does not arise.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.ts';
import type { Database } from '../../src/db/client.ts';
import { clockStartingAt } from '../../src/clock.ts';
import { claimDuePushes, runSchedulerOnce, startScheduler } from '../../src/lifecycle/outbox.ts';
import type { OutboxOptions, SchedulerDeps } from '../../src/lifecycle/outbox.ts';
import { defaultOutboxOptions } from '../../src/lifecycle/outbox.ts';
import { onPostgres } from '../support/database.ts';
import { startLifecycleFixture } from './fixtures.ts';
import type { LifecycleFixture } from './fixtures.ts';

describe.runIf(onPostgres)('several schedulers on one PostgreSQL database', () => {
  let f: LifecycleFixture;
  const extra: Database[] = [];
  beforeAll(async () => {
    f = await startLifecycleFixture();
    for (let i = 0; i < 2; i++) extra.push(await openDatabase({ databaseUrl: f.database.databaseUrl, dataDir: 'memory://' }));
  });
  afterAll(async () => {
    for (const db of extra) await db.close();
    await f?.close();
  });
  beforeEach(async () => {
    await f.reset();
    f.clock.set('2026-11-25T09:00:00+09:00');
  });

  /** Scheduler deps for `count` instances: the fixture's client and separate ones. */
  function instances(count: number): SchedulerDeps[] {
    return [f.deps, ...extra.map((db) => ({ ...f.deps, prisma: db.prisma }))].slice(0, count);
  }

  /** `n` users with a booking each on Tuesday 2026-12-01 (reminders due Monday 10:00). */
  async function bookMany(n: number): Promise<string[]> {
    const users: string[] = [];
    const starts = f.calendar.slotStarts;
    for (let i = 0; i < n; i++) {
      const user = await f.addUser(`many-${i}`);
      users.push(user);
      await f.addBooking(user, '2026-12-01', starts[i % starts.length] ?? '09:00');
    }
    return users;
  }

  for (const count of [2, 3]) {
    it(`sends one reminder per booking with ${count} schedulers racing`, async () => {
      const users = await bookMany(36);
      f.clock.set('2026-11-30T10:00:00+09:00'); // every reminder is due
      f.line.delayNext(15, 12); // slow answers widen the windows in which they overlap
      const options: OutboxOptions = { ...defaultOutboxOptions, batchSize: 4 };
      const summaries = await Promise.all(instances(count).map((deps) => runSchedulerOnce(deps, options)));
      await Promise.all(instances(count).map((deps) => runSchedulerOnce(deps, options)));

      expect(summaries.reduce((sum, s) => sum + s.sent, 0)).toBe(36);
      expect(summaries.filter((s) => s.sent > 0).length).toBeGreaterThan(1); // they really shared the work
      expect(f.line.requests.map((r) => r.status).filter((s) => s !== 200)).toEqual([]); // not even a 409
      expect(f.line.pushes).toHaveLength(36);
      for (const user of users) expect(f.line.readableTo(user)).toHaveLength(1);
      expect(await f.db.prisma.push.count({ where: { status: 'sent' } })).toBe(36);
    });
  }

  it('sends each of 240 reminders once with 3 running schedulers of 6 pushes in flight each, woken by the due moment', async () => {
    const users = await bookMany(240);
    // Due at 10:00 on Monday, two seconds of real time from now by the schedulers' clocks.
    const running = instances(3).map((deps) =>
      startScheduler({ ...deps, clock: clockStartingAt(new Date('2026-11-30T09:59:58+09:00')) }, { ...defaultOutboxOptions, concurrency: 6, batchSize: 20 }),
    );
    f.line.delayNext(5, 240); // slow answers: the three are in flight together
    try {
      for (let i = 0; i < 1200 && f.line.pushes.length < 240; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      await Promise.all(running.map((scheduler) => scheduler.stop()));
    }
    expect(f.line.pushes).toHaveLength(240);
    expect(f.line.requests.map((r) => r.status).filter((s) => s !== 200)).toEqual([]); // not even a 409
    for (const user of users) expect(f.line.readableTo(user)).toHaveLength(1);
    const rows = await f.db.prisma.push.findMany({ select: { status: true, attempts: true, leaseUntil: true } });
    expect(rows.filter((row) => row.status !== 'sent' || row.attempts !== 1 || row.leaseUntil !== null)).toEqual([]);
  });

  it('hands out disjoint sets of rows to claims made at the same moment', async () => {
    await bookMany(30);
    const now = new Date('2026-11-30T10:00:00+09:00');
    const claims = await Promise.all(instances(3).flatMap((deps) => [1, 2].map(() => claimDuePushes(deps.prisma, now, { limit: 7, leaseMs: 60_000 }))));
    const ids = claims.flat().map((row) => row.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(30);
    // Leased rows are not claimed again until the lease runs out.
    expect(await claimDuePushes(f.db.prisma, now, { limit: 50, leaseMs: 60_000 })).toHaveLength(0);
    expect(await claimDuePushes(f.db.prisma, new Date(now.getTime() + 60_000), { limit: 50, leaseMs: 60_000 })).toHaveLength(30);
  });
});
