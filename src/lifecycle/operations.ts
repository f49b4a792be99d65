/**
 * What staff do to a booking after it is confirmed (Art. 6(4)): cancel it, record the outcome
 * (attended, contacted us, no-show), set its meeting URL, and lift a user's refusal. Each is a
 * domain operation with an explicit `now`, so the staff API, a future console and the tests
 * call the same code; a refusal is a BookingError (src/booking/errors.ts) with a code and typed
 * details, never a boolean. Every status change is one the transition table allows
 * (src/booking/status.ts): `transition` is asked under the booking's row lock, and only the
 * status it answers is written.
 *
 * Every operation takes the user's advisory lock first (the lock the dialogue and booking
 * creation take), then the booking's row lock: a no-show that reaches the refusal threshold and
 * a new booking by the same user are serialised, on one instance or many.
 */
import { z } from 'zod';
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';
import type { Db } from '../db/repositories.ts';
import { lockUser } from '../db/repositories.ts';
import { capacityAt, slotsOn, tokyoInstant } from '../rules/index.ts';
import type { OfficeCalendarConfig } from '../rules/index.ts';
import { enqueueBookingNotice, enqueueSealedPush, moveReminder, pushKinds, withdrawReminder } from './reminders.ts';
import { rescheduledText, staffMessageText } from '../wording/pushes.ts';
import type { OfficeContact } from '../wording/pushes.ts';
import { text } from '../line/messages.ts';
import { BookingError, BookingStatus, transition } from '../booking/status.ts';

/** Why a user's bookings were refused, as stored in LineUser.refusalReason. */
export const refusalReasons = { noShows: 'no-shows' } as const;

// ---------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------

/** What an operation did to a booking; `changed` is false for a repeated request (double click). */
export type BookingOperationResult = { bookingId: string; status: BookingStatus; changed: boolean };

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
    const next = transition(booking, { kind: 'cancel-by-staff' }, now);
    if (!next.changed) return { bookingId, ...next };
    await cancelLocked(tx, booking, next.status, { by, reason, now });
    await enqueueBookingNotice(
      tx,
      { kind: pushKinds.cancelled, userId: booking.userId, bookingId, ...(by === 'office' ? { data: { byOffice: true } } : {}) },
      now,
    );
    return { bookingId, ...next };
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
  if (row.userId !== booking.userId) throw new BookingError('not-found', { bookingId: booking.bookingId });
  const next = transition(row, { kind: 'cancel-in-chat', cutoffHours }, now);
  if (next.changed) await cancelLocked(tx, row, next.status, { by: 'user-chat', reason: null, now });
  return { bookingId: row.id, ...next };
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
    const next = transition(booking, { kind: 'record-no-show', calendar }, now);
    if (!next.changed) return { bookingId, ...next, standing: await standingOf(tx, booking.userId), refusedNow: false };

    await writeStatus(tx, booking, next.status, { cancelledAt: now, cancelledBy: 'no-show', outcomeRecordedAt: now });
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
    return { bookingId, ...next, standing: await standingOf(tx, booking.userId), refusedNow };
  });
}

/** Staff record that the consultation took place; from the slot start on. */
export async function recordAttendance(prisma: PrismaClient, bookingId: string, now: Date): Promise<BookingOperationResult> {
  return withLockedBooking(prisma, bookingId, async (tx, booking) => {
    const next = transition(booking, { kind: 'record-attendance' }, now);
    if (!next.changed) return { bookingId, ...next };
    await writeStatus(tx, booking, next.status, { outcomeRecordedAt: now });
    await withdrawReminder(tx, bookingId);
    return { bookingId, ...next };
  });
}

/**
 * Staff record that the user contacted the office (late but announced): not a no-show, never
 * counted. The booking stays on, and so does its reminder if it has not gone out yet.
 */
