/**
 * The office's calendar configuration: the numbers the terms of use leave to the office
 * (domain.md, "Facts not in the terms"), plus the office's own closed and open days from the
 * database. The rules take it as a parameter, so tests can try any office and staff changes
 * need no code.
 */
import { isJpDate, isTimeOfDay, minutesOfDay, timeOfDayAt } from './tokyo-time.ts';
import type { JpDate, TimeOfDay } from './tokyo-time.ts';

export type OfficeCalendarConfig = {
  /** Consultation start times in Asia/Tokyo, ascending, sessions not overlapping. */
  readonly slotStarts: readonly TimeOfDay[];
  /** Length of one session; the terms (Art. 6(1)) allow at most 30 minutes. */
  readonly slotMinutes: number;
  /** Bookings one slot can take: the number of counsellors. */
  readonly capacityPerSlot: number;
  /** How many calendar days ahead of today a consultation may be booked. */
  readonly horizonDays: number;
  /** Booking closes at the end of the N-th open day before the consultation (Art. 6(1): 2). */
  readonly deadlineOpenDays: number;
  /** When, on the reminder day, the office sends the date, time and meeting URL (Art. 6(3)). */
  readonly reminderTime: TimeOfDay;
  /** After start + this, a consultation nobody joined counts as cancelled (Art. 6(4): 10). */
  readonly noShowGraceMinutes: number;
  /** The office's own closures (e.g. building maintenance); they win over everything else. */
  readonly closedDays: readonly JpDate[];
  /** Exceptional open days; they win over weekends, holidays and the year-end closure. */
  readonly openDays: readonly JpDate[];
  /** Places per slot on particular dates (more or fewer counsellors that day), instead of capacityPerSlot. */
  readonly capacityByDate?: Readonly<Record<JpDate, number>>;
  /** Times on particular dates when slots offer fewer places, or none: a counsellor is away. */
  readonly blockedTimes?: readonly BlockedTime[];
};

/**
 * A time on one date when fewer places are offered: every slot overlapping [from, until) loses
 * `seats` places, or all of them when `seats` is null. Several may overlap; their seats add up.
 */
export type BlockedTime = {
  readonly date: JpDate;
  readonly from: TimeOfDay;
  readonly until: TimeOfDay;
  readonly seats: number | null;
};

/** Domain defaults: slots 09:00–16:30 every 30 minutes, one counsellor, 30 days ahead, 2 open days' notice. */
export const defaultOfficeCalendarConfig: OfficeCalendarConfig = {
  slotStarts: parseSlotStarts('09:00-16:30/30'),
  slotMinutes: 30,
  capacityPerSlot: 1,
  horizonDays: 30,
  deadlineOpenDays: 2,
  reminderTime: '10:00',
  noShowGraceMinutes: 10,
  closedDays: [],
  openDays: [],
};

/** The configuration cannot be used; the message names the field and what is expected. */
export class OfficeCalendarConfigError extends Error {
  override readonly name = 'OfficeCalendarConfigError';
}

const MINUTES_PER_DAY = 24 * 60;

/**
 * Reads slot starts written as a range with a step, '09:00-16:30/30' (first start, last start,
 * minutes between starts), or as a comma list, '09:00, 09:30, 13:00'. Returns them ascending.
 */
