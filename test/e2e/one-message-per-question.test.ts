/**
 * Issue #11, "say each thing once", through signed webhooks: every question arrives as one
 * message carrying all its buttons — the first question right after 同意する (with the line that
 * consent is recorded), the time grid, the summary card; a date or time typed wrong and a button
 * out of date get one short message with the question's buttons; 全文を読む is a link to the
 * terms page when the service knows its public address (PUBLIC_BASE_URL), and the chat text
 * otherwise.
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { useHarness } from '../support/harness.ts';
import { actionsIn, chatUser } from '../support/chat.ts';
import { copy } from '../../src/wording/chat.ts';
import { FIRST_DATE, storedState, toDateQuestion, toNameQuestion, toSummary } from './booking-steps.ts';
import type { Chat } from './booking-steps.ts';

/** The labels of the quick replies of the last reply's last message. */
const quickReplies = (u: Chat): string[] => (u.lastReply.at(-1)?.quickReply?.items ?? []).map((item) => item.action?.label ?? '');

/** The free times the harness offers on the first date (SLOT_STARTS 09:00-16:30/30). */
const TIMES = Array.from({ length: 16 }, (_, i) => `${String(9 + Math.floor(i / 2)).padStart(2, '0')}:${i % 2 ? '30' : '00'}`);

describe('one message per question', () => {
  const h = useHarness({ now: '2026-11-28T10:00:00+09:00' });

  it('answers 同意する with one message: consent recorded, then the first question and its buttons; the consent record keeps the version', async () => {
    const u = chatUser(h, 'one-agree');
    await u.follow();
    await u.tap('同意する');
    expect(u.lastReply).toHaveLength(1);
    expect(u.last).toBe([copy.consentRecorded.replace('{version}', '令和5年11月1日改定'), copy.startBooking, copy.questions.registered].join('\n'));
    expect(u.labels()).toEqual(['はい', 'いいえ', '戻る', 'やめる']);
    const consents = await h.service.db.prisma.consent.findMany({ where: { userId: u.userId }, include: { termsVersion: true } });
    expect(consents.map((c) => c.termsVersion.version)).toEqual(['2023-11-01']);
    // Once agreed, 「予約」 starts with one message too.
    await u.say('やめる');
    await u.say('予約');
    expect(u.lastReply).toHaveLength(1);
    expect(u.last).toBe(`${copy.startBooking}\n${copy.questions.registered}`);
    await u.tap('はい');
    expect(u.last).toBe(copy.questions.myPage);
  });

  it('shows the free times as one card whose quick replies are 別の日にする and やめる; 別の日にする goes back to the dates', async () => {
    const u = chatUser(h, 'one-grid');
    await toDateQuestion(u);
    await u.tap(FIRST_DATE);
    expect(u.lastReply).toHaveLength(1);
    const [grid] = u.lastReply;
    expect(grid?.type).toBe('flex');
    expect(actionsIn(grid!).map((a) => a.label)).toEqual([...TIMES, copy.buttons.otherDate, copy.buttons.quit]);
    expect(quickReplies(u)).toEqual([copy.buttons.otherDate, copy.buttons.quit]);
    const oldTen = u.dataOf('10:00');
    await u.tap(copy.buttons.otherDate);
    expect((await storedState(h, u.userId))?.value).toBe('date');
    // A time of the grid left behind is recognised as out of date: one message, the date question briefly, nothing changed.
    const before = await storedState(h, u.userId);
    await u.postback(oldTen);
    expect(u.lastReply).toHaveLength(1);
    expect(u.last.startsWith(`${copy.staleButton}\n${copy.briefQuestions.date}`)).toBe(true);
    expect(u.labels()).toContain(FIRST_DATE);
    expect(await storedState(h, u.userId)).toEqual(before);
  });

  it('shows the summary as one card: この内容で予約する in it, 修正する / やめる / 戻る as quick replies', async () => {
    const u = chatUser(h, 'one-summary');
    await toSummary(u, { time: '11:00' });
    expect(u.lastReply).toHaveLength(1);
    expect(u.lastReply[0]?.type).toBe('flex');
    expect(quickReplies(u)).toEqual([copy.buttons.edit, copy.buttons.quit, copy.buttons.back]);
    expect(u.labels()).toEqual([copy.buttons.confirm, copy.buttons.edit, copy.buttons.quit, copy.buttons.back]);
    expect(u.last).not.toContain(copy.briefQuestions.summary);
    // Each works: 戻る shows the times again, and the summary comes back with a time.
    await u.tap(copy.buttons.back);
    expect((await storedState(h, u.userId))?.value).toBe('time');
    await u.tap('11:30');
    await u.tap(copy.buttons.edit);
    expect(u.last).toBe(copy.questions.editField);
    await u.tap(copy.buttons.back);
    await u.tap(copy.buttons.confirm);
    expect(u.last).toContain('ご予約が確定しました');
  });

  it('answers a time typed wrong with one short message: what to type, and the times and 別の日にする / やめる', async () => {
    const u = chatUser(h, 'one-typo');
    await toDateQuestion(u);
    await u.tap('12月3日(木)');
    const grid = u.last;
    for (const typo of ['あさ', '25:00', '十時ごろかな']) {
      await u.say(typo);
      expect(u.lastReply, typo).toHaveLength(1);
      expect(u.last, typo).toBe(`${copy.timeFormatHelp}\n${copy.briefQuestions.time}\n${TIMES.join(' / ')}`);
      expect(u.last.length, typo).toBeLessThan(grid.length);
      expect(u.labels(), typo).toEqual([...TIMES, copy.buttons.otherDate, copy.buttons.quit]);
      expect((await storedState(h, u.userId))?.value, typo).toBe('time');
    }
    await u.say('10時');
    expect(u.last).toContain('ご予約内容の確認');
  });

  it('answers a date typed wrong with one short message: what to type, and the dates', async () => {
    const u = chatUser(h, 'one-date-typo');
    await toDateQuestion(u);
    await u.say('そのうち');
    expect(u.lastReply).toHaveLength(1);
    // The dates are its quick replies, not listed again in the text.
    expect(u.last).toBe(`${copy.dateFormatHelp}\n${copy.briefQuestions.date}`);
    expect(u.labels()).toContain(FIRST_DATE);
  });

  it('keeps the full terms in the chat when PUBLIC_BASE_URL is unset', async () => {
    const u = chatUser(h, 'one-terms-text');
    await u.follow();
    await u.say('利用規約');
    expect(u.last).toContain('第15条');
    expect(u.labels()).toEqual(['同意する', '同意しない', '全文を読む']);
  });
});

