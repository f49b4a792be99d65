/**
 * The booking dialogue as a pure XState v5 machine. It does no I/O and no logging: every event
 * carries the facts it needs (the terms in force and the user's consent, the bookable dates and
 * times, the user's bookings, whether booking is blocked), and it answers with named intents —
 * `say` (a message from copy.ts, rendered by present.ts), `recordConsent`, `createBooking` —
 * which the runner (src/dialogue/runner.ts) performs after computing the transition and before
 * persisting the snapshot. `createBooking` can fail (the last place was just taken): the runner
 * then sends BOOKING_FAILED in the same turn.
 *
 * Shape: the booking questions (eligibility, the fields, date and time, the summary) are the
 * children of one state, `questions`, which handles what they share once — quit, back, "my
 * booking?", erasure requests and FAQ answers; a button the current state does not show is
 * answered once, at the root. Guards and actions are named in `setup()`; `yesNoQuestion` and
 * `fieldQuestion` build the questions alike.
 *
 * A state is stored by its name (state names are unique in the machine, see stateNameOf), with
 * the context and the history of `questions` (storedStateOf). Bump FLOW_VERSION whenever states
 * or context change shape: a stored snapshot of another version is not restored (unless
 * snapshotFromStored upgrades it); the user is told politely and starts again.
 */
import { and, assign, not, or, setup } from 'xstate';
import type { AnyStateNode, StateValue } from 'xstate';
import { exactIntent, looksLikeQuestion, isFaq } from './intents.ts';
import type { FaqTopic, Intent } from './intents.ts';
import { parseTypedDate, parseTypedTime, validateJobSeekerNumber, validateName, validatePhoneNumber, validateTopic } from '../../src/domain/booking-fields.ts';
import type { BookingField } from '../../src/domain/booking-fields.ts';

export const FLOW_VERSION = 5;

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
type Args = { context: Ctx; event: Ev };

const factsOf = (event: Ev): Facts => event.facts;
const textOf = (event: Ev): string => (event.type === 'TEXT' ? event.text : '');
const valueOf = (event: Ev): string => (event.type === 'POSTBACK' ? (event.value ?? '') : '');

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

/** Why a parsed date cannot be booked (or null if it can). */
function refusalFor(facts: Facts, date: JpDate): DateRefusal | null {
  if (timesOn(facts, date).length > 0) return null;
  if (date < facts.today) return 'past';
  if (date > facts.horizonEnd) return 'beyond';
  return facts.unavailable[date] ?? 'full';
}

/** The soonest booking the user may cancel in the chat, if any. */
const cancellableInChat = (event: Ev): BookingSummary | null => factsOf(event).bookings.find((b) => b.cancellableInChat) ?? null;

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

const faqTopicOf = (event: Ev): FaqTopic => (event.type === 'TEXT' ? event.intent : 'faq.fee').slice(4) as FaqTopic;

// ---------------------------------------------------------------------------------------------
// What the booking questions share, in one place
// ---------------------------------------------------------------------------------------------

/** The questions nested under `questions`, whose quit, back, FAQ and other commands the parent handles. */
type BookingQuestion = Exclude<QuestionId, 'terms' | 'confirmQuit' | 'confirmCancel'>;

/**
 * Questions answered in free text. Any other text is their answer, so commands are matched
 * more narrowly there: 'strict' (a name, a number, a phone, the attendant) takes a typed FAQ only
 * when it is phrased as a question; 'loose' (the topic, the language) takes no FAQ and counts
 * a command only when the text is exactly a command word — 「ホテルの予約係の求人を探したい」 is a
 * topic, not 「予約」.
 */
const freeText: Partial<Record<BookingQuestion, 'strict' | 'loose'>> = {
  name: 'strict',
  number: 'strict',
  phone: 'strict',
  attendant: 'strict',
  topic: 'loose',
  language: 'loose',
};

