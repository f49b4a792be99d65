// Worked examples of the office calendar (issue 3). Instants are written with their offset, so
// every expectation holds whatever TZ the suite runs in (CI runs it in UTC, Tokyo and Los Angeles).
import { describe, expect, it } from 'vitest';
import {
  bookableDates,
  bookableSlots,
  bookingDeadline,
  dayInfo,
  defaultOfficeCalendarConfig,
  holidayDataYears,
  isBookableDate,
  isOpenDay,
  noShowMomentFor,
  nthOpenDayBefore,
  reminderDayFor,
  reminderInstantFor,
  slotsOn,
  tokyoInstant,
  validateOfficeCalendarConfig,
} from '../../src/rules/index.ts';
import type { OfficeCalendarConfig } from '../../src/rules/index.ts';

const office = defaultOfficeCalendarConfig;

function officeWith(changes: Partial<OfficeCalendarConfig>): OfficeCalendarConfig {
  return validateOfficeCalendarConfig({ ...defaultOfficeCalendarConfig, ...changes });
}

/** An instant given as Tokyo wall-clock time, e.g. jst('2026-11-28T12:00'). */
function jst(dateTime: string): Date {
  return new Date(`${dateTime}:00+09:00`);
}

const allDaySlots = defaultOfficeCalendarConfig.slotStarts;

describe('open days', () => {
  it('closes on Saturdays and Sundays', () => {
    expect(dayInfo('2026-11-28', office)).toEqual({ date: '2026-11-28', open: false, closedReason: 'weekend', holidayName: null });
    expect(dayInfo('2026-11-29', office).closedReason).toBe('weekend');
    expect(dayInfo('2026-11-30', office)).toEqual({ date: '2026-11-30', open: true, closedReason: null, holidayName: null });
  });

  it('closes on national holidays and names them', () => {
    expect(dayInfo('2026-11-23', office)).toEqual({ date: '2026-11-23', open: false, closedReason: 'holiday', holidayName: '勤労感謝の日' });
  });

  it('closes on substitute holidays and on a day sandwiched between two holidays', () => {
    expect(dayInfo('2026-05-06', office)).toMatchObject({ open: false, closedReason: 'holiday', holidayName: 'こどもの日 振替休日' });
    expect(dayInfo('2027-03-22', office)).toMatchObject({ open: false, closedReason: 'holiday', holidayName: '春分の日 振替休日' });
    expect(dayInfo('2026-09-22', office)).toMatchObject({ open: false, closedReason: 'holiday', holidayName: '休日' });
  });

  it('closes from 29 December to 3 January, across the new year', () => {
    const closed = ['2026-12-29', '2026-12-30', '2026-12-31', '2027-01-01', '2027-01-02', '2027-01-03'];
    expect(closed.map((date) => isOpenDay(date, office))).toEqual([false, false, false, false, false, false]);
    expect(dayInfo('2026-12-30', office).closedReason).toBe('year-end');
    expect(dayInfo('2027-01-01', office)).toMatchObject({ closedReason: 'holiday', holidayName: '元日' });
    expect(isOpenDay('2026-12-28', office)).toBe(true);
    expect(isOpenDay('2027-01-04', office)).toBe(true);
  });

  it('closes on the office’s own closed days, even when they are exceptional open days too', () => {
    const config = officeWith({ closedDays: ['2026-12-02'], openDays: ['2026-12-02'] });
    expect(dayInfo('2026-12-02', config)).toMatchObject({ open: false, closedReason: 'office' });
  });

  it('opens on an exceptional open day that falls on a weekend or a holiday', () => {
    const config = officeWith({ openDays: ['2026-12-05', '2026-11-23'] });
    expect(dayInfo('2026-12-05', config)).toEqual({ date: '2026-12-05', open: true, closedReason: null, holidayName: null });
    expect(dayInfo('2026-11-23', config)).toEqual({ date: '2026-11-23', open: true, closedReason: null, holidayName: '勤労感謝の日' });
  });
});

