/**
 * The announcement sender: delivers the batches of running announcements through LINE's
 * multicast, exactly once, on one instance or many sharing a PostgreSQL server. It follows the
 * push outbox (src/lifecycle/outbox.ts) and uses the same ideas:
 *
 * - Claiming: one due batch at a time is leased by a statement that selects it `FOR UPDATE SKIP
 *   LOCKED` (and only while its announcement is `sending`, so a pause stops new claims); a
 *   crashed sender's lease simply expires and another claims the batch.
 * - Exactly once: each batch's X-Line-Retry-Key was stored at publication, before any attempt,
 *   and every attempt reuses it. If a process dies after LINE accepted a multicast and before
 *   the batch says so, the retry gets 409, which is recorded as sent.
 * - Unfollows: the recipient list is fixed at publication, but a user who has unfollowed since
 *   is left out of the request (LINE would drop them anyway) and counted as skipped.
 * - Retries: 5xx, 429, timeouts and network errors back off exponentially under the same key;
 *   other 4xx fail the batch at once with LINE's message recorded for staff.
 * - Rate: at most ANNOUNCEMENT_CONCURRENCY requests in flight and ANNOUNCEMENT_REQUESTS_PER_SECOND
 *   started per second by one process (LINE allows 200 multicast requests a second per channel;
 *   with several senders, divide).
 */
import { Prisma } from '../generated/prisma/client.ts';
import type { AnnouncementBatch, PrismaClient } from '../generated/prisma/client.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import { describeError } from '../logger.ts';
import { LineApiError } from '../line/messenger.ts';
import type { Message } from '../line/messages.ts';
import { startLimiter } from '../line/request-rate.ts';
import type { Multicaster } from './multicast.ts';

export interface SenderDeps {
  prisma: PrismaClient;
  clock: Clock;
  multicaster: Multicaster;
  logger: Logger;
}

/** Tuning; the defaults suit production. */
export type SenderOptions = {
  /** Requests in flight at once. */
  concurrency: number;
  /** Requests started per second, at most. */
  requestsPerSecond: number;
  /** How long a claim is exclusive; longer than any attempt can take (see requestTimeoutMs). */
  leaseMs: number;
  requestTimeoutMs: number;
  /** After this many attempts a retryable failure fails the batch, for staff. */
  maxAttempts: number;
  baseBackoffMs: number;
  maxBackoffMs: number;
};

export const defaultSenderOptions: SenderOptions = {
  concurrency: 4,
  requestsPerSecond: 100,
  leaseMs: 120_000,
  requestTimeoutMs: 30_000,
  maxAttempts: 8,
  baseBackoffMs: 30_000,
  maxBackoffMs: 15 * 60_000,
};

export type BatchOutcome = 'sent' | 'retry' | 'failed' | 'skipped';
export type SenderRunSummary = Record<BatchOutcome, number>;

type ClaimedBatch = AnnouncementBatch & { lease: Date };

/** Leases the next due batch of a running announcement, or returns null when there is none. */
export async function claimNextBatch(prisma: PrismaClient, now: Date, leaseMs: number): Promise<ClaimedBatch | null> {
  const lease = new Date(now.getTime() + leaseMs);
  const nowUtc = Prisma.sql`(${now.toISOString()}::timestamptz AT TIME ZONE 'UTC')`;
  const leaseUtc = Prisma.sql`(${lease.toISOString()}::timestamptz AT TIME ZONE 'UTC')`;
  const claimed = await prisma.$queryRaw<{ id: string }[]>`
    WITH due AS (
      SELECT b.id FROM announcement_batches b
      JOIN announcements a ON a.id = b.announcement_id
      WHERE b.status = 'pending'
        AND a.status = 'sending'
        AND b.next_attempt_at <= ${nowUtc}
        AND (b.lease_until IS NULL OR b.lease_until <= ${nowUtc})
      ORDER BY a.created_at, b.next_attempt_at, b.seq
      LIMIT 1
      FOR UPDATE OF b SKIP LOCKED
    )
    UPDATE announcement_batches SET lease_until = ${leaseUtc}
    FROM due WHERE announcement_batches.id = due.id
    RETURNING announcement_batches.id`;
  const id = claimed[0]?.id;
  if (!id) return null;
  const row = await prisma.announcementBatch.findUnique({ where: { id } });
  return row ? { ...row, lease } : null;
}

