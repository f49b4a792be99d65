/**
 * Bookings: what is taken, what a user holds, and the atomic creation of a booking. A booking
 * claims one seat (1..capacity) of its slot through the slot_seats primary key, with
 * INSERT … ON CONFLICT DO NOTHING, so two users choosing the last place at the same moment
 * cannot both get it — on PGlite and on PostgreSQL, in one instance or several — and the
 * losing transaction is not aborted (it simply sees that no seat was free).
 */
import type { Prisma } from '../generated/prisma/client.ts';
import type { Db } from '../db/repositories.ts';
import type { FieldCipher } from '../crypto/field-cipher.ts';
import { capacityAt, slotsOn, tokyoDateOf, tokyoInstant } from '../rules/index.ts';
import type { OfficeCalendarConfig, TakenByDate } from '../rules/index.ts';
import type { Draft, BookingSummary } from '../domain/booking.ts';
import { scheduleReminder } from '../lifecycle/reminders.ts';
import { bookingBlockFor } from '../lifecycle/operations.ts';
import { createSearchHasher } from '../crypto/search-hash.ts';
import { initialBookingStatus, upcomingStatuses } from './status.ts';

/** Places taken per date and start time, from today on (what the rules subtract); a dialogue turn reads the same in SQL (src/dialogue/turn-facts.ts). */
export async function takenSeats(db: Db, now: Date): Promise<TakenByDate> {
  const rows = await db.slotSeat.groupBy({ by: ['date', 'startTime'], where: { date: { gte: tokyoDateOf(now) } }, _count: { _all: true } });
  const taken: Record<string, Record<string, number>> = {};
  for (const row of rows) (taken[row.date] ??= {})[row.startTime] = row._count._all;
  return taken;
}

/** An upcoming booking with what its card shows besides the date (src/dialogue/my-bookings.ts). */
export type UpcomingBooking = BookingSummary & { stored: { attendant: string; attendantLanguage: string | null; meetingUrl: string | null } };

/**
 * The user's bookings that have not ended yet, soonest first: confirmed ones, and those whose
 * user called to say they will be late ('contacted'), which still take place. The same statement
 * reads who attends and the meeting URL, which 予約確認 shows (none of it is personal). A dialogue
 * turn reads the same in SQL (src/dialogue/turn-facts.ts; test/dialogue/turn-facts.test.ts keeps
 * the two in step).
 */
export async function upcomingBookings(db: Db, userId: string, now: Date, slotMinutes = 30): Promise<UpcomingBooking[]> {
  const rows = await db.booking.findMany({
    where: { userId, status: { in: [...upcomingStatuses] }, startsAt: { gt: new Date(now.getTime() - slotMinutes * 60_000) } },
    orderBy: { startsAt: 'asc' },
    select: { id: true, date: true, startTime: true, attendant: true, attendantLanguage: true, meetingUrl: true },
  });
  return rows.map((r) => ({
    id: r.id,
    date: r.date,
    time: r.startTime,
    stored: { attendant: r.attendant, attendantLanguage: r.attendantLanguage, meetingUrl: r.meetingUrl },
  }));
}

export type CreateBookingResult = { ok: true; booking: BookingSummary } | { ok: false; reason: 'full' | 'refused' | 'suspended' | 'maxActive' | 'incomplete' };

export interface CreateBookingDeps {
  cipher: FieldCipher;
  calendar: OfficeCalendarConfig;
  maxActiveBookings: number;
  noShowRefusalThreshold: number;
}

/**
 * Creates a confirmed booking from a complete draft, inside the caller's transaction (which
 * holds the user's advisory lock): re-checks every rule at `now`, claims a seat, stores the
 * personal fields encrypted, and schedules the day-before reminder.
 */
export async function createBooking(
  tx: Prisma.TransactionClient,
  input: { userId: string; draft: Draft; termsVersionId: number },
  now: Date,
  deps: CreateBookingDeps,
): Promise<CreateBookingResult> {
  const { draft, userId } = input;
  const { name, jobSeekerNumber, phone, topic, date, time } = draft;
  if (!name || !jobSeekerNumber || !phone || !topic || !date || !time) return { ok: false, reason: 'incomplete' };
  const block = await bookingBlockFor(tx, userId, deps.noShowRefusalThreshold);
  if (block) return { ok: false, reason: block.reason };
  if ((await upcomingBookings(tx, userId, now, deps.calendar.slotMinutes)).length >= deps.maxActiveBookings) return { ok: false, reason: 'maxActive' };
  const taken = await takenSeats(tx, now);
  if (!slotsOn(date, now, deps.calendar, taken[date]).includes(time)) return { ok: false, reason: 'full' };

  const startsAt = tokyoInstant(date, time);
  // Keyed hashes beside the encrypted name and number, for the staff console's exact search.
  const hasher = createSearchHasher(deps.cipher);
  const booking = await tx.booking.create({
    data: {
      userId,
      date,
      startTime: time,
      startsAt,
      status: initialBookingStatus,
      nameEnc: deps.cipher.encrypt(name),
      jobSeekerNumberEnc: deps.cipher.encrypt(jobSeekerNumber),
      nameHash: hasher.name(name),
      jobSeekerNumberHash: hasher.jobSeekerNumber(jobSeekerNumber),
      phoneEnc: deps.cipher.encrypt(phone),
      phoneChanged: draft.phoneChanged ?? false,
      topicEnc: deps.cipher.encrypt(topic),
      attendant: draft.attendant ?? 'none',
      attendantLanguage: draft.attendant === 'interpreter' ? (draft.attendantLanguage ?? null) : null,
      termsVersionId: input.termsVersionId,
      createdAt: now,
    },
    select: { id: true, userId: true, date: true, startTime: true, startsAt: true },
  });
  // Seats 1..the places this slot offers on this date (per-date capacity and blocked times).
  const places = capacityAt(date, time, deps.calendar);
  for (let seat = 1; seat <= places; seat++) {
    const claimed = await tx.slotSeat.createMany({ data: [{ date, startTime: time, seat, bookingId: booking.id }], skipDuplicates: true });
    if (claimed.count === 1) {
      await scheduleReminder(tx, booking, deps.calendar, now);
      return { ok: true, booking: { id: booking.id, date, time } };
    }
  }
  await tx.booking.delete({ where: { id: booking.id } });
  return { ok: false, reason: 'full' };
}
