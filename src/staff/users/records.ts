/**
 * One job seeker as the console's user page shows them: their standing (no-shows, refusal,
 * suspension, an erasure request) and their bookings with the personal fields decrypted — only
 * here, for that page, which audits the view.
 *
 * Staff pages name a user by LineUser.staffRef, a random id the database gives every user, not
 * by the LINE user id: that id is opaque and not guessable either, but it is the user's stable
 * identifier on LINE's side, so it stays out of URLs, browser histories and the audit log.
 */
import type { Db } from '../../db/repositories.ts';
import type { FieldCipher } from '../../crypto/field-cipher.ts';
import { userStanding } from '../../lifecycle/operations.ts';
import type { UserStanding } from '../../lifecycle/operations.ts';
import { suspensionReasons } from './suspension.ts';
import { isUpcomingStatus } from '../../booking/status.ts';
import type { PrismaClient } from '../../generated/prisma/client.ts';
import { formatPhoneForDisplay } from '../../domain/booking-fields.ts';

/** A staff reference: 32 lower-case hex digits. */
export const staffRefPattern = /^[0-9a-f]{32}$/;

/** A booking on the user page; personal fields decrypted, or a word saying why they are not shown. */
export type UserBooking = {
  id: string;
  date: string;
  startTime: string;
  status: string;
  cancelledBy: string | null;
  name: string;
  jobSeekerNumber: string;
  phone: string;
  erased: boolean;
};

export type UserRecord = {
  ref: string;
  /** The LINE user id, for the domain operations only; never rendered. */
  userId: string;
  standing: UserStanding;
  followedAt: Date | null;
  suspension: null | { since: Date; reason: string; reasonLabel: string; note: string };
  erasureRequestedAt: Date | null;
  bookings: UserBooking[];
  /** Upcoming bookings (confirmed or late-but-announced, from today on): what a suspension leaves standing. */
  upcoming: UserBooking[];
};

/** The LINE user id behind a staff reference, or null. */
export async function userIdOfRef(db: Db, ref: string): Promise<string | null> {
  if (!staffRefPattern.test(ref)) return null;
  return (await db.lineUser.findUnique({ where: { staffRef: ref }, select: { id: true } }))?.id ?? null;
}

/** The staff reference of a LINE user id (links from a booking page), or null. */
export async function refOfUserId(db: Db, userId: string): Promise<string | null> {
  return (await db.lineUser.findUnique({ where: { id: userId }, select: { staffRef: true } }))?.staffRef ?? null;
}

/** Decrypts a field for display; a value that cannot be read says so instead of failing the page. */
function shown(cipher: FieldCipher, token: string | null, format: (plain: string) => string = (plain) => plain): string {
  if (token === null) return '（削除済み）';
  try {
    return format(cipher.decrypt(token));
  } catch {
    return '（読み取れません：暗号鍵の設定を確認してください）';
  }
}

/** The user page's record, newest booking first; null for an unknown reference. */
export async function loadUserRecord(prisma: PrismaClient, ref: string, cipher: FieldCipher, today: string): Promise<UserRecord | null> {
  if (!staffRefPattern.test(ref)) return null;
  const user = await prisma.lineUser.findUnique({ where: { staffRef: ref } });
  if (!user) return null;
  const rows = await prisma.booking.findMany({
    where: { userId: user.id },
    orderBy: [{ date: 'desc' }, { startTime: 'desc' }],
    select: {
      id: true,
      date: true,
      startTime: true,
      status: true,
      cancelledBy: true,
      nameEnc: true,
      jobSeekerNumberEnc: true,
      phoneEnc: true,
      personalDataErasedAt: true,
    },
  });
  const bookings = rows.map((row) => ({
    id: row.id,
    date: row.date,
    startTime: row.startTime,
    status: row.status,
    cancelledBy: row.cancelledBy,
    name: shown(cipher, row.nameEnc),
    jobSeekerNumber: shown(cipher, row.jobSeekerNumberEnc),
    phone: shown(cipher, row.phoneEnc, formatPhoneForDisplay),
    erased: row.personalDataErasedAt !== null,
  }));
  const reason = user.suspensionReason ?? '';
  return {
    ref,
    userId: user.id,
    standing: await userStanding(prisma, user.id),
    followedAt: user.followedAt,
    suspension:
      user.suspendedAt === null
        ? null
        : {
            since: user.suspendedAt,
            reason,
            reasonLabel: (suspensionReasons as Record<string, string>)[reason] ?? reason,
            note: user.suspensionNoteEnc === null ? '' : shown(cipher, user.suspensionNoteEnc),
          },
    erasureRequestedAt: user.erasureRequestedAt,
    bookings,
    upcoming: bookings.filter((b) => isUpcomingStatus(b.status) && b.date >= today).reverse(),
  };
}