/** Marks an announcement done once none of its batches is pending. */
async function completeIfFinished(prisma: PrismaClient, announcementId: string, now: Date): Promise<void> {
  const pending = await prisma.announcementBatch.count({ where: { announcementId, status: 'pending' } });
  if (pending === 0)
    await prisma.announcement.updateMany({ where: { id: announcementId, status: { in: ['sending', 'paused'] } }, data: { status: 'done', completedAt: now } });
}

/**
 * Delivers one claimed batch and records the outcome. Never throws for LINE's answers; a
 * database failure propagates and the lease expires, so the batch is tried again.
 */
export async function deliverBatch(row: ClaimedBatch, deps: SenderDeps, options: SenderOptions = defaultSenderOptions): Promise<BatchOutcome> {
  const { prisma, logger } = deps;
  const log = { announcementId: row.announcementId, batch: row.seq, variant: row.variant };
  const announcement = await prisma.announcement.findUnique({ where: { id: row.announcementId }, select: { status: true, messages: true } });
  if (!announcement || announcement.status !== 'sending') {
    await prisma.announcementBatch.updateMany({ where: { id: row.id, leaseUntil: row.lease }, data: { leaseUntil: null } });
    return 'skipped'; // paused meanwhile: left pending for the resume
  }
  const messages = (announcement.messages as unknown as Record<string, Message[]>)[row.variant];
  if (!messages || messages.length === 0) {
    await prisma.announcementBatch.updateMany({
      where: { id: row.id, status: 'pending' },
      data: { status: 'failed', leaseUntil: null, lastError: 'no messages for this variant' },
    });
    return 'failed';
  }

  // One array parameter rather than 500 bound ids.
  const gone = await prisma.$queryRaw<{ id: string }[]>`SELECT id FROM line_users WHERE id = ANY(${row.recipients}::text[]) AND unfollowed_at IS NOT NULL`;
  const goneIds = new Set(gone.map((user) => user.id));
  const to = row.recipients.filter((id) => !goneIds.has(id));
  if (to.length === 0) {
    await prisma.announcementBatch.updateMany({
      where: { id: row.id, status: 'pending' },
      data: { status: 'sent', sentAt: deps.clock.now(), leaseUntil: null, skippedCount: goneIds.size },
    });
    await completeIfFinished(prisma, row.announcementId, deps.clock.now());
    return 'sent';
  }

  // Count the attempt before making it, and only while the lease is still ours.
  const { count } = await prisma.announcementBatch.updateMany({
    where: { id: row.id, status: 'pending', leaseUntil: row.lease },
    data: { attempts: { increment: 1 } },
  });
  if (count === 0) return 'skipped';
  const attempts = row.attempts + 1;

  try {
    const outcome = await withTimeout(deps.multicaster.multicast(to, messages, row.retryKey), options.requestTimeoutMs);
    // Delivered is a fact: record it whatever happened to the row meanwhile.
    await prisma.announcementBatch.update({
      where: { id: row.id },
      data: { status: 'sent', sentAt: deps.clock.now(), leaseUntil: null, lastError: null, lastStatus: null, skippedCount: goneIds.size },
    });
    logger.info(
      { ...log, attempts, recipients: to.length, duplicate: outcome.duplicate },
      outcome.duplicate ? 'announcement batch already delivered (retry key accepted before)' : 'announcement batch sent',
    );
    await completeIfFinished(prisma, row.announcementId, deps.clock.now());
    return 'sent';
  } catch (error) {
    const lineError = error instanceof LineApiError ? error : new LineApiError(0, `multicast failed: ${error instanceof Error ? error.name : 'error'}`);
    const later = deps.clock.now();
    if (lineError.retryable && attempts < options.maxAttempts) {
      const backoff = Math.min(options.baseBackoffMs * 2 ** (attempts - 1), options.maxBackoffMs);
      await prisma.announcementBatch.updateMany({
        where: { id: row.id, status: 'pending' },
        data: { nextAttemptAt: new Date(later.getTime() + backoff), leaseUntil: null, lastError: lineError.message, lastStatus: lineError.status },
      });
      logger.warn({ ...log, attempts, lineStatus: lineError.status, retryInMs: backoff }, 'announcement batch failed; will retry');
      return 'retry';
    }
    await prisma.announcementBatch.updateMany({
      where: { id: row.id, status: 'pending' },
      data: { status: 'failed', leaseUntil: null, lastError: lineError.message, lastStatus: lineError.status },
    });
    logger.error({ ...log, attempts, lineStatus: lineError.status }, 'announcement batch failed; left for staff');
    await completeIfFinished(prisma, row.announcementId, later);
    return 'failed';
  }
}

