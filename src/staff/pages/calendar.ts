/**
 * カレンダー (admins only): the office's own closed days and exceptional open days, per-date
 * capacity and blocked times, with a preview of the coming weeks exactly as the bot offers them —
 * the same rules module, the same data (loadOfficeCalendar) and the same day view as
 * `npm run calendar` (calendarDay). A change that would leave bookings without a place is not
 * saved at once: the page lists those bookings and asks again; nothing is cancelled by it.
 */
import type { Request, Response } from 'express';
import type { PageModule, StaffPageKit } from '../console.ts';
import { formText, queryText } from '../forms.ts';
import {
  applyCalendarChange,
  bookingsNotFitting,
  CALENDAR_NOTE_MAX,
  calendarAfter,
  CalendarChangeError,
  calendarEntriesFrom,
  checkCalendarChange,
  loadOfficeCalendar,
} from '../../office-days.ts';
import type { CalendarChange } from '../../office-days.ts';
import { takenSeats } from '../../booking/bookings.ts';
import { calendarDay } from '../../cli/calendar-command.ts';
import { addDays, capacitiesOn, isJpDate, tokyoDateOf, weekdayOf } from '../../rules/index.ts';
import type { ClosedReason } from '../../rules/index.ts';
import { statusLabels } from '../bookings-data.ts';

const closedReasonLabels: Record<ClosedReason, string> = {
  weekend: '土日',
  holiday: '祝日',
  'year-end': '年末年始',
  office: '休業日（所の設定）',
  'outside-holiday-data': '祝日データの範囲外',
};

const changeKindLabels: Record<CalendarChange['kind'], string> = {
  closed: '休業日にする',
  open: '臨時に開庁する',
  default: '休業日・臨時開庁の設定を取り消す',
  capacity: '定員を変える',
  block: '時間帯を止める',
  unblock: '止めた時間帯を戻す',
};

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Reads the change form; throws CalendarChangeError (Japanese) for what cannot be a change. */
function changeOf(req: Request): CalendarChange {
  const kind = formText(req, 'kind', 20);
  const date = formText(req, 'date', 20).trim();
  const note = formText(req, 'note', CALENDAR_NOTE_MAX * 2).trim();
  const wholeOrNull = (field: string, label: string): number | null => {
    const text = formText(req, field, 10).normalize('NFKC').trim();
    if (text === '') return null;
    if (!/^\d{1,3}$/.test(text)) throw new CalendarChangeError(field, `${label}は半角の数字で入力してください。`);
    return Number(text);
  };
  switch (kind) {
    case 'closed':
    case 'open':
      return { kind, date, note };
    case 'default':
      return { kind, date };
    case 'capacity': {
      const capacity = wholeOrNull('capacity', '人数');
      return { kind, date, capacity, note };
    }
    case 'block':
      return {
        kind,
        date,
        from: formText(req, 'from', 10).normalize('NFKC').trim(),
        until: formText(req, 'until', 10).normalize('NFKC').trim(),
        seats: wholeOrNull('seats', '減らす人数'),
        note,
      };
    case 'unblock': {
      const id = formText(req, 'id', 40);
      if (!uuidPattern.test(id)) throw new CalendarChangeError('id', '止めた時間帯が見つかりません。カレンダーを開き直してください。');
      return { kind, id };
    }
    default:
      throw new CalendarChangeError('kind', '変更の種類が正しくありません。カレンダーを開き直してから、もう一度操作してください。');
  }
}

/** The audit detail of a change: codes, dates and numbers only (notes are free text: left out). */
function auditDetail(change: CalendarChange, affected: number): Record<string, string | number | boolean | null> {
  switch (change.kind) {
    case 'unblock':
      return { kind: change.kind, affected };
    case 'capacity':
      return { kind: change.kind, date: change.date, capacity: change.capacity, affected };
    case 'block':
      return { kind: change.kind, date: change.date, from: change.from, until: change.until, seats: change.seats, affected };
    default:
      return { kind: change.kind, date: change.date, affected };
  }
}

