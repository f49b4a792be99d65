/**
 * The whole service in-process for end-to-end tests: a fresh database (PGlite or PostgreSQL,
 * see database.ts), the real LINE SDK talking to the fake LINE API on loopback, a manual clock,
 * and helpers that send correctly signed webhook requests through supertest.
 */
import { createHmac } from 'node:crypto';
import { Writable } from 'node:stream';
import request from 'supertest';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import type { Config } from '../../src/config.ts';
import { ManualClock } from '../../src/clock.ts';
import { createLogger } from '../../src/logger.ts';
import { startService } from '../../src/service.ts';
import type { Service } from '../../src/service.ts';
import type { SchedulerDeps } from '../../src/lifecycle/outbox.ts';
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

/** The bot's user ID, as LINE names it in every webhook body (the service does not check it). */
export const BOT_DESTINATION = 'Uffffffffffffffffffffffffffffffff';

/** A webhook body carrying `events`, as LINE sends it. */
export function webhookBody(events: object[]): string {
  return JSON.stringify({ destination: BOT_DESTINATION, events });
}

/**
 * Posts `body` to the service's /webhook as LINE does, signed with the channel secret; answered
 * as soon as the service answers, while the events may still be applying (see Harness.settle).
 * `signature` replaces the correct one, for the tests of bad signatures.
 */
export function postSigned(app: Service['app'], body: string, signature = sign(body)): request.Test {
  return request(app).post('/webhook').set('content-type', 'application/json').set('x-line-signature', signature).send(body);
}

/** fetch() options that post `body` to a running service's /webhook, signed as LINE signs it. */
export function signedWebhookInit(body: string): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/json', 'x-line-signature': sign(body) }, body };
}

/** What the scheduler's pass (runSchedulerOnce) needs, taken from the harness's running service. */
export function schedulerDepsOf(h: Harness): SchedulerDeps {
  const { prisma, clock, messenger, logger, dialogue } = h.service.deps;
  return { prisma, clock, messenger, logger, config: h.config, sealer: dialogue.sealer };
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
  /** A database the caller created and drops; by default the harness creates its own and drops it at close(). */
  database?: TestDatabase;
  /** The harness's own database kept on disk (PGlite in a temp directory), so it survives restart(). */
  persistent?: boolean;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const line = await startFakeLineApi({ channelAccessToken: CHANNEL_TOKEN });
  const database = options.database ?? (await createTestDatabase({ persistent: options.persistent ?? false }));
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
      const res = await postSigned(harness.service.app, webhookBody(events));
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

export interface UseHarnessOptions extends HarnessOptions {
  /** When to check that the fake LINE API refused nothing the service sent: after all the tests (the default), after each one, or never. */
  checkLine?: 'after all' | 'after each' | 'never';
  /** Statuses LINE may have answered without failing that check (the tests that provoke them). */
  allowRejections?: readonly number[];
}

/**
 * The harness of the enclosing describe block (or file): started before its tests, checked
 * (see checkLine) and closed after them. The object returned stands for that harness in hooks
 * and tests; it may not be used while the tests are being collected.
 */
export function useHarness(options: UseHarnessOptions = {}): Harness {
  const { checkLine = 'after all', allowRejections = [], ...harnessOptions } = options;
  let started: Harness | undefined;
  const check = (h: Harness) => h.line.assertNoRejections({ allow: allowRejections });
  beforeAll(async () => {
    started = await startHarness(harnessOptions);
  });
  if (checkLine === 'after each') afterEach(() => check(current()));
  afterAll(async () => {
    const h = started;
    started = undefined;
    if (!h) return;
    try {
      if (checkLine === 'after all') check(h);
    } finally {
      await h.close();
    }
  });
  const current = (): Harness => {
    if (!started) throw new Error('useHarness: the harness runs only between its beforeAll and afterAll');
    return started;
  };
  return new Proxy({} as Harness, {
    get: (_target, key): unknown => Reflect.get(current(), key),
    set: (_target, key, value) => Reflect.set(current(), key, value),
    has: (_target, key) => Reflect.has(current(), key),
  });
}

/** Builders for webhook events as LINE sends them; each gets a fresh id and reply token. */
export function eventsFor(line: FakeLineApi, userId: string, clock: ManualClock) {
  const base = (type: string) => userEventEnvelope(type, userId, clock.now());
  const withReply = (type: string) => ({ ...base(type), replyToken: line.issueReplyToken(userId) });
  return {
    follow: () => ({ ...withReply('follow'), follow: { isUnblocked: false } }),
    unfollow: () => base('unfollow'),
    text: (text: string) => ({ ...withReply('message'), message: { type: 'text', id: String(Date.now()), quoteToken: 'q', text } }),
    sticker: () => ({
      ...withReply('message'),
      message: { type: 'sticker', id: '1', quoteToken: 'q', packageId: '446', stickerId: '1988', stickerResourceType: 'STATIC' },
    }),
    image: () => ({ ...withReply('message'), message: { type: 'image', id: '2', quoteToken: 'q', contentProvider: { type: 'line' } } }),
    location: () => ({ ...withReply('message'), message: { type: 'location', id: '3', latitude: 35.5, longitude: 139.6, address: 'x' } }),
    postback: (data: string) => ({ ...withReply('postback'), postback: { data } }),
  };
}