describe('booking deadline', () => {
  it('is the second open day before the consultation', () => {
    expect(bookingDeadline('2026-12-02', office)).toBe('2026-11-30');
    expect(bookingDeadline('2026-12-01', office)).toBe('2026-11-27');
  });

  it('offers Wednesday 2 December as the earliest date on Saturday 28 November 2026, not Tuesday 1 December', () => {
    const saturday = jst('2026-11-28T12:00');
    expect(isBookableDate('2026-12-01', saturday, office)).toBe(false);
    expect(isBookableDate('2026-12-02', saturday, office)).toBe(true);
    expect(bookableDates(saturday, office)[0]).toBe('2026-12-02');
  });

  it('counts open days only when the booking is made on a closed day', () => {
    const sunday = jst('2026-11-29T09:00');
    const holiday = jst('2026-11-23T10:00');
    expect(bookableDates(sunday, office)[0]).toBe('2026-12-02');
    // Monday 23 November is a holiday: Tuesday 24 and Wednesday 25 are the two open days before Thursday 26.
    expect(bookableDates(holiday, office)[0]).toBe('2026-11-26');
  });

  it('skips Golden Week 2027: on Showa Day the earliest date is Friday 7 May', () => {
    const showaDay = jst('2027-04-29T11:00');
    expect(bookingDeadline('2027-05-06', office)).toBe('2027-04-28');
    expect(bookingDeadline('2027-05-07', office)).toBe('2027-04-30');
    expect(bookableDates(showaDay, office)[0]).toBe('2027-05-07');
  });

  it('still counts Friday as today at 23:59 in Tokyo, when it is already Friday afternoon in UTC', () => {
    const fridayLateEvening = jst('2026-11-27T23:59');
    expect(fridayLateEvening.toISOString()).toBe('2026-11-27T14:59:00.000Z');
    expect(isBookableDate('2026-12-01', fridayLateEvening, office)).toBe(true);
  });

  it('counts Saturday as today from 00:00 in Tokyo, when UTC still shows Friday', () => {
    const justAfterMidnight = new Date('2026-11-27T15:01:00Z'); // 00:01 JST Saturday
    expect(isBookableDate('2026-12-01', justAfterMidnight, office)).toBe(false);
    expect(bookableDates(justAfterMidnight, office)[0]).toBe('2026-12-02');
  });

  it('moves to Monday just after midnight on a Sunday night in UTC terms', () => {
    const mondayMidnight = new Date('2026-11-29T15:01:00Z'); // 00:01 JST Monday 30 November
    expect(isBookableDate('2026-12-02', mondayMidnight, office)).toBe(true);
    expect(isBookableDate('2026-12-02', jst('2026-11-30T23:59'), office)).toBe(true);
    expect(isBookableDate('2026-12-02', new Date('2026-11-30T15:00:00Z'), office)).toBe(false);
  });

  it('moves a deadline earlier when the office closes on a day it counted', () => {
    const config = officeWith({ closedDays: ['2026-11-30'] });
    expect(bookingDeadline('2026-12-02', config)).toBe('2026-11-27');
    expect(bookableDates(jst('2026-11-28T12:00'), config)[0]).toBe('2026-12-03');
  });

  it('counts an exceptional open day towards the deadline', () => {
    const config = officeWith({ openDays: ['2026-12-05'] });
    expect(bookingDeadline('2026-12-08', office)).toBe('2026-12-04');
    expect(bookingDeadline('2026-12-08', config)).toBe('2026-12-05');
  });

  it('allows booking up to the day itself when the office sets no notice', () => {
    expect(bookingDeadline('2026-12-02', officeWith({ deadlineOpenDays: 0 }))).toBe('2026-12-02');
    expect(nthOpenDayBefore('2026-12-02', 0, office)).toBe('2026-12-02');
  });
});

