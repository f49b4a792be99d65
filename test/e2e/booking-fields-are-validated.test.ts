/**
 * Every validation failure of each booking field, through signed webhooks: the bot says what
 * was wrong (the field's own re-prompt) and the conversation stays at the same question with
 * nothing stored for that field; the forgiving inputs (full-width digits, dash variants, +81)
 * are accepted and stored normalised.
 */
import { describe, expect, it } from 'vitest';
import { startHarness, useHarness } from '../support/harness.ts';
import { chatUser } from '../support/chat.ts';
import { fieldErrorMessage, fieldErrorMessages, sensitiveTopicNotice } from '../../src/domain/booking-fields.ts';
import { copy } from '../../src/wording/chat.ts';
import { answers, phoneRegisteredQuestion, storedState, toAttendantQuestion, toNameQuestion } from './booking-steps.ts';
import type { Chat } from './booking-steps.ts';

describe('each booking field says what was wrong and asks again', () => {
  const h = useHarness();

  /** Sends `text` and checks the re-prompt and that question, counter and draft are unchanged. */
  async function refused(u: Chat, text: string, expected: string, field: string) {
    const before = await storedState(h, u.userId);
    await u.say(text);
    expect(u.lastReply, text.slice(0, 40)).toHaveLength(1);
    expect(u.last, text.slice(0, 40)).toBe(expected);
    // The way out stays at hand.
    expect(u.labels()).toEqual(['戻る', 'やめる']);
    const after = await storedState(h, u.userId);
    expect(after?.value).toBe(before?.value);
    expect(after?.context.q).toBe(before?.context.q);
    expect(after?.context.draft[field]).toBeUndefined();
    expect(after?.context.draft).toEqual(before?.context.draft);
  }

  it('refuses a name that is blank, a URL, only digits, only emoji or 10,000 characters, each with its own re-prompt', async () => {
    const u = chatUser(h, 'name-errors');
    await toNameQuestion(u);
    const m = fieldErrorMessages.name;
    await refused(u, '　 \u200b　', m.empty, 'name');
    await refused(u, 'https://example.com/taro', m['has-url'], 'name');
    await refused(u, 'ｗｗｗ．ｅｘａｍｐｌｅ．ｃｏｍ', m['has-url'], 'name');
    await refused(u, '０９０１２３４５６７８', m['digits-only'], 'name');
    await refused(u, '😀😀🎉', m['no-letters'], 'name');
    await refused(u, 'あ'.repeat(10_000), fieldErrorMessage('name', 'too-long'), 'name');
    await refused(u, '港北 太郎😀', m['invalid-chars'], 'name');
    expect((await storedState(h, u.userId))?.value).toBe('name');
    // A valid name after all that is accepted, normalised, and the next question follows.
    await u.say('港北　　太郎');
    expect(u.last).toBe(copy.questions.number);
    expect((await storedState(h, u.userId))?.context.draft.name).toBe('港北 太郎');
  });

  it('takes 山田花子です and 番号は…です without the words around them, and asks a family name alone for the full name (issue #11)', async () => {
    const u = chatUser(h, 'name-in-words');
    await toNameQuestion(u);
    await refused(u, 'たなか', fieldErrorMessages.name['not-full-name'], 'name');
    await refused(u, '田中です', fieldErrorMessages.name['not-full-name'], 'name');
    await u.say('山田花子です');
    expect(u.last).toBe(copy.questions.number);
    expect((await storedState(h, u.userId))?.context.draft.name).toBe('山田花子');
    await u.say('番号は14010-1234567です');
    expect(u.last).toBe(copy.questions.phone);
    expect((await storedState(h, u.userId))?.context.draft.jobSeekerNumber).toBe('14010-1234567');
    await u.tap('戻る');
    await u.say('求職番号14010-7654321');
    expect(u.last).toBe(copy.questions.phone);
    expect((await storedState(h, u.userId))?.context.draft.jobSeekerNumber).toBe('14010-7654321');
  });

  it('refuses a job-seeker number of the wrong length or with letters, and accepts full-width digits and any dash', async () => {
    const u = chatUser(h, 'number-errors');
    await toNameQuestion(u);
    await u.say(answers.name);
    const m = fieldErrorMessages.jobSeekerNumber;
    await refused(u, '1234-123456', m['wrong-length'], 'jobSeekerNumber');
    await refused(u, '12345-12345', m['wrong-length'], 'jobSeekerNumber');
    await refused(u, '12345-123456789', m['wrong-length'], 'jobSeekerNumber');
    await refused(u, '1234512345', m['wrong-length'], 'jobSeekerNumber');
    await refused(u, 'abcde-1234567', m['invalid-chars'], 'jobSeekerNumber');
    await refused(u, '12345-12345６７ab', m['invalid-chars'], 'jobSeekerNumber');
    await refused(u, '12345--1234567', m['bad-format'], 'jobSeekerNumber');
    // Accepted variants, each stored as 12345-1234567; 戻る returns to the number question.
    for (const variant of [
      '１２３４５－１２３４５６７',
      '12345ー1234567',
      '12345−1234567',
      '12345‐1234567',
      '１２３４５ １２３４５６７',
      '12345 - 1234567',
      '123451234567',
    ]) {
      await u.say(variant);
      expect(u.last, variant).toBe(copy.questions.phone);
      expect((await storedState(h, u.userId))?.context.draft.jobSeekerNumber, variant).toBe('12345-1234567');
      await u.tap('戻る');
      expect(u.last).toBe(copy.questions.number);
    }
  });

  it('refuses a phone number that is too short, a free-dial 0120 number or a foreign +1 number, and accepts full-width, dashes and +81', async () => {
    const u = chatUser(h, 'phone-errors');
    await toNameQuestion(u);
    await u.say(answers.name);
    await u.say(answers.number);
    const m = fieldErrorMessages.phone;
    await refused(u, '090-1234', m['wrong-length'], 'phone');
    await refused(u, '045-123-456', m['wrong-length'], 'phone');
    await refused(u, '0120-123-456', m['service-number'], 'phone');
    await refused(u, '０５７０－０００－１１１', m['service-number'], 'phone');
    await refused(u, '+1 555 123 4567', m['foreign-number'], 'phone');
    await refused(u, '090-abcd-5678', m['invalid-chars'], 'phone');
    await refused(u, '1234567890', m['bad-format'], 'phone');
    for (const [variant, stored, shown] of [
      ['０９０－１２３４－５６７８', '09012345678', '090-1234-5678'],
      ['090ー1234ー5678', '09012345678', '090-1234-5678'],
      ['090‐1234‐5678', '09012345678', '090-1234-5678'],
      ['+81 90-1234-5678', '09012345678', '090-1234-5678'],
      ['(045) 123-4567', '0451234567', '045-123-4567'],
    ] as const) {
      await u.say(variant);
      expect(u.last, variant).toContain(phoneRegisteredQuestion);
      expect(u.last, variant).toContain(shown.slice(-4));
      expect(u.last, variant).not.toContain(shown);
      expect((await storedState(h, u.userId))?.context.draft.phone, variant).toBe(stored);
      await u.tap('戻る');
      expect(u.last).toBe(copy.questions.phone);
    }
  });

  it('refuses a topic with a URL, over 400 characters or only emoji, each with its own re-prompt', async () => {
    const u = chatUser(h, 'topic-errors');
    await toAttendantQuestion(u);
    await u.tap('戻る'); // back to the topic question
    expect(u.last).toBe(copy.questions.topic);
    const before = (await storedState(h, u.userId))?.context.draft.topic;
    const m = fieldErrorMessages.topic;
    const refusedTopic = async (text: string, expected: string) => {
      const q = (await storedState(h, u.userId))?.context.q;
      await u.say(text);
      expect(u.last, text.slice(0, 40)).toBe(expected);
      const after = await storedState(h, u.userId);
      expect(after?.value).toBe('topic');
      expect(after?.context.q).toBe(q);
      expect(after?.context.draft.topic).toBe(before);
    };
    await refusedTopic('詳しくは https://example.com/job を見てください', m['has-url']);
    await refusedTopic('求人は bit.ly/abc にあります', m['has-url']);
    await refusedTopic('あ'.repeat(401), m['too-long'].replace('{maxLength}', '400'));
    await refusedTopic('相談'.repeat(5_000), m['too-long'].replace('{maxLength}', '400'));
    await refusedTopic('🙏🙏🙏', m['no-letters']);
    await refusedTopic('！？…', m['no-letters']);
    await refusedTopic(' \n\t ', m.empty);
    // Exactly 400 characters is fine.
    await u.say('あ'.repeat(400));
    expect(u.last).toBe(copy.questions.attendant);
    expect((await storedState(h, u.userId))?.context.draft.topic).toBe('あ'.repeat(400));
  });

  it('warns gently about a sensitive topic and lets the user keep it or rewrite it', async () => {
    const u = chatUser(h, 'topic-sensitive');
    await toAttendantQuestion(u);
    await u.tap('戻る');
    const sensitive = 'うつ病で休職していたので、復職に向けた求人を相談したい';
    await u.say(sensitive);
    expect(u.last).toContain(sensitiveTopicNotice);
    expect(u.last).toContain(copy.questions.topicSensitive);
    expect(u.labels()).toEqual(['このまま登録', '書き直す', '戻る', 'やめる']);
    expect((await storedState(h, u.userId))?.value).toBe('topicSensitive');
    // Keep: the topic stays as written and the attendant question follows.
    await u.tap('このまま登録');
    expect(u.last).toBe(copy.questions.attendant);
    expect((await storedState(h, u.userId))?.context.draft.topic).toBe(sensitive);
    // Rewrite: back to the topic question, and the new text replaces the old.
    await u.tap('戻る');
    await u.say(sensitive);
    await u.tap('書き直す');
    expect(u.last).toBe(copy.questions.topic);
    await u.say('復職に向けた求人を相談したい');
    expect(u.last).toBe(copy.questions.attendant);
    expect((await storedState(h, u.userId))?.context.draft.topic).toBe('復職に向けた求人を相談したい');
    // Typed answers work too: 「はい」 keeps, 「いいえ」 rewrites.
    await u.tap('戻る');
    await u.say('障害者手帳を持っています');
    await u.say('はい');
    expect(u.last).toBe(copy.questions.attendant);
    expect((await storedState(h, u.userId))?.context.draft.topic).toBe('障害者手帳を持っています');
  });

  it('refuses an interpreter language that is a URL, only emoji or too long, and accepts a language name', async () => {
    const u = chatUser(h, 'language-errors');
    await toAttendantQuestion(u);
    await u.tap('通訳が同席');
    expect(u.last).toBe(copy.questions.language);
    for (const bad of ['https://example.com', '🙂🙂', 'あ'.repeat(31), '１２３', '\u200b']) {
      const q = (await storedState(h, u.userId))?.context.q;
      await u.say(bad);
      expect(u.last, bad).toBe(copy.languageInvalid);
      const state = await storedState(h, u.userId);
      expect(state?.value).toBe('language');
      expect(state?.context.q).toBe(q);
      expect(state?.context.draft.attendant).toBeUndefined();
    }
    await u.say('ベトナム語');
    expect(u.last).toContain(copy.questions.date);
    expect((await storedState(h, u.userId))?.context.draft).toMatchObject({ attendant: 'interpreter', attendantLanguage: 'ベトナム語' });
    await u.tap('12月2日(水)');
    await u.tap('10:00');
    expect(u.last).toContain('同席：通訳（ベトナム語）');
  });
});

describe('a topic that mentions bookings or cancellations', () => {
  it('is taken as the topic, not as a command', async () => {
    const hh = await startHarness();
    try {
      for (const [seed, topic] of [
        ['topic-hotel', 'ホテルの予約係の求人を探したい'],
        ['topic-wait', 'キャンセル待ちの求人について相談したい'],
        ['topic-check', '面接の予約内容を確認したい'],
      ] as const) {
        const u = chatUser(hh, seed);
        await toNameQuestion(u);
        await u.say(answers.name);
        await u.say(answers.number);
        await u.say(answers.phone);
        await u.tap('はい、同じです');
        await u.say(topic);
        expect(u.last, topic).toContain('通訳の方や介助の方は同席されますか');
      }
      hh.line.assertNoRejections();
    } finally {
      await hh.close();
    }
  });
});
