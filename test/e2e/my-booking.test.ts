/**
 * What the bot answers about the user's own booking (issue #11), through signed webhooks:
 * 予約確認's card (date and time, the meeting URL or the day it comes, who attends, call and —
 * while the chat may cancel — cancel buttons), 「URLが届かない」, a change of time, of phone or of
 * attendant, a menu that offers nothing that would be refused, 「わからない」 at the job-seeker
 * number, the welcome's list of what to have ready, and a half-finished booking kept for a day.
 */
import { describe, expect, it } from 'vitest';
import type { messagingApi } from '@line/bot-sdk';
import { useHarness } from '../support/harness.ts';
import { chatUser } from '../support/chat.ts';
import { copy } from '../../src/wording/chat.ts';
import { setMeetingUrl } from '../../src/lifecycle/operations.ts';
import { answers, book, confirmedBookings, phoneRegisteredQuestion, storedState, toAttendantQuestion, toNameQuestion } from './booking-steps.ts';
import type { Chat } from './booking-steps.ts';

const START = '2026-11-28T10:00:00+09:00';
const TEL = 'tel:0454741221';
const URL = 'https://teleoffice.example/room/kohoku-1';

/** Every uri action in the last reply, by label. */
const uris = (u: Chat) => {
  const found: Array<{ label: string; uri: string }> = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (o.type === 'uri' && typeof o.uri === 'string') found.push({ label: typeof o.label === 'string' ? o.label : '', uri: o.uri });
      Object.values(o).forEach(walk);
    }
  };
  walk(u.lastReply);
  return found;
};
/** Every text a person reads in the last reply (Flex texts and labels included). */
const readable = (u: Chat) => JSON.stringify(u.lastReply.map((m: messagingApi.Message) => (m.type === 'flex' ? m.contents : m)));
/** The quick-reply labels of the last reply's last message. */
const quickReplies = (u: Chat) => (u.lastReply.at(-1)?.quickReply?.items ?? []).map((i) => i.action?.label);

/** Books 12-02 (Wed) at `time` with an interpreter for English. */
async function bookWithInterpreter(u: Chat, time = '10:00'): Promise<void> {
  await toAttendantQuestion(u);
  await u.tap('通訳が同席');
  await u.say('英語');
  await u.tap('12月2日(水)');
  await u.tap(time);
  await u.tap('この内容で予約する');
  expect(u.last).toContain('ご予約が確定しました');
}

describe('a booking the chat cannot cancel (the default: cancellation by phone)', () => {
  const h = useHarness({ now: START });

  it('shows 予約確認 as a card: date and time, when the URL comes, who attends, a call button — and nothing personal', async () => {
    h.clock.set(START);
    const u = chatUser(h, 'card');
    await bookWithInterpreter(u);
    // After the booking the menu offers neither 予約する (one booking at a time) nor キャンセル方法, but the call button.
    expect(quickReplies(u)).toEqual(['予約確認', '電話する', '利用規約']);
    expect(uris(u)).toContainEqual({ label: '電話する', uri: TEL });

    for (const ask of [() => u.say('予約確認'), () => u.say('よやくかくにん'), async () => (await u.say('メニュー'), await u.tap('予約確認'))]) {
      await ask();
      expect(u.lastReply[0]?.type).toBe('flex');
      const card = readable(u);
      expect(card).toContain('12月2日(水) 10:00〜10:30');
      // The reminder day, as the scheduler computes it: the open day before.
      expect(card).toContain('12月1日(火)にこのLINEでお送りします');
      expect(card).toContain('通訳（英語）');
      expect(card).toContain('キャンセル・日時の変更は、お電話でご連絡ください');
      expect(uris(u)).toContainEqual({ label: '電話する', uri: TEL });
      expect(u.labels()).not.toContain('キャンセルする');
      // Never the name, the job-seeker number or the phone.
      for (const personal of ['港北', '12345', '1234567', '090', '5678']) expect(card).not.toContain(personal);
    }

    // Staff set the meeting URL: the card opens it.
    const [booking] = await confirmedBookings(h, u.userId);
    await setMeetingUrl(h.service.db.prisma, booking?.id ?? '', URL, h.clock.now());
    await u.say('予約確認');
    expect(uris(u)).toContainEqual({ label: '参加用URLを開く', uri: URL });
    expect(readable(u)).not.toContain('このLINEでお送りします');
  });

  it('answers 「URLが届かない」 with when it comes, then with the URL once set, and without a booking says so', async () => {
    h.clock.set(START);
    const u = chatUser(h, 'url');
    await book(u, { time: '11:00' });
    await u.say('URLが届かない');
    expect(u.last).toContain('12月1日(火)にこのLINEでお送りします');
    expect(u.last).not.toContain('ご用件をお選びください');
    // The reminder moment passed without a URL: it comes as soon as staff set one.
    h.clock.set('2026-12-01T11:00:00+09:00');
    await u.say('ＵＲＬはまだですか？');
    expect(u.last).toContain('職員が準備しています');
    expect(uris(u)).toContainEqual({ label: '電話する', uri: TEL });
    const [booking] = await confirmedBookings(h, u.userId);
    await setMeetingUrl(h.service.db.prisma, booking?.id ?? '', URL, h.clock.now());
    for (const words of ['URLが来ない', '接続先がわからない']) {
      await u.say(words);
      expect(u.last).toContain(URL);
      expect(uris(u)).toContainEqual({ label: '参加用URLを開く', uri: URL });
    }

    const nobody = chatUser(h, 'url-none');
    await nobody.follow();
    await nobody.tap('同意しない');
    await nobody.say('URLが届かない');
    expect(nobody.last).toContain('現在、ご予約はありません');
    expect(nobody.labels()).toContain('予約する');
  });

  it('answers a change of time, of phone and of attendant with the office’s phone, not the menu', async () => {
    h.clock.set(START);
    const u = chatUser(h, 'changes');
    await book(u, { time: '13:00' });
    await u.say('時間を変更したい');
    expect(u.last).toContain('日時を変更したい場合は、お電話でご連絡ください');
    expect(u.last).toContain('12月2日(水) 13:00〜13:30');
    expect(uris(u)).toEqual([{ label: '電話する', uri: TEL }]);
    await u.say('日にちを変えたい');
    expect(u.last).toContain('日時を変更したい場合は');
    for (const [words, answer] of [
      ['電話番号が変わりました', copy.phoneChangedInfo],
      ['携帯の番号を変更しました', copy.phoneChangedInfo],
      ['通訳の人が来られなくなりました', copy.attendantChangeInfo],
      ['通訳が来られない', copy.attendantChangeInfo],
      ['介助者が来られない', copy.attendantChangeInfo],
    ] as const) {
      await u.say(words);
      expect(u.last, words).toBe(answer.replace('{phone}', '045-474-1221').replace('{hours}', h.config.OFFICE_PHONE_HOURS));
      expect(uris(u), words).toEqual([{ label: '電話する', uri: TEL }]);
    }
    expect(u.transcript.join('\n')).not.toContain('ご用件をお選びください');
  });
});

