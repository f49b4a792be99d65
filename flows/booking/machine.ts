/**
 * The booking dialogue as a pure XState v5 machine. It does no I/O and no logging: it takes
 * events that already carry the facts it needs (the terms in force, whether the user agreed
 * to them, …) and answers with named intents — `say` (a message from copy.ts), `recordConsent`
 * — which the runner (src/dialogue/runner.ts) performs after persisting the new snapshot.
 *
 * Bump FLOW_VERSION whenever states or context change shape: a stored snapshot of another
 * version is not restored; the user is told politely and starts again.
 */
import { assign, setup } from 'xstate';
import type { Intent } from './intents.ts';

export const FLOW_VERSION = 1;

/** What the runner knows about the user and the office at the moment of the event. */
export interface Facts {
  /** The current instant, ISO 8601. */
  now: string;
  /** The terms version in force. */
  terms: { id: number; version: string };
  /** The user has agreed to the terms version in force. */
  consented: boolean;
  /** The user agreed to an earlier version but not to the one in force. */
  consentedToEarlier: boolean;
}

export type DialogueEvent =
  | { type: 'FOLLOW'; facts: Facts }
  | { type: 'TEXT'; intent: Intent; text: string; facts: Facts }
  | { type: 'POSTBACK'; action: string; value?: string | undefined; facts: Facts }
  | { type: 'STALE'; facts: Facts }
  | { type: 'MEDIA'; facts: Facts }
  | { type: 'TIMEOUT'; facts: Facts }
  | { type: 'RESTARTED'; facts: Facts };

/** The questions the bot asks; the presenter renders each with its buttons. */
export type QuestionId = 'terms';

export interface DialogueContext {
  /** Counter of questions asked; buttons carry it so stale taps can be recognised. */
  q: number;
  /** The question waiting for an answer, or null when the bot is idle. */
  asking: QuestionId | null;
  /** The terms version being asked about. */
  termsVersion: string | null;
}

/** A message to send; `key` picks the copy, the rest fills it in. */
export type Say =
  | { key: 'welcome' | 'nextSteps' | 'declined' | 'help' | 'staleButton' | 'needTextOrButton' | 'restarted' | 'expired' }
  | { key: 'consentRecorded'; version: string }
  | { key: 'termsFull'; version: string }
  | { key: 'ask'; question: QuestionId; q: number; termsVersion: string | null; changed?: boolean; brief?: boolean };

const facts = (event: DialogueEvent): Facts => event.facts;

/** The current question again (briefly), or the menu when nothing is being asked. */
function reask({ context }: { context: DialogueContext }): Say {
  if (context.asking === null) return { key: 'help' };
  return { key: 'ask', question: context.asking, q: context.q, termsVersion: context.termsVersion, brief: true };
}

const showFullTerms = { type: 'say', params: ({ event }: { event: DialogueEvent }): Say => ({ key: 'termsFull', version: facts(event).terms.version }) } as const;
const askAgain = { type: 'say', params: reask } as const;

