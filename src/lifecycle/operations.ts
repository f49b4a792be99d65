/**
 * What staff do to a booking after it is confirmed (Art. 6(4)): cancel it, record the outcome
 * (attended, contacted us, no-show), set its meeting URL, and lift a user's refusal. Each is a
 * domain operation with an explicit `now`, so the staff API, a future console and the tests
 * call the same code; a refusal is a named error with typed context, never a boolean.
 *
 * Every operation takes the user's advisory lock first (the lock the dialogue and booking
 * creation take), then the booking's row lock: a no-show that reaches the refusal threshold and
 * a new booking by the same user are serialised, on one instance or many.
 */
import { z } from 'zod';
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';
import type { Db } from '../db/repositories.ts';
import { lockUser } from '../db/repositories.ts';
import { capacityAt, noShowMomentFor, slotsOn, tokyoInstant } from '../rules/index.ts';
import type { OfficeCalendarConfig } from '../rules/index.ts';
import { enqueueBookingNotice, enqueueSealedPush, moveReminder, pushKinds, withdrawReminder } from './reminders.ts';
import { rescheduledText, staffMessageText } from '../wording/pushes.ts';
import type { OfficeContact } from '../wording/pushes.ts';
import { text } from '../line/messages.ts';

/** Why a user's bookings were refused, as stored in LineUser.refusalReason. */
export const refusalReasons = { noShows: 'no-shows' } as const;

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/** No booking with this id. */
export class BookingNotFoundError extends Error {
  override name = 'BookingNotFoundError';
  readonly bookingId: string;
  constructor(bookingId: string) {
    super('booking not found');
    this.bookingId = bookingId;
  }
}

/** No user with this id. */
export class UserNotFoundError extends Error {
  override name = 'UserNotFoundError';
  readonly userId: string;
  constructor(userId: string) {
    super('user not found');
    this.userId = userId;
  }
}

/** The booking is no longer in a state that allows the operation (e.g. cancelling a no-show). */
export class BookingStateError extends Error {
  override name = 'BookingStateError';
  readonly bookingId: string;
  readonly status: string;
  readonly operation: string;
  constructor(bookingId: string, status: string, operation: string) {
    super(`cannot ${operation} a booking whose status is ${status}`);
    this.bookingId = bookingId;
    this.status = status;
    this.operation = operation;
  }
}

/** A no-show can be recorded only from slot start + 10 minutes (Art. 6(4)). */
export class NoShowTooEarlyError extends Error {
  override name = 'NoShowTooEarlyError';
  readonly bookingId: string;
  /** The first instant at which the no-show can be recorded. */
  readonly allowedFrom: Date;
  constructor(bookingId: string, allowedFrom: Date) {
    super(`a no-show can be recorded from ${allowedFrom.toISOString()}`);
    this.bookingId = bookingId;
    this.allowedFrom = allowedFrom;
  }
}

/** Attendance can be recorded only once the session has started. */
export class AttendanceTooEarlyError extends Error {
  override name = 'AttendanceTooEarlyError';
  readonly bookingId: string;
  readonly allowedFrom: Date;
  constructor(bookingId: string, allowedFrom: Date) {
    super(`attendance can be recorded from ${allowedFrom.toISOString()}`);
    this.bookingId = bookingId;
    this.allowedFrom = allowedFrom;
  }
}

/** The user may no longer cancel in the chat: the cutoff before the start has passed. */
export class ChatCancellationClosedError extends Error {
  override name = 'ChatCancellationClosedError';
  readonly bookingId: string;
  readonly closedAt: Date;
  constructor(bookingId: string, closedAt: Date) {
    super(`cancelling in the chat closed at ${closedAt.toISOString()}`);
    this.bookingId = bookingId;
    this.closedAt = closedAt;
  }
}

/** The meeting URL is not an https URL LINE and TeleOffice can open. */
export class InvalidMeetingUrlError extends Error {
  override name = 'InvalidMeetingUrlError';
  readonly bookingId: string;
  constructor(bookingId: string) {
    super('the meeting URL must be an https URL of at most 1000 characters');
    this.bookingId = bookingId;
  }
}