async function renderCalendar(
  kit: StaffPageKit,
  res: Response,
  options: { from?: string; weeks?: number; error?: string; form?: Record<string, string> } = {},
  status = 200,
): Promise<void> {
  const now = kit.clock.now();
  const today = tokyoDateOf(now);
  const weeks = Math.min(Math.max(options.weeks ?? 4, 1), 8);
  const from = options.from && isJpDate(options.from) && options.from >= today ? options.from : today;
  const calendar = await loadOfficeCalendar(kit.prisma, kit.config, now);
  const taken = await takenSeats(kit.prisma, now);
  const horizonEnd = addDays(today, calendar.horizonDays);
  const days = [];
  for (let date = from; date < addDays(from, weeks * 7); date = addDays(date, 1)) {
    const day = calendarDay(date, now, calendar, taken[date]);
    const capacities = capacitiesOn(date, calendar);
    const placesChanged = [...capacities.values()].some((places) => places !== calendar.capacityPerSlot);
    days.push({
      ...day,
      closedLabel: day.closedReason ? closedReasonLabels[day.closedReason] : null,
      beyondHorizon: date > horizonEnd,
      placesChanged,
      slotPlaces: day.slots.map((time) => ({ time, left: (capacities.get(time) ?? 0) - (taken[date]?.[time] ?? 0) })),
      fullyTaken: day.open && day.bookable && day.slots.length === 0,
    });
  }
  const entries = await calendarEntriesFrom(kit.prisma, today);
  await kit.render(
    res,
    'calendar/index.njk',
    {
      today,
      from,
      weeks,
      nextFrom: addDays(from, weeks * 7),
      prevFrom: addDays(from, -weeks * 7) >= today ? addDays(from, -weeks * 7) : today,
      days,
      entries,
      defaultCapacity: calendar.capacityPerSlot,
      slotRange: `${calendar.slotStarts[0] ?? ''}〜${calendar.slotStarts.at(-1) ?? ''}`,
      deadlineOpenDays: calendar.deadlineOpenDays,
      horizonDays: calendar.horizonDays,
      noteMax: CALENDAR_NOTE_MAX,
      error: options.error,
      form: options.form ?? {},
    },
    status,
  );
}

export const calendarPages: PageModule = (routes, kit) => {
  routes.get('/calendar', { role: 'admin' }, async (req, res) => {
    const weeks = Number(queryText(req, 'weeks', 2) || '4');
    await renderCalendar(kit, res, { from: queryText(req, 'from', 10), weeks: Number.isInteger(weeks) ? weeks : 4 });
  });

  routes.post('/calendar/changes', { role: 'admin' }, async (req, res) => {
    const now = kit.clock.now();
    let change: CalendarChange;
    try {
      change = changeOf(req);
      checkCalendarChange(change);
      // A past date cannot be booked any more: a change there would do nothing.
      if (change.kind !== 'unblock' && change.date < tokyoDateOf(now))
        throw new CalendarChangeError('date', '今日より前の日付は変更できません。今日以降の日付を選んでください。');
    } catch (error) {
      if (!(error instanceof CalendarChangeError)) throw error;
      // The form again with what was typed and the message, so nothing is lost.
      const form = Object.fromEntries(['kind', 'date', 'note', 'capacity', 'from', 'until', 'seats'].map((field) => [field, formText(req, field, 200)]));
      await renderCalendar(kit, res, { error: error.message, form }, 400);
      return;
    }
    const calendar = await loadOfficeCalendar(kit.prisma, kit.config, now);
    const { blocks } = await calendarEntriesFrom(kit.prisma, addDays(tokyoDateOf(now), -60));
    let date: string | null = change.kind === 'unblock' ? null : change.date;
    if (change.kind === 'unblock') {
      const id = change.id;
      date = blocks.find((b) => b.id === id)?.date ?? null;
    }
    const affected = date === null ? [] : await bookingsNotFitting(kit.prisma, date, calendarAfter(calendar, change, blocks));
    const alreadyAffected = date === null ? [] : await bookingsNotFitting(kit.prisma, date, calendar);
    const newlyAffected = affected.filter((b) => !alreadyAffected.some((a) => a.id === b.id));
    if (newlyAffected.length > 0 && formText(req, 'confirm', 10) !== 'yes') {
      const fields = Object.fromEntries(
        ['kind', 'date', 'note', 'capacity', 'from', 'until', 'seats', 'id'].map((field) => [field, formText(req, field, 200)]),
      );
      await kit.render(res, 'calendar/confirm.njk', {
        change,
        kindLabel: changeKindLabels[change.kind],
        date,
        affected: newlyAffected,
        statusLabels,
        fields: Object.entries(fields).filter(([, value]) => value !== ''),
      });
      return;
    }
    const result = await applyCalendarChange(kit.prisma, change, now);
    if (result.changed)
      await kit.audit(res, { action: 'calendar.change', targetType: 'office-day', targetId: date, detail: auditDetail(change, newlyAffected.length) });
    const message = !result.changed
      ? 'すでに取り消されていました。カレンダーは変わっていません。'
      : newlyAffected.length > 0
        ? `保存しました。この変更で枠のなくなった予約が${newlyAffected.length}件あります。予約は取り消していません。本人に電話で連絡し、予約詳細から日時の変更かキャンセルをしてください。`
        : '保存しました。チャットで案内する日時にすぐ反映されます。';
    await kit.flash(res, result.changed && newlyAffected.length > 0 ? 'error' : 'success', message);
    kit.redirect(res, `/staff/calendar${date && date >= tokyoDateOf(now) ? `?from=${mondayOnOrBefore(date, tokyoDateOf(now))}` : ''}`);
  });
};

/** Where to show the calendar after a change of `date`: from its week's Monday (not before today). */
function mondayOnOrBefore(date: string, today: string): string {
  const monday = addDays(date, -((weekdayOf(date) + 6) % 7));
  return monday < today ? today : monday;
}
