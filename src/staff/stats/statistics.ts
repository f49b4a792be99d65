/**
 * Usage statistics for the office (Art. 7(1) lets the office record usage to run and improve the
 * service; Art. 7(2): never published in a form that identifies anyone). Only counts leave this
 * module: per week or month, per weekday and per start time — no ids, no names, no single
 * booking. They are computed from what retention keeps (date, time, status, who cancelled), so
 * bookings whose personal fields were erased still count.
 *
 * Definitions (decided here; the page and README say the same):
 * - a booking counts in the period, weekday and time of its consultation (Japan), whatever the
 *   day it was made;
 * - 予約 = every booking made for that consultation (all statuses); 出席, 遅れる連絡あり,
 *   無断キャンセル (no-show), キャンセル by whom (本人・電話, 本人・チャット, 事務所都合, その他 = a
 *   staff cancellation recorded before the reason was asked), and 予定 = not yet recorded;
 * - weeks run Monday to Sunday and are named by their Monday.
 */
import type { Db } from '../../db/repositories.ts';
import { addDays, isJpDate, weekdayOf } from '../../rules/index.ts';
import type { BookingStatus } from '../../booking/status.ts';

/** The counts of one row of a table. */
export type Counts = {
  bookings: number;
  attended: number;
  contacted: number;
  noShow: number;
  cancelledByUserPhone: number;
  cancelledByUserChat: number;
  cancelledByOffice: number;
  cancelledOther: number;
  /** Confirmed and not yet recorded (upcoming, or an outcome staff have still to record). */
  pending: number;
};

export type Granularity = 'week' | 'month';

export type Statistics = {
  from: string;
  to: string;
  granularity: Granularity;
  /** One row per week or month of the range, in order, also when empty. */
  periods: Array<{ key: string; label: string } & Counts>;
  /** Monday (1) to Sunday (0) in office order, rows only for weekdays with bookings or Mon–Fri. */
  weekdays: Array<{ weekday: number; label: string } & Counts>;
  /** One row per start time that had bookings, ascending. */
  times: Array<{ time: string } & Counts>;
  total: Counts;
};

/** What a booking contributes: the fields retention keeps, nothing else. */
export type BookingFacts = { date: string; startTime: string; status: BookingStatus; cancelledBy: string | null };

/** The longest range one request may cover (a little over two years). */
export const STATISTICS_MAX_DAYS = 800;

/** The range is not two dates in order within STATISTICS_MAX_DAYS; the message is Japanese. */
export class StatisticsRangeError extends Error {
  override name = 'StatisticsRangeError';
}

const zero = (): Counts => ({
  bookings: 0,
  attended: 0,
  contacted: 0,
  noShow: 0,
  cancelledByUserPhone: 0,
  cancelledByUserChat: 0,
  cancelledByOffice: 0,
  cancelledOther: 0,
  pending: 0,
});

function add(counts: Counts, booking: BookingFacts): void {
  counts.bookings += 1;
  switch (booking.status) {
    case 'attended':
      counts.attended += 1;
      break;
    case 'contacted':
      counts.contacted += 1;
      break;
    case 'no_show':
      counts.noShow += 1;
      break;
    case 'cancelled':
      if (booking.cancelledBy === 'user-phone') counts.cancelledByUserPhone += 1;
      else if (booking.cancelledBy === 'user-chat') counts.cancelledByUserChat += 1;
      else if (booking.cancelledBy === 'office') counts.cancelledByOffice += 1;
      else counts.cancelledOther += 1;
      break;
    case 'confirmed':
      counts.pending += 1;
      break;
  }
}

const weekdayLabels = ['日', '月', '火', '水', '木', '金', '土'];
/** Office order: Monday first. */
const weekdayOrder = [1, 2, 3, 4, 5, 6, 0];

/** The Monday of the week `date` is in. */
export function mondayOf(date: string): string {
  return addDays(date, -((weekdayOf(date) + 6) % 7));
}

function periodKey(date: string, granularity: Granularity): string {
  return granularity === 'month' ? date.slice(0, 7) : mondayOf(date);
}

function periodLabel(key: string, granularity: Granularity): string {
  if (granularity === 'month') return `${Number(key.slice(0, 4))}年${Number(key.slice(5, 7))}月`;
  const sunday = addDays(key, 6);
  return `${Number(key.slice(0, 4))}年${Number(key.slice(5, 7))}月${Number(key.slice(8, 10))}日(月)〜${Number(sunday.slice(5, 7))}月${Number(sunday.slice(8, 10))}日(日)`;
}