/** Where "back" goes from each booking question (the summary instead when correcting a field). */
const previous: Record<BookingQuestion, BookingQuestion | 'idle'> = {
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

/** Command words that are never a name, a topic or a language: the question is asked again. */
const commandWords = new Set<Intent>(['book', 'help', 'yes', 'no', 'agree', 'decline', 'terms', 'greeting']);

const modeOf = (context: Ctx) => (context.asking === null ? undefined : freeText[context.asking as BookingQuestion]);

/** A typed command; in a 'loose' free-text question only the exact command word counts. */
function typed({ context, event }: Args, intent: Intent): boolean {
  if (event.type !== 'TEXT') return false;
  return modeOf(context) === 'loose' ? exactIntent(event.text) === intent : event.intent === intent;
}
const tapped = (event: Ev, action: string) => event.type === 'POSTBACK' && event.action === action;

const wantsToQuit = (args: Args) => typed(args, 'quit') || tapped(args.event, 'nav.quit') || typed(args, 'cancelBooking');
const wantsToGoBack = (args: Args) => typed(args, 'back') || tapped(args.event, 'nav.back');
const asksForBookings = (args: Args) => typed(args, 'checkBooking');
const asksForErasure = (args: Args) => typed(args, 'eraseData');
function asksFaqDuringQuestion({ context, event }: Args): boolean {
  if (event.type !== 'TEXT' || !isFaq(event.intent)) return false;
  const mode = modeOf(context);
  if (mode === 'loose') return false;
  if (mode === 'strict') return looksLikeQuestion(event.text);
  return true;
}
const typedCommandWord = ({ context, event }: Args) => modeOf(context) !== undefined && event.type === 'TEXT' && commandWords.has(exactIntent(event.text));

/** Text the parent of the booking questions handles (quit, back, FAQ…): not an answer to the question. */
const isCommand = (args: Args) => wantsToQuit(args) || wantsToGoBack(args) || asksForBookings(args) || asksForErasure(args) || asksFaqDuringQuestion(args) || typedCommandWord(args);

export const machineSetup = setup({
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
    // Changes of the context.
    reset: assign({ draft: {}, editing: false, datePage: 0, offeredDates: [], offeredTimes: [], slotBeforeEdit: null, cancelling: null, asking: null }),
    /** A question is asked: bump the counter (older buttons become stale) and remember which. */
    markAsked: assign(({ context }, params: { question: QuestionId }) => ({ q: context.q + 1, asking: params.question })),
    /** Timeouts bump the question counter so buttons of the expired conversation become stale. */
    bumpCounter: assign({ q: ({ context }) => context.q + 1 }),
    setDraft: assign(({ context }, params: Draft) => ({ draft: { ...context.draft, ...params } })),
    startCorrecting: assign({ editing: true }),
    /** Correcting the date and time: remember the slot the summary showed. */
    startCorrectingSlot: assign(({ context }) => {
      const { date, time } = context.draft;
      return { editing: true, slotBeforeEdit: date && time ? { date, time } : null };
    }),
    /** Backing out of a date correction before choosing a time: the summary keeps its old slot. */
    keepSlotBeforeEdit: assign(({ context }) => (context.draft.time === undefined && context.slotBeforeEdit ? { draft: { ...context.draft, ...context.slotBeforeEdit } } : {})),
    endCorrecting: assign({ editing: false, slotBeforeEdit: null }),
    /** The dates for the current page of the date question. */
    offerDates: assign(({ context, event }) => {
      const all = factsOf(event).availability.map((d) => d.date);
      const pages = Math.max(1, Math.ceil(all.length / DATES_PER_PAGE));
      const page = Math.min(Math.max(0, context.datePage), pages - 1);
      const offeredDates = all.slice(page * DATES_PER_PAGE, (page + 1) * DATES_PER_PAGE);
      return { datePage: page, offeredDates, hasMoreDates: (page + 1) * DATES_PER_PAGE < all.length };
    }),
    nextDatePage: assign({ datePage: ({ context }) => context.datePage + 1 }),
    previousDatePage: assign({ datePage: ({ context }) => Math.max(0, context.datePage - 1) }),
    offerTimes: assign({ offeredTimes: ({ context, event }) => timesOn(factsOf(event), context.draft.date) }),
    pickCancellableBooking: assign({ cancelling: ({ event }) => cancellableInChat(event) }),
    askTerms: assign({ q: ({ context }) => context.q + 1, asking: 'terms' as const, termsVersion: ({ event }) => factsOf(event).terms.version }),
    rememberConsent: assign({ consentedVersion: ({ event }) => factsOf(event).terms.version }),
  },
  guards: {
    consentedNow: ({ context, event }) => factsOf(event).consented || context.consentedVersion === factsOf(event).terms.version,
    hasDraft: ({ context }) => Object.keys(context.draft).length > 0,
    correcting: ({ context }) => context.editing,
    said: ({ event }, params: { intent: Intent }) => event.type === 'TEXT' && event.intent === params.intent,
    tapped: ({ event }, params: { action: string }) => tapped(event, params.action),
    blocked: ({ event }, params: { block: NonNullable<Facts['block']> }) => factsOf(event).block === params.block,
    noAvailability: ({ event }) => factsOf(event).availability.length === 0,
    chatCancellable: ({ event }) => cancellableInChat(event) !== null,
    asking: ({ context }, params: { question: QuestionId }) => context.asking === params.question,
    // The commands every booking question shares (see `freeText` for how narrowly they match).
    wantsToQuit,
    wantsToGoBack,
    /** "Back" while correcting one field from the summary returns to the summary (from the time question it goes to the date). */
    backWhileCorrecting: (args) => wantsToGoBack(args) && args.context.editing && args.context.asking !== 'time',
    asksForBookings,
    asksForErasure,
    asksFaqDuringQuestion,
    typedCommandWord,
    isCommand,
  },
});

