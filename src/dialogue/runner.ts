/**
 * Runs one turn of the booking dialogue for one user, inside the caller's transaction:
 * restore the stored snapshot (or start fresh, politely, if it came from another flow version
 * or has expired), gather the facts the pure machine needs, compute the transition, perform
 * the domain effects (consent, booking) and persist the new snapshot. The replies are returned,
 * not sent: the caller sends them only after the transaction has committed.
 */
import { initialTransition, transition } from 'xstate';
import type { Prisma } from '../generated/prisma/client.ts';
import type { Config } from '../config.ts';
import { bookingMachine, FLOW_VERSION } from '../../flows/booking/machine.ts';
import { snapshotFromStored, stateNameOf, storedStateOf } from '../../flows/booking/stored-state.ts';
import type { DialogueEvent, Facts, Say } from '../../flows/booking/machine.ts';
import type { BookingSummary, DateRefusal, Draft } from '../domain/booking.ts';
import { classifyText } from '../../flows/booking/intents.ts';
import { decodePostback } from '../../flows/booking/postback.ts';
import { present } from '../../flows/booking/present.ts';
import type { OfficeFacts } from '../../flows/booking/present.ts';
import type { Message } from '../line/messages.ts';
import { recordConsent, termsText } from '../db/repositories.ts';
import { conversationOf, saveConversation } from './conversation-store.ts';
import { recordErasureRequest } from '../lifecycle/retention.ts';
import type { StateSealer } from './conversation-store.ts';
import type { FieldCipher } from '../crypto/field-cipher.ts';
import { loadReferenceData } from './reference-data.ts';
import type { PublishedTerms, ReferenceCache } from './reference-data.ts';
import { addDays, bookableSlots, dayInfo, defaultOfficeCalendarConfig, isBookableDate, tokyoDateOf, tokyoInstant } from '../rules/index.ts';
import type { OfficeCalendarConfig } from '../rules/index.ts';
import { createBooking, upcomingBookings } from '../booking/bookings.ts';
import { withDetails } from './my-bookings.ts';
import { blockOfStanding, cancelBookingInChat } from '../lifecycle/operations.ts';
import { readTurnFacts } from './turn-facts.ts';
import type { TurnFacts } from './turn-facts.ts';
import { chatCancellationClosesAt, isBookingError } from '../booking/status.ts';

/** What the user did, before the runner adds facts and checks postbacks for staleness. */
export type UserInput = { type: 'follow' } | { type: 'text'; text: string } | { type: 'postback'; data: string } | { type: 'media'; kind: string };

export interface DialogueDeps {
  config: Config;
  cipher: FieldCipher;
  sealer: StateSealer;
  office: OfficeFacts;
  /** The calendar and terms kept between turns, checked on each turn (see reference-data.ts); without it every turn reads them. */
  reference?: ReferenceCache | undefined;
}

export interface TurnResult {
  messages: Message[];
  /** The state the conversation is in after the turn (for logs and tests). */
  state: unknown;
  /** Things the operator should know (e.g. the holiday data ends inside the horizon). */
  warnings: string[];
}

type Snapshot = ReturnType<typeof bookingMachine.resolveState>;

/**
 * The user's facts, read in one statement (src/dialogue/turn-facts.ts). Bookings count as upcoming
 * until one slot after their start; the statement uses the rules' slot length, and a calendar
 * with another one (none is configurable today) reads the bookings again.
 */
async function readFacts(tx: Prisma.TransactionClient, userId: string, now: Date): Promise<TurnFacts> {
  return readTurnFacts(tx, userId, now, defaultOfficeCalendarConfig.slotMinutes);
}

/** Everything the machine may need this turn, from what readFacts read; one horizon computation. */
async function gatherFacts(
  tx: Prisma.TransactionClient,
  userId: string,
  now: Date,
  deps: DialogueDeps,
  calendar: OfficeCalendarConfig,
  terms: PublishedTerms,
  read: TurnFacts,
) {
  const consent = { consented: read.consentedTermsIds.includes(terms.id), consentedToEarlier: read.consentedTermsIds.some((id) => id !== terms.id) };
  const stored =
    calendar.slotMinutes === defaultOfficeCalendarConfig.slotMinutes ? read.upcoming : await upcomingBookings(tx, userId, now, calendar.slotMinutes);
  // With what the user's own booking card shows (issue #11), read in the same statement.
  const upcoming = withDetails(stored, now, calendar, deps.config.DEFAULT_MEETING_URL);
  const bookings = markChatCancellable(upcoming, now, deps.config);
  const blocked = await blockOfStanding(tx, userId, read.standing, deps.config.NO_SHOW_REFUSAL_THRESHOLD);
  const horizon = bookableSlots(now, calendar, read.taken);
  const today = tokyoDateOf(now);
  const horizonEnd = addDays(today, calendar.horizonDays);
  const available = new Set(horizon.days.map((d) => d.date));
  const unavailable: Record<string, DateRefusal> = {};
  for (let date = today; date <= horizonEnd; date = addDays(date, 1)) {
    if (available.has(date)) continue;
    unavailable[date] = !dayInfo(date, calendar).open ? 'closed' : isBookableDate(date, now, calendar) ? 'full' : 'deadline';
  }
  const facts: Facts = {
    now: now.toISOString(),
    today,
    terms: { id: terms.id, version: terms.version },
    ...consent,
    block: blocked ? blocked.reason : bookings.length >= deps.config.MAX_ACTIVE_BOOKINGS ? 'maxActive' : null,
    bookings,
    availability: horizon.days.map((d) => ({ date: d.date, times: [...d.starts] })),
    unavailable,
    horizonEnd,
  };
  return { facts, warnings: [...horizon.warnings] };
}