// ---------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------

/** What an operation did to a booking; `changed` is false for a repeated request (double click). */
export type BookingOperationResult = { bookingId: string; status: string; changed: boolean };

/** A user's record as staff see it (Art. 6(4): the count and the refusal are visible to staff). */
export type UserStanding = {
  userId: string;
  /** Every unannounced no-show ever recorded. */
  noShowCount: number;
  /** No-shows that count towards the threshold: those recorded after the last lift. */
  noShowsSinceLift: number;
  refused: boolean;
  refusedAt: Date | null;
  refusalReason: string | null;
  refusalLiftedAt: Date | null;
  unfollowed: boolean;
};

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

/**
 * Who a staff cancellation is for, stored in Booking.cancelledBy: the user asked by phone
 * (Art. 6(4)), or the office cancels for its own reasons (the user's push apologises and invites
 * them to book again). Bookings cancelled before this distinction existed say 'staff'.
 */
export type StaffCancellation = 'user-phone' | 'office';

/**
 * Staff cancel a booking (the user phoned, Art. 6(4), or the office must): the slot is free
 * again at once, the reminder is withdrawn and the user gets a push saying which. `reason` is
 * kept on the booking for staff; it is never sent to the user nor logged.
 */
export async function cancelBookingByStaff(
  prisma: PrismaClient,
  bookingId: string,
  reason: string,
  now: Date,
  by: StaffCancellation = 'user-phone',
): Promise<BookingOperationResult> {
  return withLockedBooking(prisma, bookingId, async (tx, booking) => {
    if (booking.status === 'cancelled') return { bookingId, status: booking.status, changed: false };
    if (booking.status !== 'confirmed' && booking.status !== 'contacted') throw new BookingStateError(bookingId, booking.status, 'cancel');
    await cancelLocked(tx, booking, { by, reason, now });
    await enqueueBookingNotice(
      tx,
      { kind: pushKinds.cancelled, userId: booking.userId, bookingId, ...(by === 'office' ? { data: { byOffice: true } } : {}) },
      now,
    );
    return { bookingId, status: 'cancelled', changed: true };
  });
}

/**
 * The user cancels in the chat, where the office allows it (CHAT_CANCELLATION_ENABLED), up to
 * `cutoffHours` before the start. No push: the dialogue confirms in its reply.
 */
export async function cancelBookingInChat(
  tx: Prisma.TransactionClient,
  booking: { bookingId: string; userId: string },
  now: Date,
  cutoffHours: number,
): Promise<BookingOperationResult> {
  // The dialogue runner's transaction already holds the user's lock; take the booking's row lock.
  const row = await lockBookingIn(tx, booking.bookingId);
  if (row.userId !== booking.userId) throw new BookingNotFoundError(booking.bookingId);
  if (row.status === 'cancelled') return { bookingId: row.id, status: row.status, changed: false };
  // 'contacted' (the user phoned to say they will be late) is still an upcoming booking.
  if (row.status !== 'confirmed' && row.status !== 'contacted') throw new BookingStateError(row.id, row.status, 'cancel');
  const closedAt = new Date(row.startsAt.getTime() - cutoffHours * 3_600_000);
  if (now.getTime() > closedAt.getTime()) throw new ChatCancellationClosedError(row.id, closedAt);
  await cancelLocked(tx, row, { by: 'user-chat', reason: null, now });
  return { bookingId: row.id, status: 'cancelled', changed: true };
}

/**
 * Staff record that nobody joined (Art. 6(4)): allowed from slot start + 10 minutes. It counts
 * as a cancellation but frees nothing retroactively (the seat stays taken), is counted on the
 * user, refuses further bookings once the count since the last lift reaches `threshold`
 * (NO_SHOW_REFUSAL_THRESHOLD), and the user gets a notice saying so and how to book again.
 */
