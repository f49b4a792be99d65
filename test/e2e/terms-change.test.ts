// A terms change end to end through signed webhooks: published by the office, announced to
// every follower, the old version asked until the effective date, the new one (with what
// changed and a link to its full text) from it; bookings already made stay as they were.
// Also the public full-text page, and what it answers to hostile paths.
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { useHarness } from '../support/harness.ts';
import { chatUser, shown } from '../support/chat.ts';
import { book } from './booking-steps.ts';
import { createTermsDraft } from '../../src/terms/versions.ts';
import { publishTermsVersion } from '../../src/announcements/publish.ts';
import { runAnnouncementsOnce, defaultSenderOptions } from '../../src/announcements/sender.ts';
import { createLineMulticaster } from '../../src/announcements/multicast.ts';

const PUBLIC = 'https://line.example.jp';
const change = {
  label: '令和8年12月3日改定',
  effectiveDate: '2026-12-03',
  body: '第1条（目的）\nこの規約は、オンライン職業相談の利用について定めます。\n\n第6条（予約）\n(1) 予約は相談日の2開庁日前までに確定してください。\n(4) キャンセルはお電話またはこのLINEでご連絡ください。',
  changeSummary: '・キャンセルの連絡を、お電話に加えてLINEでもできるようにします（第6条(4)）。',
  cardSummary: '・利用料は無料です\n・1回30分以内、TeleOfficeを使います\n・キャンセルはお電話またはLINEで',
};

describe('a terms change, from publication to the new consent', () => {
  const h = useHarness({ env: { PUBLIC_BASE_URL: PUBLIC } });
  /** What the bot's last reply to a user showed (announcements arrive by multicast, not in replies). */
  const lastReply = (userId: string) =>
    (h.line.deliveries.filter((d) => d.via === 'reply' && d.userId === userId).at(-1)?.messages ?? []).map(shown).join('\n');

  it('announces the change, asks for the old version until the effective date and for the new one from it, and leaves bookings untouched', async () => {
    const prisma = h.service.db.prisma;
    const bookedBefore = chatUser(h, 'booked-before'); // booked for 12-02, before the change
    const bookedAfter = chatUser(h, 'booked-after'); //   booked for 12-03, the effective date
    const agreed = chatUser(h, 'agreed'); //              agreed to the old version, no booking
    await book(bookedBefore);
    await book(bookedAfter, { date: '12月3日(木)', time: '11:00' });
    await agreed.follow();
    await agreed.tap('同意する');
    const before = await prisma.booking.findMany({ orderBy: { date: 'asc' } });
    expect(before.map((b) => b.date)).toEqual(['2026-12-02', '2026-12-03']);

    // The office publishes the change on Saturday 11-28; the sender delivers it.
    const draft = await createTermsDraft(prisma, change, h.clock.now());
    const office = { officeName: h.config.OFFICE_NAME, officePhone: h.config.OFFICE_PHONE, officePhoneHours: h.config.OFFICE_PHONE_HOURS };
    await publishTermsVersion(prisma, draft.id, { now: h.clock.now(), office, publicBaseUrl: h.config.PUBLIC_BASE_URL, by: 'admin' });
    const multicaster = createLineMulticaster({ channelAccessToken: h.config.LINE_CHANNEL_ACCESS_TOKEN, baseURL: h.config.LINE_API_BASE_URL });
    await runAnnouncementsOnce({ prisma, clock: h.clock, logger: h.service.deps.logger, multicaster }, defaultSenderOptions);

    for (const u of [bookedBefore, bookedAfter, agreed]) {
      const announcement = h.line.deliveries.filter((d) => d.via === 'multicast' && d.userId === u.userId);
      expect(announcement).toHaveLength(1);
      const text = h.line.textsTo(u.userId).at(-1) ?? '';
      expect(text).toContain('利用規約を改定します（令和8年12月3日改定）');
      expect(text).toContain('2026年12月3日(木)から');
      expect(text).toContain(change.changeSummary);
      expect(JSON.stringify(announcement[0]?.messages)).toContain(`"uri":"${PUBLIC}/terms/2026-12-03"`);
    }
    expect(h.line.textsTo(bookedAfter.userId).at(-1)).toContain('そのまま有効');
    expect(h.line.textsTo(bookedBefore.userId).at(-1)).not.toContain('そのまま有効');

    // Before the effective date: a new friend is asked for the version in force, without a change note.
    const newcomer = chatUser(h, 'newcomer');
    await newcomer.follow();
    expect(newcomer.last).toContain('利用規約（要約・令和5年11月1日改定）');
    expect(newcomer.last).not.toContain('主な変更点');
    // … and a user who agreed to it is not asked again.
    h.clock.advanceMinutes(60);
    await agreed.say('予約');
    expect(lastReply(agreed.userId)).not.toContain('同意');
    expect(lastReply(agreed.userId)).toContain('求職登録');

    // From 00:00 in Japan on the effective date, the new version with what changed and a link.
    h.clock.set('2026-12-03T00:00:00+09:00');
    await agreed.say('予約');
    expect(agreed.last).toContain('利用規約が改定されました（令和8年12月3日改定）');
    expect(agreed.last).toContain('2026年12月3日(木)から利用規約が変わりました。主な変更点：');
    expect(agreed.last).toContain(change.changeSummary);
    expect(agreed.last).toContain('・キャンセルはお電話またはLINEで');
    const card = JSON.stringify(agreed.lastReply);
    expect(card).toContain(`{"type":"uri","label":"全文を読む","uri":"${PUBLIC}/terms/2026-12-03"}`);
    h.clock.advanceMinutes(1);
    await agreed.tap('同意する');
    expect(agreed.last).toContain('利用規約への同意を記録しました（令和8年12月3日改定）');
    const consents = await prisma.consent.findMany({ where: { userId: agreed.userId }, include: { termsVersion: true }, orderBy: { agreedAt: 'asc' } });
    expect(consents.map((c) => [c.termsVersion.version, c.agreedAt.toISOString()])).toEqual([
      ['2023-11-01', '2026-11-28T01:00:00.000Z'],
      ['2026-12-03', '2026-12-02T15:01:00.000Z'],
    ]);

    // Bookings already made are untouched: same rows, same terms version, still confirmed.
    const after = await prisma.booking.findMany({ orderBy: { date: 'asc' } });
    expect(after.map((b) => [b.id, b.status, b.termsVersionId, b.updatedAt.toISOString()])).toEqual(
      before.map((b) => [b.id, b.status, b.termsVersionId, b.updatedAt.toISOString()]),
    );
  });
});

