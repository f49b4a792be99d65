/**
 * Retention of personal data (Art. 8 of the terms, and the personal information protection
 * law's duty to erase what is no longer needed):
 *
 * - A booking's personal fields (name, job-seeker number, phone, topic, interpreter language,
 *   plus the staff's free-text cancel reason and the per-booking meeting URL, which may identify
 *   someone) are erased PERSONAL_DATA_RETENTION_DAYS after the consultation, by a periodic job
 *   that runs with the scheduler. What statistics and the audit trail need stays: date, time,
 *   status, attendant kind, outcome, who cancelled, and `personalDataErasedAt`.
 * - A stored conversation that has been expired for `idleConversationRetentionDays` is deleted:
 *   it may hold a half-typed booking (sealed), which the user will never resume.
 * - A user may ask in the chat to have their data erased (`recordErasureRequest`); staff carry
 *   it out with `eraseUserPersonalData`.
 *
 * Nothing here needs the field key: erasing is writing nulls, so a worker without the key can
 * run it.
 */
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/repositories.ts';
import { lockUser } from '../db/repositories.ts';
import type { Logger } from '../logger.ts';
import { describeError } from '../logger.ts';
import { tokyoDateOf } from '../rules/index.ts';
import { upcomingStatuses } from '../booking/status.ts';

/** Default of PERSONAL_DATA_RETENTION_DAYS: a setting the office decides (see README). */
export const defaultPersonalDataRetentionDays = 90;

/**
 * Days after a conversation expired (CONVERSATION_IDLE_MINUTES without a message) before it is
 * deleted. A draft can be resumed for CONVERSATION_RESUME_HOURS (at most a week) after the last
 * message, after which the next message discards it, so a week is plenty; the only cost of
 * deleting is that the next message starts without the "your booking expired" notice.
 */
export const idleConversationRetentionDays = 7;

const dayMs = 86_400_000;

/** The values a booking's personal fields get when they are erased. */
function erasedFields(now: Date) {
  return {
    nameEnc: null,
    jobSeekerNumberEnc: null,
    phoneEnc: null,
    topicEnc: null,
    attendantLanguage: null,
    cancelReason: null,
    meetingUrl: null,
    personalDataErasedAt: now,
  } satisfies Prisma.BookingUpdateManyMutationInput;
}

export interface RetentionSummary {
  /** Bookings whose personal fields were erased by this pass. */
  bookingsErased: number;
  /** Long-expired conversations deleted by this pass. */
  conversationsDeleted: number;
}

/**
 * One retention pass at `now`: erases the personal fields of every booking whose consultation
 * started more than `retentionDays` ago, and deletes conversations expired for more than
 * `idleConversationRetentionDays`. Works in batches (short transactions), is idempotent and can
 * be interrupted at any point: what is left is done by the next pass.
 */
export async function runRetentionPass(prisma: PrismaClient, options: { now: Date; retentionDays: number; batchSize?: number }): Promise<RetentionSummary> {
  const { now, retentionDays } = options;
  const batchSize = options.batchSize ?? 500;
  const bookingCutoff = new Date(now.getTime() - retentionDays * dayMs);
  let bookingsErased = 0;
  for (;;) {
    const due = await prisma.booking.findMany({
      where: { personalDataErasedAt: null, startsAt: { lt: bookingCutoff } },
      select: { id: true },
      orderBy: { startsAt: 'asc' },
      take: batchSize,
    });
    if (due.length === 0) break;
    const { count } = await prisma.booking.updateMany({
      where: { id: { in: due.map((b) => b.id) }, personalDataErasedAt: null },
      data: erasedFields(now),
    });
    bookingsErased += count;
    if (due.length < batchSize) break;
  }

  const conversationCutoff = new Date(now.getTime() - idleConversationRetentionDays * dayMs);
  let conversationsDeleted = 0;
  for (;;) {
    const idle = await prisma.conversation.findMany({
      where: { expiresAt: { lt: conversationCutoff } },
      select: { userId: true },
      orderBy: { expiresAt: 'asc' },
      take: batchSize,
    });
    if (idle.length === 0) break;
    for (const { userId } of idle) {
      // Under the user's lock, and only if still expired: a message arriving meanwhile wins.
      conversationsDeleted += await prisma.$transaction(async (tx) => {
        await lockUser(tx, userId);
        const { count } = await tx.conversation.deleteMany({ where: { userId, expiresAt: { lt: conversationCutoff } } });
        return count;
      });
    }
    if (idle.length < batchSize) break;
  }
  return { bookingsErased, conversationsDeleted };
}