export async function recordNoShow(
  prisma: PrismaClient,
  bookingId: string,
  now: Date,
  calendar: OfficeCalendarConfig,
  threshold: number,
): Promise<BookingOperationResult & { standing: UserStanding; refusedNow: boolean }> {
  return withLockedBooking(prisma, bookingId, async (tx, booking) => {
    if (booking.status === 'no_show')
      return { bookingId, status: booking.status, changed: false, standing: await standingOf(tx, booking.userId), refusedNow: false };
    if (booking.status !== 'confirmed') throw new BookingStateError(bookingId, booking.status, 'record a no-show for');
    const allowedFrom = noShowMomentFor(booking.startsAt, calendar);
    if (now.getTime() < allowedFrom.getTime()) throw new NoShowTooEarlyError(bookingId, allowedFrom);

    await tx.booking.update({
      where: { id: bookingId },
      data: { status: 'no_show', cancelledAt: now, cancelledBy: 'no-show', outcomeRecordedAt: now },
    });
    await withdrawReminder(tx, bookingId);
    const user = await tx.lineUser.update({ where: { id: booking.userId }, data: { noShowCount: { increment: 1 } } });
    const counted = await noShowsSince(tx, booking.userId, user.refusalLiftedAt);
    const refusedNow = user.refusedAt === null && counted >= threshold;
    if (refusedNow) {
      await tx.lineUser.update({ where: { id: booking.userId }, data: { refusedAt: now, refusalReason: refusalReasons.noShows } });
    }
    await enqueueBookingNotice(
      tx,
      { kind: pushKinds.noShow, userId: booking.userId, bookingId, data: { refused: refusedNow || user.refusedAt !== null } },
      now,
    );
    return { bookingId, status: 'no_show', changed: true, standing: await standingOf(tx, booking.userId), refusedNow };
  });
}

/** Staff record that the consultation took place; from the slot start on. */
export async function recordAttendance(prisma: PrismaClient, bookingId: string, now: Date): Promise<BookingOperationResult> {
  return withLockedBooking(prisma, bookingId, async (tx, booking) => {
    if (booking.status === 'attended') return { bookingId, status: booking.status, changed: false };
    // "Contacted us" (late but announced) may still end in attendance.
    if (booking.status !== 'confirmed' && booking.status !== 'contacted') throw new BookingStateError(bookingId, booking.status, 'record attendance for');
    if (now.getTime() < booking.startsAt.getTime()) throw new AttendanceTooEarlyError(bookingId, booking.startsAt);
    await tx.booking.update({ where: { id: bookingId }, data: { status: 'attended', outcomeRecordedAt: now } });
    await withdrawReminder(tx, bookingId);
    return { bookingId, status: 'attended', changed: true };
  });
}

/**
 * Staff record that the user contacted the office (late but announced): not a no-show, never
 * counted. The booking stays on, and so does its reminder if it has not gone out yet.
 */
export async function recordContacted(prisma: PrismaClient, bookingId: string, now: Date): Promise<BookingOperationResult> {
  return withLockedBooking(prisma, bookingId, async (tx, booking) => {
    if (booking.status === 'contacted') return { bookingId, status: booking.status, changed: false };
    if (booking.status !== 'confirmed') throw new BookingStateError(bookingId, booking.status, 'record a contact for');
    await tx.booking.update({ where: { id: bookingId }, data: { status: 'contacted', outcomeRecordedAt: now } });
    return { bookingId, status: 'contacted', changed: true };
  });
}

/**
 * Staff lift a refusal: the user may book again, and the no-shows counted so far no longer
 * count towards the threshold (the total stays visible).
 */
export async function liftRefusal(prisma: PrismaClient, userId: string, now: Date): Promise<UserStanding> {
  return prisma.$transaction(async (tx) => {
    await lockUser(tx, userId);
    const user = await tx.lineUser.findUnique({ where: { id: userId }, select: { id: true } });
    if (!user) throw new UserNotFoundError(userId);
    await tx.lineUser.update({ where: { id: userId }, data: { refusedAt: null, refusalReason: null, refusalLiftedAt: now } });
    return standingOf(tx, userId);
  });
}

const meetingUrlSchema = z
  .string()
  .trim()
  .max(1000)
  .refine((value) => {
    // No whitespace or control characters inside (URL.parse would quietly drop some of them).
    if (/[\s\p{Cc}\p{Cf}]/u.test(value)) return false;
    const url = URL.parse(value);
    return url !== null && url.protocol === 'https:' && url.hostname !== '';
  });

