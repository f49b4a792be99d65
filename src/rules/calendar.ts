/**
 * The office calendar: which days the office is open, which consultations a job seeker may
 * still book, and when the office must send the reminder. Pure functions of `now` and the
 * office configuration, so every rule can be tested at any instant and in any process TZ.
 *
 * Rules (terms of use Art. 6, 行政機関の休日に関する法律 第1条; see shared/notes/domain.md):
 * - closed on Saturdays, Sundays, national holidays (substitute holidays included) and
 *   12/29–1/3; the office adds its own closed days and exceptional open days;
 * - a consultation on D can be booked while today (Asia/Tokyo) is on or before the 2nd open day
 *   before D (deadlineOpenDays), never once its slot has started, and no further ahead than
 *   the horizon;
 * - the reminder goes out on the day before D, or the last open day before that;
 * - a consultation nobody joined counts as cancelled 10 minutes (noShowGraceMinutes) after its
 *   start;
 * - a slot offers capacityPerSlot places, or the date's own capacity (capacityByDate), less the
 *   places of blocked times overlapping it (a counsellor is away).
 */
import holidayJp from '@holiday-jp/holiday_jp';
import type { OfficeCalendarConfig } from './office-config.ts';
import { addDays, minutesOfDay, tokyoDateOf, tokyoInstant, weekdayOf } from './tokyo-time.ts';
import type { JpDate, TimeOfDay } from './tokyo-time.ts';

/**
 * Why a day is not open. 'outside-holiday-data' marks a weekday in a year the holiday data
 * does not cover: its holidays are unknown, so it is not offered rather than silently open.
 */
export type ClosedReason = 'weekend' | 'holiday' | 'year-end' | 'office' | 'outside-holiday-data';

export type DayInfo = {
  readonly date: JpDate;
  readonly open: boolean;
  /** Null exactly when the day is open. */
  readonly closedReason: ClosedReason | null;
  /** The national holiday on this date, whether or not it is the reason for closing. */
  readonly holidayName: string | null;
};

/** Active bookings per slot start on one date; a missing start means none. */
export type TakenOnDate = Readonly<Record<TimeOfDay, number>>;

/** Active bookings per date, then per slot start. */
export type TakenByDate = Readonly<Record<JpDate, TakenOnDate>>;

/** The starts still bookable on one date, ascending. */
export type DaySlots = { readonly date: JpDate; readonly starts: readonly TimeOfDay[] };

export type HorizonSlots = {
  /** Dates with at least one bookable start, ascending. */
  readonly days: readonly DaySlots[];
  /** Why dates of the horizon were refused when the cause is not a rule of the office: log them. */
  readonly warnings: readonly string[];
};

// Looked up by Japanese date string: the package's isHoliday(Date) formats the Date in the
// process time zone and scans every key on each call (platform.md, "Dates and holidays").
const holidays: Readonly<Record<JpDate, { readonly name: string } | undefined>> = holidayJp.holidays;

/** The years the holiday data covers; holidays of other years are unknown. */
export const holidayDataYears: { readonly first: number; readonly last: number } = yearsCovered(Object.keys(holidays));

const firstCoveredDate: JpDate = `${holidayDataYears.first}-01-01`;
const lastCoveredDate: JpDate = `${holidayDataYears.last}-12-31`;

/** Whether the office is open on `date`, and if not, why: what staff and the calendar command show. */
export function dayInfo(date: JpDate, config: OfficeCalendarConfig): DayInfo {
  const closedReason = closedReasonOf(date, config);
  return { date, open: closedReason === null, closedReason, holidayName: holidays[date]?.name ?? null };
}

/** True when the office is open on `date` and its holidays are known. */
export function isOpenDay(date: JpDate, config: OfficeCalendarConfig): boolean {
  return closedReasonOf(date, config) === null;
}

/**
 * The `n`-th open day strictly before `date` (`date` itself when n is 0): "working days'
 * notice" counted the way the office counts them. Throws RangeError if the count would leave
 * the holiday data, which only dates in the first days of its first year can cause.
 */
