/**
 * Staff operations of Art. 6(4): cancellation, no-show (refused before start + 10 minutes),
 * refusal at the threshold and its lifting, attendance and "contacted us", the meeting URL.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BookingError } from '../../src/booking/status.ts';
import {
  bookingBlockFor,
  cancelBookingByStaff,
  cancelBookingInChat,
  liftRefusal,
  recordAttendance,
  recordContacted,
  recordNoShow,
  setMeetingUrl,
  userStanding,
} from '../../src/lifecycle/operations.ts';
import { runSchedulerOnce } from '../../src/lifecycle/outbox.ts';
import { startLifecycleFixture } from './fixtures.ts';
import type { LifecycleFixture } from './fixtures.ts';

let f: LifecycleFixture;
beforeAll(async () => {
  f = await startLifecycleFixture();
});
afterAll(async () => {
  await f?.close();
});
beforeEach(async () => {
  await f.reset();
  f.clock.set('2026-11-20T09:00:00+09:00');
});

const threshold = 2;

/** Books `date` 10:00 for the user and moves the clock to `minutes` after its start. */
async function bookAndReach(user: string, date: string, minutes: number): Promise<string> {
  const bookingId = await f.addBooking(user, date, '10:00');
  f.clock.set(new Date(new Date(`${date}T10:00:00+09:00`).getTime() + minutes * 60_000));
  return bookingId;
}

describe('cancellation by staff', () => {
  it('cancels with a reason, frees the slot at once, withdraws the reminder and confirms to the user', async () => {
    const user = await f.addUser('cancel');
    const bookingId = await f.addBooking(user, '2026-12-01', '10:00');
    const result = await cancelBookingByStaff(f.db.prisma, bookingId, '本人から電話（体調不良）', f.clock.now());
    expect(result).toEqual({ bookingId, status: 'cancelled', changed: true });

    const booking = await f.db.prisma.booking.findUniqueOrThrow({ where: { id: bookingId } });
    expect([booking.status, booking.cancelledBy, booking.cancelReason, booking.cancelledAt?.toISOString()]).toEqual([
      'cancelled',
      // Staff cancel either at the user's phone request (the default) or for the office's reasons.
      'user-phone',
      '本人から電話（体調不良）',
      f.clock.now().toISOString(),
    ]);
    expect(await f.db.prisma.slotSeat.count({ where: { date: '2026-12-01', startTime: '10:00' } })).toBe(0);
    const pushes = await f.db.prisma.push.findMany({ where: { bookingId }, orderBy: { kind: 'asc' } });
    expect(pushes.map((p) => [p.kind, p.status])).toEqual([
      ['cancelled', 'pending'],
      ['day-before-reminder', 'withdrawn'],
    ]);

    await runSchedulerOnce(f.deps);
    const texts = f.line.readableTo(user);
    expect(texts).toHaveLength(1);
    expect(texts[0]).toContain('2026年12月1日(火) 10:00〜10:30');
    expect(texts[0]).toContain('キャンセルしました');
    expect(texts[0]).not.toContain('体調不良'); // the reason stays with staff
  });

  it('answers a repeated cancellation without a second notice', async () => {
    const user = await f.addUser('cancel-twice');
    const bookingId = await f.addBooking(user, '2026-12-01', '10:00');
    await cancelBookingByStaff(f.db.prisma, bookingId, 'a', f.clock.now());
    expect(await cancelBookingByStaff(f.db.prisma, bookingId, 'a', f.clock.now())).toMatchObject({ changed: false });
    await runSchedulerOnce(f.deps);
    expect(f.line.readableTo(user)).toHaveLength(1);
  });

  it('refuses to cancel a booking recorded as a no-show, and an unknown booking', async () => {
    const user = await f.addUser('cancel-no-show');
    const bookingId = await bookAndReach(user, '2026-12-01', 15);
    await recordNoShow(f.db.prisma, bookingId, f.clock.now(), f.calendar, threshold);
    await expect(cancelBookingByStaff(f.db.prisma, bookingId, 'x', f.clock.now())).rejects.toMatchObject({ name: 'BookingError', code: 'wrong-status' });
    await expect(cancelBookingByStaff(f.db.prisma, 'no-such-booking', 'x', f.clock.now())).rejects.toMatchObject({ name: 'BookingError', code: 'not-found' });
  });
});

