/**
 * 予約一覧 and 予約詳細 (role staff): today and the coming days with the personal details a
 * counsellor needs, filters, a print view and a CSV of a day; a booking's details with the
 * actions of a clerk's day — meeting URL, outcome, cancellation, change of date and time, phone
 * change handled, a short message to the user. The work is done by src/lifecycle/operations.ts;
 * these handlers validate, call, audit and answer. Every page that shows personal details
 * audits the view (ids and counts only).
 */
import type { Response } from 'express';
import type { PageModule, StaffPageKit } from '../console.ts';
import { formRaw, formText, queryText, uuidParam } from '../forms.ts';
import { StaffHttpError } from '../routes.ts';
import { csvBom, csvLine } from '../csv.ts';
import { bookingById, bookingsBetween, nameMatches, pushKindLabels, pushStatusLabels, statusLabels } from '../bookings-data.ts';
import type { BookingForStaff } from '../bookings-data.ts';
import { loadOfficeCalendar } from '../../office-days.ts';
import { takenSeats } from '../../booking/bookings.ts';
import { addDays, bookableSlots, isJpDate, isTimeOfDay, noShowMomentFor, tokyoDateOf, tokyoTimeOf } from '../../rules/index.ts';
import { formatJpDate } from '../../text/japanese.ts';
import { isBookingError, upcomingStatuses } from '../../booking/status.ts';
import type { BookingStatus } from '../../booking/status.ts';
import {
  cancelBookingByStaff,
  markPhoneChangeHandled,
  recordAttendance,
  recordContacted,
  recordNoShow,
  rescheduleBooking,
  sendStaffMessage,
  setMeetingUrl,
  staffMessageFor,
  staffMessageMaxLength,
} from '../../lifecycle/operations.ts';
import { pushKinds } from '../../lifecycle/reminders.ts';

const staff = { role: 'staff' } as const;
/** Longest range the list shows at once. */
const maxListDays = 31;

/** The list's status filter: a name a clerk picks → the statuses it shows. */
const statusFilters: Record<string, { label: string; statuses?: readonly BookingStatus[] }> = {
  active: { label: '予約中（予約済み・遅れる連絡あり）', statuses: upcomingStatuses },
  all: { label: 'すべて' },
  attended: { label: '出席', statuses: ['attended'] },
  no_show: { label: '無断キャンセル', statuses: ['no_show'] },
  cancelled: { label: 'キャンセル', statuses: ['cancelled'] },
};