/**
 * Staff set (or, with null, clear) a booking's TeleOffice meeting URL. A reminder that was held
 * for want of a URL is released and goes out at the scheduler's next run, as long as the session
 * has not started. `reminderAlreadySent` tells staff the user has the old URL (or the default):
 * they should tell the user by phone.
 */
export async function setMeetingUrl(
  prisma: PrismaClient,
  bookingId: string,
  url: string | null,
  now: Date,
): Promise<{ bookingId: string; meetingUrl: string | null; reminderReleased: boolean; reminderAlreadySent: boolean }> {
  let meetingUrl: string | null = null;
  if (url !== null) {
    const parsed = meetingUrlSchema.safeParse(url);
    if (!parsed.success) throw new InvalidMeetingUrlError(bookingId);
    meetingUrl = parsed.data;
  }
  return withLockedBooking(prisma, bookingId, async (tx) => {
    await tx.booking.update({ where: { id: bookingId }, data: { meetingUrl } });
    const released =
      meetingUrl === null
        ? { count: 0 }
        : await tx.push.updateMany({
            where: { bookingId, kind: pushKinds.reminder, status: 'held' },
            data: { status: 'pending', nextAttemptAt: now, leaseUntil: null, lastError: null },
          });
    const sent = await tx.push.count({ where: { bookingId, kind: pushKinds.reminder, status: 'sent' } });
    return { bookingId, meetingUrl, reminderReleased: released.count > 0, reminderAlreadySent: sent > 0 };
  });
}

/**
 * Whether a user may make a new booking, as far as Art. 6(4) and Art. 12 go: null, or why not.
 * Called by booking creation (under the user's lock) before a booking is made. A suspension by
 * staff (Art. 12) comes first, as the user is told something different (phone the office). A
 * refusal set by staff or by the threshold holds until lifted; a count at or over `threshold`
 * refuses too, so lowering the threshold takes effect without waiting for the next no-show.
 */
export async function bookingBlockFor(db: Db, userId: string, threshold: number): Promise<null | { reason: 'refused' | 'suspended' }> {
  const user = await db.lineUser.findUnique({
    where: { id: userId },
    select: { refusedAt: true, refusalLiftedAt: true, noShowCount: true, suspendedAt: true },
  });
  if (!user) return null;
  if (user.suspendedAt !== null) return { reason: 'suspended' };
  if (user.refusedAt !== null) return { reason: 'refused' };
  if (user.noShowCount < threshold) return null;
  return (await noShowsSince(db, userId, user.refusalLiftedAt)) >= threshold ? { reason: 'refused' } : null;
}

/** A user's no-show count and refusal, for staff. */
export async function userStanding(prisma: PrismaClient | Prisma.TransactionClient, userId: string): Promise<UserStanding> {
  return standingOf(prisma, userId);
}

// ---------------------------------------------------------------------------------------------
// Staff console operations (issue #9): change the date and time, phone change handled, message
// ---------------------------------------------------------------------------------------------

/** The chosen slot is not (or no longer) one the rules offer with a free place. */
export class SlotUnavailableError extends Error {
  override name = 'SlotUnavailableError';
  readonly bookingId: string;
  readonly date: string;
  readonly time: string;
  constructor(bookingId: string, date: string, time: string) {
    super(`the slot ${date} ${time} is not free`);
    this.bookingId = bookingId;
    this.date = date;
    this.time = time;
  }
}

/** A staff message that cannot be sent as typed (empty or too long). */
export class InvalidStaffMessageError extends Error {
  override name = 'InvalidStaffMessageError';
}

/** Longest staff message, in characters (the framing adds about 150; LINE allows 5000). */
export const staffMessageMaxLength = 500;

/** What the console's staff operations need besides the database. */
export type StaffOperationDeps = {
  calendar: OfficeCalendarConfig;
  /** Seals pushed text with the field key (the dialogue's sealer). */
  sealer: { seal(text: string): string };
  office: OfficeContact;
};

