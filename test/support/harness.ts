/**
 * The whole service in-process for end-to-end tests: a fresh database (PGlite or PostgreSQL,
 * see database.ts), the real LINE SDK talking to the fake LINE API on loopback, a manual clock,
 * and helpers that send correctly signed webhook requests through supertest.
 */
import { createHmac } from 'node:crypto';
import { Writable } from 'node:stream';
import request from 'supertest';
import { loadConfig } from '../../src/config.ts';
import type { Config } from '../../src/config.ts';
import { ManualClock } from '../../src/clock.ts';
import { createLogger } from '../../src/logger.ts';
import { startService } from '../../src/service.ts';
import type { Service } from '../../src/service.ts';
import { startFakeLineApi, lineUserId } from './fake-line-api.ts';
import type { FakeLineApi } from './fake-line-api.ts';
import { createTestDatabase } from './database.ts';
import type { TestDatabase } from './database.ts';
import { userEventEnvelope } from '../../src/dev/webhook-event.ts';

export { lineUserId };

export const CHANNEL_SECRET = 'test-channel-secret';
export const CHANNEL_TOKEN = 'test-channel-access-token';
/** A fixed 32-byte key for personal fields in tests. */
export const FIELD_KEY = Buffer.alloc(32, 7).toString('base64');

export function sign(body: string, secret = CHANNEL_SECRET): string {
  return createHmac('sha256', secret).update(body).digest('base64');
}

export interface Harness {
  service: Service;
  line: FakeLineApi;
  clock: ManualClock;
  config: Config;
  database: TestDatabase;
  /** Every log line the service wrote (JSON strings). */
  logs: string[];
  /** Posts a signed webhook body and waits until its events have been applied. */
  post(events: object[]): Promise<request.Response>;
  /** Waits for background work started by earlier requests. */
  settle(): Promise<void>;
  /** Stops the service but keeps the database (to simulate a restart). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  env?: Record<string, string>;
  now?: string;
  /** Told of every SQL statement the service's Prisma client sends (counting round trips). */
  onQuery?: (sql: string) => void;
  database?: TestDatabase;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const line = await startFakeLineApi({ channelAccessToken: CHANNEL_TOKEN });
  const database = options.database ?? (await createTestDatabase());
  const clock = new ManualClock(options.now ?? '2026-11-28T10:00:00+09:00');
  // PGlite in memory does not survive a restart; a restartable harness uses a temp directory.
  const config = loadConfig({
    LINE_CHANNEL_SECRET: CHANNEL_SECRET,
    LINE_CHANNEL_ACCESS_TOKEN: CHANNEL_TOKEN,
    LINE_API_BASE_URL: line.baseURL,
    DATA_DIR: database.dataDir,
    ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
    FIELD_ENCRYPTION_KEY: FIELD_KEY,
    LOG_LEVEL: 'debug',
    NODE_ENV: 'test',
    ...options.env,
  });
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(chunk.toString());
      cb();
    },
  });
  const pending = new Set<Promise<void>>();
  const boot = () =>
    startService(config, {
      clock,
      logger: createLogger({ level: 'debug', destination }),
      runSweeps: false,
      ...(options.onQuery ? { onQuery: options.onQuery } : {}),
      trackBackgroundWork: (work) => {
        pending.add(work);
        void work.finally(() => pending.delete(work));
      },
    });
  const harness: Harness = {
    service: await boot(),
    line,
    clock,
    config,
    database,
    logs,
    async settle() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    async post(events) {
      const body = JSON.stringify({ destination: 'Uffffffffffffffffffffffffffffffff', events });
      const res = await request(harness.service.app)
        .post('/webhook')
        .set('content-type', 'application/json')
        .set('x-line-signature', sign(body))
        .send(body);
      await harness.settle();
      return res;
    },
    async restart() {
      await harness.settle();
      await harness.service.close();
      harness.service = await boot();
    },
    async close() {
      await harness.settle();
      await harness.service.close();
      await line.close();
      if (!options.database) await database.drop();
    },
  };
  return harness;
}

/** Builders for webhook events as LINE sends them; each gets a fresh id and reply token. */
export function eventsFor(line: FakeLineApi, userId: string, clock: ManualClock) {
  const base = (type: string) => userEventEnvelope(type, userId, clock.now());
  const withReply = (type: string) => ({ ...base(type), replyToken: line.issueReplyToken(userId) });
  return {
    follow: () => ({ ...withReply('follow'), follow: { isUnblocked: false } }),
    unfollow: () => base('unfollow'),
    text: (text: string) => ({ ...withReply('message'), message: { type: 'text', id: String(Date.now()), quoteToken: 'q', text } }),
    sticker: () => ({ ...withReply('message'), message: { type: 'sticker', id: '1', quoteToken: 'q', packageId: '446', stickerId: '1988', stickerResourceType: 'STATIC' } }),
    image: () => ({ ...withReply('message'), message: { type: 'image', id: '2', quoteToken: 'q', contentProvider: { type: 'line' } } }),
    location: () => ({ ...withReply('message'), message: { type: 'location', id: '3', latitude: 35.5, longitude: 139.6, address: 'x' } }),
    postback: (data: string) => ({ ...withReply('postback'), postback: { data } }),
  };
}