describe('a booking the chat may cancel until 24 hours before', () => {
  const h = useHarness({ now: START, env: { CHAT_CANCELLATION_ENABLED: 'true', CHAT_CANCELLATION_CUTOFF_HOURS: '24' } });

  it('offers キャンセルする on the card while allowed, cancels that booking, and the menu offers 予約する again', async () => {
    h.clock.set(START);
    const u = chatUser(h, 'card-cancel');
    await book(u);
    expect(quickReplies(u)).toEqual(['予約確認', 'キャンセル方法', '利用規約']);
    await u.say('予約確認');
    expect(u.labels()).toContain('キャンセルする');
    expect(readable(u)).not.toContain('お電話でご連絡ください');
    await u.tap('キャンセルする');
    expect(u.last).toContain('次のご予約をキャンセルしますか？');
    await u.tap('キャンセルする');
    expect(u.last).toContain('ご予約をキャンセルしました');
    expect(quickReplies(u)).toEqual(['予約する', '予約確認', 'キャンセル方法', '利用規約']);
    expect(await confirmedBookings(h, u.userId)).toHaveLength(0);
  });

  it('answers a change of time with cancel-and-book-again, and after the cut-off with the phone and why', async () => {
    h.clock.set(START);
    const u = chatUser(h, 'change-chat');
    await book(u, { time: '14:00' });
    await u.say('日にちを変えたい');
    expect(u.last).toContain('いまのご予約をキャンセルしてから、あらためてご予約ください');
    expect(u.labels()).toEqual(['キャンセルする']);
    const cancelFromChange = u.dataOf('キャンセルする');
    expect(uris(u)).toEqual([{ label: '電話する', uri: TEL }]);

    // 24 hours before Wednesday 14:00 has passed: no cancel button, the call button and why.
    h.clock.set('2026-12-01T15:00:00+09:00');
    await u.say('予約確認');
    expect(u.labels()).not.toContain('キャンセルする');
    expect(readable(u)).toContain('チャットでキャンセルできるのは開始の24時間前までです');
    expect(uris(u)).toContainEqual({ label: '電話する', uri: TEL });
    expect(quickReplies(u)).toEqual(['予約確認', '電話する', '利用規約']);
    await u.say('時間を変更したい');
    expect(u.last).toContain('お電話でご連絡ください');
    expect(u.labels()).toEqual([]);
    // The earlier キャンセルする, tapped after the cut-off, cancels nothing.
    await u.postback(cancelFromChange);
    expect(await confirmedBookings(h, u.userId)).toHaveLength(1);
  });
});