describe('cancellation in the chat (option)', () => {
  it("cancels the user's own booking until the cutoff, silently (the dialogue replies), and refuses after it", async () => {
    const user = await f.addUser('chat-cancel');
    const other = await f.addUser('someone-else');
    const early = await f.addBooking(user, '2026-12-01', '10:00');
    const late = await f.addBooking(user, '2026-12-02', '10:00');
    await expect(f.db.prisma.$transaction((tx) => cancelBookingInChat(tx, { bookingId: early, userId: other }, f.clock.now(), 24))).rejects.toMatchObject({
      name: 'BookingError',
      code: 'not-found',
    });
    expect(await f.db.prisma.$transaction((tx) => cancelBookingInChat(tx, { bookingId: early, userId: user }, f.clock.now(), 24))).toMatchObject({
      status: 'cancelled',
      changed: true,
    });
    f.clock.set('2026-12-01T10:00:01+09:00');
    const refusal = await f.db.prisma
      .$transaction((tx) => cancelBookingInChat(tx, { bookingId: late, userId: user }, f.clock.now(), 24))
      .catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(BookingError);
    expect(refusal).toMatchObject({ code: 'chat-cancellation-closed' });
    expect((refusal as BookingError<'chat-cancellation-closed'>).details.closedAt.toISOString()).toBe(new Date('2026-12-01T10:00:00+09:00').toISOString());
    expect((await f.db.prisma.booking.findUniqueOrThrow({ where: { id: early } })).cancelledBy).toBe('user-chat');
    expect(await f.db.prisma.push.count({ where: { kind: 'cancelled' } })).toBe(0);
  });
});

describe('no-shows', () => {
  it('are refused before slot start + 10 minutes and counted after', async () => {
    const user = await f.addUser('no-show');
    const bookingId = await bookAndReach(user, '2026-12-01', 9);
    f.clock.advance(59_000); // 10:09:59
    const early = await recordNoShow(f.db.prisma, bookingId, f.clock.now(), f.calendar, threshold).catch((e: unknown) => e);
    expect(early).toBeInstanceOf(BookingError);
    expect(early).toMatchObject({ code: 'too-early', details: { action: 'record-no-show' } });
    expect((early as BookingError<'too-early'>).details.allowedFrom.toISOString()).toBe(new Date('2026-12-01T10:10:00+09:00').toISOString());
    expect((await userStanding(f.db.prisma, user)).noShowCount).toBe(0);

    f.clock.advance(1_000); // 10:10:00
    const result = await recordNoShow(f.db.prisma, bookingId, f.clock.now(), f.calendar, threshold);
    expect(result).toMatchObject({ status: 'no_show', changed: true, refusedNow: false, standing: { noShowCount: 1, noShowsSinceLift: 1, refused: false } });
    const booking = await f.db.prisma.booking.findUniqueOrThrow({ where: { id: bookingId } });
    expect([booking.status, booking.cancelledBy]).toEqual(['no_show', 'no-show']);
    // Frees nothing retroactively: the seat stays taken.
    expect(await f.db.prisma.slotSeat.count({ where: { bookingId } })).toBe(1);

    await runSchedulerOnce(f.deps);
    const [notice] = f.line.readableTo(user);
    expect(notice).toContain('キャンセル扱い');
    expect(notice).toContain('2026年12月1日(火) 10:00〜10:30');
    expect(notice).toContain('「予約」');
  });

  it('are counted once when recorded twice', async () => {
    const user = await f.addUser('no-show-twice');
    const bookingId = await bookAndReach(user, '2026-12-01', 30);
    await recordNoShow(f.db.prisma, bookingId, f.clock.now(), f.calendar, threshold);
    expect(await recordNoShow(f.db.prisma, bookingId, f.clock.now(), f.calendar, threshold)).toMatchObject({ changed: false, standing: { noShowCount: 1 } });
  });

  it('refuse new bookings at the threshold until staff lift it, and count again from the lift', async () => {
    const user = await f.addUser('repeat');
    const first = await bookAndReach(user, '2026-12-01', 20);
    await recordNoShow(f.db.prisma, first, f.clock.now(), f.calendar, threshold);
    expect(await bookingBlockFor(f.db.prisma, user, threshold)).toBeNull();

    const second = await bookAndReach(user, '2026-12-03', 20);
    const result = await recordNoShow(f.db.prisma, second, f.clock.now(), f.calendar, threshold);
    expect(result).toMatchObject({ refusedNow: true, standing: { noShowCount: 2, refused: true, refusalReason: 'no-shows' } });
    expect(await bookingBlockFor(f.db.prisma, user, threshold)).toEqual({ reason: 'refused' });

    await runSchedulerOnce(f.deps);
    const notices = f.line.readableTo(user);
    expect(notices).toHaveLength(2);
    expect(notices[0]).not.toContain('お受けできなく');
    expect(notices[1]).toContain('ご予約はお受けできなくなりました');

    const lifted = await liftRefusal(f.db.prisma, user, f.clock.now());
    expect(lifted).toMatchObject({ noShowCount: 2, noShowsSinceLift: 0, refused: false, refusalLiftedAt: f.clock.now() });
    expect(await bookingBlockFor(f.db.prisma, user, threshold)).toBeNull();

    f.clock.advance(60_000);
    const third = await bookAndReach(user, '2026-12-07', 20);
    await recordNoShow(f.db.prisma, third, f.clock.now(), f.calendar, threshold);
    expect(await bookingBlockFor(f.db.prisma, user, threshold)).toBeNull();
    expect(await userStanding(f.db.prisma, user)).toMatchObject({ noShowCount: 3, noShowsSinceLift: 1, refused: false });
  });

  it("refuse at once when the threshold is lowered below a user's count", async () => {
    const user = await f.addUser('lowered');
    const bookingId = await bookAndReach(user, '2026-12-01', 20);
    await recordNoShow(f.db.prisma, bookingId, f.clock.now(), f.calendar, 3);
    expect(await bookingBlockFor(f.db.prisma, user, 3)).toBeNull();
    expect(await bookingBlockFor(f.db.prisma, user, 1)).toEqual({ reason: 'refused' });
  });

  it("are not a user's business when nobody is known: an unknown user may book", async () => {
    expect(await bookingBlockFor(f.db.prisma, 'U00000000000000000000000000000000', threshold)).toBeNull();
    await expect(userStanding(f.db.prisma, 'U00000000000000000000000000000000')).rejects.toMatchObject({ name: 'BookingError', code: 'user-not-found' });
    await expect(liftRefusal(f.db.prisma, 'U00000000000000000000000000000000', f.clock.now())).rejects.toMatchObject({
      name: 'BookingError',
      code: 'user-not-found',
    });
  });
});

