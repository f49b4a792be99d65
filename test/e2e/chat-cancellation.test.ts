/**
 * Cancelling in the chat, where the office allows it (CHAT_CANCELLATION_ENABLED; off by default,
 * as the terms say cancellation is by phone).
 */
import { describe, expect, it } from 'vitest';
import { useHarness } from '../support/harness.ts';
import { chatUser } from '../support/chat.ts';
import { book } from './booking-steps.ts';

describe('cancelling in the chat when the office allows it', () => {
  const h = useHarness({ now: '2026-11-28T10:00:00+09:00', env: { CHAT_CANCELLATION_ENABLED: 'true', CHAT_CANCELLATION_CUTOFF_HOURS: '24' } });

  it('cancels after a confirmation, frees the slot at once and withdraws the reminder', async () => {
    const u = chatUser(h, 'chat-cancel');
    await book(u);
    const [booking] = await h.service.db.prisma.booking.findMany({ where: { userId: u.userId } });
    expect(booking?.status).toBe('confirmed');
    await u.say('予約をキャンセルしたい');
    expect(u.last).toContain('キャンセルしますか');
    expect(u.labels()).toEqual(['キャンセルする', 'キャンセルしない']);
    await u.tap('キャンセルする');
    expect(u.last).toContain('ご予約をキャンセルしました');
    const after = await h.service.db.prisma.booking.findUnique({ where: { id: booking?.id ?? '' } });
    expect(after).toMatchObject({ status: 'cancelled', cancelledBy: 'user-chat' });
    expect(await h.service.db.prisma.slotSeat.count({ where: { bookingId: booking?.id ?? '' } })).toBe(0);
    const reminder = await h.service.db.prisma.push.findFirst({ where: { bookingId: booking?.id ?? '', kind: 'day-before-reminder' } });
    expect(reminder?.status).toBe('withdrawn');
    // The user can book again (one active booking at a time).
    await u.say('予約');
    expect(u.last).not.toContain('すでにご予約があります');
  });

  it('keeps the booking when the user thinks again', async () => {
    const u = chatUser(h, 'chat-cancel-no');
    await book(u, { time: '11:00' });
    await u.tap('キャンセル方法');
    await u.tap('キャンセルしない');
    expect(u.last).toContain('ご予約はそのままです');
    expect(await h.service.db.prisma.booking.count({ where: { userId: u.userId, status: 'confirmed' } })).toBe(1);
  });

  it('sends the user to the phone once the cut-off has passed', async () => {
    const u = chatUser(h, 'chat-cancel-late');
    await book(u, { time: '13:00' });
    const saved = h.clock.now();
    // Wednesday 12-02 13:00 is the consultation; 24 hours before is Tuesday 13:00.
    h.clock.set('2026-12-01T14:00:00+09:00');
    await u.say('キャンセルしたい');
    expect(u.last).toContain('お電話');
    expect(u.last).toContain('045-474-1221');
    expect(u.labels()).not.toContain('キャンセルする');
    expect(await h.service.db.prisma.booking.count({ where: { userId: u.userId, status: 'confirmed' } })).toBe(1);
    h.clock.set(saved);
  });
});
