/**
 * The booking dialogue as a pure XState v5 machine. It does no I/O and no logging: every event
 * carries the facts it needs (the terms in force and the user's consent, the bookable dates and
 * times, the user's bookings, whether booking is blocked), and it answers with named intents —
 * `say` (a message from copy.ts, rendered by present.ts), `recordConsent`, `createBooking` —
 * which the runner (src/dialogue/runner.ts) performs after computing the transition and before
 * persisting the snapshot. `createBooking` can fail (the last place was just taken): the runner
 * then sends BOOKING_FAILED in the same turn.
 *
 * Bump FLOW_VERSION whenever states or context change shape: a stored snapshot of another
 * version is not restored; the user is told politely and starts again.
 */
import { assign, setup } from 'xstate';
import { exactIntent, looksLikeQuestion, isFaq } from './intents.ts';
import type { FaqTopic, Intent } from './intents.ts';
import { parseTypedDate, parseTypedTime, validateJobSeekerNumber, validateName, validatePhoneNumber, validateTopic } from '../../src/domain/booking-fields.ts';
import type { BookingField } from '../../src/domain/booking-fields.ts';

export const FLOW_VERSION = 4;

/** Dates shown per page of the date question (quick replies: 8 dates + 4 navigation). */
export const DATES_PER_PAGE = 8;

export type JpDate = string;

/** Why a date the user typed cannot be booked. */
export type DateRefusal = 'closed' | 'deadline' | 'full' | 'beyond' | 'past';

export interface BookingSummary {
  id: string;
  date: JpDate;
  time: string;
  /** The user may cancel it in the chat (CHAT_CANCELLATION_ENABLED, before the cut-off). */
  cancellableInChat?: boolean;
}

/** What the runner knows about the user and the office at the moment of the event. */
export interface Facts {
  /** The current instant, ISO 8601, and today's date in Japan. */
  now: string;
  today: JpDate;
  /** The terms version in force, and the user's consent to it or to an earlier one. */
  terms: { id: number; version: string };
  consented: boolean;
  consentedToEarlier: boolean;
  /** Why the user may not start a booking now, if so. */
  block: null | 'refused' | 'suspended' | 'maxActive';
  /** The user's upcoming bookings. */
  bookings: BookingSummary[];
  /** Bookable dates with their free start times (only dates with at least one), ascending. */
  availability: Array<{ date: JpDate; times: string[] }>;
  /** Dates inside the horizon that cannot be booked, and why. */
  unavailable: Record<JpDate, DateRefusal>;
  /** Last date of the booking horizon. */
  horizonEnd: JpDate;
}

export type DialogueEvent =
  | { type: 'FOLLOW'; facts: Facts }
  | { type: 'TEXT'; intent: Intent; text: string; facts: Facts }
  | { type: 'POSTBACK'; action: string; value?: string | undefined; facts: Facts }
  | { type: 'STALE'; facts: Facts }
  | { type: 'MEDIA'; facts: Facts }
  | { type: 'TIMEOUT'; facts: Facts }
  | { type: 'RESTARTED'; facts: Facts }
  | { type: 'BOOKING_CREATED'; booking: BookingSummary; facts: Facts }
  | { type: 'BOOKING_FAILED'; reason: 'full' | 'refused' | 'suspended' | 'maxActive'; facts: Facts }
  | { type: 'BOOKING_CANCELLED'; booking: BookingSummary; facts: Facts }
  | { type: 'CANCEL_FAILED'; facts: Facts };

/** The questions the bot asks; present.ts renders each with its buttons. */
export type QuestionId =
  | 'terms'
  | 'registered'
  | 'myPage'
  | 'device'
  | 'checklist'
  | 'name'
  | 'number'
  | 'phone'
  | 'phoneRegistered'
  | 'topic'
  | 'topicSensitive'
  | 'attendant'
  | 'language'
  | 'date'
  | 'time'
  | 'summary'
  | 'editField'
  | 'confirmQuit'
  | 'confirmCancel';

export type Attendant = 'none' | 'interpreter' | 'assistant';

/** What the user has entered so far (sealed at rest with the rest of the snapshot). */
export interface Draft {
  name?: string;
  jobSeekerNumber?: string;
  phone?: string;
  phoneChanged?: boolean;
  topic?: string;
  attendant?: Attendant;
  attendantLanguage?: string;
  date?: JpDate;
  time?: string;
}

export interface DialogueContext {
  /** Counter of questions asked; buttons carry it so stale taps can be recognised. */
  q: number;
  /** The question waiting for an answer, or null when the bot is idle. */
  asking: QuestionId | null;
  /** The terms version being asked about, and the one the user agreed to in this conversation. */
  termsVersion: string | null;
  consentedVersion: string | null;
  draft: Draft;
  /** Correcting one field from the summary: return to the summary afterwards. */
  editing: boolean;
  datePage: number;
  offeredDates: JpDate[];
  hasMoreDates: boolean;
  offeredTimes: string[];
  /** The question to return to when the user decides not to quit after all. */
  quitFrom: QuestionId | null;
  /** The booking the user asked to cancel in the chat. */
  cancelling: BookingSummary | null;
  /** The slot the summary showed when the user chose to correct it, kept if they back out. */
  slotBeforeEdit: { date: JpDate; time: string } | null;
}

/** The context an `ask` needs to render its question. */
export type AskView = Pick<
  DialogueContext,
  'q' | 'termsVersion' | 'draft' | 'editing' | 'datePage' | 'offeredDates' | 'hasMoreDates' | 'offeredTimes' | 'cancelling'
