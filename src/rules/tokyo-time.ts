/**
 * Calendar arithmetic in Asia/Tokyo, exact whatever TZ the process runs in.
 *
 * A Japanese calendar date is a 'YYYY-MM-DD' string, never a Date: a Date is an instant, and
 * reading its year, month or day with the local getters silently uses the process time zone
 * (the trap that makes a server in UTC see 2026-11-23 00:30 JST as 2026-11-22). Japan has had
 * no daylight saving time since 1951, so Tokyo wall-clock time is always UTC+9 and the
 * conversions below are plain arithmetic on UTC milliseconds, with no time-zone database.
 */

/** A date on the Japanese calendar, 'YYYY-MM-DD'. */
export type JpDate = string;

/** A wall-clock time in Asia/Tokyo, 'HH:mm' (24-hour). */
export type TimeOfDay = string;

const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;
const TOKYO_OFFSET_MS = 9 * 60 * MS_PER_MINUTE;

const JP_DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_OF_DAY_PATTERN = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** True for an existing calendar date written 'YYYY-MM-DD' (rejects 2026-02-30, which Date.parse accepts). */
export function isJpDate(value: string): boolean {
  const match = JP_DATE_PATTERN.exec(value);
  if (!match) return false;
  const [, year, month, day] = match.map(Number) as [number, number, number, number];
  const utc = new Date(Date.UTC(year, month - 1, day));
  return utc.getUTCFullYear() === year && utc.getUTCMonth() === month - 1 && utc.getUTCDate() === day;
}

/** True for a 24-hour 'HH:mm' time from 00:00 to 23:59. */
export function isTimeOfDay(value: string): boolean {
  return TIME_OF_DAY_PATTERN.test(value);
}

/** Minutes since midnight of an 'HH:mm' time, for ordering and spacing slot starts. */
export function minutesOfDay(time: TimeOfDay): number {
  return digitsAt(time, 0, 2) * 60 + digitsAt(time, 3, 2);
}

/** The 'HH:mm' time that lies `minutes` after midnight. */
export function timeOfDayAt(minutes: number): TimeOfDay {
  return `${pad2(Math.floor(minutes / 60))}:${pad2(minutes % 60)}`;
}

/** The date on the Japanese calendar at instant `now`: the "today" of every office rule. */
export function tokyoDateOf(now: Date): JpDate {
  return formatUtcDate(new Date(now.getTime() + TOKYO_OFFSET_MS));
}

/** The Tokyo wall-clock time at instant `now`, to the minute. */
export function tokyoTimeOf(now: Date): TimeOfDay {
  const shifted = new Date(now.getTime() + TOKYO_OFFSET_MS);
  return timeOfDayAt(shifted.getUTCHours() * 60 + shifted.getUTCMinutes());
}

/** The instant at which Tokyo clocks show `time` on `date`, e.g. a slot start or the reminder moment. */
export function tokyoInstant(date: JpDate, time: TimeOfDay): Date {
  return new Date(utcMidnightOf(date) + minutesOfDay(time) * MS_PER_MINUTE - TOKYO_OFFSET_MS);
}

/** The date `days` calendar days after `date` (before it when negative). */
export function addDays(date: JpDate, days: number): JpDate {
  return formatUtcDate(new Date(utcMidnightOf(date) + days * MS_PER_DAY));
}

/** Day of the week of `date`, 0 = Sunday … 6 = Saturday. */
export function weekdayOf(date: JpDate): number {
  return new Date(utcMidnightOf(date)).getUTCDay();
}

/** Milliseconds of the instant 00:00 UTC on the same calendar date: a time-zone-free day counter. */
function utcMidnightOf(date: JpDate): number {
  return Date.UTC(digitsAt(date, 0, 4), digitsAt(date, 5, 2) - 1, digitsAt(date, 8, 2));
}

/**
 * The number written by `length` decimal digits at `start`. Reading digit codes instead of
 * Number(text.slice(…)) keeps the whole-horizon computation several times faster; the
 * strings were validated where they entered the program.
 */
function digitsAt(text: string, start: number, length: number): number {
  let value = 0;
  for (let index = start; index < start + length; index += 1) value = value * 10 + text.charCodeAt(index) - 48;
  return value;
}

function formatUtcDate(utc: Date): JpDate {
  return `${utc.getUTCFullYear()}-${pad2(utc.getUTCMonth() + 1)}-${pad2(utc.getUTCDate())}`;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}
