/**
 * The scheduler: delivers the lifecycle pushes (reminders, cancellation and no-show notices)
 * from the `pushes` outbox exactly once, on one instance or many sharing a PostgreSQL server.
 *
 * - Claiming: due rows are leased in one statement that selects them `FOR UPDATE SKIP LOCKED`,
 *   so two schedulers never claim the same row; a crashed scheduler's lease simply expires.
 * - Exactly once: each row's X-Line-Retry-Key was stored when the row was created, before any
 *   attempt, and every attempt reuses it. If a process dies after LINE accepted a push and
 *   before the row says so, the lease expires, another run claims the row, and LINE answers the
 *   repeated key with 409, which is recorded as sent. (LINE keeps a key for 24 hours; retries
 *   here end well within that.)
 * - The booking is re-read at send time: a cancelled booking is never reminded, a reminder
 *   without a meeting URL waits ('held') and is flagged for staff, a user who unfollowed gets
 *   nothing.
 * - Retries: 5xx, 429, timeouts and network errors back off exponentially; other 4xx fail at
 *   once with LINE's message recorded for staff.
 */
import { describeError } from '../logger.ts';
import { Prisma } from '../generated/prisma/client.ts';
import type { PrismaClient, Push } from '../generated/prisma/client.ts';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import { officeCalendarOf } from '../config.ts';
import type { Logger } from '../logger.ts';
import { LineApiError } from '../line/messenger.ts';
import type { Messenger } from '../line/messenger.ts';
import { text } from '../line/messages.ts';
import type { Message } from '../line/messages.ts';
import { cancelledText, noShowText, reminderText } from './copy.ts';
import type { ConsultationSlot, OfficeContact } from './copy.ts';
import { pushKinds, sealedPushKinds } from './reminders.ts';
import type { StateSealer } from '../dialogue/conversation-store.ts';

export interface SchedulerDeps {
  prisma: PrismaClient;
  clock: Clock;
  messenger: Messenger;
  logger: Logger;
  config: Config;
  /** Opens the sealed messages of `reply` rows (the personal-fields key). */
  sealer?: StateSealer | undefined;
}

/** Tuning; the defaults suit production. */
export type OutboxOptions = {
  /** Rows claimed per round. */
  batchSize: number;
  /** How long a claim is exclusive; renewed between deliveries, longer than one attempt can take (see pushTimeoutMs). */
  leaseMs: number;
  /** An attempt that has not answered by then counts as a timeout (retryable). */
  pushTimeoutMs: number;
  /** After this many attempts a retryable failure becomes 'failed', for staff. */
  maxAttempts: number;
  /** First retry delay; doubled on each further attempt up to maxBackoffMs. */
  baseBackoffMs: number;
  maxBackoffMs: number;
};

export const defaultOutboxOptions: OutboxOptions = {
  batchSize: 50,
  // Short, and renewed while a batch is worked through (see runSchedulerOnce): a scheduler
  // that is killed holds its rows for at most this long.
  leaseMs: 30_000,
  pushTimeoutMs: 10_000,
  maxAttempts: 8,
  baseBackoffMs: 30_000,
  maxBackoffMs: 15 * 60_000,
};

/** What one delivery did to its row. */
export type DeliveryOutcome = 'sent' | 'retry' | 'failed' | 'held' | 'withdrawn' | 'skipped';

export type SchedulerRunSummary = Record<DeliveryOutcome, number> & { claimed: number };

/** A row this scheduler holds the lease on. */
export type ClaimedPush = Push & { lease: Date };

/** The outbox kinds this scheduler can render; other kinds in the table are left alone. */
const deliverableKinds: readonly string[] = Object.values(pushKinds);

/** Reasons recorded in lastError; short, fixed and free of personal data. */
export const pushErrors = {
  unfollowed: 'unfollowed',
  meetingUrlMissing: 'meeting URL not set',
  sessionStarted: 'session already started',
  bookingMissing: 'booking not found',
  unknownKind: 'unknown push kind',
  replyUnreadable: 'reply could not be opened (key missing?)',
} as const;

/**
 * Leases up to `limit` due rows (pending, next attempt due, no live lease) for `leaseMs`, in one
 * statement whose inner SELECT locks the rows with SKIP LOCKED: rows another scheduler is
 * claiming at the same moment are skipped, not waited for and not taken twice. Instants are
 * passed as UTC text and converted in SQL, so the session's and the process's time zones do not
 * matter (the columns are `timestamp without time zone`, in UTC, as Prisma writes them).
 */