>;

/** A message to send; `key` picks the copy, the rest fills it in. */
export type Say =
  | { key: 'ask'; question: QuestionId; view: AskView; brief?: boolean; changed?: boolean }
  | { key: 'fieldError'; field: BookingField; reason: string }
  | { key: 'termsFull'; version: string }
  | { key: 'consentRecorded'; version: string }
  | { key: 'faq'; topic: FaqTopic }
  | { key: 'bookings' | 'cancellationInfo' | 'existingBooking'; bookings: BookingSummary[] }
  | { key: 'dateRefused'; date: JpDate; reason: DateRefusal }
  | { key: 'bookingConfirmed'; booking: BookingSummary }
  | { key: 'bookingCancelled'; booking: BookingSummary }
  | { key: 'erasureRequested'; bookings: BookingSummary[] }
  | { key: 'cancelClosed' | 'cancelKept' }
  | {
      key:
        | 'welcome'
        | 'declined'
        | 'help'
        | 'staleButton'
        | 'needTextOrButton'
        | 'restarted'
        | 'expired'
        | 'notRegistered'
        | 'noMyPage'
        | 'noDevice'
        | 'phoneChangeNoted'
        | 'dateFormatHelp'
        | 'timeFormatHelp'
        | 'timeTaken'
        | 'dateFull'
        | 'noAvailability'
        | 'quitDone'
        | 'refused'
        | 'suspended'
        | 'languageInvalid'
        | 'startBooking';
    };

type Ev = DialogueEvent;
type Ctx = DialogueContext;
const factsOf = (event: Ev): Facts => event.facts;
const textOf = (event: Ev): string => (event.type === 'TEXT' ? event.text : '');
const valueOf = (event: Ev): string => (event.type === 'POSTBACK' ? (event.value ?? '') : '');

const emptyDraft: Draft = {};

function viewOf(context: Ctx): AskView {
  const { q, termsVersion, draft, editing, datePage, offeredDates, hasMoreDates, offeredTimes, cancelling } = context;
  return { q, termsVersion, draft, editing, datePage, offeredDates, hasMoreDates, offeredTimes, cancelling };
}

/** The current question again (briefly), or the menu when nothing is being asked. */
function reask({ context }: { context: Ctx }): Say {
  if (context.asking === null) return { key: 'help' };
  return { key: 'ask', question: context.asking, view: viewOf(context), brief: true };
}

const timesOn = (facts: Facts, date: JpDate | undefined): string[] => facts.availability.find((d) => d.date === date)?.times ?? [];
const isAvailable = (facts: Facts, date: JpDate | undefined, time: string | undefined) => time !== undefined && timesOn(facts, date).includes(time);
const hasDraft = (context: Ctx) => Object.keys(context.draft).length > 0;

/** Why a parsed date cannot be booked (or null if it can). */
function refusalFor(facts: Facts, date: JpDate): DateRefusal | null {
  if (timesOn(facts, date).length > 0) return null;
  if (date < facts.today) return 'past';
  if (date > facts.horizonEnd) return 'beyond';
  return facts.unavailable[date] ?? 'full';
}

/** Entry actions of a question: bump the counter, remember what is asked, ask it. */
function asking(question: QuestionId) {
  return [
    assignCtx({ q: ({ context }) => context.q + 1, asking: question }),
    { type: 'say' as const, params: ({ context }: { context: Ctx }): Say => ({ key: 'ask', question, view: viewOf(context) }) },
  ];
}

/** `assign` typed for this machine, for actions defined outside `createMachine`. */
const assignCtx = (assignment: Parameters<typeof assign<Ctx, Ev, undefined, Ev, never>>[0]) => assign<Ctx, Ev, undefined, Ev, never>(assignment);

const say = (params: Say) => ({ type: 'say' as const, params });
const sayWith = (make: (args: { context: Ctx; event: Ev }) => Say) => ({ type: 'say' as const, params: make });
const askAgain = { type: 'say' as const, params: reask };
/** A request to erase the user's data: recorded for staff (effect), acknowledged, then the question again if any. */
const erasureRequest = [{ type: 'requestErasure' as const }, sayWith(({ event }) => ({ key: 'erasureRequested', bookings: factsOf(event).bookings }))];

const intentIs = (intent: Intent) => ({ event }: { event: Ev }) => event.type === 'TEXT' && event.intent === intent;
const actionIs = (action: string) => ({ event }: { event: Ev }) => event.type === 'POSTBACK' && event.action === action;

/** Where "back" goes from each booking question (the summary when correcting a field). */
const previous: Partial<Record<QuestionId, QuestionId | 'idle'>> = {
  registered: 'idle',
  myPage: 'registered',
  device: 'myPage',
  checklist: 'device',
  name: 'checklist',
  number: 'name',
  phone: 'number',
  phoneRegistered: 'phone',
  topic: 'phoneRegistered',
  topicSensitive: 'topic',
  attendant: 'topic',
  language: 'attendant',
  date: 'attendant',
  time: 'date',
  summary: 'time',
  editField: 'summary',
};

/**
 * Transitions every booking question shares: quit (asking for confirmation once something was
 * entered), back one step, "my booking?" and FAQ answers followed by the question again.
 * `freeText` questions take any other text as the answer, so FAQ matching is limited there.
 */
