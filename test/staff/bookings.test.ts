/**
 * 予約一覧 and 予約詳細 over HTTP, signed in through the real form, with the whole service
 * in-process, the real LINE SDK talking to the fake LINE API, and the application clock: what a
 * clerk sees, every action's effect (booking, seat, reminder, the user's push), its audit entry,
 * and hostile input answered with 4xx, never 500. No personal value reaches the audit log or the
 * service log.
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { schedulerDepsOf, useHarness, lineUserId } from '../support/harness.ts';
import { addBookingFor, createStaffAccount, signedInAgent } from '../support/staff-console.ts';
import { runSchedulerOnce } from '../../src/lifecycle/outbox.ts';
import { csvLine } from '../../src/staff/csv.ts';

const h = useHarness({ now: '2026-12-01T09:00:00+09:00', checkLine: 'after each' });
let clerk: Awaited<ReturnType<typeof signedInAgent>>;
const prisma = () => h.service.db.prisma;
const NAME = '港北 花子';
const NUMBER = '14150-1234567';
const PHONE = '090-2468-1357';
const TOPIC = '介護職への転職について相談したい';

beforeAll(async () => {
  await createStaffAccount(prisma(), 'clerk1', 'staff', h.clock.now());
});
beforeEach(async () => {
  h.clock.set('2026-12-01T09:00:00+09:00');
  clerk = await signedInAgent(h.service.app, 'clerk1');
});

async function book(seed: string, date: string, time: string, extra: Partial<Parameters<typeof addBookingFor>[1]> = {}) {
  const userId = lineUserId(seed);
  const id = await addBookingFor(h.service, { userId, date, time, name: NAME, jobSeekerNumber: NUMBER, phone: PHONE, topic: TOPIC, ...extra }, h.clock.now());
  return { id, userId };
}

async function post(path: string, form: Record<string, string> = {}) {
  return clerk.agent
    .post(path)
    .type('form')
    .send({ _csrf: clerk.csrf, ...form });
}

/** The flash message the next page shows. */
async function flashAfter(res: { status: number; headers: Record<string, string> }) {
  expect(res.status).toBe(303);
  const page = await clerk.agent.get(res.headers.location ?? '/staff/bookings');
  return (/class="flash flash-(\w+)"[^>]*>([^<]*)</.exec(page.text) ?? []).slice(1, 3);
}

/** The changes audited on a target (views left out: every page after an action is a view). */
async function auditActions(targetId: string) {
  return (await prisma().staffAuditLog.findMany({ where: { targetId, NOT: { action: 'booking.view' } }, orderBy: { id: 'asc' } })).map((e) => e.action);
}

/** Moves the application clock and signs in again (the idle timeout would end the session). */
async function at(instant: string) {
  h.clock.set(instant);
  clerk = await signedInAgent(h.service.app, 'clerk1');
}