export const bookingPages: PageModule = (routes, kit) => {
  // --- 予約一覧 ---------------------------------------------------------------------------
  routes.get('/bookings', staff, async (req, res) => {
    const today = tokyoDateOf(kit.clock.now());
    const from = dateQuery(queryText(req, 'from'), today);
    let to = dateQuery(queryText(req, 'to'), addDays(from, 6));
    const problems: string[] = [];
    if (to < from) {
      problems.push('終了日が開始日より前だったため、開始日から7日間を表示しています。');
      to = addDays(from, 6);
    }
    if (to > addDays(from, maxListDays - 1)) {
      problems.push(`一度に表示できるのは${maxListDays}日間までです。開始日から${maxListDays}日間を表示しています。`);
      to = addDays(from, maxListDays - 1);
    }
    const statusKey = queryText(req, 'status') in statusFilters ? queryText(req, 'status') : 'active';
    const q = queryText(req, 'q', 50).trim();
    const all = await bookingsBetween(kit.prisma, kit.cipher, kit.config, {
      from,
      to,
      ...(statusFilters[statusKey]?.statuses ? { statuses: statusFilters[statusKey].statuses } : {}),
    });
    const bookings = q ? all.filter((b) => nameMatches(b.name, q)) : all;
    await kit.audit(res, {
      action: 'bookings.list',
      targetType: 'list',
      detail: { from, to, status: statusKey, shown: bookings.length, nameFilter: q.length > 0 },
    });
    await kit.render(res, 'bookings/index.njk', {
      days: byDay(bookings),
      filter: { from, to, status: statusKey, q },
      statusFilters: Object.entries(statusFilters).map(([value, f]) => ({ value, label: f.label })),
      problems,
      today,
      count: bookings.length,
    });
  });

  // A day's list for the counsellors, laid out for paper.
  routes.get('/bookings/print', staff, async (req, res) => {
    const date = dateQuery(queryText(req, 'date'), tokyoDateOf(kit.clock.now()));
    const bookings = await bookingsBetween(kit.prisma, kit.cipher, kit.config, {
      from: date,
      to: date,
      statuses: ['confirmed', 'contacted', 'attended', 'no_show'],
    });
    await kit.audit(res, { action: 'bookings.print', targetType: 'list', detail: { date, shown: bookings.length } });
    await kit.render(res, 'bookings/print.njk', { date, bookings, printedAt: kit.clock.now() });
  });

  // The same day as CSV (UTF-8 with BOM, formula-safe).
  routes.get('/bookings/csv', staff, async (req, res) => {
    const date = dateQuery(queryText(req, 'date'), tokyoDateOf(kit.clock.now()));
    const bookings = await bookingsBetween(kit.prisma, kit.cipher, kit.config, { from: date, to: date });
    await kit.audit(res, { action: 'bookings.csv', targetType: 'list', detail: { date, shown: bookings.length } });
    let body = csvBom + csvLine(['日付', '開始', '状態', '氏名', '求職番号', '電話番号', '電話番号の変更', '相談内容', '通訳・介助', '参加用URL', '予約ID']);
    for (const b of bookings) {
      body += csvLine([
        b.date,
        b.startTime,
        b.statusLabel,
        b.name,
        b.jobSeekerNumber,
        b.phone,
        b.phoneChanged ? 'あり' : '',
        b.topic,
        b.attendantLabel,
        b.meetingUrl ?? (b.defaultMeetingUrl ? `（既定）${b.defaultMeetingUrl}` : ''),
        b.id,
      ]);
    }
    res.set('content-type', 'text/csv; charset=utf-8');
    res.set('content-disposition', `attachment; filename="bookings-${date}.csv"`);
    res.send(body);
  });

  // --- 予約詳細 ---------------------------------------------------------------------------
  routes.get('/bookings/:id', staff, async (req, res) => {
    const id = uuidParam(req);
    const booking = await bookingById(kit.prisma, kit.cipher, kit.config, id);
    if (!booking) throw new StaffHttpError(404, 'その予約は見つかりません。予約一覧から選び直してください。');
    await kit.audit(res, { action: 'booking.view', targetType: 'booking', targetId: id });
    await renderDetail(kit, res, booking);
  });

  routes.post('/bookings/:id/meeting-url', staff, async (req, res) => {
    const id = uuidParam(req);
    const url = formRaw(req, 'url', 2000).trim();
    await act(kit, res, id, async () => {
      const result = await setMeetingUrl(kit.prisma, id, url === '' ? null : url, kit.clock.now());
      await kit.audit(res, { action: url === '' ? 'booking.meeting-url.clear' : 'booking.meeting-url.set', targetType: 'booking', targetId: id });
      return url === ''
        ? '参加用URLを消しました。'
        : result.reminderAlreadySent
          ? '参加用URLを保存しました。前日のご案内は送信済みのため、新しいURLは届いていません。「利用者に連絡を送る」で知らせるか、電話で伝えてください。'
          : result.reminderReleased
            ? '参加用URLを保存しました。保留していた前日のご案内を送ります。'
            : '参加用URLを保存しました。前日のご案内でお送りします。';
    });
  });

  routes.post('/bookings/:id/outcome', staff, async (req, res) => {
    const id = uuidParam(req);
    const outcome = formText(req, 'outcome', 20);
    await act(kit, res, id, async () => {
      const now = kit.clock.now();
      if (outcome === 'attended') {
        const r = await recordAttendance(kit.prisma, id, now);
        if (r.changed) await kit.audit(res, { action: 'booking.attended', targetType: 'booking', targetId: id });
        return '出席を記録しました。';
      }
      if (outcome === 'contacted') {
        const r = await recordContacted(kit.prisma, id, now);
        if (r.changed) await kit.audit(res, { action: 'booking.contacted', targetType: 'booking', targetId: id });
        return '「遅れる連絡あり」を記録しました。無断キャンセルにはなりません。';
      }
      if (outcome === 'no-show') {
        const calendar = await loadOfficeCalendar(kit.prisma, kit.config, now);
        const r = await recordNoShow(kit.prisma, id, now, calendar, kit.config.NO_SHOW_REFUSAL_THRESHOLD);
        if (r.changed) await kit.audit(res, { action: 'booking.no-show', targetType: 'booking', targetId: id, detail: { refusedNow: r.refusedNow } });
        return r.refusedNow
          ? '無断キャンセルを記録しました。無断キャンセルが続いたため、この利用者の今後の予約はお断りになります（利用者ページで解除できます）。本人にお知らせを送ります。'
          : '無断キャンセルを記録しました。本人にお知らせを送ります。';
      }
      throw new StaffHttpError(400, '記録する内容（出席・遅れる連絡あり・無断キャンセル）を選んでください。');
    });
  });

  routes.post('/bookings/:id/cancel', staff, async (req, res) => {
    const id = uuidParam(req);
    const by = formText(req, 'by', 20);
    const reason = formText(req, 'reason', 500).trim();
    if ((by !== 'user-phone' && by !== 'office') || reason === '') {
      await kit.flash(res, 'error', 'キャンセルするには、誰の都合か（本人からの電話・所の都合）を選び、理由を入力してください。');
      kit.redirect(res, `/staff/bookings/${id}#cancel`);
      return;
    }
    await act(kit, res, id, async () => {
      const r = await cancelBookingByStaff(kit.prisma, id, reason, kit.clock.now(), by);
      if (!r.changed) return 'この予約は既にキャンセルされています。';
      await kit.audit(res, { action: 'booking.cancel', targetType: 'booking', targetId: id, detail: { by } });
      return by === 'office'
        ? 'キャンセルしました。本人には、お詫びと再予約のご案内を送ります。'
        : 'キャンセルしました。本人にキャンセルのお知らせを送ります。';
    });
  });

  routes.post('/bookings/:id/reschedule', staff, async (req, res) => {
    const id = uuidParam(req);
    const slot = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})$/.exec(formText(req, 'slot', 40));
    if (!slot?.[1] || !slot[2] || !isJpDate(slot[1]) || !isTimeOfDay(slot[2])) {
      await kit.flash(res, 'error', '変更後の日時を一覧から選んでください。');
      kit.redirect(res, `/staff/bookings/${id}#reschedule`);
      return;
    }
    const to = { date: slot[1], time: slot[2] };
    await act(kit, res, id, async () => {
      const now = kit.clock.now();
      const calendar = await loadOfficeCalendar(kit.prisma, kit.config, now);
      const r = await rescheduleBooking(kit.prisma, id, to, now, { calendar, sealer: sealerOf(kit), office: officeOf(kit) });
      if (!r.changed) return '同じ日時が選ばれたため、変更はありません。';
      await kit.audit(res, {
        action: 'booking.reschedule',
        targetType: 'booking',
        targetId: id,
        detail: { fromDate: r.from.date, fromTime: r.from.time, toDate: to.date, toTime: to.time },
      });
      return `日時を${formatJpDate(to.date, { withYear: true })} ${to.time}に変更しました。本人に変更のお知らせを送り、前日のご案内も新しい日時に合わせます。`;
    });
  });

  routes.post('/bookings/:id/phone-change-handled', staff, async (req, res) => {
    const id = uuidParam(req);
    await act(kit, res, id, async () => {
      const r = await markPhoneChangeHandled(kit.prisma, id);
      if (!r.changed) return '電話番号の変更は既に対応済みです。';
      await kit.audit(res, { action: 'booking.phone-change-handled', targetType: 'booking', targetId: id });
      return '電話番号の変更を対応済みにしました。';
    });
  });

  // Message: typed → previewed exactly as the user will see it → sent.
  routes.post('/bookings/:id/message/preview', staff, async (req, res) => {
    const id = uuidParam(req);
    const message = formText(req, 'message', 2000);
    const booking = await bookingById(kit.prisma, kit.cipher, kit.config, id);
    if (!booking) throw new StaffHttpError(404, 'その予約は見つかりません。予約一覧から選び直してください。');
    let preview: string;
    try {
      preview = staffMessageFor(message, officeOf(kit));
    } catch (error) {
      if (!isBookingError(error, 'invalid-staff-message')) throw error;
      await kit.flash(res, 'error', `連絡の本文を1〜${staffMessageMaxLength}文字で入力してください。`);
      kit.redirect(res, `/staff/bookings/${id}#message`);
      return;
    }
    await kit.render(res, 'bookings/message-preview.njk', {
      booking: { id, date: booking.date, startTime: booking.startTime, unfollowed: booking.flags.some((f) => f.code === 'unfollowed') },
      message,
      preview,
    });
  });

  routes.post('/bookings/:id/message', staff, async (req, res) => {
    const id = uuidParam(req);
    const message = formText(req, 'message', 2000);
    await act(kit, res, id, async () => {
      try {
        const sent = await sendStaffMessage(kit.prisma, id, message, kit.clock.now(), { sealer: sealerOf(kit), office: officeOf(kit) });
        await kit.audit(res, { action: 'booking.message', targetType: 'booking', targetId: id, detail: { pushId: sent.pushId } });
        return '連絡を送信待ちにしました。まもなく本人のLINEに届きます。';
      } catch (error) {
        if (isBookingError(error, 'invalid-staff-message')) throw new StaffHttpError(400, `連絡の本文を1〜${staffMessageMaxLength}文字で入力してください。`);
        throw error;
      }
    });
  });
};