function shared(id: QuestionId, options: { freeText?: 'strict' | 'loose' } = {}) {
  const back = previous[id] ?? 'idle';
  const faqAllowed = ({ event }: { event: Ev }) => {
    if (event.type !== 'TEXT' || !isFaq(event.intent)) return false;
    if (options.freeText === 'loose') return false;
    if (options.freeText === 'strict') return looksLikeQuestion(event.text);
    return true;
  };
  // A free-text answer ('loose': the topic, the language) counts as a command only when it is
  // exactly a command word: 「ホテルの予約係の求人を探したい」 is a topic, not 「予約」.
  const is = (intent: Intent) => ({ event }: { event: Ev }) =>
    event.type === 'TEXT' && (options.freeText === 'loose' ? exactIntent(event.text) === intent : event.intent === intent);
  const tapOr = (intent: Intent, action: string) => ({ event }: { event: Ev }) => is(intent)({ event }) || actionIs(action)({ event });
  return [
    {
      guard: ({ context, event }: { context: Ctx; event: Ev }) =>
        (tapOr('quit', 'nav.quit')({ event }) || is('cancelBooking')({ event })) && hasDraft(context),
      target: 'confirmQuit',
      actions: assignCtx({ quitFrom: id }),
    },
    {
      guard: ({ event }: { event: Ev }) => tapOr('quit', 'nav.quit')({ event }) || is('cancelBooking')({ event }),
      target: 'idle',
      actions: say({ key: 'quitDone' }),
    },
    {
      guard: ({ context, event }: { context: Ctx; event: Ev }) => tapOr('back', 'nav.back')({ event }) && context.editing && id !== 'time',
      target: 'summary',
      // Backing out of a date correction before choosing a time: the summary keeps its old slot.
      actions: assignCtx(({ context }) => (context.draft.time === undefined && context.slotBeforeEdit ? { draft: { ...context.draft, ...context.slotBeforeEdit } } : {})),
    },
    // Back from the first question is back at the menu: show it rather than fall silent.
    { guard: tapOr('back', 'nav.back'), target: back, actions: back === 'idle' ? [say({ key: 'help' })] : [] },
    {
      guard: is('checkBooking'),
      actions: [sayWith(({ event }) => ({ key: 'bookings', bookings: factsOf(event).bookings })), askAgain],
    },
    { guard: is('eraseData'), actions: [...erasureRequest, askAgain] },
    {
      guard: faqAllowed,
      actions: [sayWith(({ event }) => ({ key: 'faq', topic: (event.type === 'TEXT' ? event.intent : 'faq.fee').slice(4) as FaqTopic })), askAgain],
    },
    // A command word (「予約」「はい」「メニュー」…) is not a name, a topic or a language.
    ...(options.freeText ? [{ guard: ({ event }: { event: Ev }) => event.type === 'TEXT' && commandWords.has(exactIntent(event.text)), actions: askAgain }] : []),
  ];
}

/** The soonest booking the user may cancel in the chat, if any. */
const cancellableInChat = (event: Ev): BookingSummary | null => factsOf(event).bookings.find((b) => b.cancellableInChat) ?? null;

const commandWords = new Set<Intent>(['book', 'help', 'yes', 'no', 'agree', 'decline', 'terms', 'greeting']);

/** Where a correctly answered question leads: the next one, or the summary when correcting. */
const next = (target: QuestionId) => [{ guard: ({ context }: { context: Ctx }) => context.editing, target: 'summary' }, { target }];

const setDraft = (patch: (args: { context: Ctx; event: Ev }) => Draft) =>
  assignCtx({ draft: ({ context, event }) => ({ ...context.draft, ...patch({ context, event }) }) });

/** The dates for the current page of the date question. */
const offerDates = assignCtx(({ context, event }) => {
  const all = factsOf(event).availability.map((d) => d.date);
  const pages = Math.max(1, Math.ceil(all.length / DATES_PER_PAGE));
  const page = Math.min(Math.max(0, context.datePage), pages - 1);
  const offeredDates = all.slice(page * DATES_PER_PAGE, (page + 1) * DATES_PER_PAGE);
  return { datePage: page, offeredDates, hasMoreDates: (page + 1) * DATES_PER_PAGE < all.length };
});

const offerTimes = assignCtx({ offeredTimes: ({ context, event }) => timesOn(factsOf(event), context.draft.date) });

/** Correcting the date and time: remember the slot the summary showed. */
const editSlot = assignCtx(({ context }) => {
  const { date, time } = context.draft;
  return { editing: true, slotBeforeEdit: date && time ? { date, time } : null };
});

const reset = assignCtx({ draft: emptyDraft, editing: false, datePage: 0, offeredDates: [] as JpDate[], offeredTimes: [] as string[], quitFrom: null, slotBeforeEdit: null, cancelling: null, asking: null });

const pickedDate = ({ event }: { event: Ev }): JpDate | null =>
  event.type === 'POSTBACK' && event.action === 'date.pick' ? (event.value ?? null) : event.type === 'TEXT' ? parseTypedDate(event.text, event.facts.today) : null;

const pickedTime = ({ event }: { event: Ev }): string | null =>
  event.type === 'POSTBACK' && event.action === 'time.pick' ? (event.value ?? null) : event.type === 'TEXT' ? parseTypedTime(event.text, { afternoonForHoursBelow: 8 }) : null;

