/**
 * What the announcement tests share: a migrated, seeded database (PGlite in memory, or a fresh
 * PostgreSQL database when TEST_DATABASE_URL is set), the real LINE SDK multicasting to the fake
 * LINE API, a manual clock, and users and bookings inserted directly.
 */
import { Writable } from 'node:stream';
import { ManualClock } from '../../src/clock.ts';
import { openMigratedDatabase } from '../../src/db/client.ts';
import type { Database } from '../../src/db/client.ts';
import { seedInitialData } from '../../src/db/seed.ts';
import { createLogger } from '../../src/logger.ts';
import { tokyoInstant } from '../../src/rules/index.ts';
import { createLineMulticaster } from '../../src/announcements/multicast.ts';
import type { SenderDeps, SenderOptions } from '../../src/announcements/sender.ts';
import { defaultSenderOptions } from '../../src/announcements/sender.ts';
import type { PublishOptions } from '../../src/announcements/publish.ts';
import { createTestDatabase } from '../support/database.ts';
import type { TestDatabase } from '../support/database.ts';
import { lineUserId, startFakeLineApi } from '../support/fake-line-api.ts';
import type { FakeLineApi } from '../support/fake-line-api.ts';
import type { BookingStatus } from '../../src/booking/status.ts';

export const TOKEN = 'announcement-test-token';
export const office = { officeName: 'ハローワーク港北', officePhone: '045-474-1221', officePhoneHours: '平日 8:30〜17:15' };

/** Fast, but with the production logic: no waiting between requests beyond the rate limit. */
export const testSenderOptions: SenderOptions = { ...defaultSenderOptions, concurrency: 4, requestsPerSecond: 200, requestTimeoutMs: 5_000 };

export interface AnnouncementFixture {
  db: Database;
  database: TestDatabase;
  line: FakeLineApi;
  clock: ManualClock;
  deps: SenderDeps;
  logs: string[];
  publishOptions(extra?: Partial<PublishOptions>): PublishOptions;
  /** Inserts `count` followed users (ids from `seed`), in one statement; returns their ids. */
  addFollowers(count: number, seed: string): Promise<string[]>;
  addBooking(userId: string, date: string, options?: { status?: BookingStatus; startTime?: string }): Promise<void>;
  unfollow(userIds: string[]): Promise<void>;
  close(): Promise<void>;
}

export async function startAnnouncementFixture(options: { now?: string; database?: TestDatabase } = {}): Promise<AnnouncementFixture> {
  const line = await startFakeLineApi({ channelAccessToken: TOKEN });
  const database = options.database ?? (await createTestDatabase());
  const db = await openMigratedDatabase({ databaseUrl: database.databaseUrl, dataDir: database.dataDir });
  await seedInitialData(db.prisma);
  const terms = await db.prisma.termsVersion.findFirstOrThrow();
  const clock = new ManualClock(options.now ?? '2026-12-01T10:00:00+09:00');
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(chunk.toString());
      callback();
    },
  });
  const deps: SenderDeps = {
    prisma: db.prisma,
    clock,
    multicaster: createLineMulticaster({ channelAccessToken: TOKEN, baseURL: line.baseURL }),
    logger: createLogger({ level: 'debug', destination }),
  };
  let bookingSeq = 0;
  return {
    db,
    database,
    line,
    clock,
    deps,
    logs,
    publishOptions: (extra = {}) => ({ now: clock.now(), office, publicBaseUrl: 'https://line.example.jp', by: 'admin-1', ...extra }),
    async addFollowers(count, seed) {
      const ids = Array.from({ length: count }, (_, i) => lineUserId(`${seed}-${i}`));
      for (let i = 0; i < ids.length; i += 5000) {
        await db.prisma.lineUser.createMany({ data: ids.slice(i, i + 5000).map((id) => ({ id, followedAt: clock.now() })) });
      }
      return ids;
    },
    async addBooking(userId, date, bookingOptions = {}) {
      bookingSeq += 1;
      const startTime = bookingOptions.startTime ?? '10:00';
      await db.prisma.booking.create({
        data: {
          userId,
          date,
          startTime,
          startsAt: tokyoInstant(date, startTime),
          status: bookingOptions.status ?? 'confirmed',
          nameEnc: 'x',
          jobSeekerNumberEnc: 'x',
          phoneEnc: 'x',
          topicEnc: 'x',
          termsVersionId: terms.id,
          createdAt: new Date(clock.now().getTime() - bookingSeq),
        },
      });
    },
    async unfollow(userIds) {
      await db.prisma.lineUser.updateMany({ where: { id: { in: userIds } }, data: { unfollowedAt: clock.now() } });
    },
    async close() {
      await line.close();
      await db.close().catch(() => undefined); // a test may have closed it already
      await database.drop();
    },
  };
}

/** How many messages each user got by multicast (user id → number of multicast requests that reached them). */
export function multicastCounts(line: FakeLineApi): Map<string, number> {
  const counts = new Map<string, number>();
  for (const delivery of line.deliveries) {
    if (delivery.via !== 'multicast' || !delivery.userId) continue;
    counts.set(delivery.userId, (counts.get(delivery.userId) ?? 0) + 1);
  }
  return counts;
}