describe('slots', () => {
  const saturday = jst('2026-11-28T12:00');

  it('offers every configured start on a bookable date', () => {
    expect(slotsOn('2026-12-02', saturday, office)).toEqual(allDaySlots);
    expect(allDaySlots).toHaveLength(16);
    expect([allDaySlots[0], allDaySlots.at(-1)]).toEqual(['09:00', '16:30']);
  });

  it('offers nothing on a date past its deadline or on a closed day', () => {
    expect(slotsOn('2026-12-01', saturday, office)).toEqual([]);
    expect(slotsOn('2026-12-05', saturday, office)).toEqual([]);
  });

  it('offers a start only while active bookings leave capacity', () => {
    const config = officeWith({ capacityPerSlot: 2 });
    const starts = slotsOn('2026-12-02', saturday, config, { '10:00': 2, '10:30': 1 });
    expect(starts).not.toContain('10:00');
    expect(starts).toContain('10:30');
    expect(starts).toHaveLength(15);
  });

  it('never offers a slot that has already started today', () => {
    const sameDay = officeWith({ deadlineOpenDays: 0 });
    expect(slotsOn('2026-12-02', jst('2026-12-02T10:15'), sameDay)[0]).toBe('10:30');
    expect(slotsOn('2026-12-02', jst('2026-12-02T10:30'), sameDay)[0]).toBe('11:00');
    expect(slotsOn('2026-12-02', jst('2026-12-02T16:31'), sameDay)).toEqual([]);
  });

  it('offers dates up to horizonDays after today and none beyond', () => {
    expect(bookableDates(saturday, office).at(-1)).toBe('2026-12-28');
    expect(bookableDates(saturday, officeWith({ horizonDays: 5 }))).toEqual(['2026-12-02', '2026-12-03']);
  });

  it('lists the whole horizon with the taken slots removed', () => {
    const { days, warnings } = bookableSlots(saturday, office, { '2026-12-03': Object.fromEntries(allDaySlots.map((start) => [start, 1])) });
    expect(days.map((day) => day.date)).toEqual([
      '2026-12-02',
      '2026-12-04',
      '2026-12-07',
      '2026-12-08',
      '2026-12-09',
      '2026-12-10',
      '2026-12-11',
      '2026-12-14',
      '2026-12-15',
      '2026-12-16',
      '2026-12-17',
      '2026-12-18',
      '2026-12-21',
      '2026-12-22',
      '2026-12-23',
      '2026-12-24',
      '2026-12-25',
      '2026-12-28',
    ]);
    expect(warnings).toEqual([]);
  });
});

describe('beyond the holiday data', () => {
  it('knows holidays up to 2050', () => {
    expect(holidayDataYears.last).toBe(2050);
  });

  it('does not treat a weekday after the holiday data as open', () => {
    expect(dayInfo('2051-01-10', office)).toEqual({ date: '2051-01-10', open: false, closedReason: 'outside-holiday-data', holidayName: null });
    expect(dayInfo('2051-01-14', office).closedReason).toBe('weekend');
    expect(isOpenDay('2051-01-10', officeWith({ openDays: ['2051-01-10'] }))).toBe(true);
  });

  it('refuses to offer those dates and says why, for the caller to log', () => {
    const { days, warnings } = bookableSlots(jst('2050-12-20T12:00'), office);
    expect(days.at(-1)?.date).toBe('2050-12-28');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/2051-01-04.*2051-01-19.*covers 1970–2050 only/);
  });
});

describe('reminder and no-show', () => {
  it('reminds on the day before the consultation', () => {
    expect(reminderDayFor('2026-12-02', office)).toBe('2026-12-01');
  });

  it('reminds on Friday for a Monday consultation', () => {
    expect(reminderDayFor('2026-11-30', office)).toBe('2026-11-27');
  });

  it('reminds on Thursday for a Monday consultation when Friday is a holiday', () => {
    expect(dayInfo('2026-03-20', office).holidayName).toBe('春分の日');
    expect(reminderDayFor('2026-03-23', office)).toBe('2026-03-19');
  });

  it('reminds before Golden Week and before the year-end closure', () => {
    expect(reminderDayFor('2027-05-06', office)).toBe('2027-04-30');
    expect(reminderDayFor('2027-01-04', office)).toBe('2026-12-28');
  });

  it('sends the reminder at reminderTime in Tokyo on the reminder day', () => {
    expect(reminderInstantFor('2026-11-30', office).toISOString()).toBe('2026-11-27T01:00:00.000Z');
    expect(reminderInstantFor('2026-11-30', officeWith({ reminderTime: '08:30' })).toISOString()).toBe('2026-11-26T23:30:00.000Z');
  });

  it('counts a consultation nobody joined as a no-show ten minutes after its start', () => {
    const start = tokyoInstant('2026-12-02', '09:00');
    expect(start.toISOString()).toBe('2026-12-02T00:00:00.000Z');
    expect(noShowMomentFor(start, office).toISOString()).toBe('2026-12-02T00:10:00.000Z');
  });
});
