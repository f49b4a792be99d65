/**
 * A booking as the domain knows it, whichever conversation collected it: what a user has entered
 * (Draft), an upcoming booking as its user sees it (BookingSummary), and why a date cannot be
 * booked. Dates are dates on the Japanese calendar (JpDate, 'YYYY-MM-DD', declared once with the
 * Tokyo time arithmetic in src/rules/tokyo-time.ts); times are 'HH:mm' in Asia/Tokyo.
 *
 * Types point one way: the dialogue (flows/) and the bookings (src/booking) import these; nothing
 * here imports from flows/.
 */
import type { JpDate } from '../rules/tokyo-time.ts';

export type { JpDate };

/** Why a date cannot be booked: closed, past the booking deadline, full, beyond the horizon, or past. */
export type DateRefusal = 'closed' | 'deadline' | 'full' | 'beyond' | 'past';

/** An upcoming booking, as its user is shown it. */
export interface BookingSummary {
  id: string;
  date: JpDate;
  time: string;
  /** The user may cancel it in the chat (CHAT_CANCELLATION_ENABLED, before the cut-off). */
  cancellableInChat?: boolean;
  /** What the user's own booking card shows, gathered for upcoming bookings (never a name, number or phone). */
  details?: BookingDetails;
}

/** Who attends, and the meeting URL or when it comes: what 予約確認 shows of a booking. */
export interface BookingDetails {
  attendant: Attendant;
  /** The interpreter's language, for an interpreter. */
  attendantLanguage: string | null;
  /** The TeleOffice URL (the booking's, else DEFAULT_MEETING_URL), or null while staff have not set one. */
  meetingUrl: string | null;
  /**
   * The day the reminder with the URL is sent (the reminder scheduler's day: the day before, or
   * the last open day before); null when that moment has passed without a URL — it then comes as
   * soon as staff set one.
   */
  urlDay: JpDate | null;
}

/** Who attends with the job seeker (Art. 13(1) of the terms). */
export type Attendant = 'none' | 'interpreter' | 'assistant';

/** What the user has entered so far for a booking (kept, sealed at rest, until the booking is made). */
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