describe('attendance and "contacted us"', () => {
  it('records attendance from the slot start, never before', async () => {
    const user = await f.addUser('attended');
    const bookingId = await bookAndReach(user, '2026-12-01', -1);
    await expect(recordAttendance(f.db.prisma, bookingId, f.clock.now())).rejects.toMatchObject({ name: 'BookingError', code: 'too-early' });
    f.clock.advance(60_000);
    expect(await recordAttendance(f.db.prisma, bookingId, f.clock.now())).toMatchObject({ status: 'attended', changed: true });
    await expect(recordNoShow(f.db.prisma, bookingId, new Date(f.clock.now().getTime() + 3_600_000), f.calendar, threshold)).rejects.toMatchObject({
      name: 'BookingError',
      code: 'wrong-status',
    });
  });

  it('records a late but announced user as contacted: not a no-show, the reminder still goes out, attendance may follow', async () => {
    const user = await f.addUser('contacted');
    const bookingId = await f.addBooking(user, '2026-12-01', '10:00');
    expect(await recordContacted(f.db.prisma, bookingId, f.clock.now())).toMatchObject({ status: 'contacted', changed: true });
    f.clock.set('2026-11-30T10:00:00+09:00');
    await runSchedulerOnce(f.deps);
    expect(f.line.readableTo(user)).toHaveLength(1);
    f.clock.set('2026-12-01T10:20:00+09:00');
    await expect(recordNoShow(f.db.prisma, bookingId, f.clock.now(), f.calendar, threshold)).rejects.toMatchObject({
      name: 'BookingError',
      code: 'wrong-status',
    });
    expect((await userStanding(f.db.prisma, user)).noShowCount).toBe(0);
    expect(await recordAttendance(f.db.prisma, bookingId, f.clock.now())).toMatchObject({ status: 'attended' });
  });
});

describe('the meeting URL', () => {
  it('accepts https URLs only', async () => {
    const user = await f.addUser('url');
    const bookingId = await f.addBooking(user, '2026-12-01', '10:00');
    for (const bad of ['http://teleoffice.example/room', 'javascript:alert(1)', 'not a url', '', `https://x.example/${'a'.repeat(1000)}`]) {
      await expect(setMeetingUrl(f.db.prisma, bookingId, bad, f.clock.now())).rejects.toMatchObject({ name: 'BookingError', code: 'invalid-meeting-url' });
    }
    expect(await setMeetingUrl(f.db.prisma, bookingId, ' https://teleoffice.example/room/9 ', f.clock.now())).toMatchObject({
      meetingUrl: 'https://teleoffice.example/room/9',
      reminderReleased: false,
    });
    expect(await setMeetingUrl(f.db.prisma, bookingId, null, f.clock.now())).toMatchObject({ meetingUrl: null });
    await expect(setMeetingUrl(f.db.prisma, 'nope', 'https://teleoffice.example/room/9', f.clock.now())).rejects.toMatchObject({
      name: 'BookingError',
      code: 'not-found',
    });
  });

  it('tells staff when the reminder already went out with another URL', async () => {
    const user = await f.addUser('url-after');
    const bookingId = await f.addBooking(user, '2026-12-01', '10:00');
    f.clock.set('2026-11-30T10:00:00+09:00');
    await runSchedulerOnce(f.deps);
    expect(await setMeetingUrl(f.db.prisma, bookingId, 'https://teleoffice.example/room/new', f.clock.now())).toMatchObject({
      reminderAlreadySent: true,
      reminderReleased: false,
    });
  });
});
