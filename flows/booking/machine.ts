/**
 * The booking dialogue as a pure XState v5 machine. It does no I/O and no logging: every event
 * carries the facts it needs (the terms in force and the user's consent, the bookable dates and
 * times, the user's bookings, whether booking is blocked), and it answers with named intents —
 * `say` (a message from copy.ts, rendered by present.ts), `recordConsent`, `createBooking` —
 * which the runner (src/dialogue/runner.ts) performs after computing the transition and before
 * persisting the snapshot. `createBooking` can fail (the last place was just taken): the runner
 * then sends BOOKING_FAILED in the same turn.
 *
 * This file assembles the steps, one file each: eligibility.ts (checks, terms, eligibility),
 * fields.ts, slot.ts, review.ts (summary, correction, booking, quitting) and after-booking.ts
 * (the menu, cancelling in the chat). The booking questions are the children of one state,
 * `questions`, which handles what they share once (shared.ts: quit, back, "my booking?",
 * erasure, FAQ, and the named guards and actions); a button the current state does not show is
 * answered once, at the root.
 *
 * A conversation is stored by stored-state.ts. Bump FLOW_VERSION whenever states or context
 * change shape: a stored snapshot of another version is not restored (unless snapshotFromStored
 * upgrades it); the user is told politely and starts again.
 */
import { afterBookingStates } from './after-booking.ts';
import { eligibilityQuestions, eligibilityStates } from './eligibility.ts';
import { fieldQuestions } from './fields.ts';
import { reviewQuestions, reviewStates } from './review.ts';
import { stateIn } from 'xstate';
import { resumeStates } from './resume.ts';
import { askAgain, inDraft, machineSetup, quitAndBack, say, typedCommands } from './shared.ts';
import { slotQuestions } from './slot.ts';

export type { AskView, Attendant, BookingSummary, DateRefusal, DialogueContext, DialogueEvent, Draft, Facts, JpDate, QuestionId, Say } from './types.ts';
export { DATES_PER_PAGE } from './shared.ts';

export const FLOW_VERSION = 5;

export const bookingMachine = machineSetup.createMachine({
  id: 'booking',
  context: {
    q: 0,
    asking: null,
    termsVersion: null,
    consentedVersion: null,
    draft: {},
    editing: false,
    datePage: 0,
    offeredDates: [],
    hasMoreDates: false,
    offeredTimes: [],
    cancelling: null,
    slotBeforeEdit: null,
  },
  initial: 'idle',
  on: {
    // A new or returning friend starts at the terms unless they agreed to the version in force.
    FOLLOW: [
      { guard: 'consentedNow', target: '.idle', actions: ['reset', say({ key: 'welcome' }), say({ key: 'help' })] },
      { target: '.terms', actions: ['reset', say({ key: 'welcome' })] },
    ],
    // A button of an earlier question (STALE), or one the current question does not show.
    STALE: { actions: [say({ key: 'staleButton' }), askAgain] },
    POSTBACK: { actions: [say({ key: 'staleButton' }), askAgain] },
    // A sticker, image… : the current question again, briefly (one message); nothing asked: the menu's buttons.
    MEDIA: [{ guard: ({ context }) => context.asking === null, actions: say({ key: 'mediaIdle' }) }, { actions: [say({ key: 'needTextOrButton' }), askAgain] }],
    // A half-finished booking is discarded after CONVERSATION_RESUME_HOURS; anything else after
    // CONVERSATION_IDLE_MINUTES. Within the resume window the runner sends RETURNED instead.
    TIMEOUT: [
      { guard: inDraft, target: '.idle', actions: ['reset', 'bumpCounter', say({ key: 'draftExpired' })] },
      { target: '.idle', actions: ['reset', 'bumpCounter', say({ key: 'expired' })] },
    ],
    RETURNED: [
      { guard: inDraft, target: '.resumeOffer', reenter: true },
      // The terms question stays valid however long the user reads (as on TIMEOUT there).
      { guard: stateIn('#booking.terms'), actions: [] },
      { target: '.idle', actions: ['reset', 'bumpCounter', say({ key: 'expired' })] },
    ],
    RESTARTED: { target: '.idle', actions: ['reset', say({ key: 'restarted' })] },
  },
  states: {
    ...afterBookingStates,
    ...eligibilityStates,
    ...resumeStates,
    // The booking questions, in order; their shared commands are handled here, once.
    questions: {
      initial: 'registered',
      on: {
        TEXT: typedCommands,
        POSTBACK: quitAndBack,
      },
      states: {
        ...eligibilityQuestions,
        ...fieldQuestions,
        ...slotQuestions,
        ...reviewQuestions,
        // The question the user was answering when they asked to quit (confirmQuit is reached
        // only from a question, so there always is one; the summary is a safe default).
        resume: { type: 'history', history: 'shallow', target: 'summary' },
      },
    },
    ...reviewStates,
  },
});

export type BookingMachine = typeof bookingMachine;