/**
 * Staff change a booking's date and time at the user's phone request, to a slot the rules offer
 * now with a free place (the same rules and data the bot uses). The old seat is freed and a new
 * one claimed in one transaction (the seat key still makes overbooking impossible); the reminder
 * moves to the new date; the user gets a push with the new and the old time (an earlier notice
 * not yet sent is withdrawn). A 'contacted' booking becomes 'confirmed' again.
 */
export async function rescheduleBooking(
  prisma: PrismaClient,
  bookingId: string,
  to: { date: string; time: string },
  now: Date,
  deps: StaffOperationDeps,
): Promise<BookingOperationResult & { from: { date: string; time: string }; to: { date: string; time: string } }> {
  return withLockedBooking(prisma, bookingId, async (tx, locked) => {
    if (locked.status !== 'confirmed' && locked.status !== 'contacted') throw new BookingStateError(bookingId, locked.status, 'change the time of');
    const booking = await tx.booking.findUniqueOrThrow({ where: { id: bookingId }, select: { date: true, startTime: true } });
    const from = { date: booking.date, time: booking.startTime };
    if (from.date === to.date && from.time === to.time) return { bookingId, status: locked.status, changed: false, from, to };
    const takenRows = await tx.slotSeat.groupBy({ by: ['startTime'], where: { date: to.date, NOT: { bookingId } }, _count: { _all: true } });
    const taken: Record<string, number> = {};
    for (const row of takenRows) taken[row.startTime] = row._count._all;
    if (!slotsOn(to.date, now, deps.calendar, taken).includes(to.time)) throw new SlotUnavailableError(bookingId, to.date, to.time);

    await tx.slotSeat.deleteMany({ where: { bookingId } });
    let claimed = false;
    // Seats 1..the places the new slot offers that day (per-date capacity, blocked times).
    const places = capacityAt(to.date, to.time, deps.calendar);
    for (let seat = 1; seat <= places && !claimed; seat++) {
      claimed = (await tx.slotSeat.createMany({ data: [{ date: to.date, startTime: to.time, seat, bookingId }], skipDuplicates: true })).count === 1;
    }
    if (!claimed) throw new SlotUnavailableError(bookingId, to.date, to.time); // rolls back: the old seat is kept
    const startsAt = tokyoInstant(to.date, to.time);
    await tx.booking.update({ where: { id: bookingId }, data: { date: to.date, startTime: to.time, startsAt, status: 'confirmed', outcomeRecordedAt: null } });
    await moveReminder(tx, { id: bookingId, userId: locked.userId, date: to.date, startTime: to.time, startsAt }, deps.calendar, now);

    await tx.push.updateMany({
      where: { kind: pushKinds.rescheduled, userId: locked.userId, status: 'pending', data: { path: ['bookingId'], equals: bookingId } },
      data: { status: 'withdrawn', leaseUntil: null },
    });
    const slotMinutes = deps.calendar.slotMinutes;
    const notice = rescheduledText({
      slot: { date: to.date, startTime: to.time, slotMinutes },
      before: { date: from.date, startTime: from.time, slotMinutes },
      office: deps.office,
    });
    await enqueueSealedPush(
      tx,
      { kind: pushKinds.rescheduled, userId: locked.userId, bookingId, sealed: deps.sealer.seal(JSON.stringify([text(notice)])) },
      now,
    );
    return { bookingId, status: 'confirmed', changed: true, from, to };
  });
}

/** Staff updated the registered phone number the user said had changed: the flag goes. */
export async function markPhoneChangeHandled(prisma: PrismaClient, bookingId: string): Promise<BookingOperationResult> {
  return withLockedBooking(prisma, bookingId, async (tx, booking) => {
    const { count } = await tx.booking.updateMany({ where: { id: bookingId, phoneChanged: true }, data: { phoneChanged: false } });
    return { bookingId, status: booking.status, changed: count > 0 };
  });
}

/** The text of a staff message as the user will see it (the console's preview uses this too). */
export function staffMessageFor(message: string, office: OfficeContact): string {
  const trimmed = message.replace(/\r\n?/g, '\n').trim();
  if (trimmed.length === 0) throw new InvalidStaffMessageError('the message is empty');
  if (trimmed.length > staffMessageMaxLength) throw new InvalidStaffMessageError(`the message is longer than ${staffMessageMaxLength} characters`);
  return staffMessageText({ message: trimmed, office });
}