/**
 * One pass: `concurrency` workers claim and deliver due batches until none is left (or `stop`
 * says so). What the loop, the worker and the tests call.
 */
export async function runAnnouncementsOnce(
  deps: SenderDeps,
  options: SenderOptions = defaultSenderOptions,
  stop: () => boolean = () => false,
): Promise<SenderRunSummary> {
  const summary: SenderRunSummary = { sent: 0, retry: 0, failed: 0, skipped: 0 };
  const limit = startLimiter(options.requestsPerSecond);
  const worker = async () => {
    while (!stop()) {
      await limit();
      const row = await claimNextBatch(deps.prisma, deps.clock.now(), options.leaseMs);
      if (!row) return;
      try {
        summary[await deliverBatch(row, deps, options)] += 1;
      } catch (error) {
        // The lease expires and a later pass tries again.
        deps.logger.error({ announcementId: row.announcementId, batch: row.seq, error: describeError(error) }, 'announcement batch delivery failed');
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, () => worker()));
  return summary;
}

/**
 * Runs the sender now and then every `intervalMs`, one pass at a time, until stopped; a failing
 * pass is logged and the next one tries again. `stop()` lets the requests in flight finish.
 */
export function startAnnouncementSender(deps: SenderDeps, intervalMs: number, options: SenderOptions = defaultSenderOptions): { stop(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = runAnnouncementsOnce(deps, options, () => stopped)
      .then((summary) => {
        if (summary.sent + summary.retry + summary.failed > 0) deps.logger.info({ ...summary }, 'announcement pass');
      })
      .catch((error: unknown) => {
        deps.logger.error({ error: describeError(error) }, 'announcement pass failed');
      })
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, intervalMs);
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

/** Resolves as `work` does, or rejects with a retryable timeout (the request may still land: the retry key covers that). */
async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new LineApiError(0, 'LINE API timeout')), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
    void work.catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------------
// Console operations: pause, resume, retry, progress
// ---------------------------------------------------------------------------------------------

/** Stops claiming new batches of an announcement; requests in flight finish. False if it was not sending. */
export async function pauseAnnouncement(prisma: PrismaClient, id: string): Promise<boolean> {
  const { count } = await prisma.announcement.updateMany({ where: { id, status: 'sending' }, data: { status: 'paused' } });
  return count === 1;
}

/** Lets a paused announcement go on where it stopped. False if it was not paused. */
export async function resumeAnnouncement(prisma: PrismaClient, id: string, now: Date): Promise<boolean> {
  const { count } = await prisma.announcement.updateMany({ where: { id, status: 'paused' }, data: { status: 'sending' } });
  if (count === 1) await completeIfFinished(prisma, id, now);
  return count === 1;
}

/**
 * Queues the failed batches of an announcement again (e.g. after the channel token was fixed),
 * with their own retry keys: LINE answers 409 for any that had been delivered after all, within
 * its 24 hours. Returns how many were queued.
 */
export async function retryFailedBatches(prisma: PrismaClient, id: string, now: Date): Promise<number> {
  return prisma.$transaction(async (tx) => {
    const { count } = await tx.announcementBatch.updateMany({
      where: { announcementId: id, status: 'failed' },
      data: { status: 'pending', attempts: 0, nextAttemptAt: now, leaseUntil: null },
    });
    if (count > 0) await tx.announcement.updateMany({ where: { id, status: 'done' }, data: { status: 'sending', completedAt: null } });
    return count;
  });
}

export type AnnouncementProgress = {
  batches: number;
  recipients: number;
  /** Recipients of delivered batches (less the skipped). */
  sent: number;
  pending: number;
  failed: number;
  /** Recipients left out because they unfollowed after publication. */
  skipped: number;
  /** 0–100: the share of recipients whose batch is settled (sent, skipped or failed). */
  percent: number;
};

/** Sent / pending / failed recipients of each given announcement, in one query. */
export async function announcementProgress(prisma: PrismaClient, ids: string[]): Promise<Map<string, AnnouncementProgress>> {
  const result = new Map<string, AnnouncementProgress>();
  for (const id of ids) result.set(id, { batches: 0, recipients: 0, sent: 0, pending: 0, failed: 0, skipped: 0, percent: 100 });
  if (ids.length === 0) return result;
  const rows = await prisma.$queryRaw<{ announcement_id: string; status: string; batches: number; recipients: number; skipped: number }[]>`
    SELECT announcement_id, status, count(*)::int AS batches,
           coalesce(sum(cardinality(recipients)), 0)::int AS recipients, coalesce(sum(skipped_count), 0)::int AS skipped
    FROM announcement_batches WHERE announcement_id IN (${Prisma.join(ids)})
    GROUP BY announcement_id, status`;
  for (const row of rows) {
    const p = result.get(row.announcement_id);
    if (!p) continue;
    p.batches += row.batches;
    p.recipients += row.recipients;
    if (row.status === 'sent') {
      p.sent += row.recipients - row.skipped;
      p.skipped += row.skipped;
    } else if (row.status === 'failed') p.failed += row.recipients;
    else p.pending += row.recipients;
  }
  for (const p of result.values()) p.percent = p.recipients === 0 ? 100 : Math.floor(((p.recipients - p.pending) / p.recipients) * 100);
  return result;
}

/** Announcements, newest first, with their progress (for the console's list). */
export async function listAnnouncements(prisma: PrismaClient, take = 50) {
  const rows = await prisma.announcement.findMany({
    orderBy: { createdAt: 'desc' },
    take,
    select: {
      id: true,
      kind: true,
      title: true,
      audience: true,
      rangeFrom: true,
      rangeTo: true,
      status: true,
      createdAt: true,
      completedAt: true,
      createdBy: true,
      termsVersionId: true,
    },
  });
  const progress = await announcementProgress(
    prisma,
    rows.map((row) => row.id),
  );
  return rows.map((row) => ({
    ...row,
    progress: progress.get(row.id) ?? { batches: 0, recipients: 0, sent: 0, pending: 0, failed: 0, skipped: 0, percent: 100 },
  }));
}

/** The batches that failed or are being retried, with LINE's answer (no recipients' ids). */
export async function batchErrors(prisma: PrismaClient, announcementId: string) {
  const rows = await prisma.announcementBatch.findMany({
    where: { announcementId, lastError: { not: null } },
    orderBy: { seq: 'asc' },
    select: { seq: true, variant: true, status: true, attempts: true, lastStatus: true, lastError: true, nextAttemptAt: true, recipients: true },
  });
  return rows.map(({ recipients, ...row }) => ({ ...row, recipientCount: recipients.length }));
}
