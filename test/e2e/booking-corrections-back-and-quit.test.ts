/**
 * Changing one's mind: correcting any single field from the summary (and landing back on the
 * summary with the new value), 「戻る」 one step back from every question, and 「やめる」 /
 * 「キャンセル」 at several steps (asking first once something was entered; keeping nothing).
 */
import { describe, expect, it } from 'vitest';
import { useHarness } from '../support/harness.ts';
import { chatUser } from '../support/chat.ts';
import { copy } from '../../src/wording/chat.ts';
import {
  answers,
  confirmedBookings,
  FIRST_DATE,
  nameQuestionPrompt,
  phoneRegisteredQuestion,
  storedState,
  toDateQuestion,
  toNameQuestion,
  toSummary,
} from './booking-steps.ts';
import type { Chat } from './booking-steps.ts';

const h = useHarness();

describe('correcting a field from the summary', () => {
  /** 修正する → the field's button; returns the question asked. */
  async function correct(u: Chat, field: string) {
    await u.tap('修正する');
    expect(u.last).toBe(copy.questions.editField);
    expect(u.labels()).toEqual(['氏名', '求職番号', '電話番号', '相談内容', '通訳・介助', '日時', '戻る']);
    await u.tap(field);
    expect((await storedState(h, u.userId))?.context.editing).toBe(true);
    return u.last;
  }

  const expectSummary = async (u: Chat, line: string) => {
    expect(u.last).toContain('ご予約内容の確認');
    expect(u.last).toContain(line);
    const state = await storedState(h, u.userId);
    expect(state?.value).toBe('summary');
    expect(state?.context.editing).toBe(false);
  };

  it('changes each field in turn and returns to the summary with the new value, then books what the summary shows', async () => {
    const u = chatUser(h, 'correct-all');
    await toSummary(u);
    expect(u.last).toContain('氏名：港北 太郎');

    expect(await correct(u, '氏名')).toContain(nameQuestionPrompt);
    await u.say('URLは https://x.jp'); // still validated while correcting
    expect(u.last).toContain('URL');
    await u.say('港北 花子');
    await expectSummary(u, '氏名：港北 花子');

    expect(await correct(u, '求職番号')).toBe(copy.questions.number);
    await u.say('５４３２１－７６５４３２１');
    await expectSummary(u, '求職番号：54321-****321');

    expect(await correct(u, '電話番号')).toBe(copy.questions.phone);
    await u.say('045-123-4567');
    expect(u.last).toContain(phoneRegisteredQuestion);
    await u.tap('いいえ、変わった');
    expect(u.last).toContain(copy.phoneChangeNoted);
    await expectSummary(u, '電話番号：045-***-4567（登録番号から変更あり）');

    expect(await correct(u, '相談内容')).toBe(copy.questions.topic);
    await u.say('面接の練習をしたい');
    await expectSummary(u, '相談内容：面接の練習をしたい');

    expect(await correct(u, '通訳・介助')).toBe(copy.questions.attendant);
    await u.tap('通訳が同席');
    await u.say('英語');
    await expectSummary(u, '同席：通訳（英語）');
    await correct(u, '通訳・介助');
    await u.tap('介助者が同席');
    await expectSummary(u, '同席：介助者');

    expect(await correct(u, '日時')).toContain('ご希望の日を選んでください');
    await u.tap('12月3日(木)');
    await u.tap('11:00');
    await expectSummary(u, '日時：2026年12月3日(木) 11:00〜11:30');
    // Nothing else changed along the way.
    expect(u.last).toContain('氏名：港北 花子');
    expect(u.last).toContain('相談内容：面接の練習をしたい');

    await u.tap('この内容で予約する');
    expect(u.last).toContain('2026年12月3日(木) 11:00〜11:30');
    const [b] = await confirmedBookings(h, u.userId);
    const cipher = h.service.deps.dialogue.cipher;
    expect(b).toMatchObject({ date: '2026-12-03', startTime: '11:00', attendant: 'assistant', attendantLanguage: null, phoneChanged: true });
    expect(cipher.decrypt(b?.nameEnc ?? '')).toBe('港北 花子');
    expect(cipher.decrypt(b?.jobSeekerNumberEnc ?? '')).toBe('54321-7654321');
    expect(cipher.decrypt(b?.phoneEnc ?? '')).toBe('0451234567');
    expect(cipher.decrypt(b?.topicEnc ?? '')).toBe('面接の練習をしたい');
  });

  it('accepts a typed correction request (「名前を直したい」) and 「戻る」 from a field under correction returns to the summary unchanged', async () => {
    const u = chatUser(h, 'correct-typed');
    await toSummary(u);
    await u.say('修正したい');
    expect(u.last).toBe(copy.questions.editField);
    await u.say('名前を直したい');
    expect(u.last).toContain(nameQuestionPrompt);
    await u.say('戻る');
    await expectSummary(u, '氏名：港北 太郎');
    await u.tap('修正する');
    await u.tap('戻る');
    await expectSummary(u, '氏名：港北 太郎');
  });

  it('keeps the old date and time on the summary when the user backs out of a date correction', async () => {
    const u = chatUser(h, 'correct-date-back');
    await toSummary(u, { time: '15:30' });
    await u.tap('修正する');
    await u.tap('日時');
    await u.tap('12月3日(木)');
    await u.tap('別の日にする');
    await u.tap('戻る');
    await expectSummary(u, '日時：2026年12月2日(水) 15:30〜16:00');
    await u.tap('この内容で予約する');
    expect(u.last).toContain('ご予約が確定しました');
    expect(await confirmedBookings(h, u.userId)).toMatchObject([{ date: '2026-12-02', startTime: '15:30' }]);
  });
});

