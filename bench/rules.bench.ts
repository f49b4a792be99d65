// Every date question in the chat computes the bookable slots of the whole horizon, so that
// computation must stay far below a millisecond. Run: npx vitest bench --run bench/rules.bench.ts
//
// The baseline is the same computation written the obvious way, with dayjs and the holiday
// package's isHoliday(Date), which scans every holiday key on each call (and reads the date in
// the process time zone, which is why the module does not use it). Both run in the same process,
// so the ratio holds on any machine even when the absolute figures do not.
import holidayJp from '@holiday-jp/holiday_jp';
import dayjs from 'dayjs';
import type { Dayjs } from 'dayjs';
import { expect, test } from 'vitest';
import { bookableSlots, defaultOfficeCalendarConfig, slotsOn } from '../src/rules/index.ts';
import type { DaySlots, OfficeCalendarConfig, TakenByDate } from '../src/rules/index.ts';

// Saturday 2026-11-28 in Tokyo, UTC and Los Angeles alike, so both versions agree whatever the TZ.
const now = new Date('2026-11-28T12:00:00Z');
const office: OfficeCalendarConfig = { ...defaultOfficeCalendarConfig, closedDays: ['2026-12-10'], openDays: ['2026-12-05'] };
const taken: TakenByDate = { '2026-12-03': { '10:00': 1, '14:30': 1 }, '2026-12-04': { '09:00': 1 } };

function naiveBookableSlots(at: Date, config: OfficeCalendarConfig, bookings: TakenByDate): DaySlots[] {
  const isOpen = (day: Dayjs): boolean => {
    const date = day.format('YYYY-MM-DD');
    if (config.closedDays.includes(date)) return false;
    if (config.openDays.includes(date)) return true;
    const monthDay = day.format('MM-DD');
    return day.day() !== 0 && day.day() !== 6 && !holidayJp.isHoliday(day.toDate()) && monthDay >= '01-04' && monthDay <= '12-28';
  };
  const today = dayjs(at).startOf('day');
  const days: DaySlots[] = [];
  for (let offset = 0; offset <= config.horizonDays; offset += 1) {
    const day = today.add(offset, 'day');
    if (!isOpen(day)) continue;
    let deadline = day;
    for (let found = 0; found < config.deadlineOpenDays;) {
      deadline = deadline.subtract(1, 'day');
      if (isOpen(deadline)) found += 1;
    }
    if (deadline.isBefore(today)) continue;
    const date = day.format('YYYY-MM-DD');
    const starts = config.slotStarts.filter((start) => {
      const [hour = 0, minute = 0] = start.split(':').map(Number);
      return day.hour(hour).minute(minute).isAfter(at) && (bookings[date]?.[start] ?? 0) < config.capacityPerSlot;
    });
    if (starts.length > 0) days.push({ date, starts });
  }
  return days;
}

test('bookable slots for the whole 30-day horizon, against the naive isHoliday version', async ({ bench }) => {
  expect(naiveBookableSlots(now, office, taken)).toEqual(bookableSlots(now, office, taken).days);

  await bench.compare(
    bench('rules: bookableSlots, 30-day horizon', () => {
      bookableSlots(now, office, taken);
    }),
    bench('rules: slotsOn, one date', () => {
      slotsOn('2026-12-03', now, office, taken['2026-12-03']);
    }),
    bench('baseline: dayjs + holiday_jp.isHoliday(Date), 30-day horizon', () => {
      naiveBookableSlots(now, office, taken);
    }),
  );
});
