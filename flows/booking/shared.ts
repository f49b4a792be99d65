/**
 * What the booking dialogue's states share, in one place: the named guards and actions of the
 * machine (`machineSetup`), the commands every booking question understands (quit, back, "my
 * booking?", erasure, FAQ — handled once by their parent state, `questions`), and the builders
 * of questions (`yesNoQuestion`, `fieldQuestion`). The steps (eligibility.ts, fields.ts,
 * slot.ts, review.ts, after-booking.ts) are built from these; machine.ts assembles them.
 */
import { and, assign, not, or, setup, stateIn } from 'xstate';
import { exactIntent, looksLikeQuestion, isFaq } from './intents.ts';
import type { FaqTopic, Intent } from './intents.ts';
import type { AskView, BookingSummary, DialogueContext, DialogueEvent, Draft, Facts, JpDate, QuestionId, Say } from './types.ts';

/** Dates shown per page of the date question (quick replies: 8 dates + 4 navigation). */
export const DATES_PER_PAGE = 8;

type Ev = DialogueEvent;
type Ctx = DialogueContext;
export type Args = { context: Ctx; event: Ev };

export const factsOf = (event: Ev): Facts => event.facts;
export const textOf = (event: Ev): string => (event.type === 'TEXT' ? event.text : '');
export const valueOf = (event: Ev): string => (event.type === 'POSTBACK' ? (event.value ?? '') : '');

export function viewOf(context: Ctx): AskView {
  const { q, termsVersion, draft, editing, datePage, offeredDates, hasMoreDates, offeredTimes, cancelling } = context;
  return { q, termsVersion, draft, editing, datePage, offeredDates, hasMoreDates, offeredTimes, cancelling };
}

/** The current question again (briefly), or the menu when nothing is being asked. */
function reask({ context }: { context: Ctx }): Say {
  if (context.asking === null) return { key: 'help' };
  return { key: 'ask', question: context.asking, view: viewOf(context), brief: true };
}

export const timesOn = (facts: Facts, date: JpDate | undefined): string[] => facts.availability.find((d) => d.date === date)?.times ?? [];
export const isAvailable = (facts: Facts, date: JpDate | undefined, time: string | undefined) => time !== undefined && timesOn(facts, date).includes(time);

/** The soonest booking the user may cancel in the chat, if any. */
export const cancellableInChat = (event: Ev): BookingSummary | null => factsOf(event).bookings.find((b) => b.cancellableInChat) ?? null;

/** The booking a card's キャンセルする names (its id is the button's value), if the user may still cancel it in the chat. */
export const cancellableTapped = (event: Ev): BookingSummary | null =>
  event.type === 'POSTBACK' && event.action === 'booking.cancel'
    ? (factsOf(event).bookings.find((b) => b.id === event.value && b.cancellableInChat) ?? null)
    : null;

const faqTopicOf = (event: Ev): FaqTopic => (event.type === 'TEXT' ? event.intent : 'faq.fee').slice(4) as FaqTopic;

// ---------------------------------------------------------------------------------------------
// What the booking questions share, in one place
// ---------------------------------------------------------------------------------------------

