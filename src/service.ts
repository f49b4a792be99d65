/**
 * Wires the service from its configuration: database (migrated and seeded), LINE messenger,
 * dialogue dependencies, the express app and the background sweeps. Used by src/main.ts and by
 * tests that want the whole service in-process.
 */
import type { Config } from './config.ts';
import type { Clock } from './clock.ts';
import { clockStartingAt, systemClock } from './clock.ts';
import type { Logger } from './logger.ts';
import { createLogger } from './logger.ts';
import { openMigratedDatabase } from './db/client.ts';
import type { Database } from './db/client.ts';
import { seedInitialData } from './db/seed.ts';
import { createLineMessenger } from './line/messenger.ts';
import type { Messenger } from './line/messenger.ts';
import { createApp } from './app.ts';
import type { EventDeps } from './events/line-events.ts';
import { recoverPendingEvents } from './events/line-events.ts';
import { plainSealer } from './dialogue/conversation-store.ts';

export interface Service {
  app: ReturnType<typeof createApp>;
  deps: EventDeps;
  db: Database;
  /** Stops the sweeps and closes the database. */
  close(): Promise<void>;
}

export interface ServiceOverrides {
  clock?: Clock;
  logger?: Logger;
  messenger?: Messenger;
  /** Background sweeps (event recovery); tests turn them off and call them directly. */
  runSweeps?: boolean;
  trackBackgroundWork?: (work: Promise<void>) => void;
}

export async function startService(config: Config, overrides: ServiceOverrides = {}): Promise<Service> {
  const logger = overrides.logger ?? createLogger({ level: config.LOG_LEVEL });
  const clock = overrides.clock ?? (config.CLOCK_START ? clockStartingAt(config.CLOCK_START) : systemClock);
  if (config.CLOCK_START && !overrides.clock) logger.warn({ clockStart: config.CLOCK_START.toISOString() }, 'CLOCK_START is set: the service runs on a shifted clock');

  const db = await openMigratedDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR });
  if (db.appliedMigrations.length > 0) logger.info({ migrations: db.appliedMigrations }, 'migrations applied');
  await seedInitialData(db.prisma);

  const messenger = overrides.messenger ?? createLineMessenger({ channelAccessToken: config.LINE_CHANNEL_ACCESS_TOKEN, baseURL: config.LINE_API_BASE_URL });
  const deps: EventDeps = {
    prisma: db.prisma,
    clock,
    messenger,
    logger,
    dialogue: {
      idleMinutes: config.CONVERSATION_IDLE_MINUTES,
      sealer: plainSealer,
      office: { officeName: config.OFFICE_NAME, officePhone: config.OFFICE_PHONE, officePhoneHours: config.OFFICE_PHONE_HOURS },
    },
  };
  const app = createApp({ ...deps, channelSecret: config.LINE_CHANNEL_SECRET, trackBackgroundWork: overrides.trackBackgroundWork });

  const timers: NodeJS.Timeout[] = [];
  if (overrides.runSweeps ?? true) {
    const sweep = () => {
      recoverPendingEvents(deps).catch((error: unknown) => {
        logger.error({ err: error instanceof Error ? error.message : 'unknown' }, 'event recovery sweep failed');
      });
    };
    sweep();
    timers.push(setInterval(sweep, 30_000).unref());
  }

  return {
    app,
    deps,
    db,
    async close() {
      for (const t of timers) clearInterval(t);
      await db.close();
    },
  };
}
