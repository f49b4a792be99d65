/**
 * Around the booking questions: one active booking per user (a second attempt shows it),
 * 「予約確認」 and 「キャンセルしたい」, FAQ answers mid-flow and when idle, stickers, images,
 * location and audio at a question, and the default 30-minute idle time.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { eventsFor, useHarness } from '../support/harness.ts';
import { actionsIn, chatUser, shown } from '../support/chat.ts';
import { copy } from '../../src/wording/chat.ts';
import { answerEligibility, answerFields, answers, book, confirmedBookings, storedState, toDateQuestion, toNameQuestion, toSummary } from './booking-steps.ts';
import type { Chat } from './booking-steps.ts';

const OFFICE_PHONE = '045-474-1221';
const WHEN = '2026年12月2日(水) 10:00〜10:30';

const h = useHarness();

describe('a user who already has a booking', () => {
  let u: Chat;
  beforeAll(async () => {
    u = chatUser(h, 'has-booking');
    await u.follow();
    await u.tap('同意する');
    await u.tap('やめる');
    await u.say('予約確認');
    expect(u.last).toBe(copy.noBookings);
    await u.say('予約');
    await answerEligibility(u);
    await answerFields(u);
    await u.tap('なし');
    await u.tap('12月2日(水)');
    await u.tap('10:00');
    await u.tap('この内容で予約する');
    expect(u.last).toContain('ご予約が確定しました');
  });

  it('is shown the existing booking instead of starting a second one, typed or from the rich menu; the menu no longer offers 予約する', async () => {
    await u.say('メニュー');
    expect(u.labels()).not.toContain('予約する');
    // 「予約する」 is what the rich menu sends.
    for (const attempt of [() => u.say('予約'), () => u.say('予約する'), () => u.say('相談の予約をしたいです')]) {
      await attempt();
      expect(u.last).toContain(copy.existingBooking.split('{max}')[0] ?? '');
      expect(u.last).toContain(WHEN);
      expect(u.last).toContain(OFFICE_PHONE);
      expect(u.last).not.toContain(copy.questions.registered);
      expect((await storedState(h, u.userId))?.value).toBe('idle');
    }
    expect(await confirmedBookings(h, u.userId)).toHaveLength(1);
  });

  it('sees the booking with 「予約確認」 (typed, tapped or in other words)', async () => {
    for (const ask of [() => u.say('予約確認'), () => u.say('予約の日時を教えて'), async () => (await u.say('メニュー'), await u.tap('予約確認'))]) {
      await ask();
      // A card (src/e2e/my-booking.test.ts looks at it closely); its altText names the booking.
      expect(u.lastReply[0]?.type).toBe('flex');
      expect(u.last).toContain(`${copy.myBooking.title}\n${copy.myBooking.when}：${WHEN}`);
    }
  });

  it('gets the cancellation rules, the office phone number and the booking concerned with 「キャンセルしたい」', async () => {
    for (const ask of [
      () => u.say('キャンセルしたい'),
      () => u.say('予約を取り消したいです'),
      () => u.say('都合が悪くなりました'),
      // The rich menu's キャンセル・変更 (the quick replies offer the call button instead: the chat cannot cancel).
      () => u.say('予約の変更・キャンセル'),
    ]) {
      await ask();
      expect(u.last).toContain('キャンセルは、お電話でご連絡ください');
      expect(u.last).toContain(OFFICE_PHONE);
      expect(u.last).toContain('10分');
      expect(u.last).toContain(`・${WHEN}`);
    }
    // Nothing is cancelled by the bot itself.
    expect(await confirmedBookings(h, u.userId)).toHaveLength(1);
  });

  it('answers 「予約確認」 mid-flow too (here: no booking yet) and asks the current question again', async () => {
    const v = chatUser(h, 'no-booking-mid-flow');
    await toNameQuestion(v);
    await v.say('予約確認');
    expect(v.last).toBe(`${copy.noBookings}\n${copy.briefQuestions.name}`);
    expect((await storedState(h, v.userId))?.value).toBe('name');
  });
});

describe('FAQ questions', () => {
  const faqs: Array<[string, string]> = [
    ['料金は？', copy.faq.fee],
    // The sentence about LINE (Art. 6(3)) is the terms version's; the seeded version has none, so the default.
    ['TeleOfficeって何？', copy.faq.teleoffice.replace('{lineNotice}', copy.lineNotice)],
    ['通訳はお願いできますか？', copy.faq.interpreter],
    ['相談時間はどのくらいですか？', copy.faq.duration],
    ['いつまでに予約すればいいですか？', copy.faq.deadline],
  ];

  it('answers them when idle, with nothing else started', async () => {
    const u = chatUser(h, 'faq-idle');
    await u.follow();
    await u.tap('同意しない');
    for (const [question, answer] of faqs) {
      await u.say(question);
      expect(u.last, question).toBe(answer);
      expect((await storedState(h, u.userId))?.value).toBe('idle');
    }
  });

  it('answers them mid-flow, then asks the current question again with nothing changed', async () => {
    const u = chatUser(h, 'faq-mid-flow');
    await toNameQuestion(u);
    const at = async (question: string) => {
      for (const [faq, answer] of faqs.slice(0, 3)) {
        const before = await storedState(h, u.userId);
        await u.say(faq);
        expect(shown(u.lastReply[0] ?? { type: 'text', text: '' }), `${faq} at ${question}`).toBe(answer);
        expect(u.last).toContain(copy.briefQuestions[question as keyof typeof copy.briefQuestions]);
        expect(await storedState(h, u.userId)).toEqual(before);
      }
    };
    await at('name');
    await u.say(answers.name);
    await at('number');
    await u.say(answers.number);
    await at('phone');
    await u.say(answers.phone);
    await u.tap('はい、同じです');
    await u.say(answers.topic);
    await at('attendant');
    await u.tap('なし');
    await at('date');
    await u.tap('12月3日(木)');
    await at('time');
    await u.tap('09:00');
    await at('summary');
    expect((await storedState(h, u.userId))?.value).toBe('summary');
  });
});

describe('stickers, images, location and audio', () => {
  async function sendMedia(u: Chat, kind: 'image' | 'location' | 'audio') {
    const ev = eventsFor(h.line, u.userId, h.clock);
    const event = kind === 'audio' ? { ...ev.image(), message: { type: 'audio', id: '4', duration: 3000, contentProvider: { type: 'line' } } } : ev[kind]();
    const before = h.line.messagesTo(u.userId).length;
    await h.post([event]);
    return h.line.messagesTo(u.userId).slice(before).map(shown);
  }

  it('get one short message at every kind of question: text or buttons are needed, the question briefly, its buttons', async () => {
    const u = chatUser(h, 'media');
    await toDateQuestion(u);
    const check = async (question: keyof typeof copy.briefQuestions) => {
      const before = await storedState(h, u.userId);
      const asked = u.lastReply.at(-1);
      const buttons = asked ? actionsIn(asked).map((a) => a.label) : [];
      const answer = `${copy.needTextOrButton}\n${copy.briefQuestions[question]}`;
      await u.sticker();
      expect(u.lastReply).toHaveLength(1);
      expect(u.last.startsWith(answer), u.last).toBe(true);
      // The question's buttons come with it, and nothing else is said (not the whole question, not the menu).
      expect(u.labels()).toEqual(expect.arrayContaining(buttons));
      expect(u.last).not.toContain(copy.questions.time.slice(-20));
      for (const kind of ['image', 'location', 'audio'] as const) {
        const reply = await sendMedia(u, kind);
        expect(reply, `${kind} at ${question}`).toHaveLength(1);
        expect(reply[0]?.startsWith(answer), `${kind} at ${question}`).toBe(true);
      }
      expect(await storedState(h, u.userId)).toEqual(before);
    };
    await check('date');
    await u.tap('12月3日(木)');
    await check('time');
    await u.tap('09:30');
    await check('summary');
    await u.tap('修正する');
    await check('editField');
    await u.tap('氏名');
    await check('name');
    await u.say('港北 三郎');
    expect(u.last).toContain('氏名：港北 三郎');
  });

  it('get a short friendly answer with the menu buttons when nothing is being asked, not the help text', async () => {
    const u = chatUser(h, 'media-idle');
    await u.follow();
    await u.tap('同意しない');
    await u.sticker();
    expect(u.lastReply).toHaveLength(1);
    expect(u.last).toBe(copy.mediaIdle);
    expect(u.labels()).toEqual([copy.buttons.book, copy.buttons.checkBooking, copy.buttons.cancelHelp, copy.buttons.terms]);
    expect(await sendMedia(u, 'image')).toEqual([copy.mediaIdle]);
    // The buttons work: 予約する leads to the terms (not agreed yet).
    await u.tap(copy.buttons.book);
    expect(u.labels()).toContain(copy.buttons.agree);
  });
});

describe('the default idle time', () => {
  it('keeps a conversation for 29 minutes; at 30 offers to resume the half-finished booking', async () => {
    const u = chatUser(h, 'default-expiry');
    await toSummary(u, { time: '10:30' });
    h.clock.advanceMinutes(29);
    await u.tap('修正する');
    expect(u.last).toBe(copy.questions.editField);
    h.clock.advanceMinutes(30);
    await u.tap('氏名');
    expect(u.last).toContain(copy.questions.resumeOffer.replace('{resumeHours}', '24'));
    await u.say('やめる');
    expect(u.last).toBe(copy.quitDone);
    expect((await storedState(h, u.userId))?.context.draft).toEqual({});
    h.clock.advanceMinutes(-59);
  });

  it('books normally afterwards', async () => {
    await book(chatUser(h, 'after-expiry'), { time: '11:00' });
  });
});
