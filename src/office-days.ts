/**
 * The office's own calendar exceptions (closed working days, exceptional open days, per-date
 * capacity and blocked times), stored in the database so staff can change them without a
 * deploy, and turned into the rules module's configuration for a given moment. The bot, the
 * calendar command and the staff console all read the calendar through loadOfficeCalendar.
 */
import type { Config } from './config.ts';
import { officeCalendarOf } from './config.ts';
import type { Db } from './db/repositories.ts';
import { upcomingStatuses } from './booking/status.ts';
import { addDays, capacityAt, checkBlockedTime, isJpDate, isOpenDay, isTimeOfDay, tokyoDateOf, validateOfficeCalendarConfig } from './rules/index.ts';
import type { BlockedTime, OfficeCalendarConfig } from './rules/index.ts';

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
  // Per-date capacity and blocked times (staff console, calendar page); rows that would not pass
  // the rules' check (typed by hand) are ignored like malformed office days.
  const capacities = await db.officeDayCapacity.findMany({ where: { date: { gte: from } }, select: { date: true, capacity: true } });
  const blocks = await db.officeBlockedTime.findMany({ where: { date: { gte: from } }, select: { date: true, startTime: true, endTime: true, seats: true } });
  const capacityByDate: Record<string, number> = {};
  for (const row of capacities)
    if (isJpDate(row.date) && Number.isInteger(row.capacity) && row.capacity >= 0 && row.capacity <= 50) capacityByDate[row.date] = row.capacity;
  const blockedTimes = blocks.map((b) => ({ date: b.date, from: b.startTime, until: b.endTime, seats: b.seats })).filter(isValidBlockedTime);
  return validateOfficeCalendarConfig({
    ...officeCalendarOf(config, {
      closedDays: rows.filter((r) => !r.open).map((r) => r.date),
      openDays: rows.filter((r) => r.open).map((r) => r.date),
    }),
    capacityByDate,
    blockedTimes,
  });
}

function isValidBlockedTime(block: BlockedTime): boolean {
  try {
    checkBlockedTime(block);
    return true;
  } catch {
    return false;
  }
}

/** Marks a date closed or exceptionally open (replacing an earlier entry for it). */
export async function setOfficeDay(db: Db, date: string, open: boolean, note?: string): Promise<void> {
  if (!isJpDate(date)) throw new RangeError(`office day must be a date YYYY-MM-DD (got "${date.slice(0, 20)}")`);
  await db.officeDay.upsert({ where: { date }, create: { date, open, note: note ?? null }, update: { open, note: note ?? null } });
}

// ---------------------------------------------------------------------------------------------
// Changes made on the staff console's calendar page (admin). Each is checked here, so a bad
// value never reaches the rules; the page previews a change with `calendarAfter` and lists the
// bookings it would leave without a place (`bookingsNotFitting`) before it is saved.
// ---------------------------------------------------------------------------------------------

/** A calendar change the console may make; dates YYYY-MM-DD (Japan), times HH:mm. */
export type CalendarChange =
  | { kind: 'closed'; date: string; note: string }
  | { kind: 'open'; date: string; note: string }
  /** Removes the office's own closed or open entry for the date: the law's calendar applies again. */
  | { kind: 'default'; date: string }
  /** Places per slot on the date; null goes back to SLOT_CAPACITY. */
  | { kind: 'capacity'; date: string; capacity: number | null; note: string }
  | { kind: 'block'; date: string; from: string; until: string; seats: number | null; note: string }
  | { kind: 'unblock'; id: string };

/** A change with a value the rules would refuse; `field` names the form field, the message is Japanese. */
export class CalendarChangeError extends Error {
  override name = 'CalendarChangeError';
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}

/** Longest note kept with a calendar entry (a reason such as 「館内設備点検」, not personal data). */
export const CALENDAR_NOTE_MAX = 100;

/** Throws CalendarChangeError (in Japanese, saying what to fix) for a change the rules cannot take. */
export function checkCalendarChange(change: CalendarChange): void {
  if (change.kind === 'unblock') return;
  if (!isJpDate(change.date)) throw new CalendarChangeError('date', '日付を正しく選んでください（例: 2026-12-09）。');
  if ('note' in change && [...change.note].length > CALENDAR_NOTE_MAX)
    throw new CalendarChangeError('note', `理由は${CALENDAR_NOTE_MAX}文字以内で入力してください。`);
  if ((change.kind === 'closed' || change.kind === 'open') && change.note.trim() === '')
    throw new CalendarChangeError('note', '理由を入力してください（例: 館内設備点検のため休業）。');
  if (change.kind === 'capacity' && change.capacity !== null && (!Number.isInteger(change.capacity) || change.capacity < 0 || change.capacity > 50)) {
    throw new CalendarChangeError('capacity', '枠あたりの人数は 0 から 50 までの整数で入力してください。');
  }
  if (change.kind === 'block') {
    if (!isTimeOfDay(change.from) || !isTimeOfDay(change.until)) throw new CalendarChangeError('from', '時刻を 24 時間制の「10:00」の形で入力してください。');
    if (change.until <= change.from) throw new CalendarChangeError('until', '終了時刻は開始時刻より後にしてください。');
    if (change.seats !== null && (!Number.isInteger(change.seats) || change.seats < 1 || change.seats > 50)) {
      throw new CalendarChangeError('seats', '減らす人数は 1 から 50 までの整数で入力してください（全員不在なら空欄）。');
    }
  }
}