/** Text that answers the interpreter-language question: a short name of a language. */
function validLanguage(text: string): string | null {
  const t = text.normalize('NFKC').replace(/[\p{Cc}\p{Cf}\p{Cs}\u2028\u2029]/gu, '').replace(/\s+/gu, ' ').trim();
  if (!t || [...t].length > 30 || /https?:|www\.|:\/\//iu.test(t) || !/\p{L}/u.test(t)) return null;
  return t;
}

export const bookingMachine = setup({
  types: {
    context: {} as DialogueContext,
    events: {} as DialogueEvent,
  },
  actions: {
    // Intents only: the runner interprets them by name.
    say: (_, _params: Say) => {},
    recordConsent: (_, _params: { termsId: number }) => {},
    createBooking: (_, _params: { draft: Draft; termsId: number }) => {},
    cancelBooking: (_, _params: { bookingId: string }) => {},
    requestErasure: () => {},
  },
  guards: {
    consentedNow: ({ context, event }) => factsOf(event).consented || context.consentedVersion === factsOf(event).terms.version,
  },
}).createMachine({
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
    quitFrom: null,
    cancelling: null,
    slotBeforeEdit: null,
  },
  initial: 'idle',
  on: {
    // A new or returning friend starts at the terms unless they agreed to the version in force.
    FOLLOW: [
      { guard: 'consentedNow', target: '.idle', actions: [reset, say({ key: 'welcome' }), say({ key: 'help' })] },
      { target: '.terms', actions: [reset, say({ key: 'welcome' })] },
    ],
    STALE: { actions: [say({ key: 'staleButton' }), askAgain] },
    MEDIA: { actions: [say({ key: 'needTextOrButton' }), askAgain] },
    // Timeouts bump the question counter so buttons of the expired conversation become stale.
    TIMEOUT: { target: '.idle', actions: [reset, assign({ q: ({ context }) => context.q + 1 }), say({ key: 'expired' })] },
    RESTARTED: { target: '.idle', actions: [reset, say({ key: 'restarted' })] },
  },
  states: {
    idle: {
      entry: reset,
      on: {
        TEXT: [
          { guard: intentIs('book'), target: 'startBooking' },
          { guard: intentIs('checkBooking'), actions: sayWith(({ event }) => ({ key: 'bookings', bookings: factsOf(event).bookings })) },
          { guard: intentIs('eraseData'), actions: erasureRequest },
          { guard: ({ event }) => (intentIs('cancelBooking')({ event }) || intentIs('quit')({ event })) && cancellableInChat(event) !== null, target: 'confirmCancel' },
          { guard: intentIs('cancelBooking'), actions: sayWith(({ event }) => ({ key: 'cancellationInfo', bookings: factsOf(event).bookings })) },
          { guard: intentIs('quit'), actions: sayWith(({ event }) => ({ key: 'cancellationInfo', bookings: factsOf(event).bookings })) },
          { guard: ({ event }) => event.type === 'TEXT' && (event.intent === 'terms' || event.intent === 'faq.terms'), actions: sayWith(({ event }) => ({ key: 'termsFull', version: factsOf(event).terms.version })) },
          { guard: ({ event }) => event.type === 'TEXT' && isFaq(event.intent), actions: sayWith(({ event }) => ({ key: 'faq', topic: (event.type === 'TEXT' ? event.intent : 'faq.fee').slice(4) as FaqTopic })) },
          { actions: say({ key: 'help' }) },
        ],
        POSTBACK: [
          { guard: actionIs('menu.book'), target: 'startBooking' },
          { guard: actionIs('menu.check'), actions: sayWith(({ event }) => ({ key: 'bookings', bookings: factsOf(event).bookings })) },
          { guard: ({ event }) => actionIs('menu.cancel')({ event }) && cancellableInChat(event) !== null, target: 'confirmCancel' },
          { guard: actionIs('menu.cancel'), actions: sayWith(({ event }) => ({ key: 'cancellationInfo', bookings: factsOf(event).bookings })) },
          { guard: actionIs('menu.terms'), actions: sayWith(({ event }) => ({ key: 'termsFull', version: factsOf(event).terms.version })) },
          { actions: [say({ key: 'staleButton' }), say({ key: 'help' })] },
        ],
      },
    },

    // Checks before anything personal is asked: consent to the terms in force (Art. 6
    // preamble), no suspension (Art. 12), no refusal (Art. 6(4)), and the number of upcoming bookings.
    startBooking: {
      always: [
        { guard: ({ context, event }) => !(factsOf(event).consented || context.consentedVersion === factsOf(event).terms.version), target: 'terms' },
        { guard: ({ event }) => factsOf(event).block === 'suspended', target: 'idle', actions: say({ key: 'suspended' }) },
        { guard: ({ event }) => factsOf(event).block === 'refused', target: 'idle', actions: say({ key: 'refused' }) },
        { guard: ({ event }) => factsOf(event).block === 'maxActive', target: 'idle', actions: sayWith(({ event }) => ({ key: 'existingBooking', bookings: factsOf(event).bookings })) },
        { guard: ({ event }) => factsOf(event).availability.length === 0, target: 'idle', actions: say({ key: 'noAvailability' }) },
        { target: 'registered', actions: say({ key: 'startBooking' }) },
      ],
    },

    terms: {
      entry: [
        assign({ q: ({ context }) => context.q + 1, asking: 'terms' as const, termsVersion: ({ event }) => factsOf(event).terms.version }),
        sayWith(({ context, event }) => ({ key: 'ask', question: 'terms', view: viewOf(context), changed: factsOf(event).consentedToEarlier })),
      ],
      on: {
        // Nothing has been entered yet, so there is nothing to discard: the terms question
        // (and its buttons) stays valid however long the user takes to read.
        TIMEOUT: { actions: [] },
        POSTBACK: [
          { guard: actionIs('terms.agree'), target: 'consenting' },
          { guard: actionIs('terms.decline'), target: 'idle', actions: say({ key: 'declined' }) },
          { guard: actionIs('terms.full'), actions: [sayWith(({ event }) => ({ key: 'termsFull', version: factsOf(event).terms.version })), askAgain] },
          { actions: [say({ key: 'staleButton' }), askAgain] },
        ],
        TEXT: [
          { guard: ({ event }) => intentIs('agree')({ event }) || intentIs('yes')({ event }), target: 'consenting' },
          { guard: ({ event }) => intentIs('decline')({ event }) || intentIs('no')({ event }) || intentIs('quit')({ event }), target: 'idle', actions: say({ key: 'declined' }) },
          { guard: ({ event }) => intentIs('terms')({ event }) || intentIs('faq.terms')({ event }), actions: [sayWith(({ event }) => ({ key: 'termsFull', version: factsOf(event).terms.version })), askAgain] },
          { guard: ({ event }) => event.type === 'TEXT' && isFaq(event.intent), actions: [sayWith(({ event }) => ({ key: 'faq', topic: (event.type === 'TEXT' ? event.intent : 'faq.fee').slice(4) as FaqTopic })), askAgain] },
          { guard: intentIs('eraseData'), actions: [...erasureRequest, askAgain] },
          { actions: askAgain },
        ],
      },
    },
    consenting: {
      // Consent is for the version that was shown; if another version came into force in
      // the meantime, the user is asked again about that one.
      always: [
        {
          guard: ({ context, event }) => context.termsVersion === factsOf(event).terms.version,
          target: 'startBooking',
          actions: [
            { type: 'recordConsent', params: ({ event }) => ({ termsId: factsOf(event).terms.id }) },
            assign({ consentedVersion: ({ event }) => factsOf(event).terms.version }),
            sayWith(({ event }) => ({ key: 'consentRecorded', version: factsOf(event).terms.version })),
          ],
        },
        { target: 'terms' },
      ],
    },

    // Eligibility (Art. 2): a "no" explains how to meet the condition instead of continuing.
    registered: {
      entry: asking('registered'),
      on: {
        TEXT: [...shared('registered'), { guard: intentIs('yes'), target: 'myPage' }, { guard: intentIs('no'), target: 'idle', actions: say({ key: 'notRegistered' }) }, { actions: askAgain }],
        POSTBACK: [...shared('registered'), { guard: actionIs('yes'), target: 'myPage' }, { guard: actionIs('no'), target: 'idle', actions: say({ key: 'notRegistered' }) }, { actions: [say({ key: 'staleButton' }), askAgain] }],
      },
    },
    myPage: {
      entry: asking('myPage'),
      on: {
        TEXT: [...shared('myPage'), { guard: intentIs('yes'), target: 'device' }, { guard: intentIs('no'), target: 'idle', actions: say({ key: 'noMyPage' }) }, { actions: askAgain }],
        POSTBACK: [...shared('myPage'), { guard: actionIs('yes'), target: 'device' }, { guard: actionIs('no'), target: 'idle', actions: say({ key: 'noMyPage' }) }, { actions: [say({ key: 'staleButton' }), askAgain] }],
      },
    },
    device: {
      entry: asking('device'),
      on: {
        TEXT: [...shared('device'), { guard: intentIs('yes'), target: 'checklist' }, { guard: intentIs('no'), target: 'idle', actions: say({ key: 'noDevice' }) }, { actions: askAgain }],
        POSTBACK: [...shared('device'), { guard: actionIs('yes'), target: 'checklist' }, { guard: actionIs('no'), target: 'idle', actions: say({ key: 'noDevice' }) }, { actions: [say({ key: 'staleButton' }), askAgain] }],
      },
    },
    // Environment checklist (Art. 5, 13), confirmed with one button.
    checklist: {
      entry: asking('checklist'),
      on: {
        TEXT: [...shared('checklist'), { guard: intentIs('yes'), target: 'name' }, { actions: askAgain }],
        POSTBACK: [...shared('checklist'), { guard: actionIs('yes'), target: 'name' }, { actions: [say({ key: 'staleButton' }), askAgain] }],
      },
    },

    // The four fields of Art. 6(2), each validated with a specific re-prompt.
    name: {
      entry: asking('name'),
      on: {
        TEXT: [
          ...shared('name', { freeText: 'strict' }),
          { guard: ({ event }) => validateName(textOf(event)).ok, actions: setDraft(({ event }) => ({ name: okValue(validateName(textOf(event))) })), target: '#booking.afterName' },
          { actions: sayWith(({ event }) => ({ key: 'fieldError', field: 'name', reason: reasonOf(validateName(textOf(event))) })) },
        ],
        POSTBACK: [...shared('name'), { actions: [say({ key: 'staleButton' }), askAgain] }],
      },
    },
    afterName: { always: next('number') },
    number: {
      entry: asking('number'),
      on: {
        TEXT: [
          { guard: ({ event }) => validateJobSeekerNumber(textOf(event)).ok, actions: setDraft(({ event }) => ({ jobSeekerNumber: okValue(validateJobSeekerNumber(textOf(event))) })), target: '#booking.afterNumber' },
          ...shared('number', { freeText: 'strict' }),
          { actions: sayWith(({ event }) => ({ key: 'fieldError', field: 'jobSeekerNumber', reason: reasonOf(validateJobSeekerNumber(textOf(event))) })) },
        ],
        POSTBACK: [...shared('number'), { actions: [say({ key: 'staleButton' }), askAgain] }],
      },
    },
    afterNumber: { always: next('phone') },
    phone: {
      entry: asking('phone'),
      on: {
        TEXT: [
          { guard: ({ event }) => validatePhoneNumber(textOf(event)).ok, actions: setDraft(({ event }) => ({ phone: okValue(validatePhoneNumber(textOf(event))) })), target: 'phoneRegistered' },
          ...shared('phone', { freeText: 'strict' }),
          { actions: sayWith(({ event }) => ({ key: 'fieldError', field: 'phone', reason: reasonOf(validatePhoneNumber(textOf(event))) })) },
        ],
        POSTBACK: [...shared('phone'), { actions: [say({ key: 'staleButton' }), askAgain] }],
      },
    },
    // "Tell us if it changed" (Art. 6(2)③): a changed number is flagged for staff.
    phoneRegistered: {
      entry: asking('phoneRegistered'),
      on: {
        TEXT: [
          ...shared('phoneRegistered'),
          { guard: intentIs('yes'), actions: setDraft(() => ({ phoneChanged: false })), target: 'afterPhone' },
          { guard: intentIs('no'), actions: [setDraft(() => ({ phoneChanged: true })), say({ key: 'phoneChangeNoted' })], target: 'afterPhone' },
          { actions: askAgain },
        ],
        POSTBACK: [
          ...shared('phoneRegistered'),
          { guard: actionIs('yes'), actions: setDraft(() => ({ phoneChanged: false })), target: 'afterPhone' },
          { guard: actionIs('no'), actions: [setDraft(() => ({ phoneChanged: true })), say({ key: 'phoneChangeNoted' })], target: 'afterPhone' },
          { actions: [say({ key: 'staleButton' }), askAgain] },
        ],
      },
    },
    afterPhone: { always: next('topic') },
    topic: {
      entry: asking('topic'),
      on: {
        TEXT: [
          ...shared('topic', { freeText: 'loose' }),
          {
            guard: ({ event }) => {
              const r = validateTopic(textOf(event));
              return r.ok && r.sensitiveHint;
            },
            actions: setDraft(({ event }) => ({ topic: okValue(validateTopic(textOf(event))) })),
            target: 'topicSensitive',
          },
          { guard: ({ event }) => validateTopic(textOf(event)).ok, actions: setDraft(({ event }) => ({ topic: okValue(validateTopic(textOf(event))) })), target: 'afterTopic' },
          { actions: sayWith(({ event }) => ({ key: 'fieldError', field: 'topic', reason: reasonOf(validateTopic(textOf(event))) })) },
        ],
        POSTBACK: [...shared('topic'), { actions: [say({ key: 'staleButton' }), askAgain] }],
      },
    },
    // A gentle warning about sensitive data; the user decides.
    topicSensitive: {
      entry: asking('topicSensitive'),
      on: {
        TEXT: [...shared('topicSensitive'), { guard: intentIs('yes'), target: 'afterTopic' }, { guard: intentIs('no'), target: 'topic' }, { actions: askAgain }],
        POSTBACK: [...shared('topicSensitive'), { guard: actionIs('topic.keep'), target: 'afterTopic' }, { guard: actionIs('topic.rewrite'), target: 'topic' }, { actions: [say({ key: 'staleButton' }), askAgain] }],
      },
    },
    afterTopic: { always: next('attendant') },

    // Interpreter or assistant attending (Art. 13(1)).
    attendant: {
      entry: asking('attendant'),
      on: {
        TEXT: [
          // Typed answers mention 通訳 or 介助, as the interpreter FAQ does: only a question gets the FAQ.
          ...shared('attendant', { freeText: 'strict' }),
          { guard: ({ event }) => /(通訳|介助|付き?添).*(不要|いらな|いりません|いない|いません|なし|無し)/u.test(textOf(event)), actions: setDraft(() => ({ attendant: 'none', attendantLanguage: undefined })), target: 'afterAttendant' },
          { guard: ({ event }) => /通訳/u.test(textOf(event)), target: 'language' },
          { guard: ({ event }) => /介助|付き?添/u.test(textOf(event)), actions: setDraft(() => ({ attendant: 'assistant', attendantLanguage: undefined })), target: 'afterAttendant' },
          { guard: ({ event }) => intentIs('no')({ event }) || /^(なし|無し|いない|いません|不要|ない)$/u.test(textOf(event).trim()), actions: setDraft(() => ({ attendant: 'none', attendantLanguage: undefined })), target: 'afterAttendant' },
          { actions: askAgain },
        ],
        POSTBACK: [
          ...shared('attendant'),
          { guard: actionIs('attendant.none'), actions: setDraft(() => ({ attendant: 'none', attendantLanguage: undefined })), target: 'afterAttendant' },
          { guard: actionIs('attendant.interpreter'), target: 'language' },
          { guard: actionIs('attendant.assistant'), actions: setDraft(() => ({ attendant: 'assistant', attendantLanguage: undefined })), target: 'afterAttendant' },
          { actions: [say({ key: 'staleButton' }), askAgain] },
        ],
      },
    },
    language: {
      entry: asking('language'),
      on: {
        TEXT: [
          ...shared('language', { freeText: 'loose' }),
          { guard: ({ event }) => validLanguage(textOf(event)) !== null, actions: setDraft(({ event }) => ({ attendant: 'interpreter', attendantLanguage: validLanguage(textOf(event)) ?? '' })), target: 'afterAttendant' },
          { actions: say({ key: 'languageInvalid' }) },
        ],
        POSTBACK: [...shared('language'), { actions: [say({ key: 'staleButton' }), askAgain] }],
      },
    },
    afterAttendant: { always: next('date') },

    // Date and time: only what the rules and the current capacity allow is offered.
    date: {
      entry: [offerDates, ...asking('date')],
      always: { guard: ({ event }) => factsOf(event).availability.length === 0, target: 'idle', actions: say({ key: 'noAvailability' }) },
      on: {
        POSTBACK: [
          ...shared('date'),
          { guard: actionIs('date.more'), target: 'date', reenter: true, actions: assign({ datePage: ({ context }) => context.datePage + 1 }) },
          { guard: actionIs('date.prev'), target: 'date', reenter: true, actions: assign({ datePage: ({ context }) => Math.max(0, context.datePage - 1) }) },
          { guard: ({ event }) => actionIs('date.pick')({ event }) && timesOn(factsOf(event), valueOf(event)).length > 0, actions: setDraft(({ event }) => ({ date: valueOf(event), time: undefined })), target: 'time' },
          { guard: ({ event }) => actionIs('date.pick')({ event }) && /^\d{4}-\d{2}-\d{2}$/.test(valueOf(event)), target: 'date', reenter: true, actions: sayWith(({ event }) => ({ key: 'dateRefused', date: valueOf(event), reason: refusalFor(factsOf(event), valueOf(event)) ?? 'full' })) },
          { actions: [say({ key: 'staleButton' }), askAgain] },
        ],
        TEXT: [
          ...shared('date'),
          { guard: ({ event }) => { const d = pickedDate({ event }); return d !== null && refusalFor(factsOf(event), d) === null; }, actions: setDraft(({ event }) => ({ date: pickedDate({ event }) ?? '', time: undefined })), target: 'time' },
          { guard: ({ event }) => pickedDate({ event }) !== null, target: 'date', reenter: true, actions: sayWith(({ event }) => { const d = pickedDate({ event }) ?? ''; return { key: 'dateRefused', date: d, reason: refusalFor(factsOf(event), d) ?? 'full' }; }) },
          { actions: [say({ key: 'dateFormatHelp' }), askAgain] },
        ],
      },
    },
    time: {
      entry: [offerTimes, ...asking('time')],
      always: { guard: ({ context }) => context.offeredTimes.length === 0, target: 'date', actions: say({ key: 'dateFull' }) },
      on: {
        POSTBACK: [
          ...shared('time'),
          { guard: ({ context, event }) => actionIs('time.pick')({ event }) && isAvailable(factsOf(event), context.draft.date, valueOf(event)), actions: setDraft(({ event }) => ({ time: valueOf(event) })), target: 'summary' },
          { guard: actionIs('time.pick'), target: 'time', reenter: true, actions: say({ key: 'timeTaken' }) },
          { actions: [say({ key: 'staleButton' }), askAgain] },
        ],
        TEXT: [
          ...shared('time'),
          { guard: ({ context, event }) => isAvailable(factsOf(event), context.draft.date, pickedTime({ event }) ?? undefined), actions: setDraft(({ event }) => ({ time: pickedTime({ event }) ?? '' })), target: 'summary' },
          { guard: ({ event }) => pickedTime({ event }) !== null, target: 'time', reenter: true, actions: say({ key: 'timeTaken' }) },
          { actions: [say({ key: 'timeFormatHelp' }), askAgain] },
        ],
      },
    },

    // Summary: confirm, correct one field, or stop.
    summary: {
      entry: [assign({ editing: false, slotBeforeEdit: null }), ...asking('summary')],
      on: {
        POSTBACK: [
          ...shared('summary'),
          { guard: actionIs('summary.confirm'), target: 'confirming' },
          { guard: actionIs('summary.edit'), target: 'editField' },
          { actions: [say({ key: 'staleButton' }), askAgain] },
        ],
        TEXT: [
          ...shared('summary'),
          { guard: ({ event }) => intentIs('yes')({ event }) || intentIs('book')({ event }), target: 'confirming' },
          { guard: ({ event }) => /修正|訂正|直す|なおす|変更/u.test(textOf(event)), target: 'editField' },
          { actions: askAgain },
        ],
      },
    },
    confirming: {
      always: [
        { guard: ({ context, event }) => !(factsOf(event).consented || context.consentedVersion === factsOf(event).terms.version), target: 'terms' },
        { guard: ({ event }) => factsOf(event).block === 'suspended', target: 'idle', actions: say({ key: 'suspended' }) },
        { guard: ({ event }) => factsOf(event).block === 'refused', target: 'idle', actions: say({ key: 'refused' }) },
        { guard: ({ event }) => factsOf(event).block === 'maxActive', target: 'idle', actions: sayWith(({ event }) => ({ key: 'existingBooking', bookings: factsOf(event).bookings })) },
        { guard: ({ context, event }) => !isAvailable(factsOf(event), context.draft.date, context.draft.time), target: 'time', actions: say({ key: 'timeTaken' }) },
        { target: 'creating', actions: { type: 'createBooking', params: ({ context, event }) => ({ draft: context.draft, termsId: factsOf(event).terms.id }) } },
      ],
    },
    // Waiting for the runner's answer to createBooking, within the same turn.
    creating: {
      on: {
        BOOKING_CREATED: { target: 'idle', actions: sayWith(({ event }) => ({ key: 'bookingConfirmed', booking: event.type === 'BOOKING_CREATED' ? event.booking : { id: '', date: '', time: '' } })) },
        BOOKING_FAILED: [
          { guard: ({ event }) => event.type === 'BOOKING_FAILED' && event.reason === 'full', target: 'time', actions: say({ key: 'timeTaken' }) },
          { guard: ({ event }) => event.type === 'BOOKING_FAILED' && event.reason === 'refused', target: 'idle', actions: say({ key: 'refused' }) },
          { guard: ({ event }) => event.type === 'BOOKING_FAILED' && event.reason === 'suspended', target: 'idle', actions: say({ key: 'suspended' }) },
          { target: 'idle', actions: sayWith(({ event }) => ({ key: 'existingBooking', bookings: factsOf(event).bookings })) },
        ],
      },
    },
    editField: {
      entry: asking('editField'),
      on: {
        POSTBACK: [
          ...shared('editField'),
          { guard: actionIs('edit.name'), target: 'name', actions: assign({ editing: true }) },
          { guard: actionIs('edit.number'), target: 'number', actions: assign({ editing: true }) },
          { guard: actionIs('edit.phone'), target: 'phone', actions: assign({ editing: true }) },
          { guard: actionIs('edit.topic'), target: 'topic', actions: assign({ editing: true }) },
          { guard: actionIs('edit.attendant'), target: 'attendant', actions: assign({ editing: true }) },
          { guard: actionIs('edit.datetime'), target: 'date', actions: editSlot },
          { actions: [say({ key: 'staleButton' }), askAgain] },
        ],
        TEXT: [
          // Field words first: 「通訳・介助」 is a field here, not the interpreter FAQ, and
          // 「日程を変更したい」 a correction, not a cancellation.
          { guard: ({ event }) => /名前|氏名/u.test(textOf(event)), target: 'name', actions: assign({ editing: true }) },
          { guard: ({ event }) => /求職番号|番号/u.test(textOf(event)) && !/電話/u.test(textOf(event)), target: 'number', actions: assign({ editing: true }) },
          { guard: ({ event }) => /電話/u.test(textOf(event)), target: 'phone', actions: assign({ editing: true }) },
          { guard: ({ event }) => /相談内容|内容/u.test(textOf(event)), target: 'topic', actions: assign({ editing: true }) },
          { guard: ({ event }) => /通訳|介助/u.test(textOf(event)), target: 'attendant', actions: assign({ editing: true }) },
          { guard: ({ event }) => /日時|日付|日程|時間|日にち/u.test(textOf(event)), target: 'date', actions: editSlot },
          ...shared('editField'),
          { actions: askAgain },
        ],
      },
    },
    // Cancelling in the chat, where the office allows it (off by default: the terms say by phone).
    confirmCancel: {
      entry: [assignCtx(({ event }) => ({ cancelling: cancellableInChat(event) })), ...asking('confirmCancel')],
      on: {
        TEXT: [
          { guard: intentIs('yes'), target: 'cancellingBooking' },
          { guard: ({ event }) => intentIs('no')({ event }) || intentIs('back')({ event }) || intentIs('quit')({ event }), target: 'idle', actions: say({ key: 'cancelKept' }) },
          { actions: askAgain },
        ],
        POSTBACK: [
          { guard: actionIs('cancel.yes'), target: 'cancellingBooking' },
          { guard: actionIs('cancel.no'), target: 'idle', actions: say({ key: 'cancelKept' }) },
          { actions: [say({ key: 'staleButton' }), askAgain] },
        ],
      },
    },
    // Waiting for the runner's answer to cancelBooking, within the same turn.
    cancellingBooking: {
      entry: { type: 'cancelBooking', params: ({ context }) => ({ bookingId: context.cancelling?.id ?? '' }) },
      on: {
        BOOKING_CANCELLED: { target: 'idle', actions: sayWith(({ event }) => ({ key: 'bookingCancelled', booking: event.type === 'BOOKING_CANCELLED' ? event.booking : { id: '', date: '', time: '' } })) },
        CANCEL_FAILED: { target: 'idle', actions: [say({ key: 'cancelClosed' }), sayWith(({ event }) => ({ key: 'cancellationInfo', bookings: factsOf(event).bookings }))] },
      },
    },
    confirmQuit: {
      entry: asking('confirmQuit'),
      on: {
        TEXT: [
          { guard: ({ event }) => intentIs('yes')({ event }) || intentIs('quit')({ event }), target: 'idle', actions: say({ key: 'quitDone' }) },
          { guard: ({ event }) => intentIs('no')({ event }) || intentIs('back')({ event }), target: 'resume' },
          { actions: askAgain },
        ],
        POSTBACK: [
          { guard: actionIs('quit.yes'), target: 'idle', actions: say({ key: 'quitDone' }) },
          { guard: actionIs('quit.no'), target: 'resume' },
          { actions: [say({ key: 'staleButton' }), askAgain] },
        ],
      },
    },
    // Back to the question the user was answering when they asked to quit.
    resume: {
      always: (
        ['registered', 'myPage', 'device', 'checklist', 'name', 'number', 'phone', 'phoneRegistered', 'topic', 'topicSensitive', 'attendant', 'language', 'date', 'time', 'summary', 'editField'] as const
      )
        .map((id) => ({ guard: ({ context }: { context: Ctx }) => context.quitFrom === id, target: id }))
        .concat([{ guard: () => true, target: 'summary' }]),
    },
  },
});

function okValue<T>(result: { ok: true; value: T } | { ok: false }): T {
  if (!result.ok) throw new Error('okValue on a failed validation');
  return result.value;
}

function reasonOf(result: { ok: true } | { ok: false; reason: string }): string {
  return result.ok ? 'bad-format' : result.reason;
}

export type BookingMachine = typeof bookingMachine;
