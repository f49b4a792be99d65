// An announcement of a terms change to 100,000 followers, sent by a real worker process
// (`node src/worker.ts`, on the embedded database in a temporary directory) to the fake LINE API:
// requests made (at most 200: 500 recipients each), time from the first to the last multicast,
// and the peak resident memory of the sending process (VmHWM from /proc).
//
// Baseline, measured in the same run: the same 200 multicasts of 500 recipients with the same
// messages and concurrency, made by a bare loop over the LINE SDK with no database at all — the
// floor any sender can reach against this fake. (One push per follower instead would be 100,000
// requests: 500 times as many.)
// On the embedded database the worker's memory includes PGlite's (about 570 MiB for an idle
// worker here); with TEST_DATABASE_URL set, the same run uses a fresh PostgreSQL database and the
// figure is the sender's own.
// Run: npx vitest bench --run bench/announcements.bench.ts
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { messagingApi } from '@line/bot-sdk';
import { expect, test } from 'vitest';
import { openMigratedDatabase } from '../src/db/client.ts';
import { seedInitialData } from '../src/db/seed.ts';
import { createTermsDraft } from '../src/terms/versions.ts';
import { publishTermsVersion } from '../src/announcements/publish.ts';
import type { Message } from '../src/line/messages.ts';
import { lineUserId, startFakeLineApi } from '../test/support/fake-line-api.ts';
import { spawnEntry } from '../test/support/process.ts';
import { createTestDatabase, onPostgres } from '../test/support/database.ts';

const FOLLOWERS = 100_000;
const CONCURRENCY = 4;
const TOKEN = 'bench-token';

async function until(condition: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Peak (VmHWM) or current (VmRSS) resident set size of a process, in MiB (Linux). */
async function rssMiB(pid: number, field: 'VmHWM' | 'VmRSS'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 'NaN');
  return Math.round((kib / 1024) * 10) / 10;
}

