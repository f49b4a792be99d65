/**
 * A job seeker asks in the chat to have their personal data erased: the bot records the request
 * for staff and answers politely (upcoming bookings stay until cancelled by phone); staff carry
 * it out with eraseUserPersonalData; the chat keeps working for erased and kept bookings.
 */
import { describe, expect, it } from 'vitest';
import { useHarness } from '../support/harness.ts';
import { chatUser } from '../support/chat.ts';
import { answers, book, toNameQuestion } from './booking-steps.ts';
import { copy } from '../../src/wording/chat.ts';
import { classifyText } from '../../flows/booking/intents.ts';
import { eraseUserPersonalData, pendingErasureRequests, runRetentionPass } from '../../src/lifecycle/retention.ts';

describe("recognising a request to erase one's data", () => {
  it('takes the usual phrasings as an erasure request, and cancellation phrasings as before', () => {
    for (const text of [
      '個人情報を削除してほしい',
      'データを消して',
      '私の情報を消去してください',
      '登録情報を削除したい',
      'データを削除してください。',
      '個人情報を消したいです',
    ]) {
      expect(classifyText(text), text).toBe('eraseData');
    }
    expect(classifyText('予約をキャンセルしたい')).toBe('cancelBooking');
    expect(classifyText('予約を取り消したい')).toBe('cancelBooking');
    expect(classifyText('予約')).toBe('book');
  });
});

describe('an erasure request in the chat', () => {
  const h = useHarness();

  const user = (id: string) => h.service.db.prisma.lineUser.findUniqueOrThrow({ where: { id } });

  it('is recorded and acknowledged at the menu, without touching anything yet', async () => {
    const u = chatUser(h, 'erase-at-menu');
    await u.follow();
    await u.tap('同意する');
    await u.say('メニュー');
    await u.say('個人情報を削除してほしい');
    expect(u.last).toContain('個人情報の削除のご依頼を承りました');
    expect(u.last).toContain('045-474-1221');
    expect(u.last).not.toContain(copy.erasureKeepsUpcoming);
    expect((await user(u.userId)).erasureRequestedAt).toEqual(h.clock.now());
    expect(await pendingErasureRequests(h.service.db.prisma)).toContainEqual({ userId: u.userId, requestedAt: h.clock.now() });
    // No personal data in the logs, not even the request's wording.
    expect(h.logs.join('')).not.toContain('個人情報を削除');
  });

  it('is answered in the middle of a booking, which then asks its question again with what was typed kept', async () => {
    const u = chatUser(h, 'erase-mid-booking');
    await toNameQuestion(u);
    await u.say(answers.name);
    await u.say('データを消して');
    expect(u.lastReply).toHaveLength(2);
    expect(u.last).toContain('個人情報の削除のご依頼を承りました');
    expect(u.last).toContain(copy.briefQuestions.number);
    expect((await user(u.userId)).erasureRequestedAt).not.toBeNull();
    await u.say(answers.number);
    expect(u.last).toContain('電話番号');
  });

  it('at the terms question is recorded too, and the terms question is asked again', async () => {
    const u = chatUser(h, 'erase-at-terms');
    await u.follow();
    await u.say('私の情報を消去してください');
    expect(u.last).toContain('個人情報の削除のご依頼を承りました');
    expect(u.labels()).toContain('同意する');
    expect((await user(u.userId)).erasureRequestedAt).not.toBeNull();
  });

  it('says which upcoming booking stays; staff erasure keeps it, and the chat works before and after retention', async () => {
    const u = chatUser(h, 'erase-with-booking');
    await book(u);
    await u.say('個人情報を削除してください');
    expect(u.last).toContain(copy.erasureKeepsUpcoming);
    expect(u.last).toContain('12月2日(水) 10:00');

    const result = await eraseUserPersonalData(h.service.db.prisma, { userId: u.userId, now: h.clock.now() });
    expect(result).toEqual({ bookingsErased: 0 });
    expect((await user(u.userId)).erasureRequestedAt).toBeNull();
    const [booking] = await h.service.db.prisma.booking.findMany({ where: { userId: u.userId } });
    expect(booking?.nameEnc).not.toBeNull();
    // The conversation went with the erasure: the next message starts afresh, politely.
    expect(await h.service.db.prisma.conversation.findUnique({ where: { userId: u.userId } })).toBeNull();
    await u.say('予約確認');
    expect(u.last).toContain('12月2日(水) 10:00');
    expect(u.transcript.join('\n')).not.toContain(copy.restarted);

    // Ninety-one days after the consultation the retention pass erases it; the chat still answers.
    h.clock.set('2027-03-04T10:00:00+09:00');
    expect((await runRetentionPass(h.service.db.prisma, { now: h.clock.now(), retentionDays: 90 })).bookingsErased).toBeGreaterThanOrEqual(1);
    expect(await h.service.db.prisma.booking.findFirstOrThrow({ where: { userId: u.userId } })).toMatchObject({
      nameEnc: null,
      status: 'confirmed',
      date: '2026-12-02',
    });
    await u.say('予約確認');
    expect(u.last).toBe(copy.noBookings);
  });
});