describe('「戻る」 goes back one step from every question', () => {
  /** Goes back (typed or tapped), checks where it lands, then answers to return. */
  async function backAndForth(u: Chat, how: 'typed' | 'tapped', from: string, to: string, expected: string, answer: () => Promise<unknown>) {
    expect((await storedState(h, u.userId))?.value, `at ${from}`).toBe(from);
    if (how === 'typed') await u.say('戻る');
    else await u.tap(from === 'time' ? '別の日にする' : '戻る');
    expect((await storedState(h, u.userId))?.value, `back from ${from}`).toBe(to);
    expect(u.last, `back from ${from}`).toContain(expected);
    await answer();
    expect((await storedState(h, u.userId))?.value, `forward again to ${from}`).toBe(from);
  }

  it('walks back one step from each question to the one before, keeping what was entered', async () => {
    const u = chatUser(h, 'back-everywhere');
    await toNameQuestion(u);
    await u.tap('戻る'); // name → checklist
    expect(u.last).toBe(copy.questions.checklist);
    await u.tap('戻る'); // checklist → device
    expect(u.last).toBe(copy.questions.device);
    await u.say('戻る'); // device → myPage
    expect(u.last).toBe(copy.questions.myPage);
    await u.tap('戻る'); // myPage → registered
    expect(u.last).toBe(copy.questions.registered);
    await u.tap('はい');
    await u.tap('はい');
    await u.tap('はい');
    await u.tap('確認しました');
    await backAndForth(u, 'tapped', 'name', 'checklist', copy.questions.checklist, () => u.tap('確認しました'));
    await u.say(answers.name);
    await backAndForth(u, 'typed', 'number', 'name', nameQuestionPrompt, () => u.say('港北 次郎'));
    await u.say(answers.number);
    await backAndForth(u, 'tapped', 'phone', 'number', copy.questions.number, () => u.say(answers.number));
    await u.say(answers.phone);
    await backAndForth(u, 'typed', 'phoneRegistered', 'phone', copy.questions.phone, () => u.say(answers.phone));
    await u.tap('はい、同じです');
    await backAndForth(u, 'tapped', 'topic', 'phoneRegistered', phoneRegisteredQuestion, () => u.tap('はい、同じです'));
    await u.say('病気のため転職を考えています');
    await backAndForth(u, 'tapped', 'topicSensitive', 'topic', copy.questions.topic, () => u.say('病気のため転職を考えています'));
    await u.tap('このまま登録');
    await backAndForth(u, 'typed', 'attendant', 'topic', copy.questions.topic, () => u.say('転職を考えています'));
    await u.tap('通訳が同席');
    await backAndForth(u, 'tapped', 'language', 'attendant', copy.questions.attendant, () => u.tap('通訳が同席'));
    await u.say('中国語');
    await backAndForth(u, 'tapped', 'date', 'attendant', copy.questions.attendant, () => u.tap('なし'));
    await u.tap(FIRST_DATE);
    await backAndForth(u, 'tapped', 'time', 'date', copy.questions.date, () => u.tap(FIRST_DATE));
    await u.tap('10:00');
    await backAndForth(u, 'tapped', 'summary', 'time', '12月2日(水) の空いている時間', () => u.tap('10:00'));
    await u.tap('修正する');
    await backAndForth(u, 'typed', 'editField', 'summary', 'ご予約内容の確認', () => u.tap('修正する'));
    await u.tap('戻る');
    // What was entered before going back is kept: the second name, the rewritten topic.
    expect(u.last).toContain('氏名：港北 次郎');
    expect(u.last).toContain('相談内容：転職を考えています');
    expect(u.last).toContain('同席：なし');
  });

  it('answers 「戻る」 at the first eligibility question with the menu instead of silence', async () => {
    const u = chatUser(h, 'back-first');
    await u.follow();
    await u.tap('同意する');
    expect(u.last).toContain(copy.questions.registered);
    await u.tap('戻る');
    expect((await storedState(h, u.userId))?.value).toBe('idle');
    expect(u.last).toContain('ご用件をお選びください');
    expect(u.labels()).toEqual(['予約する', '予約確認', 'キャンセル方法', '利用規約']);
  });
});

