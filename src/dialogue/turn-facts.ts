/**
 * Everything a dialogue turn reads about its user, in one statement (issue #13), which also makes
 * sure the user's row exists (a message can come from a user we never saw follow): the stored
 * conversation, the terms versions the user agreed to, the upcoming bookings, what the refusal
 * rules need from the user row, the seats taken from today on, and the fingerprint of the
 * calendar and terms tables (src/dialogue/reference-data.ts). These were six statements, six round
 * trips and six passes through Prisma's query compiler, and the user row's INSERT … ON CONFLICT DO
 * NOTHING a seventh; on PostgreSQL over loopback each round trip cost about 0.1 ms of the
 * process's CPU in the socket write alone. The reads do not see a row the INSERT has just made
 * (one snapshot): a new user has no conversation, consent, booking or refusal, which is what they
 * read then.
 *
 * One statement also means one snapshot: the facts are consistent with each other, which the six
 * reads (each with a snapshot of its own under READ COMMITTED) were not. The caller holds the
 * user's advisory lock, so nothing of this user changes until its transaction ends; the taken
 * seats are re-checked under the slot's unique constraint when a booking is made.
 *
 * Values come back as JSON; instants are `timestamp(3)` columns holding UTC wall time (as Prisma
 * stores them), so they are read as UTC whatever the session's or the process's time zone.
 */
import { Prisma } from '../generated/prisma/client.ts';
import { upcomingStatuses } from '../booking/status.ts';
import type { UpcomingBooking } from '../booking/bookings.ts';
import type { TakenByDate } from '../rules/index.ts';
import { tokyoDateOf } from '../rules/index.ts';
import { referenceVersionSql } from './reference-data.ts';

/** The conversation row as stored (decoded by conversation-store.ts). */
export type ConversationRow = { flowVersion: number; snapshot: unknown; expiresAt: Date; version: number };

/** What the refusal rules read from the user row (src/lifecycle/operations.ts). */
export type StandingRow = { noShowCount: number; refusedAt: Date | null; refusalLiftedAt: Date | null; suspendedAt: Date | null };

export interface TurnFacts {
  conversation: ConversationRow | null;
  /** Ids of the terms versions the user agreed to. */
  consentedTermsIds: number[];
  upcoming: UpcomingBooking[];
  /** Null when the user row does not exist (yet). */
  standing: StandingRow | null;
  taken: TakenByDate;
  /** The calendar and terms fingerprint, for the reference cache. */
  referenceVersion: string;
}

type Raw = {
  conversation: { flowVersion: number; snapshot: unknown; expiresAt: string; version: number } | null;
  consents: number[];
  bookings: { id: string; date: string; time: string; attendant: string; attendantLanguage: string | null; meetingUrl: string | null }[];
  standing: { noShowCount: number; refusedAt: string | null; refusalLiftedAt: string | null; suspendedAt: string | null } | null;
  taken: { date: string; time: string; n: number }[];
  reference: string;
};

/** A `timestamp` column's JSON text (UTC wall time, no zone) as an instant. */
function utc(value: string): Date {
  return new Date(`${value}Z`);
}

function utcOrNull(value: string | null): Date | null {
  return value === null ? null : utc(value);
}

/**
 * Reads the turn's facts for `userId` at `now`: bookings that have not ended (start later than
 * one slot ago), seats from today (Tokyo) on.
 */
export async function readTurnFacts(tx: Prisma.TransactionClient, userId: string, now: Date, slotMinutes: number): Promise<TurnFacts> {
  const endedBefore = new Date(now.getTime() - slotMinutes * 60_000).toISOString();
  const statuses = [...upcomingStatuses];
  // Timestamps go in as UTC wall time, as Prisma stores them in these `timestamp` columns.
  const rows = await tx.$queryRaw<Raw[]>`
    WITH ensured AS (
      INSERT INTO line_users (id, created_at, updated_at)
      VALUES (${userId}, ${now.toISOString()}::timestamptz AT TIME ZONE 'UTC', ${now.toISOString()}::timestamptz AT TIME ZONE 'UTC')
      ON CONFLICT (id) DO NOTHING)
    SELECT
      (SELECT json_build_object('flowVersion', c.flow_version, 'snapshot', c.snapshot, 'expiresAt', c.expires_at, 'version', c.version)
         FROM conversations c WHERE c.user_id = ${userId}) AS conversation,
      (SELECT coalesce(json_agg(k.terms_version_id), '[]'::json) FROM consents k WHERE k.user_id = ${userId}) AS consents,
      (SELECT coalesce(json_agg(json_build_object('id', b.id, 'date', b.date, 'time', b.start_time, 'attendant', b.attendant,
                'attendantLanguage', b.attendant_language, 'meetingUrl', b.meeting_url) ORDER BY b.starts_at), '[]'::json)
         FROM bookings b
        WHERE b.user_id = ${userId} AND b.status::text = ANY(${statuses}::text[])
          AND b.starts_at > (${endedBefore}::timestamptz AT TIME ZONE 'UTC')) AS bookings,
      (SELECT json_build_object('noShowCount', u.no_show_count, 'refusedAt', u.refused_at, 'refusalLiftedAt', u.refusal_lifted_at,
                'suspendedAt', u.suspended_at)
         FROM line_users u WHERE u.id = ${userId}) AS standing,
      (SELECT coalesce(json_agg(json_build_object('date', s.date, 'time', s.start_time, 'n', s.n)), '[]'::json)
         FROM (SELECT date, start_time, count(*)::int AS n FROM slot_seats WHERE date >= ${tokyoDateOf(now)} GROUP BY date, start_time) s) AS taken,
      ${referenceVersionSql} AS reference`;
  const raw = rows[0];
  if (!raw) throw new Error('the turn facts statement returned no row');
  const taken: Record<string, Record<string, number>> = {};
  for (const seat of raw.taken) (taken[seat.date] ??= {})[seat.time] = seat.n;
  return {
    conversation: raw.conversation ? { ...raw.conversation, expiresAt: utc(raw.conversation.expiresAt) } : null,
    consentedTermsIds: raw.consents,
    upcoming: raw.bookings.map((b) => ({
      id: b.id,
      date: b.date,
      time: b.time,
      stored: { attendant: b.attendant, attendantLanguage: b.attendantLanguage, meetingUrl: b.meetingUrl },
    })),
    standing: raw.standing
      ? {
          noShowCount: raw.standing.noShowCount,
          refusedAt: utcOrNull(raw.standing.refusedAt),
          refusalLiftedAt: utcOrNull(raw.standing.refusalLiftedAt),
          suspendedAt: utcOrNull(raw.standing.suspendedAt),
        }
      : null,
    taken,
    referenceVersion: raw.reference,
  };
}
