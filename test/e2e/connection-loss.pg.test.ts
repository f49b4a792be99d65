/**
 * A database that drops connections (a restart, a fail-over, an idle-connection reaper): under
 * conversation load, every backend of the service is terminated again and again with
 * pg_terminate_backend (SQLSTATE 57P01). No crash, no event lost or failed, every user's state
 * as if nothing had happened, and every message answered exactly once.
 * Only on PostgreSQL: TEST_DATABASE_URL=… npx vitest run --config vitest.pg.config.ts <file>
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schedulerDepsOf, useHarness } from '../support/harness.ts';
import { runSchedulerOnce } from '../../src/lifecycle/outbox.ts';
import { onPostgres, testDatabaseUrl } from '../support/database.ts';
import { chatUser } from '../support/chat.ts';
import { answers, storedState, toDateQuestion } from './booking-steps.ts';

const users = 8;

describe.runIf(onPostgres)('connections dropped by the database under load', () => {
  const h = useHarness();
  let admin: pg.Client;
  let redelivered = 0;
  beforeAll(async () => {
    // Replies handed to the outbox (a reply token refused after a retry) are pushed at once, as
    // the service's scheduler would; and a webhook answered 503 is delivered again, as LINE does.
    const post = h.post.bind(h);
    h.post = async (events) => {
      let res = await post(events);
      for (let i = 0; i < 20 && res.status === 503; i++) {
        redelivered += 1;
        res = await post(events);
      }
      for (let i = 0; i < 20; i++) {
        try {
          await runSchedulerOnce(schedulerDepsOf(h));
          break;
        } catch {
          // the scheduler's own connection was terminated: run it again
        }
      }
      return res;
    };
    admin = new pg.Client({ connectionString: testDatabaseUrl });
    await admin.connect();
  });
  afterAll(async () => {
    await admin.end();
  });

  it(`completes ${users} conversations while the service's connections are terminated every 250–500 ms`, async () => {
    const database = new URL(h.database.databaseUrl ?? '').pathname.slice(1);
    let terminated = 0;
    let rounds = 0;
    let stop = false;
    const killer = (async () => {
      while (!stop) {
        const { rows } = await admin.query<{ n: string }>(
          'SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
          [database],
        );
        terminated += Number(rows[0]?.n ?? 0);
        rounds += 1;
        await new Promise((r) => setTimeout(r, 250 + Math.random() * 250));
      }
    })();

    const chats = Array.from({ length: users }, (_, i) => chatUser(h, `connection-loss-${i}`));
    try {
      await Promise.all(chats.map((u) => toDateQuestion(u)));
    } finally {
      stop = true;
      await killer;
    }
    await h.settle();

    const turns = chats.length * 13;
    console.info(
      `connection loss: ${terminated} backends terminated in ${rounds} rounds during ${turns} turns of ${users} users; webhooks answered 503 and delivered again: ${redelivered}; failed events: ${await h.service.db.prisma.webhookEvent.count({ where: { status: 'failed' } })}`,
    );
    expect(terminated).toBeGreaterThan(10);
    expect(await h.service.db.prisma.webhookEvent.count({ where: { status: { not: 'done' } } })).toBe(0);
    for (const u of chats) {
      const state = await storedState(h, u.userId);
      expect(state?.value).toBe('date');
      expect(state?.context.draft).toMatchObject({ name: answers.name, jobSeekerNumber: answers.number, phone: '09012345678', attendant: 'none' });
    }
    // Every message answered exactly once, by reply or (if the token had gone) by push.
    const events = await h.service.db.prisma.webhookEvent.findMany({ select: { id: true, replyStatus: true } });
    expect(events.filter((e) => e.replyStatus === 'pending')).toEqual([]);
    expect(h.logs.some((l) => l.includes('database connection lost') || l.includes('lost database connection'))).toBe(true);
    expect(h.logs.filter((l) => l.includes('"msg":"event failed"'))).toEqual([]);
  }, 240_000);
});
