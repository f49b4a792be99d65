// The console's 利用規約 and お知らせ pages: a draft with the whole terms text, its preview as
// users will see it, publication (audited) that starts the announcement, live progress, pause
// and resume, an office notice to the users booked on one day; refusals in Japanese, never a 5xx.
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { useHarness, lineUserId } from '../support/harness.ts';
import { addBookingFor, createStaffAccount, signedInAgent } from '../support/staff-console.ts';
import { runAnnouncementsOnce, defaultSenderOptions } from '../../src/announcements/sender.ts';
import { createLineMulticaster } from '../../src/announcements/multicast.ts';

const PUBLIC = 'https://line.example.jp';

describe('the terms and announcement pages', () => {
  const h = useHarness({ env: { PUBLIC_BASE_URL: PUBLIC } });
  let admin: Awaited<ReturnType<typeof signedInAgent>>;
  const send = () =>
    runAnnouncementsOnce(
      {
        prisma: h.service.db.prisma,
        clock: h.clock,
        logger: h.service.deps.logger,
        multicaster: createLineMulticaster({ channelAccessToken: h.config.LINE_CHANNEL_ACCESS_TOKEN, baseURL: h.config.LINE_API_BASE_URL }),
      },
      defaultSenderOptions,
    );
  const audit = (action: string) => h.service.db.prisma.staffAuditLog.findMany({ where: { action } });

  beforeAll(async () => {
    await createStaffAccount(h.service.db.prisma, 'admin1', 'admin', h.clock.now());
    await createStaffAccount(h.service.db.prisma, 'clerk1', 'staff', h.clock.now());
    admin = await signedInAgent(h.service.app, 'admin1');
    for (let i = 0; i < 30; i += 1) await h.service.db.prisma.lineUser.create({ data: { id: lineUserId(`page-${i}`), followedAt: h.clock.now() } });
    await addBookingFor(h.service, { userId: lineUserId('page-0'), date: '2026-12-09', time: '10:00', name: '港北 花子' }, h.clock.now());
    await addBookingFor(h.service, { userId: lineUserId('page-1'), date: '2026-12-10', time: '10:00', name: '港北 次郎' }, h.clock.now());
  });

  it('creates a draft with the whole terms text, previews it as users will see it, publishes it and shows the announcement reach 100 %', async () => {
    const list = await admin.agent.get('/staff/terms');
    expect(list.status).toBe(200);
    expect(list.text).toContain('令和5年11月1日改定');
    expect(list.text).toContain('適用中');

    const body = `${await readFile(new URL('../../src/content/terms/2023-11-01.txt', import.meta.url), 'utf8')}\n\n附則 この規約は令和8年12月10日から施行する。`;
    const form = {
      _csrf: admin.csrf,
      label: '令和8年12月10日改定',
      effectiveDate: '2026-12-10',
      title: '',
      changeSummary: '・キャンセルはLINEでもできます（第6条）。',
      cardSummary: '・利用料は無料です\n・キャンセルはお電話またはLINEで',
      body,
    };
    const past = await admin.agent
      .post('/staff/terms')
      .type('form')
      .send({ ...form, effectiveDate: '2026-11-28' });
    expect(past.status).toBe(400);
    expect(past.text).toContain('適用日は明日（2026-11-29）以降の日付にしてください');
    expect(past.text).toContain('令和8年12月10日改定'); // what was typed is kept

    // The LINE-notice sentence of Art. 6(3) (issue #11): optional, bounded, kept on the version.
    const tooLong = await admin.agent
      .post('/staff/terms')
      .type('form')
      .send({ ...form, lineNoticeWording: 'あ'.repeat(121) });
    expect(tooLong.status).toBe(400);
    expect(tooLong.text).toContain('LINEでのお知らせの一文は120文字以内にしてください');
    const created = await admin.agent
      .post('/staff/terms')
      .type('form')
      .send({ ...form, lineNoticeWording: '  同じご案内を、このLINEでもお送りします。 ' });
    expect(created.status).toBe(303);
    const draftPath = created.headers.location ?? '';
    expect(draftPath).toMatch(/^\/staff\/terms\/\d+$/);
    const preview = await admin.agent.get(draftPath);
    expect(preview.status).toBe(200);
    expect(preview.text).toContain('下書き');
    expect(preview.text).toContain('同じご案内を、このLINEでもお送りします。');
    const stored = await h.service.db.prisma.termsVersion.findFirstOrThrow({ where: { version: '2026-12-10' } });
    expect(stored.lineNoticeWording).toBe('同じご案内を、このLINEでもお送りします。');
    expect(preview.text).toContain('利用規約改定のお知らせ');
    expect(preview.text).toContain('2026年12月10日(木)から');
    expect(preview.text).toContain('そのまま有効'); // the booked variant
    expect(preview.text).toContain('2026年12月10日(木)から利用規約が変わりました。主な変更点：'); // the card after the change
    expect(preview.text).toContain(`${PUBLIC}/terms/2026-12-10`);
    expect(preview.text).toContain('友だち登録中の <strong>30 人</strong>');
    expect(preview.text).toContain('適用日以降に予約がある人（1 人）');
    expect(await audit('terms.draft.create')).toHaveLength(1);

    const published = await admin.agent.post(`${draftPath}/publish`).type('form').send({ _csrf: admin.csrf });
    expect(published.status).toBe(303);
    const announcementPath = published.headers.location ?? '';
    expect(announcementPath).toMatch(/^\/staff\/announcements\/[0-9a-f-]{36}$/);
    expect(await audit('terms.publish')).toHaveLength(1);
    const running = await admin.agent.get(announcementPath);
    expect(running.status).toBe(200);
    expect(running.headers.refresh).toBe('3');
    expect(running.text).toContain('送信中');

    const again = await admin.agent.post(`${draftPath}/publish`).type('form').send({ _csrf: admin.csrf });
    expect(again.status).toBe(303);
    expect((await admin.agent.get(draftPath)).text).toContain('公開済み');

    await send();
    const done = await admin.agent.get(announcementPath);
    expect(done.headers.refresh).toBeUndefined();
    expect(done.text).toContain('100%');
    expect(done.text).toContain('完了');
    expect(h.line.multicasts.flatMap((m) => m.to)).toHaveLength(30);
    const index = await admin.agent.get('/staff/announcements');
    expect(index.text).toContain('30 / 30（100%）');
  });

  it('pauses and resumes an announcement, and refuses to pause one that is not running', async () => {
    const notice = {
      _csrf: admin.csrf,
      title: 'TeleOffice保守',
      body: '12月12日(土)0時〜6時はTeleOfficeの保守のため接続できません。',
      audience: 'all-followers',
      rangeFrom: '',
      rangeTo: '',
    };
    const sent = await admin.agent.post('/staff/announcements/notices').type('form').send(notice);
    expect(sent.status).toBe(303);
    const path = sent.headers.location ?? '';
    expect((await admin.agent.post(`${path}/pause`).type('form').send({ _csrf: admin.csrf })).status).toBe(303);
    expect((await admin.agent.get(path)).text).toContain('一時停止中');
    await send();
    expect(h.line.multicasts).toHaveLength(2); // nothing new while paused
    await admin.agent.post(`${path}/resume`).type('form').send({ _csrf: admin.csrf });
    await send();
    expect((await admin.agent.get(path)).text).toContain('完了');
    await admin.agent.post(`${path}/pause`).type('form').send({ _csrf: admin.csrf });
    expect((await admin.agent.get(path)).text).toContain('送信中ではないため、一時停止できません。');
    expect((await audit('announcement.pause')).length).toBe(1);
    expect((await audit('announcement.resume')).length).toBe(1);
  });

  it('previews an office notice for the users booked on one day with their number, then sends it to exactly them', async () => {
    const before = h.line.multicasts.length;
    const notice = {
      _csrf: admin.csrf,
      title: '12/9 臨時休止',
      body: '12月9日(水)は設備点検のため、オンライン職業相談を休止します。',
      audience: 'booked-in-range',
      rangeFrom: '2026-12-09',
      rangeTo: '2026-12-09',
    };
    const preview = await admin.agent.post('/staff/announcements/notice-preview').type('form').send(notice);
    expect(preview.status).toBe(200);
    expect(preview.text).toContain('<strong>1 人</strong>');
    expect(preview.text).toContain('【ハローワーク港北（港北公共職業安定所）からのお知らせ】');
    const sent = await admin.agent.post('/staff/announcements/notices').type('form').send(notice);
    expect(sent.status).toBe(303);
    await send();
    expect(h.line.multicasts.slice(before).map((m) => m.to)).toEqual([[lineUserId('page-0')]]);
    const entries = await audit('announcement.notice.send');
    expect(entries.at(-1)?.detail).toMatchObject({ audience: 'booked-in-range', rangeFrom: '2026-12-09', recipients: 1 });
  });

  it('answers bad forms with Japanese sentences and bad ids with 404, never a 5xx, and keeps staff out', async () => {
    const empty = await admin.agent.post('/staff/terms').type('form').send({ _csrf: admin.csrf });
    expect(empty.status).toBe(400);
    expect(empty.text).toContain('改定の表示名');
    const noticeEmpty = await admin.agent.post('/staff/announcements/notice-preview').type('form').send({ _csrf: admin.csrf });
    expect(noticeEmpty.status).toBe(400);
    expect(noticeEmpty.text).toContain('件名（管理用）を入力してください。');
    const nobody = await admin.agent
      .post('/staff/announcements/notices')
      .type('form')
      .send({ _csrf: admin.csrf, title: 'x', body: 'y', audience: 'booked-in-range', rangeFrom: '2027-03-01', rangeTo: '2027-03-02' });
    expect(nobody.status).toBe(400);
    expect(nobody.text).toContain('その期間にご予約中の利用者がいない');
    for (const path of [
      '/staff/terms/abc',
      '/staff/terms/0',
      '/staff/terms/99999999999',
      '/staff/terms/12345',
      '/staff/announcements/not-a-uuid',
      '/staff/announcements/00000000-0000-4000-8000-000000000000',
    ]) {
      const res = await admin.agent.get(path);
      expect(res.status, path).toBe(404);
    }
    expect((await admin.agent.get('/staff/terms/%ff')).status).toBe(400); // broken percent-encoding: the console's 400 page
    for (const path of ['/staff/terms/abc/publish', '/staff/terms/99999/publish', '/staff/announcements/x/pause', '/staff/terms/1/delete']) {
      const res = await admin.agent.post(path).type('form').send({ _csrf: admin.csrf });
      expect(res.status, path).toBeLessThan(500);
    }
    expect((await admin.agent.post('/staff/terms/1/publish').type('form').send({ _csrf: admin.csrf })).status).toBe(303); // already published: told, not broken
    const clerk = await signedInAgent(h.service.app, 'clerk1');
    expect((await clerk.agent.get('/staff/terms')).status).toBe(403);
    expect((await clerk.agent.get('/staff/announcements')).status).toBe(403);
    expect(
      (await clerk.agent.post('/staff/announcements/notices').type('form').send({ _csrf: clerk.csrf, title: 'x', body: 'y', audience: 'all-followers' }))
        .status,
    ).toBe(403);
  });
});
