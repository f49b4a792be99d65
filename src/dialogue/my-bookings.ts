/**
 * What the bot shows of a user's own upcoming bookings (issue #11: 予約確認, 「URLが届かない」):
 * who attends, the meeting URL once staff have set one (or DEFAULT_MEETING_URL), and otherwise
 * the day the reminder brings it — computed as the reminder scheduler computes it
 * (`reminderInstantFor`, src/lifecycle/reminders.ts). Never a name, a number or a phone. No query
 * of its own: the turn's one read of its facts (src/dialogue/turn-facts.ts) reads these columns.
 */
import type { UpcomingBooking } from '../booking/bookings.ts';
import type { Attendant, BookingDetails, BookingSummary } from '../domain/booking.ts';
import { reminderInstantFor, tokyoDateOf } from '../rules/index.ts';
import type { OfficeCalendarConfig } from '../rules/index.ts';

const attendants: readonly string[] = ['none', 'interpreter', 'assistant'] satisfies Attendant[];

/**
 * The bookings with their details, from what the turn read of them (readTurnFacts); the
 * stored columns themselves are not passed on (the facts travel through the dialogue). A URL that
 * has not come by the reminder moment comes as soon as staff set one: `urlDay` is then null.
 */
export function withDetails(bookings: UpcomingBooking[], now: Date, calendar: OfficeCalendarConfig, defaultMeetingUrl: string | undefined): BookingSummary[] {
  return bookings.map(({ stored, ...b }) => {
    const reminderAt = reminderInstantFor(b.date, calendar);
    const details: BookingDetails = {
      attendant: (attendants.includes(stored.attendant) ? stored.attendant : 'none') as Attendant,
      attendantLanguage: stored.attendant === 'interpreter' ? stored.attendantLanguage : null,
      meetingUrl: stored.meetingUrl ?? defaultMeetingUrl ?? null,
      urlDay: reminderAt.getTime() > now.getTime() ? tokyoDateOf(reminderAt) : null,
    };
    return { ...b, details };
  });
}
