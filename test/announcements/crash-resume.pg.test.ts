/**
 * 20,000 followers, a real sending process killed with SIGKILL mid-way, another one resuming:
 * every follower receives the announcement exactly once, no request names more than 500
 * recipients, unfollowed users receive nothing. `node src/worker.ts` (what `npm run worker`
 * runs) does the sending against the fake LINE API, which holds each multicast back for a
 * moment — so when the first worker dies, a request it made is still on its way and LINE accepts
 * it without the worker ever recording it. The second worker, after the lease has run out,
 * retries that batch with the same X-Line-Retry-Key and gets 409. PostgreSQL only: the embedded
 * database belongs to one process (the same crash on PGlite, in-process, is in announcements.test.ts).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTermsDraft } from '../../src/terms/versions.ts';
import { publishTermsVersion } from '../../src/announcements/publish.ts';
import { openDatabase } from '../../src/db/client.ts';
import type { Database } from '../../src/db/client.ts';
import { createTestDatabase, onPostgres } from '../support/database.ts';
import { spawnEntry } from '../support/process.ts';
import { multicastCounts, startAnnouncementFixture, TOKEN } from './fixture.ts';
import type { AnnouncementFixture } from './fixture.ts';

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe.skipIf(!onPostgres)('an announcement to 20,000 followers across a SIGKILL', () => {
  let f: AnnouncementFixture;
  let db: Database | undefined;
  beforeAll(async () => {
    f = await startAnnouncementFixture({ database: await createTestDatabase(), now: '2026-12-01T10:00:00+09:00' });
  });
  afterAll(async () => {
    await db?.close();
    await f?.close();
  });

  it('reaches every follower exactly once, in requests of at most 500, after a second process resumes', async () => {
    const followers = await f.addFollowers(20_000, 'crowd');
    const gone = await f.addFollowers(250, 'gone');
    await f.unfollow(gone);
    await f.addBooking(followers[7] ?? '', '2027-01-08');
    const draft = await createTermsDraft(
      f.db.prisma,
      {
        label: '令和9年1月1日改定',
        effectiveDate: '2027-01-01',
        body: '第1条 …',
        changeSummary: '・キャンセルの連絡方法を変更します。',
        cardSummary: '・利用料は無料です',
      },
      f.clock.now(),
    );
    const published = await publishTermsVersion(f.db.prisma, draft.id, f.publishOptions());
    expect(published).toMatchObject({ recipients: 20_000, batches: 41 }); // 40 of "all" (one of 499) + 1 of "booked"

    // The workers migrate the database themselves: this process lets go of it (and of the
    // migration lock) and watches through a plain connection.
    await f.db.close();
    const watch = await openDatabase({ databaseUrl: f.database.databaseUrl, dataDir: 'memory://' });
    db = watch;
    const env = {
      LINE_CHANNEL_SECRET: 'announcement-crash-secret',
      LINE_CHANNEL_ACCESS_TOKEN: TOKEN,
      LINE_API_BASE_URL: f.line.baseURL,
      DATABASE_URL: f.database.databaseUrl ?? '',
      FIELD_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      SCHEDULER_INTERVAL_SECONDS: '1',
      ANNOUNCEMENT_CONCURRENCY: '3',
      ANNOUNCEMENT_REQUESTS_PER_SECOND: '20',
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
    };
    // Every multicast waits 150 ms at LINE before it is handled (and is handled even if its sender died).
    f.line.delayNext(150, 1_000, { only: 'multicast' });

    const first = spawnEntry('src/worker.ts', { ...env, CLOCK_START: '2026-12-01T10:00:05+09:00' });
    try {
      await until(() => f.line.multicasts.length >= 12, 'the first worker to send a dozen batches').catch((error: unknown) => {
        throw new Error(`${String(error)}\n${first.output().stdout.slice(-3000)}\n${first.output().stderr.slice(-3000)}`);
      });
      first.child.kill('SIGKILL');
      expect((await first.exited).signal).toBe('SIGKILL');
    } finally {
      first.child.kill('SIGKILL');
    }
    // Requests still in flight land at LINE after the death.
    await new Promise((resolve) => setTimeout(resolve, 400));
    const acceptedBeforeResume = f.line.multicasts.length;
    const recordedBeforeResume = await watch.prisma.announcementBatch.count({ where: { status: 'sent' } });
    expect(acceptedBeforeResume).toBeLessThan(41);

    // Second worker, after the 2-minute lease of the batches the first one held.
    const second = spawnEntry('src/worker.ts', { ...env, CLOCK_START: '2026-12-01T10:05:00+09:00' });
    try {
      await until(
        async () => (await watch.prisma.announcement.findUniqueOrThrow({ where: { id: published.announcement.id } })).status === 'done',
        'the second worker to finish the announcement',
      );
      second.child.kill('SIGTERM');
      expect((await second.exited).code).toBe(0);
    } finally {
      second.child.kill('SIGKILL');
    }

    const counts = multicastCounts(f.line);
    expect(counts.size).toBe(20_000);
    for (const id of followers) expect(counts.get(id)).toBe(1);
    for (const id of gone) expect(counts.get(id)).toBeUndefined();
    const requests = f.line.requests.filter((r) => r.endpoint === 'multicast');
    expect(Math.max(...requests.map((r) => (r.body as { to: string[] }).to.length))).toBeLessThanOrEqual(500);
    // Each batch's key was accepted exactly once; any repeat of it got 409 and delivered nothing.
    const accepted = requests.filter((r) => r.status === 200).map((r) => r.headers['x-line-retry-key']);
    expect(new Set(accepted).size).toBe(41);
    expect(accepted).toHaveLength(41);
    const repeats = requests.filter((r) => r.status === 409);
    for (const r of repeats) expect(accepted).toContain(r.headers['x-line-retry-key']);
    expect(repeats.length).toBe(acceptedBeforeResume - recordedBeforeResume);
    expect(f.line.textsTo(followers[7] ?? '').join('\n')).toContain('そのまま有効');
    expect(await watch.prisma.announcementBatch.count({ where: { status: { not: 'sent' } } })).toBe(0);
    f.line.assertNoRejections({ allow: [409] }); // the repeats above, and nothing else
    process.stdout.write(
      `crash/resume: ${acceptedBeforeResume} batches accepted before the kill, ${recordedBeforeResume} recorded; ${repeats.length} answered 409 on resume\n`,
    );
  }, 120_000);
});