export function parseSlotStarts(text: string): TimeOfDay[] {
  const range = /^\s*(\S+)\s*-\s*(\S+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (range) {
    const [, first = '', last = '', stepText = ''] = range;
    const step = Number(stepText);
    if (!isTimeOfDay(first) || !isTimeOfDay(last) || step < 1 || minutesOfDay(last) < minutesOfDay(first)) {
      throw new OfficeCalendarConfigError(`slot starts "${text}": expected HH:mm-HH:mm/step with the first start not after the last, e.g. 09:00-16:30/30`);
    }
    const starts: TimeOfDay[] = [];
    for (let minutes = minutesOfDay(first); minutes <= minutesOfDay(last); minutes += step) starts.push(timeOfDayAt(minutes));
    return starts;
  }
  const list = text.split(',').map((item) => item.trim());
  const bad = list.find((item) => !isTimeOfDay(item));
  if (bad !== undefined) {
    throw new OfficeCalendarConfigError(`slot starts "${text}": "${bad}" is not a 24-hour HH:mm time`);
  }
  return list.sort();
}

/**
 * Checks a configuration assembled from settings and the database, so that a mistake stops
 * the service at start-up with a clear message instead of offering wrong slots in a chat.
 * The rule functions trust a configuration that passed this check.
 */
export function validateOfficeCalendarConfig(config: OfficeCalendarConfig): OfficeCalendarConfig {
  wholeNumber('slotMinutes', config.slotMinutes, 1, 30);
  wholeNumber('capacityPerSlot', config.capacityPerSlot, 1, 50);
  wholeNumber('horizonDays', config.horizonDays, 1, 365);
  wholeNumber('deadlineOpenDays', config.deadlineOpenDays, 0, 20);
  wholeNumber('noShowGraceMinutes', config.noShowGraceMinutes, 0, 24 * 60);
  if (!isTimeOfDay(config.reminderTime)) {
    throw new OfficeCalendarConfigError(`reminderTime "${config.reminderTime}" is not a 24-hour HH:mm time`);
  }
  checkSlotStarts(config.slotStarts, config.slotMinutes);
  for (const field of ['closedDays', 'openDays'] as const) {
    const bad = config[field].find((date) => !isJpDate(date));
    if (bad !== undefined) throw new OfficeCalendarConfigError(`${field}: "${bad}" is not a YYYY-MM-DD date`);
  }
  for (const [date, capacity] of Object.entries(config.capacityByDate ?? {})) {
    if (!isJpDate(date)) throw new OfficeCalendarConfigError(`capacityByDate: "${date}" is not a YYYY-MM-DD date`);
    wholeNumber(`capacityByDate[${date}]`, capacity, 0, 50);
  }
  for (const block of config.blockedTimes ?? []) checkBlockedTime(block);
  return config;
}

/** Throws OfficeCalendarConfigError unless `block` is a date, a time range forwards and a seat count (or null). */
export function checkBlockedTime(block: BlockedTime): void {
  if (!isJpDate(block.date)) throw new OfficeCalendarConfigError(`blockedTimes: "${block.date}" is not a YYYY-MM-DD date`);
  if (!isTimeOfDay(block.from) || !isTimeOfDay(block.until))
    throw new OfficeCalendarConfigError(`blockedTimes on ${block.date}: from and until must be 24-hour HH:mm times`);
  if (minutesOfDay(block.until) <= minutesOfDay(block.from))
    throw new OfficeCalendarConfigError(`blockedTimes on ${block.date}: ${block.until} is not after ${block.from}`);
  if (block.seats !== null) wholeNumber(`blockedTimes on ${block.date} seats`, block.seats, 1, 50);
}

function checkSlotStarts(starts: readonly TimeOfDay[], slotMinutes: number): void {
  if (starts.length === 0) throw new OfficeCalendarConfigError('slotStarts is empty: the office would offer no consultation');
  let previous: TimeOfDay | undefined;
  for (const start of starts) {
    if (!isTimeOfDay(start)) throw new OfficeCalendarConfigError(`slotStarts: "${start}" is not a 24-hour HH:mm time`);
    if (minutesOfDay(start) + slotMinutes > MINUTES_PER_DAY) {
      throw new OfficeCalendarConfigError(`slotStarts: a ${slotMinutes}-minute session starting at ${start} would run past midnight`);
    }
    if (previous !== undefined) {
      if (minutesOfDay(start) <= minutesOfDay(previous)) {
        throw new OfficeCalendarConfigError(`slotStarts must be ascending without repeats: ${start} comes after ${previous}`);
      }
      if (minutesOfDay(start) - minutesOfDay(previous) < slotMinutes) {
        // Capacity counts counsellors: overlapping slots would book one counsellor twice.
        throw new OfficeCalendarConfigError(`slotStarts ${previous} and ${start} overlap: a session lasts ${slotMinutes} minutes`);
      }
    }
    previous = start;
  }
}

function wholeNumber(field: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new OfficeCalendarConfigError(`${field} must be a whole number from ${min} to ${max} (got ${value})`);
  }
}
