/**
 * The day-before reminder of Art. 6(3) as an outbox row: created in the same transaction as
 * the booking, so a confirmed booking without its reminder cannot exist, and delivered later by
 * the scheduler (outbox.ts) exactly once.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/repositories.ts';
import { reminderInstantFor } from '../rules/index.ts';
import type { OfficeCalendarConfig } from '../rules/index.ts';

/** The Push kinds this module and operations.ts create; the scheduler delivers these. */
export const pushKinds = {
  reminder: 'day-before-reminder',
  cancelled: 'cancelled',
  noShow: 'no-show',
  /** A turn's replies that could not be sent with the reply token (see src/events/line-events.ts). */
  reply: 'reply',
  /** Staff moved a booking (sealed text, like a reply; data.bookingId names the booking). */
  rescheduled: 'rescheduled',
  /** A short message typed by staff (sealed text; data.bookingId names the booking it is about). */
  staffMessage: 'staff-message',
} as const;

/** Kinds whose messages are sealed into the row when it is created and sent as they are. */
export const sealedPushKinds: readonly string[] = [pushKinds.reply, pushKinds.rescheduled, pushKinds.staffMessage];

export type LifecyclePushKind = (typeof pushKinds)[keyof typeof pushKinds];

/** The booking fields the reminder needs; no personal data. */
export type ReminderBooking = {
  id: string;
  userId: string;
  date: string;
  startTime: string;
  startsAt: Date;
};

/**
 * Schedules the reminder of a new booking: due at the reminder time on the reminder day, or at
 * once when that moment has passed (a booking made late, by staff for example). The retry key
 * is generated and stored here, before any attempt, so every retry reuses it. Idempotent: a
 * booking that already has its reminder row keeps it.
 */
export async function scheduleReminder(tx: Db, booking: ReminderBooking, calendar: OfficeCalendarConfig, now: Date): Promise<{ pushId: string; dueAt: Date }> {
  const existing = await tx.push.findUnique({
    where: { bookingId_kind: { bookingId: booking.id, kind: pushKinds.reminder } },
    select: { id: true, dueAt: true },
  });
  if (existing) return { pushId: existing.id, dueAt: existing.dueAt };
  const moment = reminderInstantFor(booking.date, calendar);
  const dueAt = moment.getTime() > now.getTime() ? moment : now;
  const push = await tx.push.create({
    data: {
      kind: pushKinds.reminder,
      userId: booking.userId,
      bookingId: booking.id,
      dueAt,
      nextAttemptAt: dueAt,
      status: 'pending',
      retryKey: randomUUID(),
      createdAt: now,
    },
    select: { id: true },
  });
  return { pushId: push.id, dueAt };
}

/**
 * Withdraws a booking's reminder that has not gone out (cancelled, no-show): it is never sent.
 * Returns whether there was one to withdraw. A reminder being delivered at this very moment
 * also re-reads the booking before sending (outbox.ts).
 */
export async function withdrawReminder(tx: Db, bookingId: string): Promise<boolean> {
  const { count } = await tx.push.updateMany({
    where: { bookingId, kind: pushKinds.reminder, status: { in: ['pending', 'held'] } },
    data: { status: 'withdrawn', leaseUntil: null },
  });
  return count > 0;
}

/** Queues a notice to the user about one of their bookings, due at once (cancellation, no-show). */
export async function enqueueBookingNotice(
  tx: Db,
  notice: { kind: LifecyclePushKind; userId: string; bookingId: string; data?: { refused?: boolean; byOffice?: boolean } },
  now: Date,
): Promise<void> {
  await tx.push.upsert({
    where: { bookingId_kind: { bookingId: notice.bookingId, kind: notice.kind } },
    create: {
      kind: notice.kind,
      userId: notice.userId,
      bookingId: notice.bookingId,
      dueAt: now,
      nextAttemptAt: now,
      status: 'pending',
      retryKey: randomUUID(),
      createdAt: now,
      ...(notice.data ? { data: notice.data } : {}),
    },
    update: {},
  });
}

/**
 * Moves a booking's reminder to its new date (staff changed the date and time): due at the new
 * reminder moment, or at once when that has passed. A reminder that already went out (for the
 * old date) or was withdrawn is queued again with a new retry key; a held one stays held until
 * a meeting URL is set.
 */
export async function moveReminder(tx: Db, booking: ReminderBooking, calendar: OfficeCalendarConfig, now: Date): Promise<{ dueAt: Date }> {
  const moment = reminderInstantFor(booking.date, calendar);
  const dueAt = moment.getTime() > now.getTime() ? moment : now;
  const existing = await tx.push.findUnique({
    where: { bookingId_kind: { bookingId: booking.id, kind: pushKinds.reminder } },
    select: { id: true, status: true },
  });
  if (!existing) {
    await scheduleReminder(tx, booking, calendar, now);
    return { dueAt };
  }
  const again = existing.status !== 'pending' && existing.status !== 'held';
  await tx.push.update({
    where: { id: existing.id },
    data: {
      dueAt,
      nextAttemptAt: dueAt,
      leaseUntil: null,
      ...(again ? { status: 'pending', retryKey: randomUUID(), attempts: 0, sentAt: null, lastError: null } : {}),
    },
  });
  return { dueAt };
}

/**
 * Queues a push whose messages are fixed now (sealed with the field key, as they may quote what
 * staff typed): a rescheduling notice or a staff message. `bookingId` goes into the row's data
 * (the row's own booking column is unique per kind, and there may be several of these).
 */
export async function enqueueSealedPush(
  tx: Db,
  push: { kind: typeof pushKinds.rescheduled | typeof pushKinds.staffMessage; userId: string; bookingId: string; sealed: string },
  now: Date,
): Promise<{ pushId: string }> {
  const row = await tx.push.create({
    data: {
      kind: push.kind,
      userId: push.userId,
      dueAt: now,
      nextAttemptAt: now,
      status: 'pending',
      retryKey: randomUUID(),
      createdAt: now,
      data: { sealed: push.sealed, bookingId: push.bookingId },
    },
    select: { id: true },
  });
  return { pushId: row.id };
}
