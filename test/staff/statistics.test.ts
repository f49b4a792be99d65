/**
 * Usage statistics (Art. 7(2)): figures on fixture data, checked by hand; empty periods shown;
 * nothing but counts in the result; the same figures from the database, erased bookings included.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregate, checkRange, loadStatistics, mondayOf, StatisticsRangeError, statisticsCsvRows } from '../../src/staff/stats/statistics.ts';
import type { BookingFacts } from '../../src/staff/stats/statistics.ts';
import { startLifecycleFixture } from '../lifecycle/fixtures.ts';
import type { LifecycleFixture } from '../lifecycle/fixtures.ts';

// December 2026: Tue 1, Wed 2, Thu 3, Fri 4, Mon 7, Tue 8, Wed 9; January 2027: Mon 4 (after the closure).
const fixture: BookingFacts[] = [
  { date: '2026-12-01', startTime: '10:00', status: 'attended', cancelledBy: null },
  { date: '2026-12-01', startTime: '10:30', status: 'no_show', cancelledBy: 'no-show' },
  { date: '2026-12-02', startTime: '10:00', status: 'cancelled', cancelledBy: 'user-phone' },
  { date: '2026-12-02', startTime: '10:00', status: 'attended', cancelledBy: null },
  { date: '2026-12-03', startTime: '14:00', status: 'cancelled', cancelledBy: 'user-chat' },
  { date: '2026-12-04', startTime: '14:00', status: 'contacted', cancelledBy: null },
  { date: '2026-12-07', startTime: '09:00', status: 'cancelled', cancelledBy: 'office' },
  { date: '2026-12-08', startTime: '09:00', status: 'cancelled', cancelledBy: 'staff' },
  { date: '2026-12-09', startTime: '16:30', status: 'confirmed', cancelledBy: null },
  { date: '2027-01-04', startTime: '10:00', status: 'attended', cancelledBy: null },
  // Outside the range: not counted.
  { date: '2026-11-30', startTime: '10:00', status: 'attended', cancelledBy: null },
];

describe('statistics on fixture data', () => {
  it('counts per week, Monday to Sunday, with empty weeks shown as zero', () => {
    const stats = aggregate(fixture, { from: '2026-12-01', to: '2027-01-10', granularity: 'week' });
    expect(stats.periods.map((p) => p.key)).toEqual(['2026-11-30', '2026-12-07', '2026-12-14', '2026-12-21', '2026-12-28', '2027-01-04']);
    expect(stats.periods[0]).toMatchObject({
      label: '2026年11月30日(月)〜12月6日(日)',
      bookings: 6,
      attended: 2,
      noShow: 1,
      contacted: 1,
      cancelledByUserPhone: 1,
      cancelledByUserChat: 1,
      cancelledByOffice: 0,
      pending: 0,
    });
    expect(stats.periods[1]).toMatchObject({ bookings: 3, cancelledByOffice: 1, cancelledOther: 1, pending: 1 });
    expect(stats.periods[2]).toMatchObject({ bookings: 0, attended: 0 });
    expect(stats.periods[5]).toMatchObject({ bookings: 1, attended: 1 });
    expect(stats.total).toEqual({
      bookings: 10,
      attended: 3,
      contacted: 1,
      noShow: 1,
      cancelledByUserPhone: 1,
      cancelledByUserChat: 1,
      cancelledByOffice: 1,
      cancelledOther: 1,
      pending: 1,
    });
  });

  it('counts per month, by weekday in office order and by start time', () => {
    const stats = aggregate(fixture, { from: '2026-12-01', to: '2027-01-31', granularity: 'month' });
    expect(stats.periods.map((p) => [p.label, p.bookings])).toEqual([
      ['2026年12月', 9],
      ['2027年1月', 1],
    ]);
    expect(stats.weekdays.map((w) => [w.label, w.bookings])).toEqual([
      ['月', 2],
      ['火', 3],
      ['水', 3],
      ['木', 1],
      ['金', 1],
    ]);
    expect(stats.weekdays.find((w) => w.label === '水')).toMatchObject({ attended: 1, cancelledByUserPhone: 1, pending: 1 });
    expect(stats.times.map((t) => [t.time, t.bookings])).toEqual([
      ['09:00', 2],
      ['10:00', 4],
      ['10:30', 1],
      ['14:00', 2],
      ['16:30', 1],
    ]);
    // Every figure adds up to the bookings of its row.
    for (const row of [...stats.periods, ...stats.weekdays, ...stats.times, stats.total]) {
      const { bookings, ...rest } = row as unknown as Record<string, number>;
      const parts = ['attended', 'contacted', 'noShow', 'cancelledByUserPhone', 'cancelledByUserChat', 'cancelledByOffice', 'cancelledOther', 'pending'].reduce(
        (sum, key) => sum + (rest[key] ?? 0),
        0,
      );
      expect(parts).toBe(bookings);
    }
  });

  it('shows a Saturday only when an exceptional open day had bookings', () => {
    const stats = aggregate([...fixture, { date: '2026-12-05', startTime: '10:00', status: 'attended', cancelledBy: null }], {
      from: '2026-12-01',
      to: '2026-12-31',
      granularity: 'month',
    });
    expect(stats.weekdays.map((w) => w.label)).toEqual(['月', '火', '水', '木', '金', '土']);
  });

  it('gives only counts and labels: no ids, nothing about a single booking beyond its date and time', () => {
    const stats = aggregate(fixture, { from: '2026-12-01', to: '2026-12-31', granularity: 'week' });
    const csv = statisticsCsvRows(stats);
    expect(csv.at(-1)).toEqual(['合計', '2026-12-01〜2026-12-31', 9, 2, 1, 1, 1, 1, 1, 1, 1]);
    expect(JSON.stringify(stats)).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
  });

  it('refuses a range that is not two dates in order, or is too long, in Japanese', () => {
    expect(() => checkRange('2026-12-31', '2026-12-01')).toThrow(StatisticsRangeError);
    expect(() => checkRange('2026-12', '2026-12-31')).toThrow('日付');
    expect(() => checkRange('2020-01-01', '2026-12-31')).toThrow('日以内');
    expect(mondayOf('2026-12-06')).toBe('2026-11-30');
    expect(mondayOf('2026-12-07')).toBe('2026-12-07');
  });
});

describe('statistics from the database', () => {
  let f: LifecycleFixture;
  beforeAll(async () => {
    f = await startLifecycleFixture({ now: '2026-11-16T09:00:00+09:00' });
  });
  afterAll(async () => {
    await f.close();
  });

  it('reads the same figures, bookings with erased personal data included', async () => {
    const user = await f.addUser('stats-1');
    const a = await f.addBooking(user, '2026-11-18', '10:00');
    const b = await f.addBooking(user, '2026-11-19', '11:00');
    await f.addBooking(user, '2026-11-20', '13:00');
    await f.db.prisma.booking.update({
      where: { id: a },
      data: { status: 'attended', nameEnc: null, jobSeekerNumberEnc: null, phoneEnc: null, topicEnc: null, personalDataErasedAt: new Date() },
    });
    await f.db.prisma.booking.update({ where: { id: b }, data: { status: 'cancelled', cancelledBy: 'user-phone' } });
    const stats = await loadStatistics(f.db.prisma, { from: '2026-11-01', to: '2026-11-30', granularity: 'month' });
    expect(stats.total).toMatchObject({ bookings: 3, attended: 1, cancelledByUserPhone: 1, pending: 1 });
    expect(stats.times.map((t) => t.time)).toEqual(['10:00', '11:00', '13:00']);
  });
});