export async function claimDuePushes(prisma: PrismaClient, now: Date, options: { limit: number; leaseMs: number }): Promise<ClaimedPush[]> {
  const lease = new Date(now.getTime() + options.leaseMs);
  const nowUtc = Prisma.sql`(${now.toISOString()}::timestamptz AT TIME ZONE 'UTC')`;
  const leaseUtc = Prisma.sql`(${lease.toISOString()}::timestamptz AT TIME ZONE 'UTC')`;
  const claimed = await prisma.$queryRaw<{ id: string }[]>`
    WITH due AS (
      SELECT id FROM pushes
      WHERE status = 'pending'
        AND kind IN (${Prisma.join(deliverableKinds)})
        AND next_attempt_at <= ${nowUtc}
        AND (lease_until IS NULL OR lease_until <= ${nowUtc})
      ORDER BY next_attempt_at, id
      LIMIT ${options.limit}
      FOR UPDATE SKIP LOCKED
    )
    UPDATE pushes SET lease_until = ${leaseUtc}
    FROM due WHERE pushes.id = due.id
    RETURNING pushes.id`;
  if (claimed.length === 0) return [];
  const rows = await prisma.push.findMany({ where: { id: { in: claimed.map((row) => row.id) } }, orderBy: { nextAttemptAt: 'asc' } });
  return rows.map((row) => ({ ...row, lease }));
}

/**
 * Delivers one claimed row: re-reads what the message depends on, decides, sends with the
 * stored retry key, and records the outcome. Never throws for LINE's answers; a database
 * failure propagates and the lease expires, so the row is tried again.
 */
export async function deliverPush(row: ClaimedPush, deps: SchedulerDeps, options: OutboxOptions = defaultOutboxOptions): Promise<DeliveryOutcome> {
  const { prisma, logger } = deps;
  const log = { pushId: row.id, kind: row.kind, bookingId: row.bookingId };
  const current = await prisma.push.findUnique({ where: { id: row.id }, select: { status: true } });
  if (current?.status !== 'pending') return 'skipped'; // withdrawn or sent meanwhile

  const decision = await decide(row, deps);
  if (decision.action !== 'send') {
    const status = settledStatus[decision.action];
    await settle(prisma, row, { status, leaseUntil: null, lastError: decision.reason ?? null });
    logger.info({ ...log, outcome: status, reason: decision.reason }, 'push not sent');
    return status;
  }

  // Count the attempt before making it, and only while the lease is still ours.
  const { count } = await prisma.push.updateMany({
    where: { id: row.id, status: 'pending', leaseUntil: row.lease },
    data: { attempts: { increment: 1 } },
  });
  if (count === 0) return 'skipped';
  const attempts = row.attempts + 1;

  try {
    const outcome = await withTimeout(deps.messenger.push(row.userId, decision.messages, row.retryKey), options.pushTimeoutMs);
    // Delivered is a fact: record it whatever happened to the row meanwhile.
    await prisma.push.update({
      where: { id: row.id },
      // A reply's sealed messages are not kept once delivered.
      data: { status: 'sent', sentAt: deps.clock.now(), leaseUntil: null, lastError: null, ...(row.kind === pushKinds.reply ? { data: Prisma.DbNull } : {}), ...(row.kind === pushKinds.rescheduled || row.kind === pushKinds.staffMessage ? { data: { bookingId: bookingIdInData(row) } } : {}) },
    });
    logger.info({ ...log, attempts, duplicate: outcome.duplicate }, outcome.duplicate ? 'push already delivered (retry key accepted before)' : 'push sent');
    return 'sent';
  } catch (error) {
    const lineError = error instanceof LineApiError ? error : new LineApiError(0, `push failed: ${error instanceof Error ? error.name : 'error'}`);
    const later = deps.clock.now();
    if (lineError.retryable && attempts < options.maxAttempts) {
      const backoff = Math.min(options.baseBackoffMs * 2 ** (attempts - 1), options.maxBackoffMs);
      await prisma.push.updateMany({
        where: { id: row.id, status: 'pending' },
        data: { nextAttemptAt: new Date(later.getTime() + backoff), leaseUntil: null, lastError: lineError.message },
      });
      logger.warn({ ...log, attempts, lineStatus: lineError.status, retryInMs: backoff }, 'push failed; will retry');
      return 'retry';
    }
    await settle(prisma, row, { status: 'failed', leaseUntil: null, lastError: lineError.message });
    logger.error({ ...log, attempts, lineStatus: lineError.status }, 'push failed; left for staff');
    return 'failed';
  }
}

/** Lets a pass stop between two deliveries (shutdown). */
export type PassControl = { stopping: boolean };

/**
 * One scheduler pass: releases or closes held reminders, then claims and delivers due rows in
 * batches until none are left. What the interval timer, the worker and the tests call.
 * While it works through a batch it renews the lease of the rows still waiting whenever half of
 * it has run out; asked to stop, it gives the waiting rows back at once (lease cleared), so
 * another scheduler takes them without waiting for the lease to expire.
 */