describe('予約一覧', () => {
  it('shows today and the coming days by date and time with name, number, phone, topic, interpreter, URL, status and flags', async () => {
    const a = await book('list-a', '2026-12-01', '13:00', { meetingUrl: 'https://teleoffice.example/r/a' });
    const b = await book('list-b', '2026-12-01', '10:00', { attendant: 'interpreter', language: 'ネパール語', phoneChanged: true, name: 'Gurung Sita' });
    await book('list-far', '2026-12-20', '10:00', { name: '遠い 予約' });
    const res = await clerk.agent.get('/staff/bookings');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const page = res.text;
    for (const text of [
      NAME,
      NUMBER,
      PHONE,
      TOPIC,
      'Gurung Sita',
      '通訳（ネパール語）',
      'https://teleoffice.example/r/a',
      '予約済み',
      '電話番号の変更あり',
      '2026年12月1日(火)（今日）',
    ]) {
      expect(page).toContain(text);
    }
    expect(page.indexOf(`/staff/bookings/${b.id}`)).toBeLessThan(page.indexOf(`/staff/bookings/${a.id}`)); // 10:00 before 13:00
    expect(page).not.toContain('遠い 予約'); // beyond the default 7 days
    expect(await prisma().staffAuditLog.count({ where: { action: 'bookings.list' } })).toBeGreaterThan(0);
  });

  it('filters by date range, status and part of the name, and explains a range it had to correct', async () => {
    const kept = await book('filter-1', '2026-12-03', '09:30', { name: '鈴木 一郎' });
    const gone = await book('filter-2', '2026-12-03', '10:30', { name: '佐藤 次郎' });
    await post(`/staff/bookings/${gone.id}/cancel`, { by: 'user-phone', reason: '本人から電話' });
    const active = await clerk.agent.get('/staff/bookings?from=2026-12-03&to=2026-12-03');
    expect(active.text).toContain('鈴木 一郎');
    expect(active.text).not.toContain('佐藤 次郎');
    const cancelled = await clerk.agent.get('/staff/bookings?from=2026-12-03&to=2026-12-03&status=cancelled');
    expect(cancelled.text).toContain('佐藤 次郎');
    expect(cancelled.text).toContain('本人からの電話');
    const byName = await clerk.agent.get(`/staff/bookings?from=2026-12-01&to=2026-12-07&status=all&q=${encodeURIComponent('すずき')}`);
    expect(byName.text).not.toContain('佐藤 次郎');
    const byKanji = await clerk.agent.get(`/staff/bookings?from=2026-12-01&to=2026-12-07&status=all&q=${encodeURIComponent('鈴木')}`);
    expect(byKanji.text).toContain(`/staff/bookings/${kept.id}`);
    expect(byKanji.text).not.toContain(`/staff/bookings/${gone.id}`);
    const reversed = await clerk.agent.get('/staff/bookings?from=2026-12-05&to=2026-12-01');
    expect(reversed.status).toBe(200);
    expect(reversed.text).toContain('終了日が開始日より前');
    const tooLong = await clerk.agent.get('/staff/bookings?from=2026-12-01&to=2027-12-01');
    expect(tooLong.text).toContain('31日間まで');
    for (const query of ['from=2026-13-01', 'from=%00', 'status=%3Cscript%3E', 'q=' + 'x'.repeat(300), 'from[]=1&from[]=2']) {
      expect((await clerk.agent.get(`/staff/bookings?${query}`)).status).toBe(200);
    }
  });

  it('prints a day and downloads it as CSV (UTF-8 with BOM, every field quoted), both audited', async () => {
    await book('print-1', '2026-12-04', '11:00', { name: '印刷 太郎' });
    const print = await clerk.agent.get('/staff/bookings/print?date=2026-12-04');
    expect(print.status).toBe(200);
    expect(print.text).toContain('印刷 太郎');
    expect(print.text).toContain('2026年12月4日(金)');
    const csv = await clerk.agent
      .get('/staff/bookings/csv?date=2026-12-04')
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks).toString('utf8')));
      });
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toBe('attachment; filename="bookings-2026-12-04.csv"');
    const body = csv.body as string;
    expect(body.startsWith('\uFEFF"日付","開始","状態","氏名"')).toBe(true);
    expect(body).toContain('"2026-12-04","11:00","予約済み","印刷 太郎","14150-1234567","090-2468-1357"');
    const actions = (await prisma().staffAuditLog.findMany({ where: { action: { in: ['bookings.print', 'bookings.csv'] } } })).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['bookings.print', 'bookings.csv']));
  });

  it('writes CSV cells a spreadsheet cannot run as formulas', () => {
    expect(csvLine(['=HYPERLINK("x")', '+1', '-2', '@a', 'ok', null, 3])).toBe(`"'=HYPERLINK(""x"")","'+1","'-2","'@a","ok","","3"\r\n`);
  });
});

