/**
 * The booking transition table (src/booking/status.ts), pair by pair: every status × every
 * action, written out here independently of the table, so a change to what may happen to a
 * booking is a change to this test too. Then the time preconditions at their boundaries, and
 * BookingError's codes, details and messages.
 */
import { describe, expect, it } from 'vitest';
import { BookingError, bookingStatuses, bookingTransitions, isBookingError, transition } from '../../src/booking/status.ts';
import type { BookingAction, BookingActionKind, BookingStatus } from '../../src/booking/status.ts';
import { defaultOfficeCalendarConfig } from '../../src/rules/office-config.ts';

const startsAt = new Date('2026-12-01T10:00:00+09:00');
const calendar = { ...defaultOfficeCalendarConfig, noShowGraceMinutes: 10 };
const cutoffHours = 24;
const at = (iso: string) => new Date(iso);

/** Each action, with preconditions that hold at `late` (after the start + grace, before no cutoff). */
const actions: Record<BookingActionKind, BookingAction> = {
  'cancel-by-staff': { kind: 'cancel-by-staff' },
  // A cutoff of 0 hours: still open at `open` below.
  'cancel-in-chat': { kind: 'cancel-in-chat', cutoffHours: 0 },
  'record-no-show': { kind: 'record-no-show', calendar },
  'record-attendance': { kind: 'record-attendance' },
  'record-contact': { kind: 'record-contact' },
  reschedule: { kind: 'reschedule' },
};

/** `late` satisfies every "not before" precondition; the chat cutoff is checked with its own instant. */
const late = at('2026-12-01T10:10:00+09:00');
const open = at('2026-12-01T09:00:00+09:00');
const nowFor = (kind: BookingActionKind) => (kind === 'cancel-in-chat' ? open : late);

type Expected = BookingStatus | 'unchanged' | 'refused';

// prettier-ignore
const expected: Record<BookingStatus, Record<BookingActionKind, Expected>> = {
  confirmed: { 'cancel-by-staff': 'cancelled', 'cancel-in-chat': 'cancelled', 'record-no-show': 'no_show',   'record-attendance': 'attended',  'record-contact': 'contacted', reschedule: 'confirmed' },
  contacted: { 'cancel-by-staff': 'cancelled', 'cancel-in-chat': 'cancelled', 'record-no-show': 'refused',   'record-attendance': 'attended',  'record-contact': 'unchanged', reschedule: 'confirmed' },
  cancelled: { 'cancel-by-staff': 'unchanged', 'cancel-in-chat': 'unchanged', 'record-no-show': 'refused',   'record-attendance': 'refused',   'record-contact': 'refused',   reschedule: 'refused' },
  no_show:   { 'cancel-by-staff': 'refused',   'cancel-in-chat': 'refused',   'record-no-show': 'unchanged', 'record-attendance': 'refused',   'record-contact': 'refused',   reschedule: 'refused' },
  attended:  { 'cancel-by-staff': 'refused',   'cancel-in-chat': 'refused',   'record-no-show': 'refused',   'record-attendance': 'unchanged', 'record-contact': 'refused',   reschedule: 'refused' },
};

const pairs = (Object.keys(expected) as BookingStatus[]).flatMap((from) =>
  (Object.keys(actions) as BookingActionKind[]).map((kind) => ({ from, kind, outcome: expected[from][kind] })),
);

describe('the booking transition table', () => {
  it('covers every status of the Prisma enum and every action the table knows', () => {
    expect(Object.keys(expected).sort()).toEqual([...bookingStatuses].sort());
    expect(Object.keys(actions).sort()).toEqual(Object.keys(bookingTransitions).sort());
    expect(pairs).toHaveLength(bookingStatuses.length * Object.keys(bookingTransitions).length);
  });

  it.each(pairs)('$kind from $from: $outcome', ({ from, kind, outcome }) => {
    const booking = { id: 'b-1', status: from, startsAt };
    const answer = () => transition(booking, actions[kind], nowFor(kind));
    if (outcome === 'refused') {
      const error = catchOf(answer);
      expect(error).toBeInstanceOf(BookingError);
      expect(error).toMatchObject({ code: 'wrong-status', details: { bookingId: 'b-1', status: from, action: kind } });
    } else if (outcome === 'unchanged') {
      expect(answer()).toEqual({ status: from, changed: false });
    } else {
      expect(answer()).toEqual({ status: outcome, changed: true });
    }
  });
});