type StateConfig = Parameters<typeof machineSetup.createStateConfig>[0];
/** One transition of this machine (typed for any of its events). */
type Transition = Exclude<Extract<NonNullable<StateConfig['always']>, readonly unknown[]>[number], string | undefined>;
type Guard = NonNullable<Transition['guard']>;

const say = (params: Say) => ({ type: 'say' as const, params });
const sayWith = (make: (args: Args) => Say) => ({ type: 'say' as const, params: make });
const askAgain = { type: 'say' as const, params: reask };
const said = (intent: Intent) => ({ type: 'said' as const, params: { intent } });
const tap = (action: string) => ({ type: 'tapped' as const, params: { action } });
const setDraft = (make: (args: Args) => Draft) => ({ type: 'setDraft' as const, params: make });
const bookings = sayWith(({ event }) => ({ key: 'bookings', bookings: factsOf(event).bookings }));
const termsFull = sayWith(({ event }) => ({ key: 'termsFull', version: factsOf(event).terms.version }));
const faqAnswer = sayWith(({ event }) => ({ key: 'faq', topic: faqTopicOf(event) }));
const cancellationInfo = sayWith(({ event }) => ({ key: 'cancellationInfo', bookings: factsOf(event).bookings }));
const existingBooking = sayWith(({ event }) => ({ key: 'existingBooking', bookings: factsOf(event).bookings }));
/** A request to erase the user's data: recorded for staff (effect), acknowledged. */
const erasureRequest = [{ type: 'requestErasure' as const }, sayWith(({ event }) => ({ key: 'erasureRequested', bookings: factsOf(event).bookings }))];

/** Entry actions of a question: bump the counter, remember what is asked, ask it. */
const ask = (question: QuestionId) => [
  { type: 'markAsked' as const, params: { question } },
  sayWith(({ context }) => ({ key: 'ask', question, view: viewOf(context) })),
];

/**
 * A booking question's typed answers. The parent's commands (quit, back, FAQ…) come first, so an
 * answer is taken only from text that is not a command; a question may list answers that take
 * precedence over the commands (`first`: a valid phone number, a field word in the correction menu).
 */
function typedAnswers(answers: Transition[], first: Transition[] = []): Transition[] {
  const notACommand: Guard = not('isCommand');
  // (`and` is typed for literal lists; these guards are already this machine's.)
  const both = and as (guards: Guard[]) => Guard;
  return [...first, ...answers.map((t): Transition => ({ ...t, guard: t.guard ? both([notACommand, t.guard]) : notACommand }))];
}

/** Where a correctly answered question leads: the next one, or the summary when correcting. */
const next = (target: BookingQuestion) => ({ always: [{ guard: 'correcting' as const, target: 'summary' }, { target }] });

type Outcome = { target: string; actions?: Transition['actions'] };

/**
 * A question answered with yes or no, by button or typed (「はい」「いいえ」…). Other text asks
 * it again; `buttons` names the postback actions when they are not `yes` and `no`.
 */
function yesNoQuestion(id: BookingQuestion, on: { yes: Outcome; no?: Outcome; buttons?: { yes: string; no: string } }) {
  const buttons = on.buttons ?? { yes: 'yes', no: 'no' };
  return machineSetup.createStateConfig({
    entry: ask(id),
    on: {
      TEXT: typedAnswers([{ guard: said('yes'), ...on.yes }, ...(on.no ? [{ guard: said('no'), ...on.no }] : []), { actions: askAgain }]),
      POSTBACK: [{ guard: tap(buttons.yes), ...on.yes }, ...(on.no ? [{ guard: tap(buttons.no), ...on.no }] : [])],
    },
  });
}

/**
 * A question answered in free text and checked by a validator: a valid answer is stored in the
 * draft, an invalid one answered with `invalid` (the field's specific re-prompt). With
 * `beforeCommands` a valid answer wins over a command (a phone number is never a command).
 */
function fieldQuestion<T>(
  id: BookingQuestion,
  field: {
    validate: (text: string) => { ok: true; value: T } | { ok: false; reason: string };
    store: (value: T) => Draft;
    invalid: (reason: string) => Say;
    target: string;
    beforeCommands?: boolean;
    /** Valid answers that lead elsewhere (a topic with sensitive details), checked first. */
    special?: Transition[];
  },
) {
  const value = ({ event }: Args) => {
    const result = field.validate(textOf(event));
    if (!result.ok) throw new Error(`fieldQuestion ${id}: stored an invalid answer`);
    return result.value;
  };
  const valid: Transition = { guard: ({ event }: Args) => field.validate(textOf(event)).ok, actions: setDraft((args) => field.store(value(args))), target: field.target };
  const invalid: Transition = {
    actions: sayWith(({ event }) => {
      const result = field.validate(textOf(event));
      return field.invalid(result.ok ? 'bad-format' : result.reason);
    }),
  };
  return machineSetup.createStateConfig({
    entry: ask(id),
    on: { TEXT: field.beforeCommands ? typedAnswers([invalid], [valid]) : typedAnswers([...(field.special ?? []), valid, invalid]) },
  });
}

