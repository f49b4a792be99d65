/**
 * `npm run calendar -- [--from YYYY-MM-DD] [--days N] [--now <ISO instant>] [--json]`:
 * the office calendar as the service sees it — same configuration, the office's own closed and
 * open days and the places already taken from the database. See runCalendarCommand.
 */
import { config as loadDotenv } from 'dotenv';
import { ConfigError, loadConfig } from '../config.ts';
import { openMigratedDatabase } from '../db/client.ts';
import { loadOfficeCalendar } from '../office-days.ts';
import { takenSeats } from '../booking/bookings.ts';
import { calendarArgumentsError, runCalendarCommand } from './calendar-command.ts';
import { clockStartingAt, systemClock } from '../clock.ts';

const usageError = calendarArgumentsError(process.argv.slice(2));
if (usageError) {
  console.error(usageError);
  process.exit(2);
}
loadDotenv({ quiet: true });
let config;
try {
  // The calendar needs no LINE channel; placeholders keep the shared validation usable.
  config = loadConfig({ LINE_CHANNEL_SECRET: '-', LINE_CHANNEL_ACCESS_TOKEN: '-', ...process.env });
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`Configuration error: ${error.message}`);
    process.exit(2);
  }
  throw error;
}
const clock = config.CLOCK_START ? clockStartingAt(config.CLOCK_START) : systemClock;
const now = clock.now();
const db = await openMigratedDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR });
let code: number;
try {
  const calendar = await loadOfficeCalendar(db.prisma, config, now);
  const taken = await takenSeats(db.prisma, now);
  code = runCalendarCommand(process.argv.slice(2), {
    now,
    config: calendar,
    taken,
    stdout: (s) => process.stdout.write(`${s}\n`),
    stderr: (s) => process.stderr.write(`${s}\n`),
  });
} finally {
  await db.close();
}
// Exit explicitly: the WebAssembly schema engine leaves a timer that would keep the process
// alive for about ten seconds after the migration check.
process.exit(code);
