/**
 * The office's own calendar exceptions (closed working days, exceptional open days), stored in
 * the database so staff can change them without a deploy, and turned into the rules module's
 * configuration for a given moment.
 */
import type { Config } from './config.ts';
import { officeCalendarOf } from './config.ts';
import type { Db } from './db/repositories.ts';
import { addDays, isJpDate, tokyoDateOf, validateOfficeCalendarConfig } from './rules/index.ts';
import type { OfficeCalendarConfig } from './rules/index.ts';

/**
 * The calendar in force around `now`: office days from 60 days back (deadlines and reminder
 * days look back a little) to beyond the horizon.
 */
export async function loadOfficeCalendar(db: Db, config: Config, now: Date): Promise<OfficeCalendarConfig> {
  const from = addDays(tokyoDateOf(now), -60);
  const all = await db.officeDay.findMany({ where: { date: { gte: from } }, select: { date: true, open: true } });
  // A row typed by hand in a wrong format must not stop the bot: it is ignored (setOfficeDay
  // refuses such dates).
  const rows = all.filter((r) => isJpDate(r.date));
  return validateOfficeCalendarConfig(
    officeCalendarOf(config, {
      closedDays: rows.filter((r) => !r.open).map((r) => r.date),
      openDays: rows.filter((r) => r.open).map((r) => r.date),
    }),
  );
}

/** Marks a date closed or exceptionally open (replacing an earlier entry for it). */
export async function setOfficeDay(db: Db, date: string, open: boolean, note?: string): Promise<void> {
  if (!isJpDate(date)) throw new RangeError(`office day must be a date YYYY-MM-DD (got "${date.slice(0, 20)}")`);
  await db.officeDay.upsert({ where: { date }, create: { date, open, note: note ?? null }, update: { open, note: note ?? null } });
}