/**
 * Where the office allows cancelling in the chat (CHAT_CANCELLATION_ENABLED), which bookings are
 * still before the cut-off (CHAT_CANCELLATION_CUTOFF_HOURS before the start).
 */
function markChatCancellable(bookings: BookingSummary[], now: Date, config: Config): BookingSummary[] {
  if (!config.CHAT_CANCELLATION_ENABLED) return bookings;
  const cutoffHours = config.CHAT_CANCELLATION_CUTOFF_HOURS;
  // The same moment the transition table refuses a chat cancellation from (src/booking/status.ts).
  return bookings.map((b) => ({ ...b, cancellableInChat: now.getTime() <= chatCancellationClosesAt(tokyoInstant(b.date, b.time), cutoffHours).getTime() }));
}

/** Cancels in the chat; false when the cut-off has passed meanwhile. */
async function cancelInChat(tx: Prisma.TransactionClient, userId: string, booking: BookingSummary, now: Date, config: Config): Promise<boolean> {
  try {
    await cancelBookingInChat(tx, { bookingId: booking.id, userId }, now, config.CHAT_CANCELLATION_CUTOFF_HOURS);
    return true;
  } catch (error) {
    // Past the cut-off, or no longer cancellable (staff recorded an outcome meanwhile).
    if (isBookingError(error, 'chat-cancellation-closed', 'wrong-status')) return false;
    throw error;
  }
}

/** The initial snapshot, with the question counter past the one of `oldContext` (if readable). */
function freshSnapshotAfter(oldContext: unknown): Snapshot {
  const initial = initialTransition(bookingMachine)[0];
  const oldQ = typeof oldContext === 'object' && oldContext !== null && 'q' in oldContext && typeof oldContext.q === 'number' ? oldContext.q : 0;
  if (!Number.isSafeInteger(oldQ) || oldQ <= 0) return initial;
  return bookingMachine.resolveState({ value: initial.value, context: { ...initial.context, q: oldQ + 1 } });
}

function toEvent(input: UserInput, snapshot: Snapshot, facts: Facts): DialogueEvent {
  switch (input.type) {
    case 'follow':
      return { type: 'FOLLOW', facts };
    case 'text':
      return { type: 'TEXT', text: input.text, intent: classifyText(input.text), facts };
    case 'media':
      return { type: 'MEDIA', facts };
    case 'postback': {
      const postback = decodePostback(input.data);
      if (!postback || postback.question !== snapshot.context.q) return { type: 'STALE', facts };
      return { type: 'POSTBACK', action: postback.action, value: postback.value, facts };
    }
  }
}

