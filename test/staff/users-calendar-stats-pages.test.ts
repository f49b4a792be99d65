/**
 * 利用者, カレンダー and 統計 over HTTP, signed in through the real form, with the whole service
 * in-process, the real LINE SDK talking to the fake LINE API and the application clock: what a
 * clerk sees, each action's effect and audit entry, a suspended user's answer in the chat, and
 * bad input answered with a Japanese page (4xx), never a 500. No name, number or phone reaches
 * the audit log or the service log.
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { useHarness } from '../support/harness.ts';
import { addBookingFor, createStaffAccount, signedInAgent } from '../support/staff-console.ts';
import { chatUser } from '../support/chat.ts';
import { book, toDateQuestion } from '../e2e/booking-steps.ts';
import { refreshSearchHashes } from '../../src/staff/users/search.ts';

// Saturday 10:00: Wednesday 12-02 is the earliest bookable date.
const h = useHarness({ now: '2026-11-28T10:00:00+09:00', checkLine: 'after each' });
let clerk: Awaited<ReturnType<typeof signedInAgent>>;
let admin: Awaited<ReturnType<typeof signedInAgent>>;
const prisma = () => h.service.db.prisma;

beforeAll(async () => {
  await createStaffAccount(prisma(), 'clerk1', 'staff', h.clock.now());
  await createStaffAccount(prisma(), 'admin1', 'admin', h.clock.now());
});
beforeEach(async () => {
  clerk = await signedInAgent(h.service.app, 'clerk1');
  admin = await signedInAgent(h.service.app, 'admin1');
});

type Agent = typeof clerk;
const post = (who: Agent, path: string, form: Record<string, string> = {}) =>
  who.agent
    .post(path)
    .type('form')
    .send({ _csrf: who.csrf, ...form });

/** The flash message the page after a redirect shows: [kind, text]. */
async function flashAfter(who: Agent, res: { status: number; headers: Record<string, string> }): Promise<string[]> {
  expect(res.status).toBe(303);
  const page = await who.agent.get(res.headers.location ?? '/staff/bookings');
  return (/class="flash flash-(\w+)"[^>]*>([^<]*)</.exec(page.text) ?? []).slice(1, 3);
}

const refOf = async (userId: string) => (await prisma().lineUser.findUniqueOrThrow({ where: { id: userId } })).staffRef;