describe('the full terms as a link', () => {
  const PUBLIC = 'https://line.example.jp';
  const h = useHarness({ now: '2026-11-28T10:00:00+09:00', env: { PUBLIC_BASE_URL: PUBLIC } });

  it('answers 「利用規約」 at the terms question with one short card: 全文を読む opening the page, 同意する / 同意しない at hand', async () => {
    const u = chatUser(h, 'link-terms');
    await u.follow();
    await u.say('利用規約');
    expect(u.lastReply).toHaveLength(1);
    const [card] = u.lastReply;
    if (card?.type !== 'flex' || card.contents.type !== 'bubble') throw new Error('expected a card');
    expect(card.contents.footer?.contents).toEqual([
      expect.objectContaining({ type: 'button', action: { type: 'uri', label: '全文を読む', uri: `${PUBLIC}/terms/2023-11-01` } }),
    ]);
    expect(quickReplies(u)).toEqual(['同意する', '同意しない']);
    expect(u.last).not.toContain('第15条');
    expect(JSON.stringify(card).length).toBeLessThan(1500);
    // The page the link opens, served by the service.
    const page = await request(h.service.app).get('/terms/2023-11-01').expect(200);
    expect(page.text).toContain('第15条');
    await u.tap('同意する');
    expect(await h.service.db.prisma.consent.count({ where: { userId: u.userId } })).toBe(1);
    expect(u.last).toContain(copy.questions.registered);
  });

  it('answers the menu 利用規約 with the link card when nothing is being asked', async () => {
    const u = chatUser(h, 'link-idle');
    await toNameQuestion(u);
    await u.say('やめる');
    await u.tap(copy.buttons.terms);
    expect(u.lastReply).toHaveLength(1);
    expect(u.lastReply[0]?.type).toBe('flex');
    expect(JSON.stringify(u.lastReply[0])).toContain(`${PUBLIC}/terms/2023-11-01`);
  });
});
