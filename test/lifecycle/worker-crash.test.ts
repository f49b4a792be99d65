/**
 * Exactly once across a crash, with real processes: `node src/worker.ts` (what `npm run worker`
 * runs) pushes a reminder through a proxy that lets the request reach the fake LINE API and
 * then holds the response back; the worker is killed with SIGKILL while it waits, so LINE has
 * the message and the database does not know. A second worker claims the row once the lease
 * has expired, retries with the same X-Line-Retry-Key, gets 409 and records the reminder as
 * sent: the user has exactly one message. No test hook in the worker: the crash window is made
 * by the network, as it would be in production.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMigratedDatabase } from '../../src/db/client.ts';
import { seedInitialData } from '../../src/db/seed.ts';
import { officeCalendarOf, loadConfig } from '../../src/config.ts';
import { scheduleReminder } from '../../src/lifecycle/reminders.ts';
import { tokyoInstant } from '../../src/rules/index.ts';
import { createTestDatabase } from '../support/database.ts';
import type { TestDatabase } from '../support/database.ts';
import { lineUserId, startFakeLineApi } from '../support/fake-line-api.ts';
import type { FakeLineApi } from '../support/fake-line-api.ts';
import { spawnEntry } from '../support/process.ts';
import { FIELD_KEY } from '../support/harness.ts';

const TOKEN = 'crash-test-token';

const runWorker = (env: Record<string, string>) => spawnEntry('src/worker.ts', env);

/** Forwards requests to the fake LINE API, then never answers: the response is lost on the way back. */
async function startBlackHoleProxy(target: string, onDelivered: () => void): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const name of ['authorization', 'content-type', 'x-line-retry-key']) {
        const value = req.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      void fetch(`${target}${req.url ?? '/'}`, { method: req.method ?? 'GET', headers, body: Buffer.concat(chunks) }).then(
        () => onDelivered(), // and `res` is never ended
        () => res.destroy(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('a worker killed after LINE accepted the push and before recording it', () => {
  let line: FakeLineApi;
  let database: TestDatabase;
  beforeAll(async () => {
    line = await startFakeLineApi({ channelAccessToken: TOKEN });
    database = await createTestDatabase({ persistent: true });
  });
  afterAll(async () => {
    await line?.close();
    await database?.drop();
  });

  it('leaves the user with exactly one reminder once a new worker has run', async () => {
    const user = lineUserId('crash');
    const baseEnv = {
      LINE_CHANNEL_SECRET: 'crash-test-secret',
      LINE_CHANNEL_ACCESS_TOKEN: TOKEN,
      DATA_DIR: database.dataDir,
      ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
      // Required with DATABASE_URL (each worker checks it against the database's key check).
      FIELD_ENCRYPTION_KEY: FIELD_KEY,
      DEFAULT_MEETING_URL: 'https://teleoffice.example/room/crash',
      SCHEDULER_INTERVAL_SECONDS: '1',
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
    };

    // A booking on Tuesday 2026-12-01 10:00, its reminder due Monday 2026-11-30 10:00.
    const setup = await openMigratedDatabase({ databaseUrl: database.databaseUrl, dataDir: database.dataDir });
    let bookingId: string;
    try {
      await seedInitialData(setup.prisma);
      const terms = await setup.prisma.termsVersion.findFirstOrThrow();
      const now = new Date('2026-11-25T12:00:00+09:00');
      await setup.prisma.lineUser.create({ data: { id: user, followedAt: now } });
      const booking = await setup.prisma.booking.create({
        data: {
          userId: user,
          date: '2026-12-01',
          startTime: '10:00',
          startsAt: tokyoInstant('2026-12-01', '10:00'),
          nameEnc: 'x',
          jobSeekerNumberEnc: 'x',
          phoneEnc: 'x',
          topicEnc: 'x',
          termsVersionId: terms.id,
          createdAt: now,
        },
      });
      bookingId = booking.id;
      await scheduleReminder(setup.prisma, booking, officeCalendarOf(loadConfig(baseEnv)), now);
    } finally {
      await setup.close(); // PGlite is one process at a time
    }

    // First worker: its push reaches LINE, the answer never comes back, and it is killed.
    let delivered = false;
    const proxy = await startBlackHoleProxy(line.baseURL, () => (delivered = true));
    const first = runWorker({ ...baseEnv, LINE_API_BASE_URL: proxy.url, CLOCK_START: '2026-11-30T10:00:05+09:00' });
    try {
      await until(() => delivered, 'the first push to reach the fake LINE API');
      first.child.kill('SIGKILL');
      expect((await first.exited).signal).toBe('SIGKILL');
    } finally {
      first.child.kill('SIGKILL');
      await proxy.close();
    }
    expect(line.pushes).toHaveLength(1);
    expect(first.output().stdout).not.toContain('push sent');

    // Second worker, after the lease (2 minutes) has run out: retries with the same key.
    const second = runWorker({ ...baseEnv, LINE_API_BASE_URL: line.baseURL, CLOCK_START: '2026-11-30T10:05:00+09:00' });
    try {
      await until(() => second.output().stdout.includes('push already delivered'), 'the second worker to record the reminder');
      second.child.kill('SIGTERM');
      expect((await second.exited).code).toBe(0);
    } finally {
      second.child.kill('SIGKILL');
    }

    const pushRequests = line.requests.filter((r) => r.endpoint === 'push');
    expect(pushRequests.map((r) => r.status)).toEqual([200, 409]);
    expect(new Set(pushRequests.map((r) => r.headers['x-line-retry-key'])).size).toBe(1);
    expect(line.readableTo(user)).toHaveLength(1);
    expect(line.readableTo(user)[0]).toContain('https://teleoffice.example/room/crash');

    const check = await openMigratedDatabase({ databaseUrl: database.databaseUrl, dataDir: database.dataDir });
    try {
      const row = await check.prisma.push.findFirstOrThrow({ where: { bookingId } });
      expect([row.status, row.attempts, row.leaseUntil]).toEqual(['sent', 2, null]);
    } finally {
      await check.close();
    }
  }, 60_000);
});
