/**
 * Wires the service from its configuration: database (migrated and seeded), LINE messenger,
 * dialogue dependencies, the express app and the background sweeps. Used by src/main.ts and by
 * tests that want the whole service in-process.
 */
import { privacyPageUrl } from './terms/privacy-page.ts';
import { describeError } from './logger.ts';
import type { Config } from './config.ts';
import type { Clock } from './clock.ts';
import { applicationClock } from './entry.ts';
import type { Logger } from './logger.ts';
import { createLogger } from './logger.ts';
import { openMigratedDatabase } from './db/client.ts';
import type { Database } from './db/client.ts';
import { seedInitialData } from './db/seed.ts';
import { purgeExpiredSessions } from './staff/sessions.ts';
import { purgeOldSignInAttempts } from './staff/sign-in.ts';
import { refreshSearchHashes } from './staff/users/search.ts';
import { createLineMessenger } from './line/messenger.ts';
import type { Messenger } from './line/messenger.ts';
import { createApp } from './app.ts';
import type { EventDeps } from './events/line-events.ts';
import { applyNextEvent, purgeProcessedEvents, recoverPendingEvents, recoverUnsentReplies } from './events/line-events.ts';
import { createEventDispatcher } from './events/dispatcher.ts';
import { createReferenceCache } from './dialogue/reference-data.ts';
import type { EventDispatcher } from './events/dispatcher.ts';
import { defaultPoolSize } from './db/client.ts';
import { startScheduler } from './lifecycle/outbox.ts';
import { startAnnouncementsFromConfig } from './announcements/loop.ts';
import { startRetentionJob } from './lifecycle/retention.ts';
import { ConfigError } from './config.ts';
import { createFieldCipher, loadOrCreateLocalKey } from './crypto/field-cipher.ts';
import { verifyFieldKeys } from './crypto/field-keys.ts';
import type { FieldCipher } from './crypto/field-cipher.ts';
import { randomBytes } from 'node:crypto';

export interface Service {
  app: ReturnType<typeof createApp>;
  deps: EventDeps;
  db: Database;
  dispatcher: EventDispatcher;
  /**
   * Stops the sweeps, lets the events in flight finish (at most SHUTDOWN_GRACE_SECONDS; queued
   * ones stay pending in the database for the next start or another instance), stops the
   * scheduler (giving back the pushes it held) and closes the database.
   */
  close(): Promise<void>;
}

export interface ServiceOverrides {
  clock?: Clock;
  logger?: Logger;
  messenger?: Messenger;
  /** Background sweeps (event recovery); tests turn them off and call them directly. */
  runSweeps?: boolean;
  trackBackgroundWork?: (work: Promise<void>) => void;
  /** Told of every SQL statement (tests count statements per turn). */
  onQuery?: (sql: string) => void;
}