/** A validator's result for the language question (any short name of a language). */
const languageResult = (text: string): { ok: true; value: string } | { ok: false; reason: string } => {
  const language = validLanguage(text);
  return language === null ? { ok: false, reason: 'invalid' } : { ok: true, value: language };
};

const fieldError = (field: BookingField) => (reason: string): Say => ({ key: 'fieldError', field, reason });

/**
 * Transitions of the parent of all booking questions: quit (asking for confirmation once
 * something was entered), back one step, "my booking?", erasure and FAQ answers followed by the
 * question again, and command words that are no answer to a free-text question.
 */
const quitAndBack: Transition[] = [
  { guard: and(['wantsToQuit', 'hasDraft']), target: 'confirmQuit' },
  { guard: 'wantsToQuit', target: 'idle', actions: say({ key: 'quitDone' }) },
  { guard: 'backWhileCorrecting', target: '.summary', actions: 'keepSlotBeforeEdit' },
  // Back from the first question is back at the menu: show it rather than fall silent.
  ...Object.entries(previous).map(([from, to]) => ({
    guard: and(['wantsToGoBack', { type: 'asking' as const, params: { question: from as BookingQuestion } }]),
    target: to === 'idle' ? 'idle' : `.${to}`,
    actions: to === 'idle' ? [say({ key: 'help' })] : [],
  })),
];
const typedCommands: Transition[] = [
  ...quitAndBack,
  { guard: 'asksForBookings', actions: [bookings, askAgain] },
  { guard: 'asksForErasure', actions: [...erasureRequest, askAgain] },
  { guard: 'asksFaqDuringQuestion', actions: [faqAnswer, askAgain] },
  // A command word (「予約」「はい」「メニュー」…) is not a name, a topic or a language.
  { guard: 'typedCommandWord', actions: askAgain },
];

// ---------------------------------------------------------------------------------------------
// Eligibility (Art. 2): a "no" explains how to meet the condition instead of continuing.
// ---------------------------------------------------------------------------------------------

const eligibility = {
  registered: yesNoQuestion('registered', { yes: { target: 'myPage' }, no: { target: '#booking.idle', actions: say({ key: 'notRegistered' }) } }),
  myPage: yesNoQuestion('myPage', { yes: { target: 'device' }, no: { target: '#booking.idle', actions: say({ key: 'noMyPage' }) } }),
  device: yesNoQuestion('device', { yes: { target: 'checklist' }, no: { target: '#booking.idle', actions: say({ key: 'noDevice' }) } }),
  // Environment checklist (Art. 5, 13), confirmed with one button.
  checklist: yesNoQuestion('checklist', { yes: { target: 'name' } }),
};

// ---------------------------------------------------------------------------------------------
// The four fields of Art. 6(2), each validated with a specific re-prompt.
// ---------------------------------------------------------------------------------------------

