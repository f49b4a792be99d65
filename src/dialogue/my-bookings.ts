/**
 * What the bot shows of a user's own upcoming bookings (issue #11: 予約確認, 「URLが届かない」):
 * who attends, the meeting URL once staff have set one (or DEFAULT_MEETING_URL), and otherwise
 * the day the reminder brings it — computed as the reminder scheduler computes it
 * (`reminderInstantFor`, src/lifecycle/reminders.ts). Never a name, a number or a phone.
 */
import type { Prisma } from '../generated/prisma/client.ts';
import type { Attendant, BookingDetails, BookingSummary } from '../domain/booking.ts';
import { reminderInstantFor, tokyoDateOf } from '../rules/index.ts';
import type { OfficeCalendarConfig } from '../rules/index.ts';

const attendants: readonly string[] = ['none', 'interpreter', 'assistant'] satisfies Attendant[];

/**
 * The bookings with their details, in one query (none when there is no booking). A URL that
 * has not come by the reminder moment comes as soon as staff set one: `urlDay` is then null.
 */
export async function withDetails(
  tx: Prisma.TransactionClient,
  bookings: BookingSummary[],
  now: Date,
  calendar: OfficeCalendarConfig,
  defaultMeetingUrl: string | undefined,
): Promise<BookingSummary[]> {
  if (bookings.length === 0) return bookings;
  const rows = await tx.booking.findMany({
    where: { id: { in: bookings.map((b) => b.id) } },
    select: { id: true, attendant: true, attendantLanguage: true, meetingUrl: true },
  });
  const byId = new Map(rows.map((r) => [r.id, r]));
  return bookings.map((b) => {
    const row = byId.get(b.id);
    if (!row) return b;
    const reminderAt = reminderInstantFor(b.date, calendar);
    const details: BookingDetails = {
      attendant: (attendants.includes(row.attendant) ? row.attendant : 'none') as Attendant,
      attendantLanguage: row.attendant === 'interpreter' ? row.attendantLanguage : null,
      meetingUrl: row.meetingUrl ?? defaultMeetingUrl ?? null,
      urlDay: reminderAt.getTime() > now.getTime() ? tokyoDateOf(reminderAt) : null,
    };
    return { ...b, details };
  });
}