describe('at the job-seeker number question', () => {
  const h = useHarness({ now: START });

  it.each(['わからない', 'わかりません', '不明', '忘れた', '番号がわかりません', '求職番号を忘れました'])(
    'answers 「%s」 with where to find it and a call button, and stays at the question',
    async (words) => {
      const u = chatUser(h, `number-${words}`);
      await toNameQuestion(u);
      await u.say(answers.name);
      await u.say(words);
      expect(u.last).toContain('ハローワーク受付票');
      expect(u.last).toContain('求職者マイページ');
      expect(uris(u)).toEqual([{ label: '電話する', uri: TEL }]);
      expect(u.last).toContain(copy.briefQuestions.number);
      expect((await storedState(h, u.userId))?.value).toBe('number');
      await u.say(answers.number);
      expect((await storedState(h, u.userId))?.value).toBe('phone');
    },
  );

  it('says in the welcome what to have ready', async () => {
    const u = chatUser(h, 'welcome-ready');
    await u.follow();
    // One message: the welcome opens the terms card.
    expect(u.lastReply).toHaveLength(1);
    const text = h.line.readableTo(u.userId).join('\n');
    for (const part of ['求職番号', 'ハローワーク受付票', '求職者マイページ', '登録している電話番号', 'TeleOffice']) expect(text).toContain(part);
  });
});

describe('a half-finished booking, kept for a day', () => {
  const h = useHarness({ now: START, env: { CONVERSATION_IDLE_MINUTES: '10' } });

  async function toPhoneQuestion(u: Chat): Promise<void> {
    await toNameQuestion(u);
    await u.say(answers.name);
    await u.say(answers.number);
  }

  it('offers 「続きから」 after the idle time and continues at the question, with the answers kept sealed', async () => {
    h.clock.set(START);
    const u = chatUser(h, 'resume');
    await toPhoneQuestion(u);
    const oldButton = u.dataOf('戻る');
    h.clock.advanceMinutes(3 * 60);
    await u.say('こんにちは');
    expect(u.last).toContain('前回の予約のお手続きが途中になっています');
    expect(u.last).toContain('24時間保存しています');
    expect(u.labels()).toEqual(['続きから', '最初から', 'やめる']);
    // Kept, and sealed at rest: the stored row holds no plain answer.
    const row = await h.service.db.prisma.conversation.findUnique({ where: { userId: u.userId } });
    expect(JSON.stringify(row?.snapshot)).not.toContain('港北');
    expect((await storedState(h, u.userId))?.context.draft).toMatchObject({ name: answers.name, jobSeekerNumber: answers.number });
    // A button of the question before the offer is stale.
    await u.postback(oldButton);
    expect(u.last).toContain(copy.staleButton);
    expect(u.last).toContain(copy.briefQuestions.resumeOffer);
    await u.tap('続きから');
    expect(u.last).toContain(copy.questions.phone);
    await u.say(answers.phone);
    expect(u.last).toContain(phoneRegisteredQuestion);
    expect((await storedState(h, u.userId))?.context.draft).toMatchObject({ name: answers.name, jobSeekerNumber: answers.number });
  });

  it('starts again at 「最初から」, the answers discarded', async () => {
    h.clock.set(START);
    const u = chatUser(h, 'restart-draft');
    await toPhoneQuestion(u);
    h.clock.advanceMinutes(60);
    await u.say('予約');
    expect(u.labels()).toEqual(['続きから', '最初から', 'やめる']);
    await u.say('最初から');
    expect(u.last).toContain(copy.questions.registered);
    expect((await storedState(h, u.userId))?.context.draft).toEqual({});
  });

  it('discards the answers after the day, as before', async () => {
    h.clock.set(START);
    const u = chatUser(h, 'draft-expired');
    await toPhoneQuestion(u);
    h.clock.advanceMinutes(24 * 60 + 1);
    await u.say('予約');
    expect(u.last).toContain('24時間操作がなかったため終了しました');
    expect(u.last).not.toContain('続きから');
    // 「予約」 itself is then answered: the booking starts again at the first question.
    expect(u.last).toContain(copy.questions.registered);
    expect((await storedState(h, u.userId))?.context.draft).toEqual({});
  });
});

describe('two bookings allowed (MAX_ACTIVE_BOOKINGS=2)', () => {
  const h = useHarness({ now: START, env: { MAX_ACTIVE_BOOKINGS: '2' } });

  it('offers 予約する until the second booking, and shows both as a carousel of cards', async () => {
    const u = chatUser(h, 'two');
    await book(u);
    expect(quickReplies(u)).toContain('予約する');
    await u.tap('予約する');
    await u.tap('はい');
    await u.tap('はい');
    await u.tap('はい');
    await u.tap('確認しました');
    await u.say(answers.name);
    await u.say(answers.number);
    await u.say(answers.phone);
    await u.tap('はい、同じです');
    await u.say(answers.topic);
    await u.tap('介助者が同席');
    await u.tap('12月3日(木)');
    await u.tap('11:00');
    await u.tap('この内容で予約する');
    expect(u.last).toContain('ご予約が確定しました');
    expect(quickReplies(u)).not.toContain('予約する');
    await u.say('予約確認');
    const [card] = u.lastReply;
    expect(card?.type === 'flex' && card.contents.type).toBe('carousel');
    const shown = readable(u);
    for (const part of [
      'ご予約 1件目',
      'ご予約 2件目',
      '12月2日(水) 10:00〜10:30',
      '12月3日(木) 11:00〜11:30',
      'なし',
      '介助者',
      '12月2日(水)にこのLINEでお送りします',
    ])
      expect(shown).toContain(part);
  });
});