const fields = {
  name: fieldQuestion('name', { validate: validateName, store: (name) => ({ name }), invalid: fieldError('name'), target: 'afterName' }),
  afterName: next('number'),
  number: fieldQuestion('number', { validate: validateJobSeekerNumber, store: (jobSeekerNumber) => ({ jobSeekerNumber }), invalid: fieldError('jobSeekerNumber'), target: 'afterNumber', beforeCommands: true }),
  afterNumber: next('phone'),
  phone: fieldQuestion('phone', { validate: validatePhoneNumber, store: (phone) => ({ phone }), invalid: fieldError('phone'), target: 'phoneRegistered', beforeCommands: true }),
  // "Tell us if it changed" (Art. 6(2)③): a changed number is flagged for staff.
  phoneRegistered: yesNoQuestion('phoneRegistered', {
    yes: { target: 'afterPhone', actions: setDraft(() => ({ phoneChanged: false })) },
    no: { target: 'afterPhone', actions: [setDraft(() => ({ phoneChanged: true })), say({ key: 'phoneChangeNoted' })] },
  }),
  afterPhone: next('topic'),
  topic: fieldQuestion('topic', {
    validate: (text) => validateTopic(text),
    store: (topic) => ({ topic }),
    invalid: fieldError('topic'),
    target: 'afterTopic',
    // A gentle warning about sensitive data; the user decides.
    special: [
      {
        guard: ({ event }: Args) => {
          const r = validateTopic(textOf(event));
          return r.ok && r.sensitiveHint;
        },
        actions: setDraft(({ event }) => {
          const r = validateTopic(textOf(event));
          return r.ok ? { topic: r.value } : {};
        }),
        target: 'topicSensitive',
      },
    ],
  }),
  topicSensitive: yesNoQuestion('topicSensitive', { yes: { target: 'afterTopic' }, no: { target: 'topic' }, buttons: { yes: 'topic.keep', no: 'topic.rewrite' } }),
  afterTopic: next('attendant'),

  // Interpreter or assistant attending (Art. 13(1)).
  attendant: machineSetup.createStateConfig({
    entry: ask('attendant'),
    on: {
      // Typed answers mention 通訳 or 介助, as the interpreter FAQ does: only a question gets the FAQ.
      TEXT: typedAnswers([
        { guard: ({ event }) => /(通訳|介助|付き?添).*(不要|いらな|いりません|いない|いません|なし|無し)/u.test(textOf(event)), actions: setDraft(() => ({ attendant: 'none', attendantLanguage: undefined })), target: 'afterAttendant' },
        { guard: ({ event }) => /通訳/u.test(textOf(event)), target: 'language' },
        { guard: ({ event }) => /介助|付き?添/u.test(textOf(event)), actions: setDraft(() => ({ attendant: 'assistant', attendantLanguage: undefined })), target: 'afterAttendant' },
        { guard: ({ event }) => (event.type === 'TEXT' && event.intent === 'no') || /^(なし|無し|いない|いません|不要|ない)$/u.test(textOf(event).trim()), actions: setDraft(() => ({ attendant: 'none', attendantLanguage: undefined })), target: 'afterAttendant' },
        { actions: askAgain },
      ]),
      POSTBACK: [
        { guard: tap('attendant.none'), actions: setDraft(() => ({ attendant: 'none', attendantLanguage: undefined })), target: 'afterAttendant' },
        { guard: tap('attendant.interpreter'), target: 'language' },
        { guard: tap('attendant.assistant'), actions: setDraft(() => ({ attendant: 'assistant', attendantLanguage: undefined })), target: 'afterAttendant' },
      ],
    },
  }),
  language: fieldQuestion('language', {
    validate: languageResult,
    store: (language) => ({ attendant: 'interpreter', attendantLanguage: language }),
    invalid: () => ({ key: 'languageInvalid' }),
    target: 'afterAttendant',
  }),
  afterAttendant: next('date'),
};

// ---------------------------------------------------------------------------------------------
// Date and time: only what the rules and the current capacity allow is offered.
// ---------------------------------------------------------------------------------------------

const dateRefused = (date: (args: Args) => JpDate) => sayWith((args) => ({ key: 'dateRefused', date: date(args), reason: refusalFor(factsOf(args.event), date(args)) ?? 'full' }));

const slot = {
  date: machineSetup.createStateConfig({
    entry: ['offerDates', ...ask('date')],
    always: { guard: 'noAvailability', target: '#booking.idle', actions: say({ key: 'noAvailability' }) },
    on: {
      POSTBACK: [
        { guard: tap('date.more'), target: 'date', reenter: true, actions: 'nextDatePage' },
        { guard: tap('date.prev'), target: 'date', reenter: true, actions: 'previousDatePage' },
        { guard: ({ event }) => tapped(event, 'date.pick') && timesOn(factsOf(event), valueOf(event)).length > 0, actions: setDraft(({ event }) => ({ date: valueOf(event), time: undefined })), target: 'time' },
        { guard: ({ event }) => tapped(event, 'date.pick') && /^\d{4}-\d{2}-\d{2}$/.test(valueOf(event)), target: 'date', reenter: true, actions: dateRefused(({ event }) => valueOf(event)) },
      ],
      TEXT: typedAnswers([
        {
          guard: ({ event }) => {
            const d = pickedDate({ event });
            return d !== null && refusalFor(factsOf(event), d) === null;
          },
          actions: setDraft(({ event }) => ({ date: pickedDate({ event }) ?? '', time: undefined })),
          target: 'time',
        },
        { guard: ({ event }) => pickedDate({ event }) !== null, target: 'date', reenter: true, actions: dateRefused(({ event }) => pickedDate({ event }) ?? '') },
        { actions: [say({ key: 'dateFormatHelp' }), askAgain] },
      ]),
    },
  }),
  time: machineSetup.createStateConfig({
    entry: ['offerTimes', ...ask('time')],
    always: { guard: ({ context }) => context.offeredTimes.length === 0, target: 'date', actions: say({ key: 'dateFull' }) },
    on: {
      POSTBACK: [
        { guard: ({ context, event }) => tapped(event, 'time.pick') && isAvailable(factsOf(event), context.draft.date, valueOf(event)), actions: setDraft(({ event }) => ({ time: valueOf(event) })), target: 'summary' },
        { guard: tap('time.pick'), target: 'time', reenter: true, actions: say({ key: 'timeTaken' }) },
      ],
      TEXT: typedAnswers([
        { guard: ({ context, event }) => isAvailable(factsOf(event), context.draft.date, pickedTime({ event }) ?? undefined), actions: setDraft(({ event }) => ({ time: pickedTime({ event }) ?? '' })), target: 'summary' },
        { guard: ({ event }) => pickedTime({ event }) !== null, target: 'time', reenter: true, actions: say({ key: 'timeTaken' }) },
        { actions: [say({ key: 'timeFormatHelp' }), askAgain] },
      ]),
    },
  }),
};

