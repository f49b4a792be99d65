// Property-based tests: the booking rules hold for arbitrary instants (2020–2049) and arbitrary
// office configurations, not only for the worked examples.
import holidayJp from '@holiday-jp/holiday_jp';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  bookableDates,
  bookableSlots,
  bookingDeadline,
  defaultOfficeCalendarConfig,
  isBookableDate,
  isOpenDay,
  reminderDayFor,
  reminderInstantFor,
  tokyoDateOf,
  tokyoInstant,
  validateOfficeCalendarConfig,
} from '../../src/rules/index.ts';
import type { JpDate, OfficeCalendarConfig } from '../../src/rules/index.ts';

const MINUTES_PER_DAY = 24 * 60;

function timeAt(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

const instants = fc.date({ min: new Date('2020-01-01T00:00:00+09:00'), max: new Date('2049-12-31T23:59:59+09:00'), noInvalidDate: true });

/** Non-overlapping slot starts: a first start, then gaps of at least one session. */
const slotPlans = fc
  .record({
    slotMinutes: fc.integer({ min: 1, max: 30 }),
    first: fc.integer({ min: 0, max: 20 * 60 }),
    gaps: fc.array(fc.integer({ min: 0, max: 180 }), { minLength: 0, maxLength: 20 }),
  })
  .map(({ slotMinutes, first, gaps }) => {
    const starts = [first];
    for (const gap of gaps) starts.push((starts.at(-1) ?? first) + slotMinutes + gap);
    const fitting = starts.filter((start) => start + slotMinutes <= MINUTES_PER_DAY);
    return { slotMinutes, slotStarts: (fitting.length > 0 ? fitting : [0]).map(timeAt) };
  });

/** A moment plus an office whose closed and open days lie around it, and some bookings. */
const scenarios = fc
  .record({
    now: instants,
    plan: slotPlans,
    capacityPerSlot: fc.integer({ min: 1, max: 3 }),
    horizonDays: fc.integer({ min: 1, max: 60 }),
    deadlineOpenDays: fc.integer({ min: 0, max: 5 }),
    reminderMinutes: fc.integer({ min: 0, max: MINUTES_PER_DAY - 1 }),
    closedOffsets: fc.array(fc.integer({ min: -15, max: 65 }), { maxLength: 10 }),
    openOffsets: fc.array(fc.integer({ min: -15, max: 65 }), { maxLength: 10 }),
    bookings: fc.array(fc.record({ dayOffset: fc.integer({ min: 0, max: 60 }), slotIndex: fc.nat(), count: fc.integer({ min: 1, max: 3 }) }), {
      maxLength: 30,
    }),
  })
  .map((s) => {
    const today = tokyoDateOf(s.now);
    const config = validateOfficeCalendarConfig({
      slotStarts: s.plan.slotStarts,
      slotMinutes: s.plan.slotMinutes,
      capacityPerSlot: s.capacityPerSlot,
      horizonDays: s.horizonDays,
      deadlineOpenDays: s.deadlineOpenDays,
      reminderTime: timeAt(s.reminderMinutes),
      noShowGraceMinutes: 10,
      closedDays: s.closedOffsets.map((offset) => addDays(today, offset)),
      openDays: s.openOffsets.map((offset) => addDays(today, offset)),
    });
    const taken: Record<JpDate, Record<string, number>> = {};
    for (const { dayOffset, slotIndex, count } of s.bookings) {
      const date = addDays(today, dayOffset);
      const start = config.slotStarts[slotIndex % config.slotStarts.length] ?? '';
      const onDate = (taken[date] ??= {});
      onDate[start] = (onDate[start] ?? 0) + count;
    }
    return { now: s.now, today, config, taken };
  });

/** Open days d with from <= d < to, counted one by one. */
function openDaysFromUntil(from: JpDate, to: JpDate, config: OfficeCalendarConfig): number {
  let count = 0;
  for (let day = from; day < to; day = addDays(day, 1)) if (isOpenDay(day, config)) count += 1;
  return count;
}

// Independent of the module: the weekday from the time-zone database, the holiday from the
// package's own isHoliday given a date string.
const tokyoWeekday = new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Tokyo', weekday: 'short' });
function openByTheLaw(date: JpDate): boolean {
  const weekday = tokyoWeekday.format(tokyoInstant(date, '12:00'));
  const monthDay = date.slice(5);
  return weekday !== 'Sat' && weekday !== 'Sun' && !holidayJp.isHoliday(date) && monthDay >= '01-04' && monthDay <= '12-28';
}

describe('booking rules for any instant and any office', () => {
  it('offers only slots on open days, inside the configured hours, in the future and before their deadline', () => {
    fc.assert(
      fc.property(scenarios, ({ now, today, config, taken }) => {
        for (const { date, starts } of bookableSlots(now, config, taken).days) {
          expect(isOpenDay(date, config)).toBe(true);
          expect(bookingDeadline(date, config) >= today).toBe(true);
          expect(date <= addDays(today, config.horizonDays)).toBe(true);
          for (const start of starts) {
            expect(config.slotStarts).toContain(start);
            expect(tokyoInstant(date, start).getTime()).toBeGreaterThan(now.getTime());
            expect(taken[date]?.[start] ?? 0).toBeLessThan(config.capacityPerSlot);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('offers a date exactly when it is open, within the horizon and today is not past its deadline', () => {
    fc.assert(
      fc.property(scenarios, ({ now, today, config }) => {
        const expected: JpDate[] = [];
        for (let offset = 0; offset <= config.horizonDays; offset += 1) {
          const date = addDays(today, offset);
          if (isOpenDay(date, config) && bookingDeadline(date, config) >= today) expected.push(date);
        }
        expect(bookableDates(now, config)).toEqual(expected);
        expect(expected.filter((date) => isBookableDate(date, now, config))).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('finds the deadline passed exactly when fewer open days than required lie from today to the day before', () => {
    fc.assert(
      fc.property(scenarios, fc.integer({ min: 0, max: 60 }), ({ today, config }, offset) => {
        const date = addDays(today, offset);
        expect(bookingDeadline(date, config) >= today).toBe(openDaysFromUntil(today, date, config) >= config.deadlineOpenDays);
      }),
      { numRuns: 300 },
    );
  });

  it('reminds on an open day strictly before the consultation with no open day in between', () => {
    fc.assert(
      fc.property(scenarios, fc.integer({ min: -10, max: 70 }), ({ today, config }, offset) => {
        const consultation = addDays(today, offset);
        const reminderDay = reminderDayFor(consultation, config);
        expect(isOpenDay(reminderDay, config)).toBe(true);
        expect(reminderDay < consultation).toBe(true);
        expect(openDaysFromUntil(addDays(reminderDay, 1), consultation, config)).toBe(0);
        expect(reminderInstantFor(consultation, config).getTime()).toBeLessThan(tokyoInstant(consultation, '00:00').getTime());
      }),
      { numRuns: 300 },
    );
  });

  it('opens exactly on the days the law leaves open when the office adds no days of its own', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 365 * 30 }), (offset) => {
        const date = addDays('2020-01-01', offset);
        expect(isOpenDay(date, defaultOfficeCalendarConfig)).toBe(openByTheLaw(date));
      }),
      { numRuns: 2000 },
    );
  });
});