describe('予約詳細', () => {
  it('shows the booking with its personal details and audits the view', async () => {
    const { id } = await book('detail', '2026-12-02', '14:00');
    const res = await clerk.agent.get(`/staff/bookings/${id}`);
    expect(res.status).toBe(200);
    for (const text of [NAME, NUMBER, PHONE, TOPIC, '2026年12月2日(水) 14:00']) expect(res.text).toContain(text);
    expect((await prisma().staffAuditLog.findMany({ where: { targetId: id } })).map((e) => [e.action, e.staffLogin, e.via])).toEqual([
      ['booking.view', 'clerk1', 'console'],
    ]);
  });

  it('answers a malformed or unknown booking id with the Japanese 404 page, never a 500', async () => {
    for (const path of [
      '/staff/bookings/%00',
      '/staff/bookings/not-a-uuid',
      '/staff/bookings/%E0%A4%A',
      '/staff/bookings/..%2F..%2Fetc',
      `/staff/bookings/${'a'.repeat(5000)}`,
      '/staff/bookings/00000000-0000-4000-8000-000000000000',
    ]) {
      const res = await clerk.agent.get(path);
      expect([400, 404], path).toContain(res.status);
      expect(res.text).toMatch(/見つかりません|正しくないリクエスト/);
    }
    const post404 = await post('/staff/bookings/%00/cancel', { by: 'office', reason: 'x' });
    expect(post404.status).toBe(404);
  });

  it('sets, changes and clears the meeting URL; refuses http, spaces, control characters and over-long URLs', async () => {
    const { id } = await book('url', '2026-12-02', '15:00');
    const [kind, message] = await flashAfter(await post(`/staff/bookings/${id}/meeting-url`, { url: 'https://teleoffice.example/r/15' }));
    expect(kind).toBe('success');
    expect(message).toContain('保存しました');
    expect((await prisma().booking.findUniqueOrThrow({ where: { id } })).meetingUrl).toBe('https://teleoffice.example/r/15');
    for (const bad of [
      'http://teleoffice.example/r',
      'https://tele office.example/r',
      'https://teleoffice.example/r\u0007x',
      'https://teleoffice.example/r\nx',
      'javascript:alert(1)',
      `https://teleoffice.example/${'a'.repeat(1000)}`,
      'https://teleoffice.example/\u200Bx',
    ]) {
      const [badKind, badMessage] = await flashAfter(await post(`/staff/bookings/${id}/meeting-url`, { url: bad }));
      expect(badKind, bad).toBe('error');
      expect(badMessage).toContain('https://');
    }
    expect((await prisma().booking.findUniqueOrThrow({ where: { id } })).meetingUrl).toBe('https://teleoffice.example/r/15');
    await flashAfter(await post(`/staff/bookings/${id}/meeting-url`, { url: '' }));
    expect((await prisma().booking.findUniqueOrThrow({ where: { id } })).meetingUrl).toBeNull();
    expect(await auditActions(id)).toEqual(['booking.meeting-url.set', 'booking.meeting-url.clear']);
  });

  it('records a no-show only from start + 10 minutes; the user is told; attendance from the start; contact at any time', async () => {
    const late = await book('noshow', '2026-12-01', '10:00');
    await at('2026-12-01T10:09:59+09:00');
    const [early, earlyText] = await flashAfter(await post(`/staff/bookings/${late.id}/outcome`, { outcome: 'no-show' }));
    expect([early, earlyText]).toEqual([
      'error',
      '無断キャンセルは開始10分後（10:10）から記録できます。それまでに連絡があれば「遅れる連絡あり」を記録してください。',
    ]);
    expect((await prisma().booking.findUniqueOrThrow({ where: { id: late.id } })).status).toBe('confirmed');
    await at('2026-12-01T10:10:00+09:00');
    const [ok] = await flashAfter(await post(`/staff/bookings/${late.id}/outcome`, { outcome: 'no-show' }));
    expect(ok).toBe('success');
    expect((await prisma().booking.findUniqueOrThrow({ where: { id: late.id } })).status).toBe('no_show');
    await runSchedulerOnce(schedulerDepsOf(h));
    expect(h.line.readableTo(late.userId).some((t) => t.includes('キャンセル扱い'))).toBe(true);

    const came = await book('attended', '2026-12-01', '11:00');
    await at('2026-12-01T10:59:00+09:00');
    expect(await flashAfter(await post(`/staff/bookings/${came.id}/outcome`, { outcome: 'attended' }))).toEqual([
      'error',
      '出席は開始時刻（11:00）から記録できます。開始後にもう一度記録してください。',
    ]);
    expect((await flashAfter(await post(`/staff/bookings/${came.id}/outcome`, { outcome: 'contacted' })))[0]).toBe('success');
    // A user who said they would be late is never a no-show (the transition table refuses it).
    expect(await flashAfter(await post(`/staff/bookings/${came.id}/outcome`, { outcome: 'no-show' }))).toEqual([
      'error',
      'この予約は「遅れる連絡あり」のため、この操作はできません。別の職員が先に記録した場合もあります。この画面の状態と履歴を確かめてください。',
    ]);
    await at('2026-12-01T11:00:00+09:00');
    expect((await flashAfter(await post(`/staff/bookings/${came.id}/outcome`, { outcome: 'attended' })))[0]).toBe('success');
    expect((await prisma().booking.findUniqueOrThrow({ where: { id: came.id } })).status).toBe('attended');
    expect((await post(`/staff/bookings/${came.id}/outcome`, { outcome: 'lunch' })).status).toBe(303);
    expect(await auditActions(late.id)).toEqual(['booking.no-show']);
    expect(await auditActions(came.id)).toEqual(['booking.contacted', 'booking.attended']);
  });

  it('cancels at the user’s phone request or for the office’s reasons; the push says which and apologises for the office', async () => {
    const byUser = await book('cancel-user', '2026-12-03', '13:30');
    const byOffice = await book('cancel-office', '2026-12-03', '14:30');
    expect((await flashAfter(await post(`/staff/bookings/${byUser.id}/cancel`, { by: 'user-phone', reason: '' })))[0]).toBe('error');
    expect((await flashAfter(await post(`/staff/bookings/${byUser.id}/cancel`, { by: 'someone', reason: 'x' })))[0]).toBe('error');
    expect((await flashAfter(await post(`/staff/bookings/${byUser.id}/cancel`, { by: 'user-phone', reason: '体調不良と電話あり' })))[0]).toBe('success');
    expect((await flashAfter(await post(`/staff/bookings/${byOffice.id}/cancel`, { by: 'office', reason: '相談員の急病' })))[0]).toBe('success');
    const rows = await prisma().booking.findMany({ where: { id: { in: [byUser.id, byOffice.id] } }, include: { seat: true } });
    expect(rows.map((r) => [r.id, r.status, r.cancelledBy, r.seat])).toEqual(
      expect.arrayContaining([
        [byUser.id, 'cancelled', 'user-phone', null],
        [byOffice.id, 'cancelled', 'office', null],
      ]),
    );
    await runSchedulerOnce(schedulerDepsOf(h));
    const userText = h.line.readableTo(byUser.userId).join('\n');
    const officeText = h.line.readableTo(byOffice.userId).join('\n');
    expect(userText).toContain('キャンセルしました');
    expect(userText).not.toContain('申し訳');
    expect(officeText).toContain('都合により');
    expect(officeText).toContain('申し訳');
    expect(officeText).toContain('「予約」と送って');
    expect(officeText).not.toContain('相談員の急病');
    const [again, againText] = await flashAfter(await post(`/staff/bookings/${byUser.id}/cancel`, { by: 'user-phone', reason: 'x' }));
    expect([again, againText]).toEqual(['success', 'この予約は既にキャンセルされています。']);
    expect(await auditActions(byOffice.id)).toEqual(['booking.cancel']);
    expect(JSON.stringify(await prisma().staffAuditLog.findMany({ where: { targetId: byOffice.id } }))).toContain('"by":"office"');
  });

  it('changes the date and time among the free slots the rules offer: seat and reminder move, the user gets a push', async () => {
    const moving = await book('move', '2026-12-03', '10:00');
    const blocker = await book('move-blocker', '2026-12-04', '10:00');
    const detail = await clerk.agent.get(`/staff/bookings/${moving.id}`);
    expect(detail.text).toContain('value="2026-12-04T13:00"');
    expect(detail.text).not.toContain('value="2026-12-04T10:00"'); // taken (capacity 1)
    expect(detail.text).not.toContain('value="2026-12-03T10:00"'); // its own slot
    expect(detail.text).not.toContain('value="2026-12-05T'); // Saturday
    for (const slot of ['2026-12-04T10:00', '2026-12-05T10:00', '2026-12-03T12:15', '2026-12-01T15:00', 'garbage', '']) {
      const [kind] = await flashAfter(await post(`/staff/bookings/${moving.id}/reschedule`, { slot }));
      expect(kind, slot).toBe('error');
    }
    const [kind, message] = await flashAfter(await post(`/staff/bookings/${moving.id}/reschedule`, { slot: '2026-12-08T13:30' }));
    expect(kind).toBe('success');
    expect(message).toContain('2026年12月8日(火) 13:30');
    const moved = await prisma().booking.findUniqueOrThrow({ where: { id: moving.id }, include: { seat: true, pushes: true } });
    expect([moved.date, moved.startTime, moved.status, moved.seat?.date, moved.seat?.startTime]).toEqual([
      '2026-12-08',
      '13:30',
      'confirmed',
      '2026-12-08',
      '13:30',
    ]);
    const reminder = moved.pushes.find((p) => p.kind === 'day-before-reminder');
    expect(reminder?.dueAt.toISOString()).toBe(new Date('2026-12-07T10:00:00+09:00').toISOString());
    expect(await prisma().slotSeat.count({ where: { date: '2026-12-03', startTime: '10:00' } })).toBe(0);
    await runSchedulerOnce(schedulerDepsOf(h));
    const texts = h.line.readableTo(moving.userId);
    expect(texts).toHaveLength(1);
    expect(texts[0]).toContain('2026年12月8日(火) 13:30〜14:00');
    expect(texts[0]).toContain('変更前：2026年12月3日(木) 10:00〜10:30');
    expect(h.line.readableTo(blocker.userId)).toHaveLength(0);
    expect(await auditActions(moving.id)).toEqual(['booking.reschedule']);
    // The sealed text is gone once sent; the row still names the booking.
    const notice = await prisma().push.findFirstOrThrow({ where: { kind: 'rescheduled', userId: moving.userId } });
    expect(notice.data).toEqual({ bookingId: moving.id });
  });

  it('sends a reminder again for the new date when the old one had gone out', async () => {
    const { id, userId } = await book('move-after-reminder', '2026-12-02', '10:00', { meetingUrl: 'https://teleoffice.example/r/m' });
    await at('2026-12-01T10:00:00+09:00');
    await runSchedulerOnce(schedulerDepsOf(h));
    expect(h.line.readableTo(userId).filter((t) => t.startsWith('【オンライン職業相談】') && t.includes('参加する https://'))).toHaveLength(1);
    await flashAfter(await post(`/staff/bookings/${id}/reschedule`, { slot: '2026-12-09T10:00' }));
    h.clock.set('2026-12-08T10:00:00+09:00');
    await runSchedulerOnce(schedulerDepsOf(h));
    const reminders = h.line.readableTo(userId).filter((t) => t.startsWith('【オンライン職業相談】') && t.includes('参加する https://'));
    expect(reminders).toHaveLength(2);
    expect(reminders[1]).toContain('2026年12月9日(水) 10:00');
  });

  it('marks a phone change handled', async () => {
    const { id } = await book('phone', '2026-12-02', '09:00', { phoneChanged: true });
    expect((await clerk.agent.get(`/staff/bookings/${id}`)).text).toContain('対応済みにする');
    expect((await flashAfter(await post(`/staff/bookings/${id}/phone-change-handled`)))[0]).toBe('success');
    expect((await prisma().booking.findUniqueOrThrow({ where: { id } })).phoneChanged).toBe(false);
    expect((await flashAfter(await post(`/staff/bookings/${id}/phone-change-handled`)))[1]).toContain('既に対応済み');
    expect(await auditActions(id)).toEqual(['booking.phone-change-handled']);
  });

  it('previews a short message exactly as the user will see it, then pushes it through the outbox', async () => {
    const { id, userId } = await book('message', '2026-12-02', '16:00');
    const text = '担当者が10分ほど遅れます。<b>そのまま</b>お待ちください。';
    const preview = await post(`/staff/bookings/${id}/message/preview`, { message: text });
    expect(preview.status).toBe(200);
    expect(preview.text).toContain('担当者が10分ほど遅れます。&lt;b&gt;そのまま&lt;/b&gt;お待ちください。');
    expect(preview.text).toContain('からのご連絡');
    expect(await prisma().push.count({ where: { userId } })).toBe(1); // only the reminder: nothing sent by a preview
    expect((await flashAfter(await post(`/staff/bookings/${id}/message/preview`, { message: '   ' })))[0]).toBe('error');
    expect((await flashAfter(await post(`/staff/bookings/${id}/message/preview`, { message: 'あ'.repeat(501) })))[0]).toBe('error');
    expect((await flashAfter(await post(`/staff/bookings/${id}/message`, { message: text })))[0]).toBe('success');
    await runSchedulerOnce(schedulerDepsOf(h));
    const sent = h.line.readableTo(userId);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toContain(text);
    expect(sent[0]).toContain('045-474-1221');
    const row = await prisma().push.findFirstOrThrow({ where: { userId, kind: 'staff-message' } });
    expect(row.status).toBe('sent');
    expect(JSON.stringify(row.data)).not.toContain('遅れます');
    expect(await auditActions(id)).toEqual(['booking.message']);
    expect((await clerk.agent.get(`/staff/bookings/${id}`)).text).toContain('職員からの連絡');
  });

  it('keeps every personal value out of the audit log and the service log', async () => {
    const entries = JSON.stringify(await prisma().staffAuditLog.findMany());
    const logs = h.logs.join('');
    for (const value of [NAME, NUMBER, PHONE, TOPIC, '体調不良と電話あり', '相談員の急病', '担当者が10分ほど遅れます', '鈴木 一郎', 'Gurung Sita']) {
      expect(entries, value).not.toContain(value);
      expect(logs, value).not.toContain(value);
    }
    expect(entries).toContain('booking.view');
  });
});