// ---------------------------------------------------------------------------------------------
// Summary: confirm, correct one field, or stop.
// ---------------------------------------------------------------------------------------------

const correct = (action: string, words: (text: string) => boolean, target: BookingQuestion) => {
  const actions = target === 'date' ? ('startCorrectingSlot' as const) : ('startCorrecting' as const);
  return { postback: { guard: tap(action), target, actions }, text: { guard: ({ event }: Args) => words(textOf(event)), target, actions } };
};
const matches = (words: RegExp) => (text: string) => words.test(text);

// Field words first: 「通訳・介助」 is a field here, not the interpreter FAQ, and 「日程を変更したい」
// a correction, not a cancellation. 「電話番号」 is the phone, not the job-seeker number.
const corrections = [
  correct('edit.name', matches(/名前|氏名/u), 'name'),
  correct('edit.number', (text) => /求職番号|番号/u.test(text) && !/電話/u.test(text), 'number'),
  correct('edit.phone', matches(/電話/u), 'phone'),
  correct('edit.topic', matches(/相談内容|内容/u), 'topic'),
  correct('edit.attendant', matches(/通訳|介助/u), 'attendant'),
  correct('edit.datetime', matches(/日時|日付|日程|時間|日にち/u), 'date'),
];

const review = {
  summary: machineSetup.createStateConfig({
    entry: ['endCorrecting', ...ask('summary')],
    on: {
      POSTBACK: [
        { guard: tap('summary.confirm'), target: '#booking.confirming' },
        { guard: tap('summary.edit'), target: 'editField' },
      ],
      TEXT: typedAnswers([
        { guard: or([said('yes'), said('book')]), target: '#booking.confirming' },
        { guard: ({ event }) => /修正|訂正|直す|なおす|変更/u.test(textOf(event)), target: 'editField' },
        { actions: askAgain },
      ]),
    },
  }),
  editField: machineSetup.createStateConfig({
    entry: ask('editField'),
    on: {
      POSTBACK: corrections.map((c) => c.postback),
      TEXT: typedAnswers([{ actions: askAgain }], corrections.map((c) => c.text)),
    },
  }),
};