export const bookingMachine = setup({
  types: {
    context: {} as DialogueContext,
    events: {} as DialogueEvent,
  },
  actions: {
    // Intents only: the runner interprets them by name after persisting the snapshot.
    say: (_, _params: Say) => {},
    recordConsent: (_, _params: { termsId: number }) => {},
    askTerms: assign(({ context, event }) => ({
      q: context.q + 1,
      asking: 'terms' as const,
      termsVersion: facts(event).terms.version,
    })),
    settle: assign({ asking: null }),
  },
  guards: {
    consented: ({ event }) => facts(event).consented,
    intentIs: ({ event }, intent: Intent) => event.type === 'TEXT' && event.intent === intent,
    actionIs: ({ event }, action: string) => event.type === 'POSTBACK' && event.action === action,
  },
}).createMachine({
  id: 'booking',
  context: { q: 0, asking: null, termsVersion: null },
  initial: 'idle',
  on: {
    // A new or returning friend always starts at the terms (Art. 6 preamble).
    FOLLOW: [
      { guard: 'consented', target: '.idle', actions: [{ type: 'say', params: { key: 'welcome' } }, { type: 'say', params: { key: 'help' } }] },
      { target: '.terms', actions: { type: 'say', params: { key: 'welcome' } } },
    ],
    STALE: { actions: [{ type: 'say', params: { key: 'staleButton' } }, { type: 'say', params: reask }] },
    MEDIA: { actions: [{ type: 'say', params: { key: 'needTextOrButton' } }, { type: 'say', params: reask }] },
    TIMEOUT: { target: '.idle', actions: { type: 'say', params: { key: 'expired' } } },
    RESTARTED: { target: '.idle', actions: { type: 'say', params: { key: 'restarted' } } },
  },
  states: {
    idle: {
      entry: 'settle',
      on: {
        TEXT: [
          { guard: { type: 'intentIs', params: 'terms' }, target: 'terms', actions: showFullTerms },
          { guard: { type: 'intentIs', params: 'book' }, target: 'startBooking' },
          { actions: { type: 'say', params: { key: 'help' } } },
        ],
        POSTBACK: [
          { guard: { type: 'actionIs', params: 'menu.book' }, target: 'startBooking' },
          { guard: { type: 'actionIs', params: 'menu.terms' }, target: 'terms', actions: showFullTerms },
          { actions: { type: 'say', params: { key: 'help' } } },
        ],
      },
    },
    startBooking: {
      always: [{ guard: 'consented', target: 'consented' }, { target: 'terms' }],
    },
    terms: {
      // Entered only by users who have not agreed to the version in force.
      entry: [
        'askTerms',
        {
          type: 'say',
          params: ({ context, event }) => ({
            key: 'ask',
            question: 'terms',
            q: context.q,
            termsVersion: context.termsVersion,
            changed: facts(event).consentedToEarlier,
          }),
        },
      ],
      on: {
        POSTBACK: [
          { guard: { type: 'actionIs', params: 'terms.agree' }, target: 'consenting' },
          { guard: { type: 'actionIs', params: 'terms.decline' }, target: 'idle', actions: { type: 'say', params: { key: 'declined' } } },
          { guard: { type: 'actionIs', params: 'terms.full' }, actions: [showFullTerms, askAgain] },
          { actions: [{ type: 'say', params: { key: 'staleButton' } }, askAgain] },
        ],
        TEXT: [
          { guard: { type: 'intentIs', params: 'agree' }, target: 'consenting' },
          { guard: { type: 'intentIs', params: 'yes' }, target: 'consenting' },
          { guard: { type: 'intentIs', params: 'decline' }, target: 'idle', actions: { type: 'say', params: { key: 'declined' } } },
          { guard: { type: 'intentIs', params: 'no' }, target: 'idle', actions: { type: 'say', params: { key: 'declined' } } },
          { guard: { type: 'intentIs', params: 'quit' }, target: 'idle', actions: { type: 'say', params: { key: 'declined' } } },
          { guard: { type: 'intentIs', params: 'terms' }, actions: [showFullTerms, askAgain] },
          { actions: askAgain },
        ],
      },
    },
    consenting: {
      // Consent is for the version that was shown; if another version came into force in
      // the meantime, the user is asked again about that one.
      always: [
        {
          guard: ({ context, event }) => context.termsVersion === facts(event).terms.version,
          target: 'consented',
          actions: [
            { type: 'recordConsent', params: ({ event }) => ({ termsId: facts(event).terms.id }) },
            { type: 'say', params: ({ event }) => ({ key: 'consentRecorded', version: facts(event).terms.version }) },
          ],
        },
        { target: 'terms' },
      ],
    },
    consented: {
      always: { target: 'idle', actions: { type: 'say', params: { key: 'nextSteps' } } },
    },
  },
});

export type BookingMachine = typeof bookingMachine;
