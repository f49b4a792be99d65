/**
 * `npm run calendar -- [--from YYYY-MM-DD] [--days N] [--now <ISO instant>] [--json]`:
 * the office calendar as the service sees it — same configuration, the office's own closed and
 * open days and the places already taken from the database. See runCalendarCommand.
 */
import { applicationClock, loadConfigOrExit, openDatabaseOrExit } from '../entry.ts';
import { loadOfficeCalendar } from '../office-days.ts';
import { takenSeats } from '../booking/bookings.ts';
import { checkCalendarArguments, runCalendarCommand } from './calendar-command.ts';

const checked = checkCalendarArguments(process.argv.slice(2));
if ('error' in checked) {
  process.stderr.write(`${checked.error}\n`);
  process.exit(2);
}
// The calendar needs no LINE channel; placeholders keep the shared validation usable.
const config = loadConfigOrExit({ LINE_CHANNEL_SECRET: '-', LINE_CHANNEL_ACCESS_TOKEN: '-' }, 2);
const clock = applicationClock(config);
// Office days and taken places are read as of --now too, so a past or future view is coherent.
const now = checked.now ?? clock.now();
const db = await openDatabaseOrExit(config, 2);
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