export async function recordContacted(prisma: PrismaClient, bookingId: string, now: Date): Promise<BookingOperationResult> {
  return withLockedBooking(prisma, bookingId, async (tx, booking) => {
    const next = transition(booking, { kind: 'record-contact' }, now);
    if (next.changed) await writeStatus(tx, booking, next.status, { outcomeRecordedAt: now });
    return { bookingId, ...next };
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
    if (!user) throw new BookingError('user-not-found', { userId });
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
    if (!parsed.success) throw new BookingError('invalid-meeting-url', { bookingId });
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
  return blockOfStanding(db, userId, user, threshold);
}

/**
 * As bookingBlockFor, from the user row's refusal columns already read (a dialogue turn reads
 * them with its other facts, src/dialogue/turn-facts.ts). Counts no-shows with a statement of its
 * own only when the stored count reaches the threshold.
 */
export async function blockOfStanding(
  db: Db,
  userId: string,
  user: { refusedAt: Date | null; refusalLiftedAt: Date | null; noShowCount: number; suspendedAt: Date | null } | null,
  threshold: number,
): Promise<null | { reason: 'refused' | 'suspended' }> {
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
    const next = transition(locked, { kind: 'reschedule' }, now);
    const booking = await tx.booking.findUniqueOrThrow({ where: { id: bookingId }, select: { date: true, startTime: true } });
    const from = { date: booking.date, time: booking.startTime };
    if (from.date === to.date && from.time === to.time) return { bookingId, status: locked.status, changed: false, from, to };
    const takenRows = await tx.slotSeat.groupBy({ by: ['startTime'], where: { date: to.date, NOT: { bookingId } }, _count: { _all: true } });
    const taken: Record<string, number> = {};
    for (const row of takenRows) taken[row.startTime] = row._count._all;
    if (!slotsOn(to.date, now, deps.calendar, taken).includes(to.time)) throw new BookingError('slot-unavailable', { bookingId, date: to.date, time: to.time });

    await tx.slotSeat.deleteMany({ where: { bookingId } });
    let claimed = false;
    // Seats 1..the places the new slot offers that day (per-date capacity, blocked times).
    const places = capacityAt(to.date, to.time, deps.calendar);
    for (let seat = 1; seat <= places && !claimed; seat++) {
      claimed = (await tx.slotSeat.createMany({ data: [{ date: to.date, startTime: to.time, seat, bookingId }], skipDuplicates: true })).count === 1;
    }
    if (!claimed) throw new BookingError('slot-unavailable', { bookingId, date: to.date, time: to.time }); // rolls back: the old seat is kept
    const startsAt = tokyoInstant(to.date, to.time);
    await writeStatus(tx, locked, next.status, { date: to.date, startTime: to.time, startsAt, outcomeRecordedAt: null });
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
    return { bookingId, status: next.status, changed: true, from, to };
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
  if (trimmed.length === 0) throw new BookingError('invalid-staff-message', { problem: 'empty', maxLength: staffMessageMaxLength });
  if (trimmed.length > staffMessageMaxLength) throw new BookingError('invalid-staff-message', { problem: 'too-long', maxLength: staffMessageMaxLength });
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
  if (!booking) throw new BookingError('not-found', { bookingId });
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

type LockedBooking = { id: string; userId: string; status: BookingStatus; startsAt: Date };

/** Runs `work` in a transaction holding the user's lock and the booking's row lock. */
async function withLockedBooking<T>(
  prisma: PrismaClient,
  bookingId: string,
  work: (tx: Prisma.TransactionClient, booking: LockedBooking) => Promise<T>,
): Promise<T> {
  const owner = await prisma.booking.findUnique({ where: { id: bookingId }, select: { userId: true } });
  if (!owner) throw new BookingError('not-found', { bookingId });
  return prisma.$transaction(async (tx) => {
    await lockUser(tx, owner.userId);
    return work(tx, await lockBookingIn(tx, bookingId));
  });
}

/** Takes the booking's row lock in `tx` and reads it. */
async function lockBookingIn(tx: Prisma.TransactionClient, bookingId: string): Promise<LockedBooking> {
  await tx.$queryRaw`SELECT id FROM bookings WHERE id = ${bookingId} FOR UPDATE`;
  const booking = await tx.booking.findUnique({ where: { id: bookingId }, select: { id: true, userId: true, status: true, startsAt: true } });
  if (!booking) throw new BookingError('not-found', { bookingId });
  return booking;
}

/**
 * Writes the status `transition` answered for a locked booking, with the other fields the action
 * sets. The only write of Booking.status after creation. The condition on the status read under
 * the lock cannot fail while the lock is held; it makes a write that bypassed the lock fail
 * loudly instead of overwriting a status the table was not asked about.
 */
async function writeStatus(
  tx: Prisma.TransactionClient,
  booking: LockedBooking,
  status: BookingStatus,
  data: Omit<Prisma.BookingUpdateManyMutationInput, 'status'>,
): Promise<void> {
  const { count } = await tx.booking.updateMany({ where: { id: booking.id, status: booking.status }, data: { ...data, status } });
  if (count !== 1) throw new Error(`booking status changed under its row lock (expected ${booking.status})`);
}

/** Cancels a locked booking: status, who and why, its seat freed at once, its reminder withdrawn. */
async function cancelLocked(
  tx: Prisma.TransactionClient,
  booking: LockedBooking,
  status: BookingStatus,
  how: { by: StaffCancellation | 'user-chat'; reason: string | null; now: Date },
): Promise<void> {
  await writeStatus(tx, booking, status, { cancelledAt: how.now, cancelledBy: how.by, cancelReason: how.reason });
  await tx.slotSeat.deleteMany({ where: { bookingId: booking.id } });
  await withdrawReminder(tx, booking.id);
}

/** No-shows recorded after `since` (all of them when null): what counts towards the threshold. */
async function noShowsSince(db: Db, userId: string, since: Date | null): Promise<number> {
  return db.booking.count({
    where: { userId, status: BookingStatus.no_show, ...(since ? { outcomeRecordedAt: { gt: since } } : {}) },
  });
}

async function standingOf(db: Db, userId: string): Promise<UserStanding> {
  const user = await db.lineUser.findUnique({ where: { id: userId } });
  if (!user) throw new BookingError('user-not-found', { userId });
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