export async function runSchedulerOnce(deps: SchedulerDeps, options: OutboxOptions = defaultOutboxOptions, control: PassControl = { stopping: false }): Promise<SchedulerRunSummary> {
  const summary: SchedulerRunSummary = { claimed: 0, sent: 0, retry: 0, failed: 0, held: 0, withdrawn: 0, skipped: 0 };
  const now = deps.clock.now();
  await reviewHeldReminders(deps, now);
  for (let round = 0; round < 100 && !control.stopping; round += 1) {
    const rows = await claimDuePushes(deps.prisma, deps.clock.now(), { limit: options.batchSize, leaseMs: options.leaseMs });
    summary.claimed += rows.length;
    for (let i = 0; i < rows.length; i += 1) {
      const waiting = rows.slice(i);
      if (control.stopping) {
        await releaseLeases(deps.prisma, waiting);
        return summary;
      }
      await renewLeasesIfDue(deps, waiting, options);
      const row = rows[i];
      if (!row) continue;
      try {
        summary[await deliverPush(row, deps, options)] += 1;
      } catch (error) {
        // The lease expires and a later run tries again.
        deps.logger.error({ pushId: row.id, error: describeError(error) }, 'push delivery failed');
      }
    }
    if (rows.length < options.batchSize) break;
  }
  return summary;
}

/**
 * Extends the lease of rows still waiting in this pass once half of it has gone by. A row whose
 * lease was lost meanwhile (another scheduler took it over) keeps its old lease value here, so
 * deliverPush sees that it is no longer ours and skips it.
 */
async function renewLeasesIfDue(deps: SchedulerDeps, rows: ClaimedPush[], options: OutboxOptions): Promise<void> {
  const now = deps.clock.now().getTime();
  const stale = rows.filter((row) => row.lease.getTime() - now < options.leaseMs / 2);
  if (stale.length === 0) return;
  const lease = new Date(now + options.leaseMs);
  for (const row of stale) {
    const { count } = await deps.prisma.push.updateMany({ where: { id: row.id, status: 'pending', leaseUntil: row.lease }, data: { leaseUntil: lease } });
    if (count === 1) row.lease = lease;
  }
}

/** Gives claimed rows back (still ours only), for another scheduler to take at once. */
async function releaseLeases(prisma: PrismaClient, rows: ClaimedPush[]): Promise<void> {
  for (const row of rows) await prisma.push.updateMany({ where: { id: row.id, status: 'pending', leaseUntil: row.lease }, data: { leaseUntil: null } });
}

export interface Scheduler {
  /** Finishes the delivery in progress, gives back the rows it still held, and stops. */
  stop(): Promise<void>;
  /** Runs a pass now (or right after the one in progress) instead of at the next tick. */
  kick(): void;
}

/**
 * Runs the scheduler now and then every SCHEDULER_INTERVAL_SECONDS, one pass at a time, until
 * stopped; a failing pass is logged and the next one tries again.
 */