/**
 * Records the user's request (typed in the chat) to erase their data, for staff to carry out.
 * The first request's time is kept if they ask again before staff act.
 */
export async function recordErasureRequest(db: Db, userId: string, now: Date): Promise<void> {
  await db.lineUser.updateMany({ where: { id: userId, erasureRequestedAt: null }, data: { erasureRequestedAt: now } });
}

/** Users who asked to have their data erased and wait for staff, oldest request first. */
export async function pendingErasureRequests(db: Db): Promise<Array<{ userId: string; requestedAt: Date }>> {
  const rows = await db.lineUser.findMany({
    where: { erasureRequestedAt: { not: null } },
    select: { id: true, erasureRequestedAt: true },
    orderBy: { erasureRequestedAt: 'asc' },
  });
  return rows.map((r) => ({ userId: r.id, requestedAt: r.erasureRequestedAt ?? new Date(0) }));
}

/**
 * Carries out a user's erasure request (staff, through the console): erases the personal fields
 * of every booking of the user except those still to take place — confirmed or 'contacted'
 * bookings dated today or later in Japan, which the user cancels by phone as the terms say (or
 * which the retention job erases after the consultation) — deletes their stored conversation,
 * and clears the request. No-show count and refusal stay (Art. 6(4)); consents stay (they hold
 * no personal data beyond the LINE user id). Safe to repeat.
 */
export async function eraseUserPersonalData(prisma: PrismaClient, input: { userId: string; now: Date }): Promise<{ bookingsErased: number }> {
  const { userId, now } = input;
  const today = tokyoDateOf(now);
  return prisma.$transaction(async (tx) => {
    await lockUser(tx, userId);
    const { count } = await tx.booking.updateMany({
      where: {
        userId,
        personalDataErasedAt: null,
        NOT: { status: { in: [...upcomingStatuses] }, date: { gte: today } },
      },
      data: erasedFields(now),
    });
    await tx.conversation.deleteMany({ where: { userId } });
    await tx.lineUser.updateMany({ where: { id: userId }, data: { erasureRequestedAt: null } });
    return { bookingsErased: count };
  });
}

export interface RetentionJobDeps {
  prisma: PrismaClient;
  clock: Clock;
  logger: Logger;
  config: { PERSONAL_DATA_RETENTION_DAYS: number };
}

/**
 * Runs the retention pass now and then every `intervalMs` (an hour by default) until stopped;
 * started wherever the scheduler runs. Any number may run at once (the pass is idempotent).
 * A failing pass is logged (counts and error class only) and the next one tries again.
 */
export function startRetentionJob(deps: RetentionJobDeps, options: { intervalMs?: number } = {}): { stop(): Promise<void> } {
  const intervalMs = options.intervalMs ?? 3_600_000;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = runRetentionPass(deps.prisma, { now: deps.clock.now(), retentionDays: deps.config.PERSONAL_DATA_RETENTION_DAYS })
      .then((summary) => {
        if (summary.bookingsErased > 0 || summary.conversationsDeleted > 0) deps.logger.info({ ...summary }, 'retention pass');
      })
      .catch((error: unknown) => {
        deps.logger.error({ error: describeError(error) }, 'retention pass failed');
      })
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, intervalMs).unref();
      });
  };
  tick();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