export function nthOpenDayBefore(date: JpDate, n: number, config: OfficeCalendarConfig): JpDate {
  let day = date;
  for (let found = 0; found < n;) {
    day = addDays(day, -1);
    if (day < firstCoveredDate) {
      throw new RangeError(`cannot count ${n} open days before ${date}: the holiday data starts in ${holidayDataYears.first}`);
    }
    if (isOpenDay(day, config)) found += 1;
  }
  return day;
}

/** The last day on which a consultation on `date` can be booked: the 2nd open day before it by default. */
export function bookingDeadline(date: JpDate, config: OfficeCalendarConfig): JpDate {
  return nthOpenDayBefore(date, config.deadlineOpenDays, config);
}

/**
 * True when a consultation on `date` may be booked at `now` as far as the date goes: an open
 * day, within the horizon, and today (Asia/Tokyo) not after its deadline. Whether a slot is
 * left on it is slotsOn's question.
 */
export function isBookableDate(date: JpDate, now: Date, config: OfficeCalendarConfig): boolean {
  const today = tokyoDateOf(now);
  return date >= today && date <= addDays(today, config.horizonDays) && isOpenDay(date, config) && today <= bookingDeadline(date, config);
}

/** The dates from today to today + horizonDays that may be booked, ascending. */
export function bookableDates(now: Date, config: OfficeCalendarConfig): JpDate[] {
  return horizonOf(now, config)
    .filter((day) => day.bookable)
    .map((day) => day.date);
}

/**
 * The slot starts on `date` a job seeker can still choose: the date is bookable, the slot has
 * not started and fewer active bookings hold it than it has places (capacityAt).
 */
export function slotsOn(date: JpDate, now: Date, config: OfficeCalendarConfig, taken: TakenOnDate = {}): TimeOfDay[] {
  return isBookableDate(date, now, config) ? startsLeft(date, now, config, taken) : [];
}

/**
 * Everything a job seeker can book at `now`, across the whole horizon: the answer to every
 * date question in the chat. Dates refused only because the holiday data ends come back as a
 * warning for the caller to log, so the gap is noticed before the horizon reaches it.
 */
export function bookableSlots(now: Date, config: OfficeCalendarConfig, taken: TakenByDate = {}): HorizonSlots {
  const days: DaySlots[] = [];
  const unknown: JpDate[] = [];
  for (const { date, closedReason, bookable } of horizonOf(now, config)) {
    const starts = bookable ? startsLeft(date, now, config, taken[date]) : [];
    if (starts.length > 0) days.push({ date, starts });
    if (closedReason === 'outside-holiday-data') unknown.push(date);
  }
  return { days, warnings: unknown.length === 0 ? [] : [outsideHolidayDataWarning(unknown)] };
}

/** The day the reminder for a consultation on `date` goes out: the day before, or the last open day before that (Art. 6(3)). */
export function reminderDayFor(date: JpDate, config: OfficeCalendarConfig): JpDate {
  return nthOpenDayBefore(date, 1, config);
}

/** The instant the reminder for a consultation on `date` is due: reminderTime (Asia/Tokyo) on the reminder day. */
export function reminderInstantFor(date: JpDate, config: OfficeCalendarConfig): Date {
  return tokyoInstant(reminderDayFor(date, config), config.reminderTime);
}

/** The instant after which staff may mark a consultation nobody joined as a no-show (Art. 6(4)). */
export function noShowMomentFor(slotStart: Date, config: OfficeCalendarConfig): Date {
  return new Date(slotStart.getTime() + config.noShowGraceMinutes * 60_000);
}

// Precedence: the office's own closures, then its exceptional open days, then the law's closed
// days. A holiday falling on a weekend or on 1/1 is reported as 'holiday', to show its name.
function closedReasonOf(date: JpDate, config: OfficeCalendarConfig): ClosedReason | null {
  if (config.closedDays.includes(date)) return 'office';
  if (config.openDays.includes(date)) return null;
  if (holidays[date] !== undefined) return 'holiday';
  if (isYearEndClosure(date)) return 'year-end';
  const weekday = weekdayOf(date);
  if (weekday === 0 || weekday === 6) return 'weekend';
  if (!holidayDataCovers(date)) return 'outside-holiday-data';
  return null;
}