describe('利用者', () => {
  it('finds a user by the whole name, says that a part finds nothing, and audits the search without what was typed', async () => {
    const u = chatUser(h, 'page-search');
    await book(u, { time: '09:30' });
    const ref = await refOf(u.userId);
    const found = await clerk.agent.get('/staff/users').query({ q: '港北　太郎' });
    expect(found.status).toBe(200);
    expect(found.text).toContain(`/staff/users/${ref}`);
    expect(found.text).not.toContain(u.userId);
    const partial = await clerk.agent.get('/staff/users').query({ q: '港北' });
    expect(partial.text).toContain('完全に一致する利用者はいません');
    expect(partial.text).toContain('全体が一致したときだけ');
    const audit = await prisma().staffAuditLog.findMany({ where: { action: 'user.search' } });
    expect(audit.map((a) => a.detail)).toEqual(
      expect.arrayContaining([
        { kind: 'name', results: 1 },
        { kind: 'name', results: 0 },
      ]),
    );
    expect(JSON.stringify(audit)).not.toContain('港北');
  });

  it('shows the user page with the bookings, audited as a view, and sends a link with a LINE user id to it', async () => {
    const u = chatUser(h, 'page-show');
    await book(u, { time: '11:30' });
    const ref = await refOf(u.userId);
    const redirect = await clerk.agent.get(`/staff/users/${u.userId}`);
    expect(redirect.status).toBe(303);
    expect(redirect.headers.location).toBe(`/staff/users/${ref}`);
    const page = await clerk.agent.get(`/staff/users/${ref}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('港北 太郎');
    expect(page.text).toContain('12345-1234567');
    expect(page.text).toContain('2026年12月2日(水) 11:30');
    expect(page.text).toContain('利用を停止する');
    expect(page.text).not.toContain('データ削除を実行');
    expect(page.text).not.toContain(u.userId);
    const views = await prisma().staffAuditLog.findMany({ where: { action: 'user.view', targetId: ref } });
    expect(views).toHaveLength(1);
  });

  it('suspends a user with an Art. 12 reason: the bot then sends them to the phone; lifting it lets them book', async () => {
    const u = chatUser(h, 'page-suspend');
    await u.follow();
    await u.tap('同意する');
    await u.say('やめる');
    const ref = await refOf(u.userId);

    const empty = await post(clerk, `/staff/users/${ref}/suspend`, {});
    expect((await flashAfter(clerk, empty))[1]).toContain('理由');
    expect((await prisma().lineUser.findUniqueOrThrow({ where: { id: u.userId } })).suspendedAt).toBeNull();

    const res = await post(clerk, `/staff/users/${ref}/suspend`, { reason: 'art12-1', note: '電話口で大声、0901234 などと言う' });
    expect(await flashAfter(clerk, res)).toEqual(['success', expect.stringContaining('停止しました')]);
    const page = await clerk.agent.get(`/staff/users/${ref}`);
    expect(page.text).toContain('利用停止中');
    expect(page.text).toContain('第12条(1)');
    expect(page.text).toContain('電話口で大声');

    await u.say('予約');
    expect(u.last).toContain('現在オンライン職業相談のご予約はお受けできません');
    expect(u.last).toContain('045-474-1221');

    const lifted = await post(clerk, `/staff/users/${ref}/unsuspend`);
    expect((await flashAfter(clerk, lifted))[0]).toBe('success');
    await u.say('予約');
    expect(u.last).not.toContain('お受けできません');
    await u.say('やめる');

    const entries = await prisma().staffAuditLog.findMany({
      where: { targetId: ref, action: { in: ['user.suspend', 'user.unsuspend'] } },
      orderBy: { id: 'asc' },
    });
    expect(entries.map((e) => [e.action, e.staffLogin, e.detail])).toEqual([
      ['user.suspend', 'clerk1', { reason: 'art12-1' }],
      ['user.unsuspend', 'clerk1', null],
    ]);
    expect(JSON.stringify(await prisma().staffAuditLog.findMany())).not.toMatch(/大声|港北|12345-1234567/);
    expect(h.logs.join('')).not.toMatch(/大声|港北 太郎|12345-1234567/);
  });

  it('lifts a refusal after no-shows', async () => {
    const u = chatUser(h, 'page-refused');
    await u.follow();
    await prisma().lineUser.update({ where: { id: u.userId }, data: { refusedAt: h.clock.now(), refusalReason: 'no-shows', noShowCount: 2 } });
    const ref = await refOf(u.userId);
    expect((await clerk.agent.get(`/staff/users/${ref}`)).text).toContain('お断りを解除する');
    const res = await post(clerk, `/staff/users/${ref}/lift-refusal`);
    expect((await flashAfter(clerk, res))[0]).toBe('success');
    expect((await prisma().lineUser.findUniqueOrThrow({ where: { id: u.userId } })).refusedAt).toBeNull();
    expect(await prisma().staffAuditLog.count({ where: { targetId: ref, action: 'user.lift-refusal' } })).toBe(1);
  });

  it('carries out an erasure request only when there is one and it is confirmed, keeping the upcoming booking', async () => {
    const userId = 'U' + 'e'.repeat(32);
    const past = await addBookingFor(h.service, { userId, date: '2026-11-20', time: '10:00', name: '削除 依頼子' }, new Date('2026-11-10T10:00:00+09:00'));
    const upcoming = await addBookingFor(h.service, { userId, date: '2026-12-03', time: '10:00', name: '削除 依頼子' }, h.clock.now());
    await refreshSearchHashes(prisma(), h.service.deps.dialogue.cipher);
    const ref = await refOf(userId);
    const refused = await post(clerk, `/staff/users/${ref}/erase`, { confirm: 'yes' });
    expect((await flashAfter(clerk, refused))[1]).toContain('依頼はありません');

    await prisma().lineUser.update({ where: { id: userId }, data: { erasureRequestedAt: h.clock.now() } });
    expect((await clerk.agent.get(`/staff/users/${ref}`)).text).toContain('データ削除を実行');
    const unconfirmed = await post(clerk, `/staff/users/${ref}/erase`);
    expect((await flashAfter(clerk, unconfirmed))[1]).toContain('チェック');
    const res = await post(clerk, `/staff/users/${ref}/erase`, { confirm: 'yes' });
    expect(await flashAfter(clerk, res)).toEqual(['success', expect.stringContaining('予約1件')]);
    const rows = await prisma().booking.findMany({ where: { userId } });
    expect(rows.find((r) => r.id === past)).toMatchObject({ nameEnc: null, nameHash: null, jobSeekerNumberHash: null });
    expect(rows.find((r) => r.id === upcoming)?.nameEnc).not.toBeNull();
    const search = await clerk.agent.get('/staff/users').query({ q: '削除依頼子' });
    expect(search.text).toContain('一致した予約</th>');
    expect(await prisma().staffAuditLog.findFirst({ where: { targetId: ref, action: 'user.erase' } })).toMatchObject({ detail: { bookingsErased: 1 } });
  });

  it('answers unknown, malformed and hostile user ids with the Japanese 404 page', async () => {
    for (const path of [
      '/staff/users/0123456789abcdef0123456789abcdef',
      '/staff/users/%00',
      '/staff/users/..%2F..%2Fetc',
      `/staff/users/U${'0'.repeat(32)}`,
      '/staff/users/' + 'a'.repeat(5000),
    ]) {
      const res = await clerk.agent.get(path);
      expect([404, 414], path).toContain(res.status);
      if (res.status === 404) expect(res.text).toContain('利用者の検索からやり直してください');
    }
    const post404 = await post(clerk, '/staff/users/0123456789abcdef0123456789abcdef/suspend', { reason: 'art12-1' });
    expect(post404.status).toBe(404);
    const odd = await clerk.agent.get('/staff/users').query({ q: ['a', 'b'] });
    expect(odd.status).toBe(200);
  });
});

describe('カレンダー', () => {
  it('is for admins only', async () => {
    expect((await clerk.agent.get('/staff/calendar')).status).toBe(403);
    expect((await post(clerk, '/staff/calendar/changes', { kind: 'closed', date: '2026-12-08', note: 'x' })).status).toBe(403);
  });

  it('previews the coming weeks as the bot offers them, in Japanese dates', async () => {
    const page = await admin.agent.get('/staff/calendar');
    expect(page.status).toBe(200);
    expect(page.text).toContain('2026年11月28日(土)');
    expect(page.text).toContain('休み（土日）');
    expect(page.text).toContain('締切済み');
    expect(page.text).toMatch(/2026年12月2日\(水\)[\s\S]*?受付中/);
    expect(page.text).toContain('09:00（1）');
  });

  it('warns before closing a day with a booking, lists it, saves only when confirmed, and the bot stops offering the day', async () => {
    const u = chatUser(h, 'page-cal-booked');
    await book(u, { date: '12月8日(火)', time: '10:00' });
    const booking = await prisma().booking.findFirstOrThrow({ where: { userId: u.userId } });

    const first = await post(admin, '/staff/calendar/changes', { kind: 'closed', date: '2026-12-08', note: '館内設備点検' });
    expect(first.status).toBe(200);
    expect(first.text).toContain('予約1件の枠がなくなります');
    expect(first.text).toContain(`/staff/bookings/${booking.id}`);
    expect(await prisma().officeDay.count({ where: { date: '2026-12-08' } })).toBe(0);

    const confirmed = await post(admin, '/staff/calendar/changes', { kind: 'closed', date: '2026-12-08', note: '館内設備点検', confirm: 'yes' });
    expect(await flashAfter(admin, confirmed)).toEqual(['error', expect.stringContaining('予約は取り消していません')]);
    expect(await prisma().officeDay.findUnique({ where: { date: '2026-12-08' } })).toMatchObject({ open: false, note: '館内設備点検' });
    expect((await prisma().booking.findUniqueOrThrow({ where: { id: booking.id } })).status).toBe('confirmed');
    expect(await prisma().staffAuditLog.findFirst({ where: { action: 'calendar.change' }, orderBy: { id: 'desc' } })).toMatchObject({
      targetId: '2026-12-08',
      detail: { kind: 'closed', date: '2026-12-08', affected: 1 },
    });

    const v = chatUser(h, 'page-cal-after');
    await toDateQuestion(v);
    expect(v.labels()).not.toContain('12月8日(火)');
    await v.say('やめる');
    const page = await admin.agent.get('/staff/calendar?from=2026-12-07');
    expect(page.text).toContain('休み（休業日（所の設定））');
  });

  it('saves a capacity and a blocked time without asking when no booking is affected, and removes them', async () => {
    const cap = await post(admin, '/staff/calendar/changes', { kind: 'capacity', date: '2026-12-10', capacity: '２', note: '相談員2名' });
    expect(await flashAfter(admin, cap)).toEqual(['success', expect.stringContaining('保存しました')]);
    const block = await post(admin, '/staff/calendar/changes', { kind: 'block', date: '2026-12-10', from: '13:00', until: '14:00', seats: '', note: '研修' });
    expect((await flashAfter(admin, block))[0]).toBe('success');
    const page = await admin.agent.get('/staff/calendar?from=2026-12-07');
    expect(page.text).toContain('定員 1枠2名');
    expect(page.text).toContain('13:00〜14:00 停止');
    expect(page.text).toContain('09:00（2）');
    expect(page.text).toMatch(/12:30（2）[\s\S]*?14:00（2）/);
    const id = (await prisma().officeBlockedTime.findFirstOrThrow({ where: { date: '2026-12-10' } })).id;
    expect((await flashAfter(admin, await post(admin, '/staff/calendar/changes', { kind: 'unblock', id })))[0]).toBe('success');
    const again = await post(admin, '/staff/calendar/changes', { kind: 'unblock', id });
    expect((await flashAfter(admin, again))[1]).toContain('すでに取り消されていました');
    await post(admin, '/staff/calendar/changes', { kind: 'capacity', date: '2026-12-10', capacity: '' });
    expect(await prisma().officeDayCapacity.count()).toBe(0);
  });

  it('answers bad input with the form again, what was typed kept and a Japanese sentence saying what to fix', async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ kind: 'closed', date: '2026-12-09', note: '' }, '理由を入力してください'],
      [{ kind: 'closed', date: '12/9', note: '点検' }, '日付を正しく選んでください'],
      [{ kind: 'closed', date: '2026-11-27', note: '点検' }, '今日より前の日付は変更できません'],
      [{ kind: 'capacity', date: '2026-12-09', capacity: 'たくさん' }, '半角の数字'],
      [{ kind: 'block', date: '2026-12-09', from: '15:00', until: '14:00', note: '研修中' }, '終了時刻は開始時刻より後'],
      [{ kind: 'unblock', id: "1' OR 1=1" }, '見つかりません'],
      [{ kind: 'nonsense' }, '変更の種類が正しくありません'],
      [{}, '変更の種類が正しくありません'],
    ];
    for (const [form, message] of cases) {
      const res = await post(admin, '/staff/calendar/changes', form);
      expect(res.status, JSON.stringify(form)).toBe(400);
      expect(res.text).toContain(message);
    }
    const kept = await post(admin, '/staff/calendar/changes', { kind: 'block', date: '2026-12-09', from: '15:00', until: '14:00', note: '研修中' });
    expect(kept.text).toContain('value="研修中"');
    const tooLong = await post(admin, '/staff/calendar/changes', { kind: 'closed', date: '2026-12-09', note: 'x'.repeat(5000) });
    expect(tooLong.status).toBe(400);
    expect(await prisma().officeDay.count({ where: { date: '2026-12-09' } })).toBe(0);
  });
});

describe('統計', () => {
  it('shows counts per month, weekday and time, and downloads them as CSV (audited)', async () => {
    const page = await clerk.agent.get('/staff/stats').query({ from: '2026-12-01', to: '2026-12-31', by: 'month' });
    expect(page.status).toBe(200);
    expect(page.text).toContain('2026年12月');
    expect(page.text).toContain('曜日別');
    expect(page.text).not.toContain('港北 太郎');
    const csv = await clerk.agent.get('/staff/stats.csv').query({ from: '2026-12-01', to: '2026-12-31', by: 'week' });
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toContain('attachment');
    expect(csv.text.startsWith('\uFEFF"区分","項目","予約","出席"')).toBe(true);
    expect(csv.text).toContain('"週別","2026年11月30日(月)〜12月6日(日)"');
    const bookingsInDecember = await prisma().booking.count({ where: { date: { gte: '2026-12-01', lte: '2026-12-31' } } });
    expect(csv.text).toContain(`"合計","2026-12-01〜2026-12-31","${bookingsInDecember}"`);
    expect(await prisma().staffAuditLog.count({ where: { action: 'stats.csv' } })).toBe(1);
  });

  it('answers a bad range with a Japanese sentence, never a 500', async () => {
    for (const query of [
      { from: '2026-12-31', to: '2026-12-01' },
      { from: 'x', to: 'y' },
      { from: '2000-01-01', to: '2026-12-01' },
    ]) {
      const res = await clerk.agent.get('/staff/stats').query(query);
      expect(res.status).toBe(400);
      expect(res.text).toMatch(/期間/);
      expect((await clerk.agent.get('/staff/stats.csv').query(query)).status).toBe(400);
    }
  });
});