test('an announcement to 100,000 followers, against a bare multicast loop', async () => {
  const line = await startFakeLineApi({ channelAccessToken: TOKEN });
  const dataDir = await mkdtemp(path.join(tmpdir(), 'hw-bench-'));
  const postgres = onPostgres ? await createTestDatabase() : undefined;
  const databaseUrl = postgres?.databaseUrl;
  try {
    // 100,000 followers and a published terms change (the recipients fixed as 200 batches).
    const setupStart = performance.now();
    const db = await openMigratedDatabase({ databaseUrl, dataDir });
    let messages: Message[] = [];
    try {
      await seedInitialData(db.prisma);
      const now = new Date();
      // One statement; 'U' || md5(seed) is exactly lineUserId(seed).
      await db.prisma
        .$executeRaw`INSERT INTO line_users (id, followed_at, updated_at) SELECT 'U' || md5('bench-' || g), now(), now() FROM generate_series(0, ${FOLLOWERS - 1}) AS g`;
      const effective = new Date(now.getTime() + 40 * 86_400_000).toISOString().slice(0, 10);
      const draft = await createTermsDraft(
        db.prisma,
        {
          label: 'ベンチマーク改定',
          effectiveDate: effective,
          body: '第1条 …',
          changeSummary: '・キャンセルの連絡方法を変更します。',
          cardSummary: '・利用料は無料です',
        },
        now,
      );
      const office = { officeName: 'ハローワーク港北', officePhone: '045-474-1221', officePhoneHours: '平日 8:30〜17:15' };
      const published = await publishTermsVersion(db.prisma, draft.id, { now, office, publicBaseUrl: 'https://line.example.jp' });
      expect(published).toMatchObject({ batches: 200, recipients: FOLLOWERS });
      messages = (published.announcement.messages as unknown as Record<string, Message[]>).all ?? [];
    } finally {
      await db.close();
    }
    const setupMs = performance.now() - setupStart;

    // The sender: a real worker process.
    const spawnedAt = performance.now();
    const worker = spawnEntry('src/worker.ts', {
      LINE_CHANNEL_SECRET: 'bench-secret',
      LINE_CHANNEL_ACCESS_TOKEN: TOKEN,
      LINE_API_BASE_URL: line.baseURL,
      DATA_DIR: dataDir,
      ...(databaseUrl ? { DATABASE_URL: databaseUrl, FIELD_ENCRYPTION_KEY: randomBytes(32).toString('base64') } : {}),
      SCHEDULER_INTERVAL_SECONDS: '1',
      ANNOUNCEMENT_CONCURRENCY: String(CONCURRENCY),
      ANNOUNCEMENT_REQUESTS_PER_SECOND: '200',
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
    });
    let peak = 0;
    let atFirstRequest = 0;
    try {
      await until(() => line.multicasts.length >= 1, 'the worker to start sending', 50_000).catch((error: unknown) => {
        throw new Error(`${String(error)}\n${worker.output().stderr.slice(-2000)}`);
      });
      atFirstRequest = await rssMiB(worker.child.pid ?? 0, 'VmRSS');
      await until(() => line.multicasts.length >= 200, 'the worker to send 200 multicasts', 50_000).catch((error: unknown) => {
        throw new Error(`${String(error)}\n${worker.output().stderr.slice(-2000)}`);
      });
      await new Promise((resolve) => setTimeout(resolve, 300)); // let it record the last batches
      peak = await rssMiB(worker.child.pid ?? 0, 'VmHWM');
      worker.child.kill('SIGTERM');
      expect((await worker.exited).code).toBe(0);
    } finally {
      worker.child.kill('SIGKILL');
    }
    const requests = line.requests.filter((r) => r.endpoint === 'multicast');
    const first = Math.min(...requests.map((r) => r.receivedAt));
    const last = Math.max(...requests.map((r) => r.receivedAt));
    const workerSendMs = last - first;
    const workerTotalMs = performance.now() - spawnedAt;
    expect(requests).toHaveLength(200);
    expect(Math.max(...requests.map((r) => (r.body as { to: string[] }).to.length))).toBe(500);
    expect(new Set(line.deliveries.map((d) => d.userId)).size).toBe(FOLLOWERS);
    line.assertNoRejections();

    // Baseline: the same 200 requests from a bare loop, no database.
    line.reset();
    const client = new messagingApi.MessagingApiClient({ channelAccessToken: TOKEN, baseURL: line.baseURL });
    const batches = Array.from({ length: 200 }, (_, b) => Array.from({ length: 500 }, (_, i) => lineUserId(`bench-${b * 500 + i}`)));
    const baselineStart = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < batches.length) {
          const to = batches[next++] ?? [];
          await client.multicast({ to, messages }, randomUUID());
        }
      }),
    );
    const baselineMs = performance.now() - baselineStart;
    expect(line.multicasts).toHaveLength(200);

    const rows: Array<[string, string]> = [
      ['followers', FOLLOWERS.toLocaleString('en')],
      ['database', databaseUrl ? 'PostgreSQL' : 'embedded PGlite'],
      ['setup (100,000 users + publish, not timed below)', `${(setupMs / 1000).toFixed(1)} s`],
      ['requests made by the worker', String(requests.length)],
      ['largest request (recipients)', '500'],
      ['worker: first to last multicast', `${(workerSendMs / 1000).toFixed(2)} s`],
      ['worker: start of process to done (incl. migrations check, idle poll)', `${(workerTotalMs / 1000).toFixed(2)} s`],
      ['worker: resident memory when the first multicast arrived (VmRSS)', `${atFirstRequest} MiB`],
      [`worker: peak resident memory (VmHWM${databaseUrl ? '' : '; includes the embedded database'})`, `${peak} MiB`],
      [`baseline: bare SDK loop, same 200 requests, concurrency ${CONCURRENCY}`, `${(baselineMs / 1000).toFixed(2)} s`],
      ['worker send time / baseline', `${(workerSendMs / baselineMs).toFixed(2)}×`],
    ];
    process.stdout.write(`\nannouncement to ${FOLLOWERS.toLocaleString('en')} followers\n${rows.map(([k, v]) => `  ${k.padEnd(72)} ${v}`).join('\n')}\n`);
  } finally {
    await line.close();
    await rm(dataDir, { recursive: true, force: true });
    await postgres?.drop();
  }
}, 120_000);