describe('the time preconditions', () => {
  const confirmed = { id: 'b-2', status: 'confirmed' as const, startsAt };

  it('a no-show: not before the start + the grace minutes', () => {
    const early = catchOf(() => transition(confirmed, actions['record-no-show'], at('2026-12-01T10:09:59.999+09:00')));
    expect(isBookingError(early, 'too-early')).toBe(true);
    expect((early as BookingError<'too-early'>).details).toEqual({ bookingId: 'b-2', action: 'record-no-show', allowedFrom: at('2026-12-01T10:10:00+09:00') });
    expect(transition(confirmed, actions['record-no-show'], at('2026-12-01T10:10:00+09:00'))).toEqual({ status: 'no_show', changed: true });
    const longerGrace = { kind: 'record-no-show', calendar: { ...calendar, noShowGraceMinutes: 15 } } as const;
    expect(catchOf(() => transition(confirmed, longerGrace, at('2026-12-01T10:14:00+09:00')))).toMatchObject({ code: 'too-early' });
  });

  it('attendance: not before the start', () => {
    const contacted = { ...confirmed, status: 'contacted' as const };
    for (const booking of [confirmed, contacted]) {
      const early = catchOf(() => transition(booking, actions['record-attendance'], at('2026-12-01T09:59:59.999+09:00')));
      expect(early).toMatchObject({ code: 'too-early', details: { action: 'record-attendance', allowedFrom: startsAt } });
      expect(transition(booking, actions['record-attendance'], startsAt)).toEqual({ status: 'attended', changed: true });
    }
  });

  it('cancelling in the chat: up to the cutoff before the start, not after', () => {
    const chat = { kind: 'cancel-in-chat', cutoffHours } as const;
    const closedAt = at('2026-11-30T10:00:00+09:00');
    expect(transition(confirmed, chat, closedAt)).toEqual({ status: 'cancelled', changed: true });
    const closed = catchOf(() => transition(confirmed, chat, new Date(closedAt.getTime() + 1)));
    expect(closed).toMatchObject({ code: 'chat-cancellation-closed', details: { bookingId: 'b-2', closedAt } });
  });

  it('a repeated request is answered as unchanged whatever the time: it changes nothing', () => {
    const noShow = { ...confirmed, status: 'no_show' as const };
    expect(transition(noShow, actions['record-no-show'], at('2026-12-01T09:00:00+09:00'))).toEqual({ status: 'no_show', changed: false });
    const cancelled = { ...confirmed, status: 'cancelled' as const };
    expect(transition(cancelled, { kind: 'cancel-in-chat', cutoffHours }, at('2026-12-02T00:00:00+09:00'))).toEqual({ status: 'cancelled', changed: false });
  });

  it('the other actions have no time precondition', () => {
    const before = at('2026-11-01T00:00:00+09:00');
    const after = at('2027-01-01T00:00:00+09:00');
    for (const now of [before, after]) {
      expect(transition(confirmed, actions['cancel-by-staff'], now).status).toBe('cancelled');
      expect(transition(confirmed, actions['record-contact'], now).status).toBe('contacted');
      expect(transition(confirmed, actions.reschedule, now).status).toBe('confirmed');
    }
  });
});

describe('BookingError', () => {
  it('says why in English, with ids, statuses and instants only', () => {
    expect(new BookingError('wrong-status', { bookingId: 'b', status: 'no_show', action: 'cancel-by-staff' }).message).toBe(
      'cannot cancel a booking whose status is no_show',
    );
    expect(new BookingError('too-early', { bookingId: 'b', action: 'record-attendance', allowedFrom: startsAt }).message).toBe(
      'attendance can be recorded from 2026-12-01T01:00:00.000Z',
    );
    expect(new BookingError('slot-unavailable', { bookingId: 'b', date: '2026-12-01', time: '10:00' }).message).toBe('the slot 2026-12-01 10:00 is not free');
    expect(new BookingError('invalid-staff-message', { problem: 'too-long', maxLength: 500 }).message).toBe('the message is longer than 500 characters');
    expect(new BookingError('not-found', { bookingId: 'b' })).toMatchObject({ name: 'BookingError', code: 'not-found', message: 'booking not found' });
  });

  it('isBookingError tells codes apart, and anything else from a BookingError', () => {
    const error = new BookingError('user-not-found', { userId: 'U1' });
    expect(isBookingError(error)).toBe(true);
    expect(isBookingError(error, 'user-not-found')).toBe(true);
    expect(isBookingError(error, 'not-found', 'wrong-status')).toBe(false);
    expect(isBookingError(new Error('user not found'))).toBe(false);
    expect(isBookingError({ code: 'user-not-found' }, 'user-not-found')).toBe(false);
  });
});

function catchOf(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  throw new Error('expected a refusal');
}