describe('the public full-text page', () => {
  const h = useHarness({ checkLine: 'never' });

  it('serves the full text of a published version as readable, printable Japanese HTML with strict headers', async () => {
    const res = await request(h.service.app).get('/terms/2023-11-01');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html; charset=utf-8/);
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.text).toContain('<html lang="ja">');
    expect(res.text).toContain('令和5年11月1日改定');
    expect(res.text).toContain('現在適用中');
    expect(res.text).toContain('2023年11月1日(水)');
    expect(res.text).toContain('第1条');
    expect(res.text).not.toContain('<script');
    const css = await request(h.service.app).get('/terms/terms.css');
    expect(css.status).toBe(200);
    expect(css.text).toContain('@media print');
  });

  it('shows an upcoming version as 適用予定 and escapes what the office typed', async () => {
    const prisma = h.service.db.prisma;
    const draft = await createTermsDraft(
      prisma,
      { ...change, effectiveDate: '2026-12-20', changeSummary: '<script>alert(1)</script> & "引用"' },
      h.clock.now(),
    );
    expect((await request(h.service.app).get('/terms/2026-12-20')).status).toBe(404); // a draft is not public
    await prisma.termsVersion.update({ where: { id: draft.id }, data: { status: 'published', publishedAt: h.clock.now() } });
    const res = await request(h.service.app).get('/terms/2026-12-20');
    expect(res.status).toBe(200);
    expect(res.text).toContain('適用予定');
    expect(res.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;引用&quot;');
    expect(res.text).not.toContain('<script>alert(1)');
    const index = await request(h.service.app).get('/terms');
    expect(index.status).toBe(200);
    expect(index.text).toContain('/terms/2026-12-20');
    expect(index.text).toContain('/terms/2023-11-01');
  });

  it('answers unknown versions and hostile paths with a Japanese 404 page, never a 5xx', async () => {
    const paths = [
      '/terms/2099-01-01',
      '/terms/%ff',
      '/terms/%E0%A4%A',
      '/terms/..%2F..%2Fetc%2Fpasswd',
      '/terms/2023-11-01%00',
      '/terms/%3Cscript%3Ealert(1)%3C%2Fscript%3E',
      `/terms/${'9'.repeat(5000)}`,
      '/terms/2023-11-01/extra',
      '/terms/2023-11-01;DROP TABLE terms_versions',
      "/terms/2023-11-01'--",
    ];
    for (const path of paths) {
      const res = await request(h.service.app).get(path);
      expect(res.status, path).toBe(404);
      expect(res.text, path).toContain('ページが見つかりません');
      expect(res.text, path).not.toContain('<script>alert');
    }
    for (const method of ['post', 'put', 'delete'] as const) {
      const res = await request(h.service.app)[method]('/terms/2023-11-01').send('x');
      expect(res.status).toBe(404);
    }
  });
});