/** 12/29–1/3, closed by 行政機関の休日に関する法律 第1条; only 1/1 is a national holiday. */
function isYearEndClosure(date: JpDate): boolean {
  const monthDay = date.slice(5);
  return monthDay >= '12-29' || monthDay <= '01-03';
}

function holidayDataCovers(date: JpDate): boolean {
  return date >= firstCoveredDate && date <= lastCoveredDate;
}

type HorizonDay = { readonly date: JpDate; readonly closedReason: ClosedReason | null; readonly bookable: boolean };

/**
 * Today and the following horizonDays dates, each with its closed reason and whether its
 * deadline is still ahead, in one pass: "today is on or before the n-th open day before D" is
 * the same as "at least n open days lie from today to the day before D", so counting open days
 * forward replaces a walk back from every date.
 */
function horizonOf(now: Date, config: OfficeCalendarConfig): HorizonDay[] {
  const today = tokyoDateOf(now);
  const days: HorizonDay[] = [];
  let openDaysFromToday = 0;
  for (let offset = 0; offset <= config.horizonDays; offset += 1) {
    const date = addDays(today, offset);
    const closedReason = closedReasonOf(date, config);
    days.push({ date, closedReason, bookable: closedReason === null && openDaysFromToday >= config.deadlineOpenDays });
    if (closedReason === null) openDaysFromToday += 1;
  }
  return days;
}

/** The starts on a bookable `date` that have not begun and still have capacity. */
function startsLeft(date: JpDate, now: Date, config: OfficeCalendarConfig, taken: TakenOnDate = {}): TimeOfDay[] {
  const midnight = tokyoInstant(date, '00:00').getTime();
  // The usual day (no blocked time) needs no per-slot map: this runs for every date of the horizon.
  const hasBlocks = config.blockedTimes?.some((block) => block.date === date) ?? false;
  const dayCapacity = config.capacityByDate?.[date] ?? config.capacityPerSlot;
  const capacity = hasBlocks ? capacitiesOn(date, config) : null;
  return config.slotStarts.filter(
    (start) => midnight + minutesOfDay(start) * 60_000 > now.getTime() && (taken[start] ?? 0) < (capacity ? (capacity.get(start) ?? 0) : dayCapacity),
  );
}

/**
 * The places each slot on `date` offers: the day's capacity (capacityByDate, else
 * capacityPerSlot) less the seats of every blocked time overlapping the session, never below 0.
 * Whether the office is open that day is another question (dayInfo).
 */
export function capacitiesOn(date: JpDate, config: OfficeCalendarConfig): Map<TimeOfDay, number> {
  const dayCapacity = config.capacityByDate?.[date] ?? config.capacityPerSlot;
  const blocks = (config.blockedTimes ?? []).filter((block) => block.date === date);
  const capacities = new Map<TimeOfDay, number>();
  for (const start of config.slotStarts) {
    const begins = minutesOfDay(start);
    const ends = begins + config.slotMinutes;
    let left = dayCapacity;
    for (const block of blocks) {
      if (minutesOfDay(block.from) < ends && minutesOfDay(block.until) > begins) left -= block.seats ?? dayCapacity;
    }
    capacities.set(start, Math.max(0, left));
  }
  return capacities;
}

/** The places the slot at `start` on `date` offers (0 for a start that is not a slot). */
export function capacityAt(date: JpDate, start: TimeOfDay, config: OfficeCalendarConfig): number {
  return capacitiesOn(date, config).get(start) ?? 0;
}

function outsideHolidayDataWarning(dates: readonly JpDate[]): string {
  const span = dates.length === 1 ? dates[0] : `${dates.length} dates from ${dates[0]} to ${dates[dates.length - 1]}`;
  return (
    `not offering ${span}: the holiday data (@holiday-jp/holiday_jp ${holidayJp.VERSION}) covers ` +
    `${holidayDataYears.first}–${holidayDataYears.last} only; update the package to offer later dates`
  );
}

function yearsCovered(dates: readonly JpDate[]): { first: number; last: number } {
  const years = dates.map((date) => Number(date.slice(0, 4)));
  return { first: Math.min(...years), last: Math.max(...years) };
}
