/**
 * What the lifecycle tests share: a migrated, seeded database (PGlite in memory, or a fresh
 * PostgreSQL database when TEST_DATABASE_URL is set), the real LINE SDK talking to the fake
 * LINE API, a manual clock, and rows inserted directly (the booking conversation is not needed
 * to test what happens after a booking).
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { loadConfig, officeCalendarOf } from '../../src/config.ts';
import type { Config } from '../../src/config.ts';
import { openMigratedDatabase } from '../../src/db/client.ts';
import type { Database } from '../../src/db/client.ts';
import { seedInitialData } from '../../src/db/seed.ts';
import { createLineMessenger } from '../../src/line/messenger.ts';
import { createLogger } from '../../src/logger.ts';
import { scheduleReminder } from '../../src/lifecycle/reminders.ts';
import type { SchedulerDeps } from '../../src/lifecycle/outbox.ts';
import type { OfficeCalendarConfig } from '../../src/rules/index.ts';
import { tokyoInstant } from '../../src/rules/index.ts';
import { createTestDatabase } from '../support/database.ts';
import type { TestDatabase } from '../support/database.ts';
import { lineUserId, startFakeLineApi } from '../support/fake-line-api.ts';
import type { FakeLineApi } from '../support/fake-line-api.ts';

export const CHANNEL_TOKEN = 'lifecycle-test-token';
export const MEETING_URL = 'https://teleoffice.example/room/kohoku-1';

export interface LifecycleFixture {
  db: Database;
  database: TestDatabase;
  line: FakeLineApi;
  clock: ManualClock;
  config: Config;
  calendar: OfficeCalendarConfig;
  deps: SchedulerDeps;
  /** Every log line written (JSON strings). */
  logs: string[];
  termsVersionId: number;
  /** Inserts a followed user. */
  addUser(seed: string | number, options?: { unfollowed?: boolean }): Promise<string>;
  /** Inserts a confirmed booking with its seat and schedules its reminder, as booking creation does. */
  addBooking(userId: string, date: string, startTime: string, options?: { meetingUrl?: string | null; createdAt?: Date }): Promise<string>;
  /** Changes configuration values (rebuilds deps.config). */
  configure(env: Record<string, string>): void;
  /** Forgets all users, bookings and pushes, and everything the fake saw. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export async function startLifecycleFixture(options: { env?: Record<string, string>; now?: string } = {}): Promise<LifecycleFixture> {
  const line = await startFakeLineApi({ channelAccessToken: CHANNEL_TOKEN });
  const database = await createTestDatabase();
  const db = await openMigratedDatabase({ databaseUrl: database.databaseUrl, dataDir: database.dataDir });
  await seedInitialData(db.prisma);
  const terms = await db.prisma.termsVersion.findFirstOrThrow();
  const clock = new ManualClock(options.now ?? '2026-11-16T09:00:00+09:00');
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(chunk.toString());
      callback();
    },
  });
  const baseEnv = {
    LINE_CHANNEL_SECRET: 'lifecycle-test-secret',
    LINE_CHANNEL_ACCESS_TOKEN: CHANNEL_TOKEN,
    LINE_API_BASE_URL: line.baseURL,
    NODE_ENV: 'test',
    DEFAULT_MEETING_URL: MEETING_URL,
    ...options.env,
  };
  const config = loadConfig(baseEnv);
  const deps: SchedulerDeps = {
    prisma: db.prisma,
    clock,
    messenger: createLineMessenger({ channelAccessToken: CHANNEL_TOKEN, baseURL: line.baseURL }),
    logger: createLogger({ level: 'debug', destination }),
    config,
  };
  const fixture: LifecycleFixture = {
    db,
    database,
    line,
    clock,
    config,
    calendar: officeCalendarOf(config),
    deps,
    logs,
    termsVersionId: terms.id,
    async addUser(seed, userOptions = {}) {
      const id = lineUserId(seed);
      const at = clock.now();
      await db.prisma.lineUser.create({ data: { id, followedAt: at, unfollowedAt: userOptions.unfollowed ? at : null } });
      return id;
    },
    async addBooking(userId, date, startTime, bookingOptions = {}) {
      const now = clock.now();
      return db.prisma.$transaction(async (tx) => {
        const booking = await tx.booking.create({
          data: {
            userId,
            date,
            startTime,
            startsAt: tokyoInstant(date, startTime),
            status: 'confirmed',
            nameEnc: 'enc:name',
            jobSeekerNumberEnc: 'enc:number',
            phoneEnc: 'enc:phone',
            topicEnc: 'enc:topic',
            meetingUrl: bookingOptions.meetingUrl ?? null,
            termsVersionId: terms.id,
            createdAt: bookingOptions.createdAt ?? now,
          },
          select: { id: true, userId: true, date: true, startTime: true, startsAt: true },
        });
        const seats = await tx.slotSeat.count({ where: { date, startTime } });
        await tx.slotSeat.create({ data: { date, startTime, seat: seats + 1, bookingId: booking.id } });
        await scheduleReminder(tx, booking, fixture.calendar, now);
        return booking.id;
      });
    },
    configure(env) {
      fixture.config = loadConfig({ ...baseEnv, ...env });
      fixture.calendar = officeCalendarOf(fixture.config);
      deps.config = fixture.config;
    },
    async reset() {
      await db.prisma.push.deleteMany();
      await db.prisma.slotSeat.deleteMany();
      await db.prisma.booking.deleteMany();
      await db.prisma.consent.deleteMany();
      await db.prisma.lineUser.deleteMany();
      await db.prisma.officeDay.deleteMany();
      line.reset();
      logs.length = 0;
      fixture.configure({});
    },
    async close() {
      await db.close();
      await line.close();
      await database.drop();
    },
  };
  return fixture;
}

/**
 * The fixture of the enclosing describe block (or file): started before its tests, emptied
 * (`reset`) before each, and after them checked for anything the fake LINE API refused and
 * closed. The object returned stands for the fixture in hooks and tests; it may not be used
 * while the tests are being collected.
 */
export function useLifecycleFixture(options: Parameters<typeof startLifecycleFixture>[0] = {}): LifecycleFixture {
  let started: LifecycleFixture | undefined;
  beforeAll(async () => {
    started = await startLifecycleFixture(options);
  });
  beforeEach(async () => {
    await current().reset();
  });
  afterAll(async () => {
    const f = started;
    started = undefined;
    if (!f) return;
    try {
      f.line.assertNoRejections();
    } finally {
      await f.close();
    }
  });
  const current = (): LifecycleFixture => {
    if (!started) throw new Error('useLifecycleFixture: the fixture runs only between its beforeAll and afterAll');
    return started;
  };
  return new Proxy({} as LifecycleFixture, {
    get: (_target, key): unknown => Reflect.get(current(), key),
    has: (_target, key) => Reflect.has(current(), key),
  });
}