/** Checks a range typed into the page; throws StatisticsRangeError with what to fix. */
export function checkRange(from: string, to: string): void {
  if (!isJpDate(from) || !isJpDate(to)) throw new StatisticsRangeError('期間の日付を正しく選んでください（例: 2026-12-01）。');
  if (to < from) throw new StatisticsRangeError('期間の終わりは始まりより後の日付にしてください。');
  if (addDays(from, STATISTICS_MAX_DAYS) < to) throw new StatisticsRangeError(`期間は${STATISTICS_MAX_DAYS}日以内にしてください。`);
}

/** The tables of the statistics page from the bookings of the range (pure; see the definitions above). */
export function aggregate(bookings: readonly BookingFacts[], range: { from: string; to: string; granularity: Granularity }): Statistics {
  checkRange(range.from, range.to);
  const periods = new Map<string, Counts>();
  // Every period of the range gets a row, so an empty week shows as 0 rather than missing.
  for (
    let day = range.from;
    day <= range.to;
    day = range.granularity === 'month' ? `${addDays(`${day.slice(0, 7)}-28`, 4).slice(0, 7)}-01` : addDays(mondayOf(day), 7)
  ) {
    periods.set(periodKey(day, range.granularity), zero());
  }
  const weekdays = new Map<number, Counts>(weekdayOrder.map((w) => [w, zero()]));
  const times = new Map<string, Counts>();
  const total = zero();
  for (const booking of bookings) {
    if (booking.date < range.from || booking.date > range.to) continue;
    const period = periods.get(periodKey(booking.date, range.granularity));
    if (period) add(period, booking);
    const weekday = weekdays.get(weekdayOf(booking.date));
    if (weekday) add(weekday, booking);
    let time = times.get(booking.startTime);
    if (!time) times.set(booking.startTime, (time = zero()));
    add(time, booking);
    add(total, booking);
  }
  return {
    from: range.from,
    to: range.to,
    granularity: range.granularity,
    periods: [...periods].map(([key, counts]) => ({ key, label: periodLabel(key, range.granularity), ...counts })),
    weekdays: weekdayOrder
      .map((weekday) => ({ weekday, label: weekdayLabels[weekday] ?? '', ...(weekdays.get(weekday) ?? zero()) }))
      .filter((row) => row.bookings > 0 || (row.weekday >= 1 && row.weekday <= 5)),
    times: [...times].sort(([a], [b]) => a.localeCompare(b)).map(([time, counts]) => ({ time, ...counts })),
    total,
  };
}

/** The statistics of a range, read from the database (only the columns the counts need). */
export async function loadStatistics(db: Db, range: { from: string; to: string; granularity: Granularity }): Promise<Statistics> {
  checkRange(range.from, range.to);
  const bookings = await db.booking.findMany({
    where: { date: { gte: range.from, lte: range.to } },
    select: { date: true, startTime: true, status: true, cancelledBy: true },
  });
  return aggregate(bookings, range);
}

/** Column titles of the tables and the CSV, in order, with the Counts field each shows. */
export const countColumns: ReadonlyArray<{ key: keyof Counts; title: string }> = [
  { key: 'bookings', title: '予約' },
  { key: 'attended', title: '出席' },
  { key: 'contacted', title: '遅れる連絡あり' },
  { key: 'noShow', title: '無断キャンセル' },
  { key: 'cancelledByUserPhone', title: 'キャンセル（本人・電話）' },
  { key: 'cancelledByUserChat', title: 'キャンセル（本人・チャット）' },
  { key: 'cancelledByOffice', title: 'キャンセル（事務所都合）' },
  { key: 'cancelledOther', title: 'キャンセル（その他）' },
  { key: 'pending', title: '予定・未記録' },
];

/** The CSV rows (without the header): one section per table, the section name in the first column. */
export function statisticsCsvRows(stats: Statistics): Array<Array<string | number>> {
  const values = (counts: Counts) => countColumns.map((column) => counts[column.key]);
  return [
    ...stats.periods.map((row) => [stats.granularity === 'month' ? '月別' : '週別', row.label, ...values(row)]),
    ...stats.weekdays.map((row) => ['曜日別', row.label, ...values(row)]),
    ...stats.times.map((row) => ['時間帯別', row.time, ...values(row)]),
    ['合計', `${stats.from}〜${stats.to}`, ...values(stats.total)],
  ];
}
