/**
 * How every message writes dates, times and placeholders, so the chat, the reminder and the
 * notices agree: 2026年12月2日(水) 10:00〜10:30.
 */
import { minutesOfDay, timeOfDayAt, weekdayOf } from '../rules/tokyo-time.ts';
import type { JpDate, TimeOfDay } from '../rules/tokyo-time.ts';

const weekdays = ['日', '月', '火', '水', '木', '金', '土'] as const;

/** Replaces `{name}` placeholders; unknown ones are left as they are (visible in review). */
export function fillTemplate(template: string, vars: Readonly<Record<string, string>>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => vars[key] ?? whole);
}

/** 2026-12-02 → 12月2日(水), or 2026年12月2日(水) with the year. */
export function formatJpDate(date: JpDate, options: { withYear?: boolean } = {}): string {
  const [year = '', month = '', day = ''] = date.split('-');
  const weekday = weekdays[weekdayOf(date)] ?? '';
  return `${options.withYear ? `${Number(year)}年` : ''}${Number(month)}月${Number(day)}日(${weekday})`;
}

/** A consultation's date and time with its end: 2026年12月2日(水) 10:00〜10:30. */
export function formatConsultationTime(slot: { date: JpDate; startTime: TimeOfDay; slotMinutes: number }): string {
  // A session never runs past midnight (validateOfficeCalendarConfig checks the slots).
  const end = timeOfDayAt(minutesOfDay(slot.startTime) + slot.slotMinutes);
  return `${formatJpDate(slot.date, { withYear: true })} ${slot.startTime}〜${end}`;
}