/** The checks before a booking (and before the questions): consent, suspension, refusal, the number of bookings. */
const checksBefore = (ok: Outcome, extra: Transition[] = []) => [
  { guard: not('consentedNow'), target: 'terms' },
  { guard: { type: 'blocked' as const, params: { block: 'suspended' as const } }, target: 'idle', actions: say({ key: 'suspended' }) },
  { guard: { type: 'blocked' as const, params: { block: 'refused' as const } }, target: 'idle', actions: say({ key: 'refused' }) },
  { guard: { type: 'blocked' as const, params: { block: 'maxActive' as const } }, target: 'idle', actions: existingBooking },
  ...extra,
  ok,
];

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
    MEDIA: { actions: [say({ key: 'needTextOrButton' }), askAgain] },
    TIMEOUT: { target: '.idle', actions: ['reset', 'bumpCounter', say({ key: 'expired' })] },
    RESTARTED: { target: '.idle', actions: ['reset', say({ key: 'restarted' })] },
  },
  states: {
    idle: {
      entry: 'reset',
      on: {
        TEXT: [
          { guard: said('book'), target: 'startBooking' },
          { guard: said('checkBooking'), actions: bookings },
          { guard: said('eraseData'), actions: erasureRequest },
          { guard: and([or([said('cancelBooking'), said('quit')]), 'chatCancellable']), target: 'confirmCancel' },
          { guard: said('cancelBooking'), actions: cancellationInfo },
          { guard: said('quit'), actions: cancellationInfo },
          { guard: or([said('terms'), said('faq.terms')]), actions: termsFull },
          { guard: ({ event }) => event.type === 'TEXT' && isFaq(event.intent), actions: faqAnswer },
          { actions: say({ key: 'help' }) },
        ],
        POSTBACK: [
          { guard: tap('menu.book'), target: 'startBooking' },
          { guard: tap('menu.check'), actions: bookings },
          { guard: and([tap('menu.cancel'), 'chatCancellable']), target: 'confirmCancel' },
          { guard: tap('menu.cancel'), actions: cancellationInfo },
          { guard: tap('menu.terms'), actions: termsFull },
        ],
      },
    },

    // Checks before anything personal is asked: consent to the terms in force (Art. 6
    // preamble), no suspension (Art. 12), no refusal (Art. 6(4)), and the number of upcoming bookings.
    startBooking: {
      always: checksBefore({ target: 'questions.registered', actions: say({ key: 'startBooking' }) }, [{ guard: 'noAvailability', target: 'idle', actions: say({ key: 'noAvailability' }) }]),
    },

    terms: {
      entry: ['askTerms', sayWith(({ context, event }) => ({ key: 'ask', question: 'terms', view: viewOf(context), changed: factsOf(event).consentedToEarlier }))],
      on: {
        // Nothing has been entered yet, so there is nothing to discard: the terms question
        // (and its buttons) stays valid however long the user takes to read.
        TIMEOUT: { actions: [] },
        POSTBACK: [
          { guard: tap('terms.agree'), target: 'consenting' },
          { guard: tap('terms.decline'), target: 'idle', actions: say({ key: 'declined' }) },
          { guard: tap('terms.full'), actions: [termsFull, askAgain] },
        ],
        TEXT: [
          { guard: or([said('agree'), said('yes')]), target: 'consenting' },
          { guard: or([said('decline'), said('no'), said('quit')]), target: 'idle', actions: say({ key: 'declined' }) },
          { guard: or([said('terms'), said('faq.terms')]), actions: [termsFull, askAgain] },
          { guard: ({ event }) => event.type === 'TEXT' && isFaq(event.intent), actions: [faqAnswer, askAgain] },
          { guard: said('eraseData'), actions: [...erasureRequest, askAgain] },
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
          actions: [{ type: 'recordConsent', params: ({ event }) => ({ termsId: factsOf(event).terms.id }) }, 'rememberConsent', sayWith(({ event }) => ({ key: 'consentRecorded', version: factsOf(event).terms.version }))],
        },
        { target: 'terms' },
      ],
    },

    // The booking questions, in order; their shared commands are handled here, once.
    questions: {
      initial: 'registered',
      on: {
        TEXT: typedCommands,
        POSTBACK: quitAndBack,
      },
      states: {
        ...eligibility,
        ...fields,
        ...slot,
        ...review,
        // The question the user was answering when they asked to quit (confirmQuit is reached
        // only from a question, so there always is one; the summary is a safe default).
        resume: { type: 'history', history: 'shallow', target: 'summary' },
      },
    },

    confirming: {
      always: checksBefore(
        { target: 'creating', actions: { type: 'createBooking', params: ({ context, event }) => ({ draft: context.draft, termsId: factsOf(event).terms.id }) } },
        [{ guard: ({ context, event }) => !isAvailable(factsOf(event), context.draft.date, context.draft.time), target: 'questions.time', actions: say({ key: 'timeTaken' }) }],
      ),
    },
    // Waiting for the runner's answer to createBooking, within the same turn.
    creating: {
      on: {
        BOOKING_CREATED: { target: 'idle', actions: sayWith(({ event }) => ({ key: 'bookingConfirmed', booking: event.type === 'BOOKING_CREATED' ? event.booking : { id: '', date: '', time: '' } })) },
        BOOKING_FAILED: [
          { guard: ({ event }) => event.type === 'BOOKING_FAILED' && event.reason === 'full', target: 'questions.time', actions: say({ key: 'timeTaken' }) },
          { guard: ({ event }) => event.type === 'BOOKING_FAILED' && event.reason === 'refused', target: 'idle', actions: say({ key: 'refused' }) },
          { guard: ({ event }) => event.type === 'BOOKING_FAILED' && event.reason === 'suspended', target: 'idle', actions: say({ key: 'suspended' }) },
          { target: 'idle', actions: existingBooking },
        ],
      },
    },
    // Cancelling in the chat, where the office allows it (off by default: the terms say by phone).
    confirmCancel: {
      entry: ['pickCancellableBooking', ...ask('confirmCancel')],
      on: {
        TEXT: [
          { guard: said('yes'), target: 'cancellingBooking' },
          { guard: or([said('no'), said('back'), said('quit')]), target: 'idle', actions: say({ key: 'cancelKept' }) },
          { actions: askAgain },
        ],
        POSTBACK: [
          { guard: tap('cancel.yes'), target: 'cancellingBooking' },
          { guard: tap('cancel.no'), target: 'idle', actions: say({ key: 'cancelKept' }) },
        ],
      },
    },
    // Waiting for the runner's answer to cancelBooking, within the same turn.
    cancellingBooking: {
      entry: { type: 'cancelBooking', params: ({ context }) => ({ bookingId: context.cancelling?.id ?? '' }) },
      on: {
        BOOKING_CANCELLED: { target: 'idle', actions: sayWith(({ event }) => ({ key: 'bookingCancelled', booking: event.type === 'BOOKING_CANCELLED' ? event.booking : { id: '', date: '', time: '' } })) },
        CANCEL_FAILED: { target: 'idle', actions: [say({ key: 'cancelClosed' }), cancellationInfo] },
      },
    },
    confirmQuit: {
      entry: ask('confirmQuit'),
      on: {
        TEXT: [
          { guard: or([said('yes'), said('quit')]), target: 'idle', actions: say({ key: 'quitDone' }) },
          { guard: or([said('no'), said('back')]), target: 'questions.resume' },
          { actions: askAgain },
        ],
        POSTBACK: [
          { guard: tap('quit.yes'), target: 'idle', actions: say({ key: 'quitDone' }) },
          { guard: tap('quit.no'), target: 'questions.resume' },
        ],
      },
    },
  },
});

