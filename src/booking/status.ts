/**
 * A booking's status and every way it may change, in one table. A booking is created
 * 'confirmed' (src/booking/bookings.ts); after that, whatever changes its status — the user
 * cancelling in the chat, staff cancelling, recording an outcome or moving it to another time
 * (src/lifecycle/operations.ts) — first asks `transition` here, with the booking as read under
 * its row lock and an explicit `now`, and writes only the status it answers.
 *
 * To add an action: add its kind to `BookingAction` (with whatever its preconditions need), a
 * row to `bookingTransitions` (the statuses it starts from and where each goes), a time
 * precondition in `preconditionOf` if it has one, its verb in src/booking/errors.ts, and a row to the
 * table in test/booking/status.test.ts, which checks every status × action pair.
 */
import { BookingStatus } from '../generated/prisma/enums.ts';
import { noShowMomentFor } from '../rules/index.ts';
import type { OfficeCalendarConfig } from '../rules/index.ts';
import { BookingError } from './errors.ts';

export { BookingStatus };
export { BookingError, isBookingError } from './errors.ts';
export type { BookingErrorCode, BookingErrorDetails } from './errors.ts';

/** Every status, in the order the enum declares them (prisma/schema.prisma). */
export const bookingStatuses: readonly BookingStatus[] = Object.values(BookingStatus);

/** The status a new booking has. */
export const initialBookingStatus: BookingStatus = BookingStatus.confirmed;

/**
 * Statuses of a booking that is still to take place: confirmed, or 'contacted' (the user
 * phoned to say they will be late). What "upcoming" means wherever bookings are counted or
 * listed as upcoming.
 */
export const upcomingStatuses = [BookingStatus.confirmed, BookingStatus.contacted] as const satisfies readonly BookingStatus[];

/** Whether a booking in `status` is still to take place (with a date not past); `status` may come from raw SQL. */
export function isUpcomingStatus(status: string): status is (typeof upcomingStatuses)[number] {
  return (upcomingStatuses as readonly string[]).includes(status);
}

/**
 * What can be done to a booking, with what its preconditions need. Creating a booking is not
 * here: it has no status to start from.
 */
export type BookingAction =
  /** Staff cancel, for the user (who phoned, Art. 6(4)) or for the office. */
  | { kind: 'cancel-by-staff' }
  /** The user cancels in the chat, up to `cutoffHours` before the start. */
  | { kind: 'cancel-in-chat'; cutoffHours: number }
  /** Staff record that nobody joined: from the start + the calendar's grace minutes on. */
  | { kind: 'record-no-show'; calendar: OfficeCalendarConfig }
  /** Staff record that the consultation took place: from the start on. */
  | { kind: 'record-attendance' }
  /** Staff record that the user called to say they will be late. */
  | { kind: 'record-contact' }
  /** Staff move the booking to another date and time, at the user's request. */
  | { kind: 'reschedule' };

export type BookingActionKind = BookingAction['kind'];

/** A cell of the table: the status the booking goes to, or `unchanged` for a repeated request. */
export const unchanged = 'unchanged';
type Cell = BookingStatus | typeof unchanged;

/**
 * The transition table: for each action, the statuses it may start from and where each goes.
 * A status missing from a row refuses the action ('wrong-status'). `unchanged` answers a
 * repeated request (a double click, two clerks at once) without changing anything: the
 * booking is already where the action would take it.
 */
export const bookingTransitions: Readonly<Record<BookingActionKind, Readonly<Partial<Record<BookingStatus, Cell>>>>> = {
  // 'contacted' (late but announced) is still an upcoming booking: it can be cancelled.
  'cancel-by-staff': { confirmed: 'cancelled', contacted: 'cancelled', cancelled: unchanged },
  'cancel-in-chat': { confirmed: 'cancelled', contacted: 'cancelled', cancelled: unchanged },
  // A user who called to say they will be late is never a no-show.
  'record-no-show': { confirmed: 'no_show', no_show: unchanged },
  // "Contacted us" (late but announced) may still end in attendance.
  'record-attendance': { confirmed: 'attended', contacted: 'attended', attended: unchanged },
  'record-contact': { confirmed: 'contacted', contacted: unchanged },
  // A moved booking is confirmed again, also when the user had said they would be late. Moving
  // it to the time it already has is the operation's own "no change" (same date and time).
  reschedule: { confirmed: 'confirmed', contacted: 'confirmed' },
};

/** What `transition` needs of a booking: as read under its row lock. */
export type BookingState = { id: string; status: BookingStatus; startsAt: Date };

/** Where an action takes a booking; `changed` is false for a repeated request. */
export type Transition = { status: BookingStatus; changed: boolean };

/**
 * The status `action` takes `booking` to at `now`, or a BookingError: 'wrong-status' when the
 * table has no move from its status, 'too-early' (with `allowedFrom`) or
 * 'chat-cancellation-closed' (with `closedAt`) when a time precondition is not met yet or any
 * more. A repeated request is answered before the preconditions, as it changes nothing.
 */
export function transition(booking: BookingState, action: BookingAction, now: Date): Transition {
  const cell = bookingTransitions[action.kind][booking.status];
  if (cell === undefined) throw new BookingError('wrong-status', { bookingId: booking.id, status: booking.status, action: action.kind });
  if (cell === unchanged) return { status: booking.status, changed: false };
  const refusal = preconditionOf(booking, action, now);
  if (refusal) throw refusal;
  return { status: cell, changed: true };
}

/** The moment the user can no longer cancel in the chat: `cutoffHours` before the start. */
export function chatCancellationClosesAt(startsAt: Date, cutoffHours: number): Date {
  return new Date(startsAt.getTime() - cutoffHours * 3_600_000);
}

/** The time preconditions, checked only for a real change. */
function preconditionOf(booking: BookingState, action: BookingAction, now: Date): BookingError | null {
  switch (action.kind) {
    case 'cancel-in-chat': {
      const closedAt = chatCancellationClosesAt(booking.startsAt, action.cutoffHours);
      return now.getTime() > closedAt.getTime() ? new BookingError('chat-cancellation-closed', { bookingId: booking.id, closedAt }) : null;
    }
    case 'record-no-show': {
      const allowedFrom = noShowMomentFor(booking.startsAt, action.calendar);
      return now.getTime() < allowedFrom.getTime() ? new BookingError('too-early', { bookingId: booking.id, action: action.kind, allowedFrom }) : null;
    }
    case 'record-attendance':
      return now.getTime() < booking.startsAt.getTime()
        ? new BookingError('too-early', { bookingId: booking.id, action: action.kind, allowedFrom: booking.startsAt })
        : null;
    case 'cancel-by-staff':
    case 'record-contact':
    case 'reschedule':
      return null;
  }
}