/** Runs one user's input through the dialogue; see the module comment. */
export async function runDialogueTurn(tx: Prisma.TransactionClient, userId: string, input: UserInput, now: Date, deps: DialogueDeps): Promise<TurnResult> {
  const read = await readFacts(tx, userId, now);
  const stored = conversationOf(read.conversation, userId, deps.sealer);
  const reference = deps.reference ? await deps.reference.load(tx, deps.config, now, read.referenceVersion) : await loadReferenceData(tx, deps.config, now);
  const { calendar } = reference;
  const refresh = async () => gatherFacts(tx, userId, now, deps, calendar, reference.termsInForce, await readFacts(tx, userId, now));
  let { facts, warnings } = await gatherFacts(tx, userId, now, deps, calendar, reference.termsInForce, read);
  const says: Say[] = [];

  // Applies one event, then performs the effects it asked for; effects that answer back
  // (createBooking) feed their outcome into the machine within the same turn.
  const step = async (snapshot: Snapshot, event: DialogueEvent): Promise<Snapshot> => {
    const [next, actions] = transition(bookingMachine, snapshot, event);
    let current = next;
    for (const action of actions) {
      if (action.type === 'say') {
        says.push(action.params as Say);
      } else if (action.type === 'recordConsent') {
        await recordConsent(tx, userId, (action.params as { termsId: number }).termsId, now);
      } else if (action.type === 'createBooking') {
        const { draft, termsId } = action.params as { draft: Draft; termsId: number };
        const result = await createBooking(tx, { userId, draft, termsVersionId: termsId }, now, {
          cipher: deps.cipher,
          calendar,
          maxActiveBookings: deps.config.MAX_ACTIVE_BOOKINGS,
          noShowRefusalThreshold: deps.config.NO_SHOW_REFUSAL_THRESHOLD,
        });
        ({ facts, warnings } = await refresh());
        const outcome: DialogueEvent = result.ok
          ? { type: 'BOOKING_CREATED', booking: result.booking, facts }
          : { type: 'BOOKING_FAILED', reason: result.reason === 'incomplete' ? 'full' : result.reason, facts };
        current = await step(current, outcome);
      } else if (action.type === 'requestErasure') {
        // The user asked to have their data erased: recorded for staff (issue #8).
        await recordErasureRequest(tx, userId, now);
      } else if (action.type === 'cancelBooking') {
        const { bookingId } = action.params as { bookingId: string };
        const booking = facts.bookings.find((b) => b.id === bookingId);
        const cancelled = booking ? await cancelInChat(tx, userId, booking, now, deps.config) : false;
        ({ facts, warnings } = await refresh());
        current = await step(current, cancelled && booking ? { type: 'BOOKING_CANCELLED', booking, facts } : { type: 'CANCEL_FAILED', facts });
      }
    }
    return current;
  };

  let snapshot: Snapshot = initialTransition(bookingMachine)[0];
  let offeredResume = false;
  if (stored) {
    const restored = snapshotFromStored(stored.flowVersion, stored.state);
    const wasIdle = stored.state.value === 'idle';
    if (restored) {
      snapshot = restored;
      // Timeouts are events (XState does not persist timers): an expired, unfinished
      // conversation is closed before the new input is applied — except that a half-finished
      // booking is kept CONVERSATION_RESUME_HOURS after the last message: within that time the
      // machine offers 「続きから」/「最初から」 (RETURNED), and that offer is the answer to this input.
      if (!restored.matches('idle') && stored.expiresAt.getTime() <= now.getTime()) {
        const lastMessageAt = stored.expiresAt.getTime() - deps.config.CONVERSATION_IDLE_MINUTES * 60_000;
        const resumable = input.type !== 'follow' && now.getTime() < lastMessageAt + deps.config.CONVERSATION_RESUME_HOURS * 3_600_000;
        snapshot = await step(snapshot, { type: resumable ? 'RETURNED' : 'TIMEOUT', facts });
        offeredResume = snapshot.matches('resumeOffer');
      }
    } else {
      // A fresh start, but the question counter goes on from the old conversation's, so its
      // buttons stay stale instead of matching the new questions' numbers.
      snapshot = freshSnapshotAfter(stored.state.context);
      if (!wasIdle && input.type !== 'follow') snapshot = await step(snapshot, { type: 'RESTARTED', facts });
    }
  }

  if (!offeredResume) snapshot = await step(snapshot, toEvent(input, snapshot, facts));

  await saveConversation(
    tx,
    userId,
    stored?.version ?? null,
    {
      flowVersion: FLOW_VERSION,
      state: storedStateOf(snapshot),
      expiresAt: new Date(now.getTime() + deps.config.CONVERSATION_IDLE_MINUTES * 60_000),
    },
    deps.sealer,
  );

  const version = facts.terms.version;
  const fullText = says.some((s) => s.key === 'termsFull') ? await termsText(tx, version) : undefined;
  // The consent card's label, summaries and link are data of the terms version (issue #10).
  const card = says.some((s) => s.key === 'termsFull' || s.key === 'consentRecorded' || (s.key === 'ask' && s.question === 'terms'))
    ? reference.termsCard(version, deps.config.PUBLIC_BASE_URL)
    : undefined;
  // The menu offers nothing the facts after this turn would refuse (issue #11).
  const menu = { canBook: facts.block === null, canCancelInChat: facts.bookings.some((b) => b.cancellableInChat), hasBookings: facts.bookings.length > 0 };
  const messages = present(
    says,
    {
      ...deps.office,
      menu,
      // Art. 6(3): the confirmation and the FAQ use the LINE-notice sentence of the terms in force now.
      lineNoticeWording: reference.termsInForce.lineNoticeWording,
      termsText: (v) => (v === version ? fullText : undefined),
      termsCard: (v) => (v === version ? card : undefined),
    },
    snapshot.context.q,
  );
  return { messages, state: stateNameOf(snapshot), warnings };
}
