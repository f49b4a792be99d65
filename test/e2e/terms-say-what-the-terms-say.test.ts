/**
 * Issue #11, "Say what the terms say", through signed webhooks: who may book (Art. 2(1), online
 * registration included), the paid-grade antivirus (Art. 5(6)), no recording or publishing
 * stated on the consent card (Art. 12(2)), the e-mail of Art. 6(3) in the confirmation, the FAQ
 * and the reminder with the LINE sentence of the terms version in force at that moment (Art. 14
 * lets the office change it), the privacy notice with the name question and its /privacy page,
 * and an office cancellation that apologises and offers to book again.
 * Clock: Saturday 2026-11-28 10:00 JST.
 */
import { describe, expect, it } from 'vitest';
import request from 'supertest';
import { useHarness, schedulerDepsOf } from '../support/harness.ts';
import { chatUser } from '../support/chat.ts';
import { createStaffAccount, signedInAgent } from '../support/staff-console.ts';
import { runSchedulerOnce } from '../../src/lifecycle/outbox.ts';
import { copy } from '../../src/wording/chat.ts';
import { book, nameQuestionPrompt, toNameQuestion } from './booking-steps.ts';

const NEW_LINE_NOTICE = '同じご案内を、このLINEでもお送りします。';

describe('the terms as the chat states them', () => {
  const h = useHarness({ env: { PERSONAL_DATA_RETENTION_DAYS: '60', DEFAULT_MEETING_URL: 'https://teleoffice.example/room/kohoku' } });

  it('asks online-registered job seekers in, and turns nobody away with 仮登録 (Art. 2(1))', async () => {
    const u = chatUser(h, 'eligibility');
    await u.follow();
    await u.tap('同意する');
    expect(u.last).toContain('オンライン登録の方も「はい」');
    expect(u.last).not.toMatch(/仮登録|本登録/);
    await u.tap('いいえ');
    expect(u.last).toContain('オンライン登録を含みます');
    expect(u.last).not.toMatch(/仮登録|本登録/);
  });

  it('states no recording or publishing and the e-mail of Art. 6(3) on the consent card, and paid-grade antivirus in the checklist and the FAQ', async () => {
    const u = chatUser(h, 'card-and-checklist');
    await u.follow();
    // The card of a fresh install: the seeded summary of the 2023-11-01 version.
    expect(u.last).toContain('録画・録音や、SNSなどインターネットへの配信・公開はできません');
    expect(u.last).toContain('求職者マイページに登録のメールアドレスへ日時と接続URLをお送りします（このLINEでもお知らせします）');
    await u.tap('同意する');
    await u.tap('はい');
    await u.tap('はい');
    await u.tap('はい');
    expect(u.last).toContain('ウイルス対策ソフト（有償版相当）');
    await u.say('パソコンでも使えますか？');
    expect(u.last).toContain('有償版相当');
  });

  it('gives the privacy notice with the name question, in the same message: what, why, how long (the configured days) and LINE', async () => {
    const u = chatUser(h, 'privacy');
    await toNameQuestion(u);
    expect(u.lastReply).toHaveLength(1);
    expect(u.last).toContain('お名前・求職番号・電話番号・ご相談内容');
    expect(u.last).toContain('ご予約と相談のためだけに使い');
    expect(u.last).toContain('相談日から60日後に削除します');
    expect(u.last).toContain('LINEヤフー株式会社');
    expect(u.last).toContain('https://line.me/ja/terms/policy/');
    expect(u.last.endsWith(nameQuestionPrompt)).toBe(true);
    // Without PUBLIC_BASE_URL there is no page of ours to link to (as with the terms' full text).
    expect(u.last).not.toContain('/privacy');
    // A wrong answer gets the short re-prompt, without the notice again.
    await u.say('たなか');
    expect(u.last).not.toContain('個人情報');
  });

  it('says the e-mail is the notice and LINE repeats it, in the words of the terms version in force (Art. 6(3), Art. 14)', async () => {
    const before = chatUser(h, 'before-change');
    await book(before);
    expect(before.last).toContain('求職者マイページに登録されているメールアドレスへ、「オンライン職業相談」の件名で日時と接続用のURLをお送りします');
    expect(before.last).toContain(copy.lineNotice);
    await before.say('前日にURLはどこに届きますか');
    expect(before.last).toContain(`メールアドレスへ、「オンライン職業相談」の件名で日時と接続用のURLをお送りします（利用規約 第6条(3)）。${copy.lineNotice}`);

    // A revision in force from 30 November says it in its own words.
    await h.service.db.prisma.termsVersion.create({
      data: {
        version: '2026-11-30',
        title: 'オンライン職業相談利用規約',
        label: '令和8年11月30日改定',
        body: '（改定後の全文）',
        changeSummary: 'LINEでのご案内について定めました。',
        cardSummary: '・前日に、求職者マイページのメールアドレスとこのLINEに日時と接続URLをお送りします',
        lineNoticeWording: NEW_LINE_NOTICE,
        effectiveAt: new Date('2026-11-30T00:00:00+09:00'),
        status: 'published',
        publishedAt: h.clock.now(),
      },
    });
    // Not yet in force: the default still.
    await before.say('前日にURLはどこに届きますか');
    expect(before.last).toContain(copy.lineNotice);

    h.clock.set('2026-11-30T10:00:00+09:00');
    const after = chatUser(h, 'after-change');
    await book(after, { time: '11:00' });
    expect(after.last).toContain(NEW_LINE_NOTICE);
    expect(after.last).not.toContain(copy.lineNotice);
    await after.say('前日にURLはどこに届きますか');
    expect(after.last).toContain(NEW_LINE_NOTICE);

    // The reminders go out on 1 December: both say it as the version in force then does,
    // including the one booked before the change.
    h.clock.set('2026-12-01T10:00:00+09:00');
    await runSchedulerOnce(schedulerDepsOf(h));
    for (const u of [before, after]) {
      // The reminder is a card; read as a person reads it (its altText starts with the title).
      const reminder = h.line.readableTo(u.userId).findLast((t) => t.startsWith('【オンライン職業相談】') && t.includes('参加する'));
      expect(reminder, u.userId).toContain(`求職者マイページに登録されているメールアドレスへお送りしています。${NEW_LINE_NOTICE}`);
      expect(reminder).toContain('ウイルス対策ソフト（有償版相当）');
      expect(reminder).toContain('SNSなどへの配信・公開はできません');
    }
  });
});