/** The state a snapshot rests in, by name: state names are unique in the machine, so the name alone says where it is. */
export function stateNameOf(snapshot: { value: StateValue }): string {
  let value: StateValue = snapshot.value;
  while (typeof value !== 'string') value = Object.values(value)[0] ?? '';
  return value;
}

/** The state value of a state named by `stateNameOf`, or null if the machine has no such resting state. */
function stateValueOf(name: string): StateValue | null {
  const node = restingStates.get(name);
  return node ? nestedValue(node.path) : null;
}

const nestedValue = (path: string[]): StateValue => (path.length === 1 ? (path[0] ?? '') : { [path[0] ?? '']: nestedValue(path.slice(1)) });

/** Every atomic state of the machine by its name. */
const restingStates = new Map<string, AnyStateNode>();
(function collect(node: AnyStateNode) {
  for (const child of Object.values(node.states)) {
    if (child.type === 'atomic') {
      if (restingStates.has(child.key)) throw new Error(`booking machine: two states are named ${child.key}`);
      restingStates.set(child.key, child);
    }
    collect(child);
  }
})(bookingMachine.root);

export type BookingSnapshot = ReturnType<typeof bookingMachine.resolveState>;

/**
 * What is stored of a conversation: the state it rests in (by name), the context, and the
 * history of `questions` (where "いいえ、続ける" at confirmQuit resumes), as ids of state nodes —
 * XState's own persisted form of a history value, which `restoreSnapshot` would revive alike.
 */
export interface StoredDialogueState {
  value: string;
  context: DialogueContext;
  historyValue: Record<string, Array<{ id: string }>>;
}

export function storedStateOf(snapshot: BookingSnapshot): StoredDialogueState {
  const historyValue: StoredDialogueState['historyValue'] = {};
  for (const [id, nodes] of Object.entries(snapshot.historyValue)) historyValue[id] = nodes.map((node) => ({ id: node.id }));
  return { value: stateNameOf(snapshot), context: snapshot.context, historyValue };
}

/** Version 4 kept the question to resume in `context.quitFrom`; version 5 keeps it in the history of `questions`. */
function upgradeFrom4(state: { value: unknown; context: unknown }): { value: unknown; context: unknown; historyValue: unknown } {
  if (typeof state.context !== 'object' || state.context === null) return { ...state, historyValue: {} };
  const { quitFrom, ...context } = state.context as Record<string, unknown>;
  const resumeAt = typeof quitFrom === 'string' ? restingStates.get(quitFrom) : undefined;
  const historyValue = resumeAt?.parent?.key === 'questions' ? { 'booking.questions.resume': [{ id: resumeAt.id }] } : {};
  return { value: state.value, context, historyValue };
}

/**
 * A stored conversation as a snapshot of the machine, or null when it does not fit: another
 * flow version (other than 4, which is upgraded), a state that no longer exists, a history that
 * names unknown states, or a finished machine. The runner then starts again politely.
 */
export function snapshotFromStored(flowVersion: number, stored: { value: unknown; context: unknown }): BookingSnapshot | null {
  const state = flowVersion === FLOW_VERSION ? (stored as { value: unknown; context: unknown; historyValue?: unknown }) : flowVersion === 4 ? upgradeFrom4(stored) : null;
  if (!state) return null;
  const value = typeof state.value === 'string' ? stateValueOf(state.value) : null;
  if (value === null || typeof state.context !== 'object' || state.context === null) return null;
  try {
    const historyValue: Record<string, AnyStateNode[]> = {};
    const stored = typeof state.historyValue === 'object' && state.historyValue !== null ? (state.historyValue as Record<string, unknown>) : {};
    for (const [id, nodes] of Object.entries(stored)) {
      if (!Array.isArray(nodes)) return null;
      // getStateNodeById throws for an id the machine no longer has.
      bookingMachine.getStateNodeById(id);
      historyValue[id] = nodes.map((node: unknown) => bookingMachine.getStateNodeById(String((node as { id?: unknown } | null)?.id)));
    }
    const snapshot = bookingMachine.resolveState({ value, context: state.context as DialogueContext, historyValue });
    return snapshot.status === 'active' ? snapshot : null;
  } catch {
    return null;
  }
}

export type BookingMachine = typeof bookingMachine;