/**
 * Staff send the user of a booking a short message (the counsellor will be late, the URL
 * changed): pushed through the outbox with its own retry key, the text sealed at rest and
 * dropped once sent. A user who unfollowed gets nothing (the push is marked failed for staff).
 */
export async function sendStaffMessage(
  prisma: PrismaClient,
  bookingId: string,
  message: string,
  now: Date,
  deps: Pick<StaffOperationDeps, 'sealer' | 'office'>,
): Promise<{ bookingId: string; pushId: string }> {
  const body = staffMessageFor(message, deps.office);
  const booking = await prisma.booking.findUnique({ where: { id: bookingId }, select: { userId: true } });
  if (!booking) throw new BookingNotFoundError(bookingId);
  const { pushId } = await enqueueSealedPush(
    prisma,
    { kind: pushKinds.staffMessage, userId: booking.userId, bookingId, sealed: deps.sealer.seal(JSON.stringify([text(body)])) },
    now,
  );
  return { bookingId, pushId };
}

// ---------------------------------------------------------------------------------------------
// Internals
// ---------------------------------------------------------------------------------------------

type LockedBooking = { id: string; userId: string; status: string; startsAt: Date };

/** Runs `work` in a transaction holding the user's lock and the booking's row lock. */
async function withLockedBooking<T>(
  prisma: PrismaClient,
  bookingId: string,
  work: (tx: Prisma.TransactionClient, booking: LockedBooking) => Promise<T>,
): Promise<T> {
  const owner = await prisma.booking.findUnique({ where: { id: bookingId }, select: { userId: true } });
  if (!owner) throw new BookingNotFoundError(bookingId);
  return prisma.$transaction(async (tx) => {
    await lockUser(tx, owner.userId);
    return work(tx, await lockBookingIn(tx, bookingId));
  });
}

/** Takes the booking's row lock in `tx` and reads it. */
async function lockBookingIn(tx: Prisma.TransactionClient, bookingId: string): Promise<LockedBooking> {
  await tx.$queryRaw`SELECT id FROM bookings WHERE id = ${bookingId} FOR UPDATE`;
  const booking = await tx.booking.findUnique({ where: { id: bookingId }, select: { id: true, userId: true, status: true, startsAt: true } });
  if (!booking) throw new BookingNotFoundError(bookingId);
  return booking;
}

/** Cancels a locked booking: status, who and why, its seat freed at once, its reminder withdrawn. */
async function cancelLocked(
  tx: Prisma.TransactionClient,
  booking: LockedBooking,
  how: { by: StaffCancellation | 'user-chat'; reason: string | null; now: Date },
): Promise<void> {
  await tx.booking.update({
    where: { id: booking.id },
    data: { status: 'cancelled', cancelledAt: how.now, cancelledBy: how.by, cancelReason: how.reason },
  });
  await tx.slotSeat.deleteMany({ where: { bookingId: booking.id } });
  await withdrawReminder(tx, booking.id);
}

/** No-shows recorded after `since` (all of them when null): what counts towards the threshold. */
async function noShowsSince(db: Db, userId: string, since: Date | null): Promise<number> {
  return db.booking.count({
    where: { userId, status: 'no_show', ...(since ? { outcomeRecordedAt: { gt: since } } : {}) },
  });
}

async function standingOf(db: Db, userId: string): Promise<UserStanding> {
  const user = await db.lineUser.findUnique({ where: { id: userId } });
  if (!user) throw new UserNotFoundError(userId);
  return {
    userId,
    noShowCount: user.noShowCount,
    noShowsSinceLift: await noShowsSince(db, userId, user.refusalLiftedAt),
    refused: user.refusedAt !== null,
    refusedAt: user.refusedAt,
    refusalReason: user.refusalReason,
    refusalLiftedAt: user.refusalLiftedAt,
    unfollowed: user.unfollowedAt !== null,
  };
}
