/**
 * The one error a booking operation refuses with: a `code` saying why, and the `details` the
 * caller needs to answer (when a no-show may be recorded, when chat cancellation closed, the
 * status the booking is in). The staff console turns it into a Japanese sentence saying what
 * to do, the JSON API into an HTTP status, the dialogue into its own reply. The message is
 * English and never holds personal data (ids, statuses, instants and slot times only).
 */
import type { BookingStatus } from '../generated/prisma/enums.ts';
import type { BookingActionKind } from './status.ts';

/** What each code carries. */
export type BookingErrorDetails = {
  /** No booking with this id (or not the user's own). */
  'not-found': { bookingId: string };
  /** No user with this id. */
  'user-not-found': { userId: string };
  /** The booking's status does not allow the action (the transition table has no move). */
  'wrong-status': { bookingId: string; status: BookingStatus; action: BookingActionKind };
  /** Not yet: a no-show from start + the grace minutes, attendance from the start. */
  'too-early': { bookingId: string; action: BookingActionKind; allowedFrom: Date };
  /** The user may no longer cancel in the chat: the cutoff before the start has passed. */
  'chat-cancellation-closed': { bookingId: string; closedAt: Date };
  /** The meeting URL is not an https URL LINE and TeleOffice can open. */
  'invalid-meeting-url': { bookingId: string };
  /** The chosen slot is not (or no longer) one the rules offer with a free place. */
  'slot-unavailable': { bookingId: string; date: string; time: string };
  /** A staff message that cannot be sent as typed. */
  'invalid-staff-message': { problem: 'empty' | 'too-long'; maxLength: number };
};

export type BookingErrorCode = keyof BookingErrorDetails;

/** How each action is named in a message. */
const verbs: Readonly<Record<BookingActionKind, string>> = {
  'cancel-by-staff': 'cancel',
  'cancel-in-chat': 'cancel',
  'record-no-show': 'record a no-show for',
  'record-attendance': 'record attendance for',
  'record-contact': 'record a contact for',
  reschedule: 'change the time of',
};

/** The English message of each code, built from its details (no personal data in any). */
const messages: { readonly [C in BookingErrorCode]: (details: BookingErrorDetails[C]) => string } = {
  'not-found': () => 'booking not found',
  'user-not-found': () => 'user not found',
  'wrong-status': ({ status, action }) => `cannot ${verbs[action]} a booking whose status is ${status}`,
  'too-early': ({ action, allowedFrom }) => `${action === 'record-attendance' ? 'attendance' : 'a no-show'} can be recorded from ${allowedFrom.toISOString()}`,
  'chat-cancellation-closed': ({ closedAt }) => `cancelling in the chat closed at ${closedAt.toISOString()}`,
  'invalid-meeting-url': () => 'the meeting URL must be an https URL of at most 1000 characters',
  'slot-unavailable': ({ date, time }) => `the slot ${date} ${time} is not free`,
  'invalid-staff-message': ({ problem, maxLength }) => (problem === 'empty' ? 'the message is empty' : `the message is longer than ${maxLength} characters`),
};

/** A refused booking operation; see BookingErrorDetails for what each code carries. */
export class BookingError<C extends BookingErrorCode = BookingErrorCode> extends Error {
  override name = 'BookingError';
  readonly code: C;
  readonly details: BookingErrorDetails[C];
  constructor(code: C, details: BookingErrorDetails[C]) {
    super((messages[code] as (details: BookingErrorDetails[C]) => string)(details));
    this.code = code;
    this.details = details;
  }
}

/** Whether `error` is a BookingError with one of `codes` (any code when none is given). */
export function isBookingError<C extends BookingErrorCode>(error: unknown, ...codes: C[]): error is BookingError<C> {
  if (!(error instanceof BookingError)) return false;
  const { code } = error as BookingError;
  return codes.length === 0 || (codes as BookingErrorCode[]).includes(code);
}