describe('「やめる」 leaves a half-finished booking', () => {
  const expectNothingKept = async (u: Chat) => {
    const state = await storedState(h, u.userId);
    expect(state?.value).toBe('idle');
    expect(state?.context.draft).toEqual({});
    expect(JSON.stringify(state)).not.toContain('港北');
    expect(await confirmedBookings(h, u.userId)).toHaveLength(0);
    expect(await h.service.db.prisma.booking.count({ where: { userId: u.userId } })).toBe(0);
  };

  it('stops at once, without asking, when nothing was entered yet', async () => {
    const u = chatUser(h, 'quit-early');
    await u.follow();
    await u.tap('同意する');
    await u.tap('はい');
    await u.tap('やめる');
    expect(u.last).toBe(copy.quitDone);
    expect(u.labels()).toEqual(['予約する', '予約確認', 'キャンセル方法', '利用規約']);
    await expectNothingKept(u);
    const v = chatUser(h, 'quit-at-name');
    await toNameQuestion(v);
    await v.say('キャンセル');
    expect(v.last).toBe(copy.quitDone);
    await expectNothingKept(v);
  });

  it('asks first once a field was entered; 「いいえ、続ける」 returns to the same question with everything kept', async () => {
    const u = chatUser(h, 'quit-then-continue');
    await toNameQuestion(u);
    await u.say(answers.name);
    await u.say('やめる');
    expect(u.last).toBe(copy.questions.confirmQuit);
    expect(u.labels()).toEqual(['はい、やめる', 'いいえ、続ける']);
    expect((await storedState(h, u.userId))?.value).toBe('confirmQuit');
    await u.tap('いいえ、続ける');
    expect(u.last).toBe(copy.questions.number);
    expect((await storedState(h, u.userId))?.context.draft.name).toBe('港北 太郎');
    await u.say(answers.number);
    await u.say('やめる');
    await u.say('いいえ');
    expect(u.last).toBe(copy.questions.phone);
    await u.say('やめる');
    await u.tap('はい、やめる');
    expect(u.last).toBe(copy.quitDone);
    await expectNothingKept(u);
  });

  it('quits from the date question, the time question and the summary, typed or tapped, and keeps nothing', async () => {
    const atDate = chatUser(h, 'quit-at-date');
    await toDateQuestion(atDate);
    await atDate.say('キャンセル');
    expect(atDate.last).toBe(copy.questions.confirmQuit);
    await atDate.say('はい');
    expect(atDate.last).toBe(copy.quitDone);
    await expectNothingKept(atDate);

    const atTime = chatUser(h, 'quit-at-time');
    await toDateQuestion(atTime);
    await atTime.tap(FIRST_DATE);
    await atTime.tap('やめる');
    await atTime.tap('はい、やめる');
    await expectNothingKept(atTime);

    const atSummary = chatUser(h, 'quit-at-summary');
    await toSummary(atSummary);
    const confirm = atSummary.dataOf('この内容で予約する');
    await atSummary.tap('やめる');
    expect(atSummary.last).toBe(copy.questions.confirmQuit);
    await atSummary.say('やめる');
    expect(atSummary.last).toBe(copy.quitDone);
    await expectNothingKept(atSummary);
    // The summary's confirm button no longer books anything.
    await atSummary.postback(confirm);
    expect(atSummary.last).toContain(copy.staleButton);
    await expectNothingKept(atSummary);
    // Starting again starts from the beginning (consent is kept), with empty fields.
    await atSummary.say('予約');
    expect(atSummary.last).toContain(copy.questions.registered);
  });
});
