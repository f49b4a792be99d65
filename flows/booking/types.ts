/**
 * The booking dialogue's types: what the runner tells the machine (facts and events), what the
 * machine keeps (its context) and what it asks the runner to say (rendered by present.ts).
 */
import type { FaqTopic, Intent } from './intents.ts';
import type { BookingField } from '../../src/domain/booking-fields.ts';
import type { Attendant, BookingDetails, BookingSummary, DateRefusal, Draft, JpDate } from '../../src/domain/booking.ts';

// The booking's own types are the domain's (declared in src/domain/booking.ts); the dialogue's
// modules take them from here with the rest.
export type { Attendant, BookingDetails, BookingSummary, DateRefusal, Draft, JpDate };

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
  /** The user came back after the idle time but within CONVERSATION_RESUME_HOURS: a half-finished booking may be resumed. */
  | { type: 'RETURNED'; facts: Facts }
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
  | 'confirmCancel'
  /** 「続きから」 or 「最初から」, for a user who comes back to a half-finished booking. */
  | 'resumeOffer';

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
  /** About the user's own booking (issue #11): the URL, a change of time, of phone, of attendant. */
  | { key: 'urlStatus' | 'changeBooking'; bookings: BookingSummary[] }
  | { key: 'phoneChangedInfo' | 'attendantChangeInfo' | 'numberHelp' | 'draftExpired' }
  | {
      key:
        | 'welcome'
        | 'declined'
        | 'help'
        | 'staleButton'
        | 'needTextOrButton'
        | 'mediaIdle'
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