describe('the privacy page', () => {
  const h = useHarness({ env: { PUBLIC_BASE_URL: 'https://line.example.jp/kohoku', PERSONAL_DATA_RETENTION_DAYS: '45' } });

  it('is linked from the name question and says the configured period, in Japanese, without scripts', async () => {
    const u = chatUser(h, 'privacy-link');
    await toNameQuestion(u);
    expect(u.last).toContain('詳しくは：https://line.example.jp/kohoku/privacy');
    expect(u.last).toContain('相談日から45日後に削除します');
    const page = await request(h.service.app).get('/privacy');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.text).toContain('<html lang="ja">');
    expect(page.text).toContain('相談日から45日後に削除します');
    expect(page.text).toContain('LINEヤフー株式会社');
    expect(page.text).toContain('href="https://line.me/ja/terms/policy/"');
    expect(page.text).toContain('氏名、求職番号、ハローワークに登録している電話番号');
    expect(page.text).not.toContain('<script');
    expect((await request(h.service.app).get('/privacy/anything')).status).toBe(404);
    expect((await request(h.service.app).post('/privacy')).status).toBe(404);
  });
});

describe('a cancellation by the office', () => {
  const h = useHarness({ checkLine: 'after each' });

  it('apologises and offers a 予約する button that starts a new booking', async () => {
    const u = chatUser(h, 'office-cancels');
    await book(u);
    const booking = await h.service.db.prisma.booking.findFirstOrThrow({ where: { userId: u.userId } });
    await createStaffAccount(h.service.db.prisma, 'clerk-office', 'staff', h.clock.now());
    const clerk = await signedInAgent(h.service.app, 'clerk-office');
    const res = await clerk.agent.post(`/staff/bookings/${booking.id}/cancel`).type('form').send({ _csrf: clerk.csrf, by: 'office', reason: '相談員の急病' });
    expect(res.status).toBe(303);
    await runSchedulerOnce(schedulerDepsOf(h));
    const push = h.line.messagesTo(u.userId).at(-1);
    expect(push?.type).toBe('text');
    expect(push && 'text' in push ? push.text : '').toContain('申し訳');
    expect(push && 'text' in push ? push.text : '').toContain('「予約する」を押すか');
    const items = push?.quickReply?.items ?? [];
    expect(items.map((i) => i.action)).toEqual([{ type: 'message', label: '予約する', text: '予約する' }]);
    // The button sends 「予約する」, as the rich menu does; the chat starts a booking (terms agreed already).
    await u.say('予約する');
    expect(u.last).toContain(copy.questions.registered);
  });
});