export function startScheduler(deps: SchedulerDeps, options: OutboxOptions = defaultOutboxOptions): Scheduler {
  const intervalMs = deps.config.SCHEDULER_INTERVAL_SECONDS * 1000;
  let timer: NodeJS.Timeout | undefined;
  const control: PassControl = { stopping: false };
  let running: Promise<void> | null = null;
  let rerun = false;
  const tick = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    running = runSchedulerOnce(deps, options, control)
      .then((summary) => {
        if (summary.claimed > 0) deps.logger.info({ ...summary }, 'scheduler pass');
      })
      .catch((error: unknown) => {
        deps.logger.error({ error: describeError(error) }, 'scheduler pass failed');
      })
      .finally(() => {
        running = null;
        if (control.stopping) return;
        if (rerun) {
          rerun = false;
          tick();
        } else {
          timer = setTimeout(tick, intervalMs);
        }
      });
  };
  tick();
  return {
    kick() {
      if (control.stopping) return;
      if (running) rerun = true;
      else tick();
    },
    async stop() {
      control.stopping = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Internals
// ---------------------------------------------------------------------------------------------

type Decision = { action: 'send'; messages: Message[] } | { action: 'hold' | 'withdraw' | 'fail'; reason: string | undefined };

const settledStatus = { hold: 'held', withdraw: 'withdrawn', fail: 'failed' } as const;

/** What to do with a row, from the booking and the user as they are now. */
async function decide(row: ClaimedPush, deps: SchedulerDeps): Promise<Decision> {
  const { prisma, config } = deps;
  if (!deliverableKinds.includes(row.kind)) return { action: 'fail', reason: pushErrors.unknownKind };
  if (sealedPushKinds.includes(row.kind)) return decideReply(row, deps);
  const booking = row.bookingId
    ? await prisma.booking.findUnique({ where: { id: row.bookingId }, select: { date: true, startTime: true, startsAt: true, status: true, meetingUrl: true } })
    : null;
  if (!booking) return { action: 'withdraw', reason: pushErrors.bookingMissing };

  const stillValid =
    row.kind === pushKinds.reminder
      ? booking.status === 'confirmed' || booking.status === 'contacted'
      : row.kind === pushKinds.cancelled
        ? booking.status === 'cancelled'
        : booking.status === 'no_show';
  if (!stillValid) return { action: 'withdraw', reason: undefined };

  const user = await prisma.lineUser.findUnique({ where: { id: row.userId }, select: { unfollowedAt: true } });
  if (!user || user.unfollowedAt !== null) return { action: 'fail', reason: pushErrors.unfollowed };

  const slot: ConsultationSlot = { date: booking.date, startTime: booking.startTime, slotMinutes: officeCalendarOf(config).slotMinutes };
  const office: OfficeContact = { officeName: config.OFFICE_NAME, officePhone: config.OFFICE_PHONE, officePhoneHours: config.OFFICE_PHONE_HOURS };

  if (row.kind === pushKinds.reminder) {
    if (deps.clock.now().getTime() >= booking.startsAt.getTime()) return { action: 'fail', reason: pushErrors.sessionStarted };
    const meetingUrl = booking.meetingUrl ?? config.DEFAULT_MEETING_URL;
    if (!meetingUrl) return { action: 'hold', reason: pushErrors.meetingUrlMissing };
    const chatCancellationCutoffHours = config.CHAT_CANCELLATION_ENABLED ? config.CHAT_CANCELLATION_CUTOFF_HOURS : undefined;
    return { action: 'send', messages: [text(reminderText({ slot, meetingUrl, office, chatCancellationCutoffHours }))] };
  }
  if (row.kind === pushKinds.cancelled) {
    const byOffice = typeof row.data === 'object' && row.data !== null && !Array.isArray(row.data) && row.data.byOffice === true;
    return { action: 'send', messages: [text(cancelledText({ slot, office, byOffice }))] };
  }
  const refused = typeof row.data === 'object' && row.data !== null && !Array.isArray(row.data) && row.data.refused === true;
  return { action: 'send', messages: [text(noShowText({ slot, office, refused }))] };
}

/** The booking a sealed staff push (rescheduling, message) is about; kept after the sealed text is dropped. */
function bookingIdInData(row: ClaimedPush): string | null {
  const data = row.data;
  return typeof data === 'object' && data !== null && !Array.isArray(data) && typeof data.bookingId === 'string' ? data.bookingId : null;
}

/** A turn's replies, sealed when the turn committed: sent as they were, unless the user has gone. */
async function decideReply(row: ClaimedPush, deps: SchedulerDeps): Promise<Decision> {
  const user = await deps.prisma.lineUser.findUnique({ where: { id: row.userId }, select: { unfollowedAt: true } });
  if (!user || user.unfollowedAt !== null) return { action: 'fail', reason: pushErrors.unfollowed };
  const sealed = typeof row.data === 'object' && row.data !== null && !Array.isArray(row.data) ? row.data.sealed : undefined;
  try {
    if (typeof sealed !== 'string' || !deps.sealer) throw new Error('no sealed reply');
    const messages = JSON.parse(deps.sealer.open(sealed)) as Message[];
    if (!Array.isArray(messages) || messages.length === 0) throw new Error('empty reply');
    return { action: 'send', messages };
  } catch {
    return { action: 'fail', reason: pushErrors.replyUnreadable };
  }
}

/** Records a final outcome, unless the row was settled otherwise meanwhile (e.g. withdrawn by staff). */
async function settle(prisma: PrismaClient, row: ClaimedPush, data: { status: string; leaseUntil: null; lastError: string | null }): Promise<void> {
  await prisma.push.updateMany({ where: { id: row.id, status: 'pending' }, data });
}

/**
 * Housekeeping for reminders waiting for a meeting URL: released when a default URL has been
 * configured since, failed (visible to staff) once their session has started without one.
 */
async function reviewHeldReminders(deps: SchedulerDeps, now: Date): Promise<void> {
  const { prisma, config } = deps;
  await prisma.push.updateMany({
    where: { kind: pushKinds.reminder, status: 'held', booking: { startsAt: { lte: now } } },
    data: { status: 'failed', lastError: pushErrors.sessionStarted },
  });
  if (config.DEFAULT_MEETING_URL) {
    await prisma.push.updateMany({ where: { kind: pushKinds.reminder, status: 'held' }, data: { status: 'pending', nextAttemptAt: now, lastError: null } });
  }
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
    void work.catch(() => {}); // a late failure after the timeout has nobody to tell
  }
}
