/**
 * What every command-line entry (service, worker, calendar, migrations) does first: read `.env`
 * (the real environment wins), validate the configuration, and stop with one clear line if it
 * is unusable.
 */
import { config as loadDotenv } from 'dotenv';
import { ConfigError, loadConfig } from './config.ts';
import type { Config } from './config.ts';
import { clockStartingAt, systemClock } from './clock.ts';
import type { Clock } from './clock.ts';
import { DatabaseInUseError, openMigratedDatabase } from './db/client.ts';
import type { Database } from './db/client.ts';

/** The validated configuration, or exit with `Configuration error: …` and `exitCode`. */
export function loadConfigOrExit(overrides: Record<string, string> = {}, exitCode = 1): Config {
  loadDotenv({ quiet: true });
  try {
    return loadConfig({ ...overrides, ...process.env });
  } catch (error) {
    exitOnConfigError(error, exitCode);
    throw error;
  }
}

/**
 * Exits with one line if `error` is one a user can act on (configuration, or the embedded
 * database in use by another process); returns otherwise (rethrow it).
 */
export function exitOnConfigError(error: unknown, exitCode = 1): void {
  if (error instanceof ConfigError) {
    process.stderr.write(`Configuration error: ${error.message}\n`);
    process.exit(exitCode);
  }
  if (error instanceof DatabaseInUseError) {
    process.stderr.write(`Cannot start: ${error.message}\n`);
    process.exit(exitCode);
  }
}

/** Opens and migrates the configured database, or exits with one line (see exitOnConfigError). */
export async function openDatabaseOrExit(config: Config, exitCode = 1): Promise<Database & { appliedMigrations: string[] }> {
  try {
    return await openMigratedDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR });
  } catch (error) {
    exitOnConfigError(error, exitCode);
    throw error;
  }
}

/** The application clock: real time, or CLOCK_START running forward (demos, acceptance tests). */
export function applicationClock(config: Config): Clock {
  return config.CLOCK_START ? clockStartingAt(config.CLOCK_START) : systemClock;
}
