/**
 * Scheduler entry (`npm run worker`): delivers reminders and notices apart from the web service,
 * for deployments that want it so (set RUN_SCHEDULER=false on the service then, or not: any
 * number of schedulers may share one PostgreSQL database without sending anything twice).
 * Reads the same configuration as the service; a configuration error stops the process with one
 * line naming the variable. Runs until SIGTERM or SIGINT, finishing the pass in progress.
 */
import { isLocalMode } from './config.ts';
import { applicationClock, exitOnConfigError, loadConfigOrExit, openDatabaseOrExit } from './entry.ts';
import { createLineMessenger } from './line/messenger.ts';
import { createLogger } from './logger.ts';
import { startScheduler } from './lifecycle/outbox.ts';
import { startAnnouncementsFromConfig } from './announcements/loop.ts';
import { startRetentionJob } from './lifecycle/retention.ts';
import { verifyFieldKeys } from './crypto/field-keys.ts';
import { fieldCipherFor } from './service.ts';

const config = loadConfigOrExit();
if (isLocalMode(config)) {
  // Local mode's fake LINE API lives inside `npm start`, which runs the scheduler itself.
  process.stderr.write('Configuration error: npm run worker needs the LINE credentials; in local mode (both empty) `npm start` runs the scheduler itself\n');
  process.exit(1);
}
const logger = createLogger({ level: config.LOG_LEVEL });
const clock = applicationClock(config);
if (config.CLOCK_START) logger.warn({ clockStart: config.CLOCK_START.toISOString() }, 'CLOCK_START is set: the worker runs on a shifted clock');

const db = await openDatabaseOrExit(config);
if (db.appliedMigrations.length > 0) logger.info({ migrations: db.appliedMigrations }, 'migrations applied');
if (db.kind === 'pglite') {
  // The embedded database belongs to one process: a service on the same DATA_DIR must not run meanwhile.
  logger.warn(
    { dataDir: config.DATA_DIR },
    'worker on the embedded database: do not run the service on the same DATA_DIR at the same time (use RUN_SCHEDULER there, or PostgreSQL)',
  );
}
const messenger = createLineMessenger({ channelAccessToken: config.LINE_CHANNEL_ACCESS_TOKEN, baseURL: config.LINE_API_BASE_URL });
// Replies handed to the outbox are sealed with the personal-fields key.
const cipher = await fieldCipherFor(config, logger);
const sealer = { seal: (json: string) => cipher.encrypt(json), open: (sealed: string) => cipher.decrypt(sealed) };
// Keys (issue #8): refuse a field key this database does not know, with one line.
await verifyFieldKeys(db.prisma, cipher, clock.now()).catch(async (error: unknown) => {
  await db.close();
  exitOnConfigError(error);
  throw error;
});
const scheduler = startScheduler({ prisma: db.prisma, clock, messenger, logger, config, sealer });
// Announcements (issue #10): terms changes and office notices, multicast in batches.
const announcements = startAnnouncementsFromConfig(config, { prisma: db.prisma, clock, logger });
// Retention (issue #8): erases personal data past PERSONAL_DATA_RETENTION_DAYS.
const retention = startRetentionJob({ prisma: db.prisma, clock, logger, config });
logger.info({ database: db.kind, intervalSeconds: config.SCHEDULER_INTERVAL_SECONDS }, 'worker started');

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  await scheduler.stop();
  await announcements.stop();
  await retention.stop();
  await db.close();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