/** The questions nested under `questions`, whose quit, back, FAQ and other commands the parent handles. */
export type BookingQuestion = Exclude<QuestionId, 'terms' | 'confirmQuit' | 'confirmCancel' | 'resumeOffer'>;

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
export const previous: Record<BookingQuestion, BookingQuestion | 'idle'> = {
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
export const tapped = (event: Ev, action: string) => event.type === 'POSTBACK' && event.action === action;

// 「予約を変更したい」 stops a booking in progress as 「キャンセル」 does, except at the summary and the
// correction menu, where a change is a correction.
const correctingWords = (context: Ctx) => context.asking === 'summary' || context.asking === 'editField';
const wantsToQuit = (args: Args) =>
  typed(args, 'quit') || tapped(args.event, 'nav.quit') || typed(args, 'cancelBooking') || (typed(args, 'changeBooking') && !correctingWords(args.context));
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
/** 「URLが届かない」「通訳が来られない」 during a question: answered like a FAQ, then the question again. */
function asksAboutBookingDuringQuestion({ context, event }: Args): boolean {
  if (event.type !== 'TEXT' || (event.intent !== 'urlMissing' && event.intent !== 'attendantCannotCome')) return false;
  const mode = modeOf(context);
  if (mode === 'loose') return false;
  if (mode === 'strict') return looksLikeQuestion(event.text);
  return true;
}
/** 「わからない」 at the job-seeker number: where to find it, and the question again. */
const doesNotKnowNumber = ({ context, event }: Args) => context.asking === 'number' && event.type === 'TEXT' && event.intent === 'dontKnow';
const typedCommandWord = ({ context, event }: Args) => modeOf(context) !== undefined && event.type === 'TEXT' && commandWords.has(exactIntent(event.text));

/** Text the parent of the booking questions handles (quit, back, FAQ…): not an answer to the question. */
const isCommand = (args: Args) =>
  wantsToQuit(args) ||
  wantsToGoBack(args) ||
  asksForBookings(args) ||
  asksForErasure(args) ||
  asksFaqDuringQuestion(args) ||
  asksAboutBookingDuringQuestion(args) ||
  doesNotKnowNumber(args) ||
  typedCommandWord(args);

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
    keepSlotBeforeEdit: assign(({ context }) =>
      context.draft.time === undefined && context.slotBeforeEdit ? { draft: { ...context.draft, ...context.slotBeforeEdit } } : {},
    ),
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
    /** The booking whose card's キャンセルする was tapped, else the soonest the user may cancel in the chat. */
    pickCancellableBooking: assign({ cancelling: ({ event }) => cancellableTapped(event) ?? cancellableInChat(event) }),
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
    /** A booking card's キャンセルする, for a booking still cancellable in the chat. */
    cardCancellable: ({ event }) => cancellableTapped(event) !== null,
    asking: ({ context }, params: { question: QuestionId }) => context.asking === params.question,
    // The commands every booking question shares (see `freeText` for how narrowly they match).
    wantsToQuit,
    wantsToGoBack,
    /** "Back" while correcting one field from the summary returns to the summary (from the time question it goes to the date). */
    backWhileCorrecting: (args) => wantsToGoBack(args) && args.context.editing && args.context.asking !== 'time',
    asksForBookings,
    asksForErasure,
    asksFaqDuringQuestion,
    asksAboutBookingDuringQuestion,
    doesNotKnowNumber,
    typedCommandWord,
    isCommand,
  },
});

type StateConfig = Parameters<typeof machineSetup.createStateConfig>[0];
/** One transition of this machine (typed for any of its events). */
export type Transition = Exclude<Extract<NonNullable<StateConfig['always']>, readonly unknown[]>[number], string | undefined>;
type Guard = NonNullable<Transition['guard']>;

export const say = (params: Say) => ({ type: 'say' as const, params });
export const sayWith = (make: (args: Args) => Say) => ({ type: 'say' as const, params: make });
export const askAgain = { type: 'say' as const, params: reask };
export const said = (intent: Intent) => ({ type: 'said' as const, params: { intent } });
export const tap = (action: string) => ({ type: 'tapped' as const, params: { action } });
export const setDraft = (make: (args: Args) => Draft) => ({ type: 'setDraft' as const, params: make });
export const bookings = sayWith(({ event }) => ({ key: 'bookings', bookings: factsOf(event).bookings }));
export const termsFull = sayWith(({ event }) => ({ key: 'termsFull', version: factsOf(event).terms.version }));
export const faqAnswer = sayWith(({ event }) => ({ key: 'faq', topic: faqTopicOf(event) }));
export const cancellationInfo = sayWith(({ event }) => ({ key: 'cancellationInfo', bookings: factsOf(event).bookings }));
export const urlStatus = sayWith(({ event }) => ({ key: 'urlStatus', bookings: factsOf(event).bookings }));
export const changeBookingInfo = sayWith(({ event }) => ({ key: 'changeBooking', bookings: factsOf(event).bookings }));
/** 「URLが届かない」 or 「通訳が来られない」: the answer about the user's booking. */
export const aboutBooking = sayWith(({ event }) =>
  event.type === 'TEXT' && event.intent === 'attendantCannotCome' ? { key: 'attendantChangeInfo' } : { key: 'urlStatus', bookings: factsOf(event).bookings },
);
export const existingBooking = sayWith(({ event }) => ({ key: 'existingBooking', bookings: factsOf(event).bookings }));
/** A request to erase the user's data: recorded for staff (effect), acknowledged. */
export const erasureRequest = [{ type: 'requestErasure' as const }, sayWith(({ event }) => ({ key: 'erasureRequested', bookings: factsOf(event).bookings }))];

