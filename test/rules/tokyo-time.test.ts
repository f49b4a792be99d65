import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, isJpDate, tokyoDateOf, tokyoInstant, tokyoTimeOf, weekdayOf } from '../../src/rules/index.ts';

// An independent oracle: the platform's time-zone database, asked explicitly for Asia/Tokyo.
const tokyoCalendar = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tokyo', year: 'numeric', month: '2-digit', day: '2-digit' });

const instants = fc.date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2060-01-01T00:00:00Z'), noInvalidDate: true });
const dates = fc.integer({ min: 0, max: 25_000 }).map((offset) => addDays('1990-01-01', offset));
const times = fc.integer({ min: 0, max: 24 * 60 - 1 }).map((m) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`);

describe('Tokyo calendar arithmetic', () => {
  it('reads the Tokyo date of an instant, not the process time zone’s', () => {
    expect(tokyoDateOf(new Date('2026-11-22T15:30:00Z'))).toBe('2026-11-23');
    expect(tokyoDateOf(new Date('2026-11-22T14:59:59.999Z'))).toBe('2026-11-22');
    expect(tokyoTimeOf(new Date('2026-11-22T15:30:00Z'))).toBe('00:30');
  });

  it('agrees with the time-zone database on the Tokyo date of any instant', () => {
    fc.assert(fc.property(instants, (now) => tokyoDateOf(now) === tokyoCalendar.format(now)));
  });

  it('turns a Tokyo date and time into the instant that shows them', () => {
    expect(tokyoInstant('2027-01-01', '00:00').toISOString()).toBe('2026-12-31T15:00:00.000Z');
    fc.assert(
      fc.property(dates, times, (date, time) => {
        const instant = tokyoInstant(date, time);
        return tokyoDateOf(instant) === date && tokyoTimeOf(instant) === time;
      }),
    );
  });

  it('adds days across month, year and leap-day boundaries', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2027-03-01', -1)).toBe('2027-02-28');
    expect(addDays('2026-11-28', 30)).toBe('2026-12-28');
  });

  it('knows the day of the week of a date', () => {
    expect(weekdayOf('2026-11-28')).toBe(6);
    expect(weekdayOf('2026-11-29')).toBe(0);
  });

  it('accepts only dates that exist, written YYYY-MM-DD', () => {
    expect(isJpDate('2028-02-29')).toBe(true);
    expect(['2026-02-29', '2026-02-30', '2026-13-01', '2026-1-01', '20261201', '0050-01-01', ''].filter(isJpDate)).toEqual([]);
  });
});
