/**
 * Suspension of a user's online booking by staff for an act of Art. 12 of the terms (threats or
 * abuse, recording or streaming, public-order violations, impersonation, false information).
 * While suspended, the bot answers every booking request politely that online booking is not
 * available and gives the office's phone number (bookingBlockFor in src/lifecycle/operations.ts
 * tells the dialogue). Upcoming bookings are NOT cancelled by a suspension: staff decide each one
 * on its own page (the user page lists them), so nothing disappears silently.
 *
 * Both operations take the user's advisory lock, like booking creation, so a booking in flight
 * either finishes before the suspension or sees it.
 */
import type { Prisma, PrismaClient } from '../../generated/prisma/client.ts';
import { lockUser } from '../../db/repositories.ts';
import type { FieldCipher } from '../../crypto/field-cipher.ts';
import { BookingError } from '../../booking/errors.ts';

/** The acts of Art. 12, as stored in LineUser.suspensionReason, with the words staff see. */
export const suspensionReasons = {
  'art12-1': '脅迫、暴言、威圧的な言動、正当な理由のないクレーム、就職目的以外の利用等（第12条(1)）',
  'art12-2': '相談の録画・録音・インターネット等への配信（第12条(2)）',
  'art12-3': '公序良俗に反する行為又はそのおそれのある行為（第12条(3)）',
  'art12-4': '第三者への成りすまし（第12条(4)）',
  'art12-5': '利用申込・求職登録における虚偽の申告（第12条(5)）',
} as const;

export type SuspensionReason = keyof typeof suspensionReasons;

/** Longest staff note kept with a suspension. */
export const SUSPENSION_NOTE_MAX = 500;

/** The reason is not one of Art. 12's acts, or the note is too long. */
export class SuspensionInputError extends Error {
  override name = 'SuspensionInputError';
  readonly field: 'reason' | 'note';
  constructor(field: 'reason' | 'note') {
    super(field === 'reason' ? 'the reason must be one of the acts of Art. 12' : `the note must be at most ${SUSPENSION_NOTE_MAX} characters`);
    this.field = field;
  }
}

/** Whether `value` names an act of Art. 12. */
export function isSuspensionReason(value: unknown): value is SuspensionReason {
  return typeof value === 'string' && Object.hasOwn(suspensionReasons, value);
}

/** What a suspension operation did; `changed` is false for a repeated request. */
export type SuspensionResult = { userId: string; suspended: boolean; changed: boolean };

/**
 * Suspends online booking for `userId`. The note (optional, the staff's own words) is encrypted
 * like the booking fields, since it may describe the person. Suspending a suspended user
 * replaces the reason and note (changed: true) but keeps the original date.
 */
export async function suspendUser(
  prisma: PrismaClient,
  input: { userId: string; reason: string; note: string; now: Date },
  cipher: FieldCipher,
  onChange?: (tx: Prisma.TransactionClient) => Promise<void>,
): Promise<SuspensionResult> {
  if (!isSuspensionReason(input.reason)) throw new SuspensionInputError('reason');
  const note = input.note.replace(/[\p{Cc}\p{Cf}]/gu, (c) => (c === '\n' ? c : '')).trim();
  if ([...note].length > SUSPENSION_NOTE_MAX || !note.isWellFormed()) throw new SuspensionInputError('note');
  return prisma.$transaction(async (tx) => {
    await lockUser(tx, input.userId);
    const user = await tx.lineUser.findUnique({ where: { id: input.userId }, select: { suspendedAt: true } });
    if (!user) throw new BookingError('user-not-found', { userId: input.userId });
    await tx.lineUser.update({
      where: { id: input.userId },
      data: { suspendedAt: user.suspendedAt ?? input.now, suspensionReason: input.reason, suspensionNoteEnc: note === '' ? null : cipher.encrypt(note) },
    });
    await onChange?.(tx);
    return { userId: input.userId, suspended: true, changed: true };
  });
}

/** Lifts a suspension: the user may book online again. A user who is not suspended: changed false. */
export async function liftSuspension(
  prisma: PrismaClient,
  input: { userId: string; now: Date },
  onChange?: (tx: Prisma.TransactionClient) => Promise<void>,
): Promise<SuspensionResult> {
  return prisma.$transaction(async (tx) => {
    await lockUser(tx, input.userId);
    const user = await tx.lineUser.findUnique({ where: { id: input.userId }, select: { suspendedAt: true } });
    if (!user) throw new BookingError('user-not-found', { userId: input.userId });
    if (user.suspendedAt === null) return { userId: input.userId, suspended: false, changed: false };
    await tx.lineUser.update({ where: { id: input.userId }, data: { suspendedAt: null, suspensionReason: null, suspensionNoteEnc: null } });
    await onChange?.(tx);
    return { userId: input.userId, suspended: false, changed: true };
  });
}