/**
 * A half-finished booking: something entered, resting at a booking question, the confirmation
 * to quit, or the offer to resume it (at the eligibility questions nothing is kept to resume).
 */
export const inDraft = and([or([stateIn('#booking.questions'), stateIn('#booking.confirmQuit'), stateIn('#booking.resumeOffer')]), 'hasDraft']);

/** Entry actions of a question: bump the counter, remember what is asked, ask it. */
export const ask = (question: QuestionId) => [
  { type: 'markAsked' as const, params: { question } },
  sayWith(({ context }) => ({ key: 'ask', question, view: viewOf(context) })),
];

/**
 * A booking question's typed answers. The parent's commands (quit, back, FAQ…) come first, so an
 * answer is taken only from text that is not a command; a question may list answers that take
 * precedence over the commands (`first`: a valid phone number, a field word in the correction menu).
 */
export function typedAnswers(answers: Transition[], first: Transition[] = []): Transition[] {
  const notACommand: Guard = not('isCommand');
  // (`and` is typed for literal lists; these guards are already this machine's.)
  const both = and as (guards: Guard[]) => Guard;
  return [...first, ...answers.map((t): Transition => ({ ...t, guard: t.guard ? both([notACommand, t.guard]) : notACommand }))];
}

/** Where a correctly answered question leads: the next one, or the summary when correcting. */
export const next = (target: BookingQuestion) => ({ always: [{ guard: 'correcting' as const, target: 'summary' }, { target }] });

export type Outcome = { target: string; actions?: Transition['actions'] };

/**
 * A question answered with yes or no, by button or typed (「はい」「いいえ」…). Other text asks
 * it again; `buttons` names the postback actions when they are not `yes` and `no`.
 */
export function yesNoQuestion(id: BookingQuestion, on: { yes: Outcome; no?: Outcome; buttons?: { yes: string; no: string } }) {
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
export function fieldQuestion<T>(
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
  const valid: Transition = {
    guard: ({ event }: Args) => field.validate(textOf(event)).ok,
    actions: setDraft((args) => field.store(value(args))),
    target: field.target,
  };
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

/**
 * Transitions of the parent of all booking questions: quit (asking for confirmation once
 * something was entered), back one step, "my booking?", erasure and FAQ answers followed by the
 * question again, and command words that are no answer to a free-text question.
 */
export const quitAndBack: Transition[] = [
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
export const typedCommands: Transition[] = [
  ...quitAndBack,
  { guard: 'asksForBookings', actions: [bookings, askAgain] },
  { guard: 'asksForErasure', actions: [...erasureRequest, askAgain] },
  { guard: 'asksFaqDuringQuestion', actions: [faqAnswer, askAgain] },
  { guard: 'asksAboutBookingDuringQuestion', actions: [aboutBooking, askAgain] },
  { guard: 'doesNotKnowNumber', actions: [say({ key: 'numberHelp' }), askAgain] },
  // A command word (「予約」「はい」「メニュー」…) is not a name, a topic or a language.
  { guard: 'typedCommandWord', actions: askAgain },
];

/** The checks before a booking (and before the questions): consent, suspension, refusal, the number of bookings. */
export const checksBefore = (ok: Outcome, extra: Transition[] = []) => [
  { guard: not('consentedNow'), target: 'terms' },
  { guard: { type: 'blocked' as const, params: { block: 'suspended' as const } }, target: 'idle', actions: say({ key: 'suspended' }) },
  { guard: { type: 'blocked' as const, params: { block: 'refused' as const } }, target: 'idle', actions: say({ key: 'refused' }) },
  { guard: { type: 'blocked' as const, params: { block: 'maxActive' as const } }, target: 'idle', actions: existingBooking },
  ...extra,
  ok,
];
