import { describe, expect, it } from 'vitest';
import { useHarness } from '../support/harness.ts';
import { chatUser } from '../support/chat.ts';
import { toNameQuestion } from './booking-steps.ts';

describe('booking a consultation in the chat', () => {
  // Saturday 2026-11-28 10:00 JST: the earliest bookable date is Wednesday 12-02.
  const h = useHarness({ now: '2026-11-28T10:00:00+09:00' });

  it('books a consultation from follow to confirmation with tapped and typed answers', async () => {
    const u = chatUser(h, 'happy');
    await toNameQuestion(u);
    expect(u.last).toContain('氏名');
    await u.say('港北　太郎');
    expect(u.last).toContain('求職番号');
    await u.say('１２３４５ー１２３４５６７');
    expect(u.last).toContain('電話番号');
    await u.say('０９０（１２３４）５６７８');
    expect(u.last).toContain('090-****-5678');
    await u.tap('はい、同じです');
    expect(u.last).toContain('相談したい内容');
    await u.say('事務職の求人を探したいです');
    await u.tap('なし');
    expect(u.labels()[0]).toBe('12月2日(水)');
    expect(u.labels()).not.toContain('12月1日(火)');
    await u.tap('12月2日(水)');
    expect(u.last).toContain('12月2日(水) の空いている時間');
    await u.tap('10:00');
    expect(u.last).toContain('ご予約内容の確認');
    expect(u.last).toContain('港北 太郎');
    expect(u.last).toContain('12345-****567');
    expect(u.last).toContain('090-****-5678');
    expect(u.last).not.toContain('1234567');
    await u.tap('この内容で予約する');
    expect(u.last).toContain('ご予約が確定しました');
    expect(u.last).toContain('2026年12月2日(水) 10:00〜10:30');
    expect(u.last).toContain('045-474-1221');
    expect(u.last).toContain('10分');

    const bookings = await h.service.db.prisma.booking.findMany({ where: { userId: u.userId } });
    expect(bookings).toHaveLength(1);
    const [b] = bookings;
    expect(b).toMatchObject({ date: '2026-12-02', startTime: '10:00', status: 'confirmed', attendant: 'none', phoneChanged: false });
    // Encrypted at rest: no plain personal data in the row, or in the stored conversation.
    const row = JSON.stringify(b);
    for (const plain of ['港北', '12345-1234567', '09012345678', '事務職']) expect(row).not.toContain(plain);
    const conv = JSON.stringify(await h.service.db.prisma.conversation.findUnique({ where: { userId: u.userId } }));
    expect(conv).not.toContain('港北');
    expect(await h.service.db.prisma.slotSeat.count({ where: { bookingId: b?.id } })).toBe(1);
    // Logs never carry what the user typed.
    const logs = h.logs.join('');
    // (Whole values: short digit runs can occur by chance in random event ids.)
    for (const plain of ['港北', '12345-1234567', '1234567', '09012345678', '090-1234', '事務職']) expect(logs).not.toContain(plain);
    // The slot is no longer offered to others.
    const other = chatUser(h, 'happy-other');
    await toNameQuestion(other);
    await other.say('山田 花子');
    await other.say('54321-7654321');
    await other.say('045-123-4567');
    await other.tap('はい、同じです');
    await other.say('面接の練習');
    await other.tap('なし');
    await other.tap('12月2日(水)');
    expect(other.labels()).not.toContain('10:00');
    expect(other.labels()).toContain('10:30');
  });
});