/** The calendar the rules would see once `change` is saved (pure; for the preview and warnings). */
export function calendarAfter(
  calendar: OfficeCalendarConfig,
  change: CalendarChange,
  blocks: ReadonlyArray<BlockedTime & { id: string }>,
): OfficeCalendarConfig {
  const without = (list: readonly string[], date: string) => list.filter((d) => d !== date);
  switch (change.kind) {
    case 'closed':
      return { ...calendar, closedDays: [...without(calendar.closedDays, change.date), change.date], openDays: without(calendar.openDays, change.date) };
    case 'open':
      return { ...calendar, closedDays: without(calendar.closedDays, change.date), openDays: [...without(calendar.openDays, change.date), change.date] };
    case 'default':
      return { ...calendar, closedDays: without(calendar.closedDays, change.date), openDays: without(calendar.openDays, change.date) };
    case 'capacity': {
      const capacityByDate = { ...calendar.capacityByDate };
      if (change.capacity === null) delete capacityByDate[change.date];
      else capacityByDate[change.date] = change.capacity;
      return { ...calendar, capacityByDate };
    }
    case 'block':
      return {
        ...calendar,
        blockedTimes: [...(calendar.blockedTimes ?? []), { date: change.date, from: change.from, until: change.until, seats: change.seats }],
      };
    case 'unblock':
      return { ...calendar, blockedTimes: blocks.filter((b) => b.id !== change.id).map(({ date, from, until, seats }) => ({ date, from, until, seats })) };
  }
}

/** A booking a calendar change would leave without a place: ids and times only. */
export type BookingNotFitting = { id: string; date: string; startTime: string; status: string };

/**
 * The active bookings on `date` that `calendar` has no place for: every one when the day is
 * closed; else, per slot, those beyond its places (the latest made first to go) and those at a
 * time that is no longer a slot. Nothing is cancelled: staff decide, booking by booking.
 */
export async function bookingsNotFitting(db: Db, date: string, calendar: OfficeCalendarConfig): Promise<BookingNotFitting[]> {
  const active = await db.booking.findMany({
    where: { date, status: { in: [...upcomingStatuses] } },
    select: { id: true, date: true, startTime: true, status: true },
    orderBy: [{ startTime: 'asc' }, { createdAt: 'asc' }],
  });
  if (!isOpenDay(date, calendar)) return active;
  const seen = new Map<string, number>();
  return active.filter((booking) => {
    const held = (seen.get(booking.startTime) ?? 0) + 1;
    seen.set(booking.startTime, held);
    return held > capacityAt(date, booking.startTime, calendar);
  });
}

/** The entries the calendar page lists from `from` on: office days, capacities, blocked times. */
export async function calendarEntriesFrom(db: Db, from: string) {
  const [days, capacities, blocks] = await Promise.all([
    db.officeDay.findMany({ where: { date: { gte: from } }, orderBy: { date: 'asc' } }),
    db.officeDayCapacity.findMany({ where: { date: { gte: from } }, orderBy: { date: 'asc' } }),
    db.officeBlockedTime.findMany({ where: { date: { gte: from } }, orderBy: [{ date: 'asc' }, { startTime: 'asc' }] }),
  ]);
  return { days, capacities, blocks: blocks.map((b) => ({ id: b.id, date: b.date, from: b.startTime, until: b.endTime, seats: b.seats, note: b.note })) };
}

/**
 * Checks and saves a change. `changed` is false when there was nothing to remove (a second
 * click on a removal).
 */
export async function applyCalendarChange(db: Db, change: CalendarChange, now: Date): Promise<{ changed: boolean }> {
  checkCalendarChange(change);
  switch (change.kind) {
    case 'closed':
    case 'open':
      await setOfficeDay(db, change.date, change.kind === 'open', change.note.trim());
      return { changed: true };
    case 'default':
      return { changed: (await db.officeDay.deleteMany({ where: { date: change.date } })).count > 0 };
    case 'capacity':
      if (change.capacity === null) return { changed: (await db.officeDayCapacity.deleteMany({ where: { date: change.date } })).count > 0 };
      await db.officeDayCapacity.upsert({
        where: { date: change.date },
        create: { date: change.date, capacity: change.capacity, note: change.note.trim() || null, createdAt: now, updatedAt: now },
        update: { capacity: change.capacity, note: change.note.trim() || null, updatedAt: now },
      });
      return { changed: true };
    case 'block':
      await db.officeBlockedTime.create({
        data: { date: change.date, startTime: change.from, endTime: change.until, seats: change.seats, note: change.note.trim() || null, createdAt: now },
      });
      return { changed: true };
    case 'unblock':
      return { changed: (await db.officeBlockedTime.deleteMany({ where: { id: change.id } })).count > 0 };
  }
}