/** Runs a booking action: its flash message on success, a Japanese explanation on a refusal; back to the booking. */
async function act(kit: StaffPageKit, res: Response, id: string, work: () => Promise<string>): Promise<void> {
  try {
    await kit.flash(res, 'success', await work());
  } catch (error) {
    const message = refusalMessage(error);
    if (message === null) throw error;
    if (isBookingError(error, 'not-found')) throw new StaffHttpError(404, message);
    await kit.flash(res, 'error', message);
  }
  kit.redirect(res, `/staff/bookings/${id}`);
}

function refusalMessage(error: unknown): string | null {
  if (isBookingError(error, 'not-found')) return 'その予約は見つかりません。予約一覧から選び直してください。';
  if (isBookingError(error, 'wrong-status'))
    return `この予約は「${statusLabels[error.details.status]}」のため、この操作はできません。別の職員が先に記録した場合もあります。この画面の状態と履歴を確かめてください。`;
  if (isBookingError(error, 'too-early'))
    return error.details.action === 'record-no-show'
      ? `無断キャンセルは開始10分後（${tokyoTimeOf(error.details.allowedFrom)}）から記録できます。それまでに連絡があれば「遅れる連絡あり」を記録してください。`
      : `出席は開始時刻（${tokyoTimeOf(error.details.allowedFrom)}）から記録できます。開始後にもう一度記録してください。`;
  if (isBookingError(error, 'invalid-meeting-url')) return '参加用URLは https:// で始まるURLを、空白を入れずに1000文字以内で入力してください。';
  if (isBookingError(error, 'slot-unavailable'))
    return `${formatJpDate(error.details.date, { withYear: true })} ${error.details.time}は予約できません（埋まったか、受付期間外です）。一覧から別の日時を選んでください。`;
  if (error instanceof StaffHttpError) return error.status === 400 ? error.message : null;
  return null;
}