export async function startService(config: Config, overrides: ServiceOverrides = {}): Promise<Service> {
  const logger = overrides.logger ?? createLogger({ level: config.LOG_LEVEL });
  const clock = overrides.clock ?? applicationClock(config);
  if (config.CLOCK_START && !overrides.clock)
    logger.warn({ clockStart: config.CLOCK_START.toISOString() }, 'CLOCK_START is set: the service runs on a shifted clock');

  const cipher = await fieldCipherFor(config, logger);
  const db = await openMigratedDatabase({
    databaseUrl: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    poolSize: config.DATABASE_POOL_SIZE,
    preparedStatements: config.DATABASE_PREPARED_STATEMENTS,
    onQuery: overrides.onQuery,
    // A terminated backend is not fatal: the statement in flight fails as transient and is retried.
    onConnectionError: (error) => logger.warn({ error: describeError(error) }, 'database connection lost; it will be replaced'),
  });
  if (db.appliedMigrations.length > 0) logger.info({ migrations: db.appliedMigrations }, 'migrations applied');
  // Keys (issue #8): refuse to run with a field key this database does not know (one line).
  const keyCheck = await verifyFieldKeys(db.prisma, cipher, clock.now()).catch(async (error: unknown) => {
    await db.close();
    throw error;
  });
  if (keyCheck.added.length > 0) logger.info({ keyIds: keyCheck.added }, 'field key checks stored');
  await seedInitialData(db.prisma);
  // Keyed search hashes for the staff console: fill those of older bookings, re-hash after a key rotation.
  const hashes = await refreshSearchHashes(db.prisma, cipher);
  if (hashes.hashed > 0 || hashes.unreadable > 0) logger.info(hashes, 'search hashes refreshed');

  const messenger = overrides.messenger ?? createLineMessenger({ channelAccessToken: config.LINE_CHANNEL_ACCESS_TOKEN, baseURL: config.LINE_API_BASE_URL });
  const deps: EventDeps = {
    prisma: db.prisma,
    clock,
    messenger,
    logger,
    dialogue: {
      config,
      cipher,
      // The conversation holds what the user typed so far: sealed like the booking fields.
      sealer: { seal: (json) => cipher.encrypt(json), open: (sealed) => cipher.decrypt(sealed) },
      office: {
        officeName: config.OFFICE_NAME,
        officePhone: config.OFFICE_PHONE,
        officePhoneHours: config.OFFICE_PHONE_HOURS,
        idleMinutes: config.CONVERSATION_IDLE_MINUTES,
        horizonDays: config.BOOKING_HORIZON_DAYS,
        maxActiveBookings: config.MAX_ACTIVE_BOOKINGS,
        retentionDays: config.PERSONAL_DATA_RETENTION_DAYS,
        privacyUrl: privacyPageUrl(config.PUBLIC_BASE_URL),
        chatCancellationCutoffHours: config.CHAT_CANCELLATION_ENABLED ? config.CHAT_CANCELLATION_CUTOFF_HOURS : null,
        resumeHours: config.CONVERSATION_RESUME_HOURS,
      },
      // The calendar and terms between turns, checked within each turn's read of its facts (issue #13).
      reference: createReferenceCache(),
    },
  };
  // Reminders, notices and replies handed to the outbox; in the service unless RUN_SCHEDULER=false (then `npm run worker`).
  const scheduler =
    config.RUN_SCHEDULER && (overrides.runSweeps ?? true)
      ? startScheduler({ prisma: db.prisma, clock, messenger, logger, config, sealer: deps.dialogue.sealer })
      : undefined;
  deps.kickScheduler = scheduler ? () => scheduler.kick() : undefined;
  // Announcements (issue #10): terms changes and office notices, multicast where the scheduler runs.
  const announcements =
    config.RUN_SCHEDULER && (overrides.runSweeps ?? true) ? startAnnouncementsFromConfig(config, { prisma: db.prisma, clock, logger }) : undefined;
  // Retention (issue #8): erases personal data past PERSONAL_DATA_RETENTION_DAYS, where the scheduler runs.
  const retention = config.RUN_SCHEDULER && (overrides.runSweeps ?? true) ? startRetentionJob({ prisma: db.prisma, clock, logger, config }) : undefined;

  // Bounded concurrency below the pool size: the webhook's INSERT, the scheduler and the
  // health check always find a connection. PGlite has one connection: one user at a time.
  const concurrency = config.EVENT_CONCURRENCY ?? (db.kind === 'pglite' ? 1 : Math.max(1, (config.DATABASE_POOL_SIZE ?? defaultPoolSize) - 3));
  const dispatcher = createEventDispatcher({ concurrency, step: (userId) => applyNextEvent(userId, deps), logger, track: overrides.trackBackgroundWork });
  const app = createApp({ ...deps, config, channelSecret: config.LINE_CHANNEL_SECRET, enqueueUser: (userId) => dispatcher.enqueue(userId) });

  const timers: NodeJS.Timeout[] = [];
  if (overrides.runSweeps ?? true) {
    let first = true;
    const sweep = () => {
      // At start every pending event is a leftover; later, leave the ones being handled now.
      const olderThanMs = first ? 0 : 10_000;
      first = false;
      purgeProcessedEvents(deps.prisma, deps.clock.now()).catch((error: unknown) => {
        logger.error({ error: describeError(error) }, 'webhook event purge failed');
      });
      recoverPendingEvents(deps, olderThanMs, (userId) => dispatcher.enqueue(userId)).catch((error: unknown) => {
        logger.error({ error: describeError(error) }, 'event recovery sweep failed');
      });
      recoverUnsentReplies(deps).catch((error: unknown) => {
        logger.error({ error: describeError(error) }, 'reply recovery sweep failed');
      });
    };
    sweep();
    timers.push(setInterval(sweep, 15_000).unref());
    // Staff console housekeeping (issue #9): sessions past their lifetime, sign-in attempts older than a day.
    const staffHousekeeping = () => {
      const now = deps.clock.now();
      Promise.all([purgeExpiredSessions(deps.prisma, now), purgeOldSignInAttempts(deps.prisma, now)]).catch((error: unknown) => {
        logger.error({ error: describeError(error) }, 'staff housekeeping failed');
      });
    };
    timers.push(setInterval(staffHousekeeping, 10 * 60_000).unref());
  }

  return {
    app,
    deps,
    db,
    dispatcher,
    async close() {
      for (const t of timers) clearInterval(t);
      const drained = await dispatcher.drain(config.SHUTDOWN_GRACE_SECONDS * 1000);
      if (!drained) logger.warn({ ...dispatcher.stats() }, 'events still in flight at shutdown; they stay pending for the next start');
      await scheduler?.stop();
      await announcements?.stop();
      await retention?.stop();
      await db.close();
    },
  };
}

/**
 * The cipher for personal fields. FIELD_ENCRYPTION_KEY wins; without it, the embedded database
 * keeps a key file under DATA_DIR (created on first start, with a warning to back it up), and an
 * in-memory database gets a throw-away key. Several instances on PostgreSQL must share one
 * key, so there it is required.
 */
export async function fieldCipherFor(config: Config, logger: Logger): Promise<FieldCipher> {
  if (config.FIELD_ENCRYPTION_KEY) {
    try {
      return createFieldCipher(config.FIELD_ENCRYPTION_KEY, { previous: config.FIELD_ENCRYPTION_OLD_KEYS });
    } catch (error) {
      throw new ConfigError(
        'FIELD_ENCRYPTION_KEY',
        `FIELD_ENCRYPTION_KEY must be 32 bytes, base64 or hex (${error instanceof Error ? error.message : 'invalid'})`,
      );
    }
  }
  if (config.DATABASE_URL) {
    throw new ConfigError('FIELD_ENCRYPTION_KEY', 'FIELD_ENCRYPTION_KEY is required with DATABASE_URL: 32 random bytes in base64, shared by every instance');
  }
  if (config.DATA_DIR.startsWith('memory://')) return createFieldCipher(randomBytes(32).toString('base64'), { previous: config.FIELD_ENCRYPTION_OLD_KEYS });
  const local = await loadOrCreateLocalKey(config.DATA_DIR);
  if (local.created)
    logger.warn({ path: local.path }, 'created a local key for personal fields; back it up with the data directory, or set FIELD_ENCRYPTION_KEY');
  if (local.permissionsTooOpen) logger.warn({ path: local.path }, 'the local key file is readable by others; chmod 600 it');
  return createFieldCipher(local.key, { previous: config.FIELD_ENCRYPTION_OLD_KEYS });
}