async function renderDetail(kit: StaffPageKit, res: Response, booking: BookingForStaff): Promise<void> {
  const now = kit.clock.now();
  const calendar = await loadOfficeCalendar(kit.prisma, kit.config, now);
  const noShowFrom = noShowMomentFor(booking.startsAt, calendar);
  const messages = await kit.prisma.push.findMany({
    where: { userId: booking.userId, kind: { in: [pushKinds.rescheduled, pushKinds.staffMessage] }, data: { path: ['bookingId'], equals: booking.id } },
    orderBy: { createdAt: 'asc' },
    select: { kind: true, status: true, createdAt: true, sentAt: true, lastError: true },
  });
  // Free slots the bot would offer now (same rules and data), for changing the date and time.
  const slots = booking.active ? bookableSlots(now, calendar, await takenSeats(kit.prisma, now)).days : [];
  await kit.render(res, 'bookings/show.njk', {
    booking,
    now,
    canAttend: booking.active && now >= booking.startsAt,
    canNoShow: booking.status === 'confirmed' && now >= noShowFrom,
    noShowFrom,
    canContact: booking.status === 'confirmed',
    slotDays: slots
      .map((day) => ({ date: day.date, starts: day.starts.filter((t) => !(day.date === booking.date && t === booking.startTime)) }))
      .filter((d) => d.starts.length > 0),
    history: [
      ...booking.notices.map((n) => ({ at: n.sentAt ?? n.dueAt, kindLabel: n.kindLabel, statusLabel: n.statusLabel, lastError: n.lastError })),
      ...messages.map((m) => ({
        at: m.sentAt ?? m.createdAt,
        kindLabel: pushKindLabels[m.kind] ?? m.kind,
        statusLabel: pushStatusLabels[m.status] ?? m.status,
        lastError: m.lastError,
      })),
    ].sort((a, b) => a.at.getTime() - b.at.getTime()),
    messageMax: staffMessageMaxLength,
  });
}

function byDay(bookings: BookingForStaff[]): { date: string; bookings: BookingForStaff[] }[] {
  const days: { date: string; bookings: BookingForStaff[] }[] = [];
  for (const booking of bookings) {
    const last = days[days.length - 1];
    if (last?.date === booking.date) last.bookings.push(booking);
    else days.push({ date: booking.date, bookings: [booking] });
  }
  return days;
}

function dateQuery(value: string, fallback: string): string {
  return isJpDate(value) ? value : fallback;
}

function sealerOf(kit: StaffPageKit) {
  return { seal: (json: string) => kit.cipher.encrypt(json) };
}

function officeOf(kit: StaffPageKit) {
  return { officeName: kit.config.OFFICE_NAME, officePhone: kit.config.OFFICE_PHONE, officePhoneHours: kit.config.OFFICE_PHONE_HOURS };
}
