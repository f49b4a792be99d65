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
 * - Throughput (issue #13): a claimed batch is delivered by PUSH_CONCURRENCY workers at once, a
 *   user's rows in order by one worker; at most PUSH_REQUESTS_PER_SECOND requests start per
 *   second. Between passes the scheduler sleeps until the next row is due (or a lease runs
 *   out), at most SCHEDULER_INTERVAL_SECONDS, instead of polling at a fixed interval.
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
import { startLimiter } from '../line/request-rate.ts';
import { text } from '../line/messages.ts';
import type { Message } from '../line/messages.ts';
import { cancelledText, lifecycleCopy, noShowText } from '../wording/pushes.ts';
import { reminderCard } from './reminder-card.ts';
import type { ConsultationSlot, OfficeContact } from '../wording/pushes.ts';
import { pushKinds, sealedPushKinds } from './reminders.ts';
import type { StateSealer } from '../dialogue/conversation-store.ts';
import { isUpcomingStatus } from '../booking/status.ts';

export interface SchedulerDeps {
  prisma: PrismaClient;
  clock: Clock;
  messenger: Messenger;
  logger: Logger;
  config: Config;
  /** Opens the sealed messages of `reply` rows (the personal-fields key). */
  sealer?: StateSealer | undefined;
}

/** Tuning; the defaults suit production (outboxOptionsFor takes the two settings from the configuration). */
export type OutboxOptions = {
  /** Rows claimed per round. */
  batchSize: number;
  /** Pushes in flight at once (PUSH_CONCURRENCY). */
  concurrency: number;
  /** Push requests started per second at most (PUSH_REQUESTS_PER_SECOND). */
  requestsPerSecond: number;
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
  batchSize: 100,
  // Enough to keep ~100-300 pushes a second going against LINE's usual 30-100 ms answers (10,000
  // reminders due at 10:00 go out within a minute) while a busy pass uses about one database
  // connection on average: a delivery holds none while it waits for LINE.
  concurrency: 10,
  // LINE allows 2,000 push requests a second per channel, for all instances together. The
  // concurrency alone bounds the rate only as long as LINE answers slowly; against a fast answer
  // ten workers could start several thousand a second. A cap of a quarter of LINE's limit keeps
  // four instances within it and costs nothing at the rates the concurrency gives.
  requestsPerSecond: 500,
  // Short, and renewed while a batch is worked through (see runSchedulerOnce): a scheduler
  // that is killed holds its rows for at most this long.
  leaseMs: 30_000,
  pushTimeoutMs: 10_000,
  maxAttempts: 8,
  baseBackoffMs: 30_000,
  maxBackoffMs: 15 * 60_000,
};

/**
 * The options for a configuration: PUSH_CONCURRENCY and PUSH_REQUESTS_PER_SECOND; a batch holds
 * at least ten rows per worker, so the workers are not left idle waiting for the next claim.
 */
export function outboxOptionsFor(config: Pick<Config, 'PUSH_CONCURRENCY' | 'PUSH_REQUESTS_PER_SECOND'>): OutboxOptions {
  const concurrency = config.PUSH_CONCURRENCY;
  return {
    ...defaultOutboxOptions,
    concurrency,
    requestsPerSecond: config.PUSH_REQUESTS_PER_SECOND,
    batchSize: Math.max(defaultOutboxOptions.batchSize, concurrency * 10),
  };
}

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
  const nowUtc = utc(now);
  const leaseUtc = utc(lease);
  const claimed = await prisma.$queryRaw<{ id: string }[]>`
    WITH due AS (
      SELECT id FROM pushes
      WHERE status = 'pending'
        AND kind IN (${Prisma.join(deliverableKinds)})
        AND next_attempt_at <= ${nowUtc}
        AND (lease_until IS NULL OR lease_until <= ${nowUtc})
      -- next_attempt_at alone: the index gives that order and the scan stops at the limit
      -- (with id as well, every due row was read and sorted at each claim)
      ORDER BY next_attempt_at
      LIMIT ${options.limit}
      FOR UPDATE SKIP LOCKED
    )
    UPDATE pushes SET lease_until = ${leaseUtc}
    FROM due WHERE pushes.id = due.id
    RETURNING pushes.id`;
  if (claimed.length === 0) return [];
  const rows = await prisma.push.findMany({ where: { id: { in: claimed.map((row) => row.id) } }, orderBy: [{ nextAttemptAt: 'asc' }, { id: 'asc' }] });
  return rows.map((row) => ({ ...row, lease }));
}

/**
 * When the next pass has something to do: the earliest moment a pending row of a kind this
 * scheduler delivers is due and not leased (a leased row counts from its lease's end, in case
 * its scheduler died). Null when there is none. Read at the end of each pass.
 */
export async function nextDueAt(prisma: PrismaClient): Promise<Date | null> {
  const [row] = await prisma.$queryRaw<{ at: number | null }[]>`
    SELECT (extract(epoch FROM min(GREATEST(next_attempt_at, COALESCE(lease_until, next_attempt_at)))) * 1000)::float8 AS at
    FROM pushes
    WHERE status = 'pending' AND kind IN (${Prisma.join(deliverableKinds)})`;
  return row?.at === null || row?.at === undefined ? null : new Date(row.at);
}

/**
 * Delivers one claimed row: counts the attempt and re-reads what the message depends on, decides,
 * sends with the stored retry key, and records the outcome. Never throws for LINE's answers; a
 * database failure propagates and the lease expires, so the row is tried again. `hooks`: what a
 * pass adds: attempts begun together with those of other workers, the rate limit awaited just
 * before the request goes out, and a recorder that marks accepted rows sent several at a time
 * (by default each row is begun and marked on its own).
 */
export async function deliverPush(
  row: ClaimedPush,
  deps: SchedulerDeps,
  options: OutboxOptions = defaultOutboxOptions,
  hooks: DeliveryHooks = {},
): Promise<DeliveryOutcome> {
  const { prisma, logger } = deps;
  const log = { pushId: row.id, kind: row.kind, bookingId: row.bookingId };
  // Count the attempt before making it, and only while the row is pending and the lease still
  // ours (withdrawn, sent or taken over meanwhile: skipped); the same statement reads the booking
  // and the user as they are now.
  const current = hooks.beginAttempt ? await hooks.beginAttempt(row) : ((await beginAttempts(prisma, [row], deps.clock.now())).get(row.id) ?? null);
  if (!current) return 'skipped';
  const attempts = current.attempts;

  const decision = decide(row, current, deps);
  if (decision.action !== 'send') {
    const status = settledStatus[decision.action];
    // Nothing was attempted: the count taken above is given back.
    await settle(prisma, row, { status, leaseUntil: null, lastError: decision.reason ?? null, attempts: { decrement: 1 } });
    logger.info({ ...log, outcome: status, reason: decision.reason }, 'push not sent');
    return status;
  }

  try {
    await hooks.beforeRequest?.();
    const outcome = await withTimeout(deps.messenger.push(row.userId, decision.messages, row.retryKey), options.pushTimeoutMs);
    if (hooks.recordSent) hooks.recordSent(row.id, deps.clock.now());
    else await markSent(prisma, [{ id: row.id, at: deps.clock.now() }]);
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

/** What a pass adds to each delivery (see deliverPush). */
export type DeliveryHooks = {
  beginAttempt?: (row: ClaimedPush) => Promise<AttemptState | null>;
  beforeRequest?: () => Promise<void>;
  recordSent?: (pushId: string, at: Date) => void;
};

/**
 * Records rows LINE accepted as sent, unconditionally (delivered is a fact, whatever happened to
 * the row meanwhile), in one statement. A reply's sealed messages are not kept once delivered; a
 * sealed staff push keeps only the booking it was about.
 */
async function markSent(prisma: PrismaClient, rows: { id: string; at: Date }[]): Promise<void> {
  if (rows.length === 0) return;
  const values = Prisma.join(rows.map((row) => Prisma.sql`(${row.id}, ${row.at.toISOString()})`));
  await prisma.$executeRaw`
    UPDATE pushes SET status = 'sent', sent_at = (v.at::timestamptz AT TIME ZONE 'UTC'), lease_until = NULL, last_error = NULL,
      data = CASE
        WHEN pushes.kind = ${pushKinds.reply} THEN NULL
        WHEN pushes.kind IN (${pushKinds.rescheduled}, ${pushKinds.staffMessage}) THEN jsonb_build_object('bookingId', pushes.data -> 'bookingId')
        ELSE pushes.data END
    FROM (VALUES ${values}) AS v(id, at)
    WHERE pushes.id = v.id`;
}

/**
 * Marks accepted rows sent `size` at a time rather than one statement each; flush() records the
 * rest (a pass flushes at the end of each batch). Should the process die before a flush, the
 * rows' leases run out and the next attempt, with the same retry key, gets LINE's 409: recorded
 * as sent, and the user still has one message.
 */
function sentRecorder(deps: SchedulerDeps, size: number) {
  let rows: { id: string; at: Date }[] = [];
  let chain: Promise<void> = Promise.resolve();
  const flush = (): Promise<void> => {
    const batch = rows;
    rows = [];
    if (batch.length > 0) {
      chain = chain.then(() =>
        markSent(deps.prisma, batch).catch((error: unknown) => {
          deps.logger.error(
            { pushIds: batch.map((row) => row.id), error: describeError(error) },
            'pushes sent but not recorded; the retry key covers the next attempt',
          );
        }),
      );
    }
    return chain;
  };
  return {
    record(pushId: string, at: Date) {
      rows.push({ id: pushId, at });
      if (rows.length >= size) void flush();
    },
    flush,
  };
}

/**
 * Lets a pass stop between two deliveries (shutdown): set `stopping`, then call `wake` if set
 * (the pass sets it while it delivers a batch), so the rows not started are given back at once
 * rather than when the next delivery in flight ends.
 */
export type PassControl = { stopping: boolean; wake?: (() => void) | undefined };

/**
 * One scheduler pass: releases or closes held reminders, then claims due rows in batches until
 * none are left and delivers each batch with `options.concurrency` workers (see deliverBatch).
 * What the scheduler's timer, the worker and the tests call. Asked to stop, it lets the
 * deliveries in flight finish and gives the rows not started back at once (lease cleared), so
 * another scheduler takes them without waiting for the lease to expire.
 */
export async function runSchedulerOnce(
  deps: SchedulerDeps,
  options: OutboxOptions = outboxOptionsFor(deps.config),
  control: PassControl = { stopping: false },
): Promise<SchedulerRunSummary> {
  const summary: SchedulerRunSummary = { claimed: 0, sent: 0, retry: 0, failed: 0, held: 0, withdrawn: 0, skipped: 0 };
  const now = deps.clock.now();
  await reviewHeldReminders(deps, now);
  const hooks = { beforeRequest: startLimiter(options.requestsPerSecond) };
  for (let round = 0; round < 100 && !control.stopping; round += 1) {
    const rows = await claimDuePushes(deps.prisma, deps.clock.now(), { limit: options.batchSize, leaseMs: options.leaseMs });
    summary.claimed += rows.length;
    if (rows.length === 0) break;
    await deliverBatch(rows, deps, options, control, hooks, summary);
    if (rows.length < options.batchSize) break;
  }
  return summary;
}

/**
 * Delivers a claimed batch with up to `options.concurrency` workers. A user's rows go to one
 * worker, in the order claimed (a user's replies arrive in the order of the turns); a failed
 * delivery is logged and does not stop the others.
 *
 * Leases: before a row is started, the leases of the rows not yet started are renewed, in one
 * statement, once half of the earliest has run out; rows are not started while a renewal is
 * under way, so a row always starts with the lease the database holds. A row in flight needs no
 * renewal: it started with at least half a lease left, more than an attempt may take
 * (pushTimeoutMs). A row whose renewal failed was taken over: deliverPush skips it.
 *
 * Stopping: the first worker that sees it gives back every row not started, in one statement;
 * the deliveries in flight finish.
 */
async function deliverBatch(
  rows: ClaimedPush[],
  deps: SchedulerDeps,
  options: OutboxOptions,
  control: PassControl,
  hooks: { beforeRequest: () => Promise<void> },
  summary: SchedulerRunSummary,
): Promise<void> {
  // About one statement per round of the workers to record what LINE accepted.
  const sent = sentRecorder(deps, Math.max(1, options.concurrency));
  const deliveryHooks: DeliveryHooks = {
    ...hooks,
    beginAttempt: attemptStarter(deps.prisma, () => deps.clock.now()),
    recordSent: (pushId, at) => sent.record(pushId, at),
  };
  const waiting = new Set(rows); // claimed, not started, lease still ours as far as we know
  const perUser = new Map<string, ClaimedPush[]>();
  for (const row of rows) {
    const queue = perUser.get(row.userId);
    if (queue) queue.push(row);
    else perUser.set(row.userId, [row]);
  }
  const queues = [...perUser.values()];
  let nextQueue = 0;
  let renewal: Promise<void> | null = null;
  const stop: { givingBack: Promise<void> | null } = { givingBack: null };

  /** Gives back every row not started (after a renewal under way, whose lease values it needs). */
  const giveBack = (): Promise<void> =>
    (stop.givingBack ??= (async () => {
      while (renewal) await renewal.catch(() => {});
      const rest = [...waiting];
      waiting.clear();
      if (rest.length > 0) await releaseLeases(deps.prisma, rest);
    })().catch((error: unknown) => {
      // Their leases run out instead.
      deps.logger.error({ error: describeError(error) }, 'could not give back the pushes not started');
    }));

  /**
   * Waits until the next row may start with a good lease; false when the pass is stopping. One
   * renewal is tried per row at most: if the database refuses it, the row starts with the lease
   * it has, and deliverPush skips it should that have run out.
   */
  const ready = async (): Promise<boolean> => {
    let tried = false;
    for (;;) {
      if (renewal) {
        await renewal;
        tried = true;
        continue;
      }
      if (control.stopping) {
        await giveBack();
        return false;
      }
      if (tried || !leasesRunningOut(waiting, deps.clock.now(), options)) return true;
      renewal = renewLeases(deps, waiting, options)
        .catch((error: unknown) => {
          deps.logger.error({ error: describeError(error) }, 'could not renew the leases of pushes waiting in a batch');
        })
        .finally(() => {
          renewal = null;
        });
    }
  };

  const worker = async (): Promise<void> => {
    for (let queue = queues[nextQueue++]; queue; queue = queues[nextQueue++]) {
      for (const row of queue) {
        if (!(await ready())) return;
        if (!waiting.delete(row)) {
          summary.skipped += 1; // lost in a renewal: another scheduler has it
          continue;
        }
        try {
          summary[await deliverPush(row, deps, options, deliveryHooks)] += 1;
        } catch (error) {
          // The lease expires and a later run tries again.
          deps.logger.error({ pushId: row.id, error: describeError(error) }, 'push delivery failed');
        }
      }
    }
  };
  control.wake = () => void giveBack();
  try {
    if (control.stopping) await giveBack();
    await Promise.all(Array.from({ length: Math.min(Math.max(1, options.concurrency), queues.length) }, worker));
  } finally {
    control.wake = undefined;
    await stop.givingBack;
    await sent.flush();
  }
}

/** Whether a row not yet started has less than half a lease left. */
function leasesRunningOut(waiting: Set<ClaimedPush>, now: Date, options: OutboxOptions): boolean {
  for (const row of waiting) if (row.lease.getTime() - now.getTime() < options.leaseMs / 2) return true;
  return false;
}

/**
 * Extends the leases of the rows not yet started: one statement per lease value (one, unless an
 * earlier renewal was partly refused). A row whose lease was lost meanwhile (another scheduler
 * took it over) is dropped from `waiting`, so it is neither renewed again nor delivered.
 */
async function renewLeases(deps: SchedulerDeps, waiting: Set<ClaimedPush>, options: OutboxOptions): Promise<void> {
  const lease = new Date(deps.clock.now().getTime() + options.leaseMs);
  for (const [held, group] of byLease([...waiting])) {
    const renewed = await deps.prisma.$queryRaw<{ id: string }[]>`
      UPDATE pushes SET lease_until = ${utc(lease)}
      WHERE id IN (${Prisma.join(group.map((row) => row.id))}) AND coalesce(status, '') = 'pending' AND lease_until = ${utc(new Date(held))} -- by primary key (see beginAttempts)
      RETURNING id`;
    const ids = new Set(renewed.map((row) => row.id));
    for (const row of group) {
      if (ids.has(row.id)) row.lease = lease;
      else waiting.delete(row);
    }
  }
}

/** Gives claimed rows back (still ours only), for another scheduler to take at once. */
async function releaseLeases(prisma: PrismaClient, rows: ClaimedPush[]): Promise<void> {
  for (const [held, group] of byLease(rows)) {
    await prisma.push.updateMany({
      where: { id: { in: group.map((row) => row.id) }, status: 'pending', leaseUntil: new Date(held) },
      data: { leaseUntil: null },
    });
  }
}

function byLease(rows: ClaimedPush[]): Map<number, ClaimedPush[]> {
  const groups = new Map<number, ClaimedPush[]>();
  for (const row of rows) {
    const group = groups.get(row.lease.getTime());
    if (group) group.push(row);
    else groups.set(row.lease.getTime(), [row]);
  }
  return groups;
}

export interface Scheduler {
  /** Finishes the deliveries in progress, gives back the rows it still held, and stops. */
  stop(): Promise<void>;
  /** Runs a pass now (or right after the one in progress) instead of at the next wake-up. */
  kick(): void;
}

/** The timer functions the scheduler sleeps with; tests pass their own. */
export type SchedulerTimers = {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
};

const realTimers: SchedulerTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * Runs the scheduler now and then again, one pass at a time, until stopped; a failing pass is
 * logged and the next one tries again. After a pass it sleeps until the next row is due by the
 * application clock (see nextDueAt), at most SCHEDULER_INTERVAL_SECONDS: rows written by
 * another instance are noticed within the interval, rows written here wake it through kick()
 * (replies handed to the outbox, local mode's time control).
 */
export function startScheduler(deps: SchedulerDeps, options: OutboxOptions = outboxOptionsFor(deps.config), timers: SchedulerTimers = realTimers): Scheduler {
  const intervalMs = deps.config.SCHEDULER_INTERVAL_SECONDS * 1000;
  let timer: unknown;
  const control: PassControl = { stopping: false };
  let running: Promise<void> | null = null;
  let rerun = false;
  const pass = async (): Promise<number> => {
    let claimed: number;
    try {
      const summary = await runSchedulerOnce(deps, options, control);
      claimed = summary.claimed;
      if (claimed > 0) deps.logger.info({ ...summary }, 'scheduler pass');
    } catch (error) {
      deps.logger.error({ error: describeError(error) }, 'scheduler pass failed');
      return intervalMs;
    }
    if (control.stopping) return intervalMs;
    try {
      return wakeDelay(await nextDueAt(deps.prisma), deps.clock.now(), intervalMs, claimed > 0);
    } catch (error) {
      deps.logger.error({ error: describeError(error) }, 'scheduler could not read the next due moment');
      return intervalMs;
    }
  };
  const tick = () => {
    if (timer !== undefined) timers.clearTimeout(timer);
    timer = undefined;
    running = pass().then((delay) => {
      running = null;
      if (control.stopping) return;
      if (rerun) {
        rerun = false;
        tick();
      } else {
        timer = timers.setTimeout(tick, delay);
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
      control.wake?.();
      if (timer !== undefined) timers.clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}

/**
 * How long to sleep after a pass. A row due later: until then (capped by the interval). A row
 * due already that this pass did not deliver: at once after a pass that claimed rows (it
 * stopped after 100 batches, or the row came in meanwhile), else after a second, as the row is
 * locked by another transaction for the moment and a tight loop would only spin.
 */
export function wakeDelay(due: Date | null, now: Date, intervalMs: number, claimedAny: boolean): number {
  if (!due) return intervalMs;
  const ms = due.getTime() - now.getTime();
  if (ms > 0) return Math.min(ms, intervalMs);
  return claimedAny ? 0 : Math.min(1_000, intervalMs);
}

// ---------------------------------------------------------------------------------------------
// Internals
// ---------------------------------------------------------------------------------------------

type Decision = { action: 'send'; messages: Message[] } | { action: 'hold' | 'withdraw' | 'fail'; reason: string | undefined };

const settledStatus = { hold: 'held', withdraw: 'withdrawn', fail: 'failed' } as const;

/** What a delivery reads when it counts its attempt: the booking and the user as they are now. */
export type AttemptState = {
  /** The row's attempts, this one included. */
  attempts: number;
  booking: { date: string; startTime: string; startsAt: Date; status: string; meetingUrl: string | null } | null;
  /** The user exists and has not unfollowed. */
  reachable: boolean;
  /** The LINE-notice sentence (Art. 6(3)) of the terms version in force at the attempt; null: the default. */
  lineNoticeWording?: string | null;
};

/**
 * One statement for any number of rows: counts each row's attempt, only while the row is
 * pending and our lease is the one stored, and reads its booking and user. A row missing from
 * the answer is not ours to send any more.
 */
async function beginAttempts(prisma: PrismaClient, rows: ClaimedPush[], now: Date): Promise<Map<string, AttemptState>> {
  type Found = {
    id: string;
    attempts: number;
    booking_status: string | null;
    booking_date: string | null;
    booking_start_time: string | null;
    booking_starts_at: number | null;
    meeting_url: string | null;
    reachable: boolean;
    line_notice_wording: string | null;
  };
  const found: Found[] = [];
  // One statement per lease value: one, unless a renewal was partly refused. coalesce(status)
  // (the column is never null) keeps the planner on the primary key: PGlite gathers no
  // statistics, and without them it chose to read every pending row through the status index.
  for (const [held, group] of byLease(rows)) {
    found.push(
      ...(await prisma.$queryRaw<Found[]>`
        WITH attempt AS (
          UPDATE pushes SET attempts = attempts + 1
          WHERE id IN (${Prisma.join(group.map((row) => row.id))}) AND coalesce(status, '') = 'pending' AND lease_until = ${utc(new Date(held))}
          RETURNING id, booking_id, user_id, attempts
        )
        SELECT a.id, a.attempts, b.status AS booking_status, b.date AS booking_date, b.start_time AS booking_start_time,
               (extract(epoch FROM b.starts_at) * 1000)::float8 AS booking_starts_at, b.meeting_url,
               (u.id IS NOT NULL AND u.unfollowed_at IS NULL) AS reachable,
               (SELECT t.line_notice_wording FROM terms_versions t WHERE t.status = 'published' AND t.effective_at <= ${utc(now)}
                ORDER BY t.effective_at DESC LIMIT 1) AS line_notice_wording
        FROM attempt a
        LEFT JOIN bookings b ON b.id = a.booking_id
        LEFT JOIN line_users u ON u.id = a.user_id`),
    );
  }
  const states = new Map<string, AttemptState>();
  for (const row of found) {
    const booking =
      row.booking_status !== null && row.booking_date !== null && row.booking_start_time !== null && row.booking_starts_at !== null
        ? {
            status: row.booking_status,
            date: row.booking_date,
            startTime: row.booking_start_time,
            startsAt: new Date(row.booking_starts_at),
            meetingUrl: row.meeting_url,
          }
        : null;
    states.set(row.id, { attempts: Number(row.attempts), booking, reachable: row.reachable, lineNoticeWording: row.line_notice_wording });
  }
  return states;
}

/**
 * beginAttempts for the workers of a pass: a row asks alone when nothing is under way, and the
 * rows that ask while a statement runs go together in the next one. Each row's condition and
 * reading are its own, as if asked one by one; only the statements are fewer (on PGlite, where
 * they queue for its one connection anyway, the saving is CPU of the service's own process).
 */
function attemptStarter(prisma: PrismaClient, now: () => Date): (row: ClaimedPush) => Promise<AttemptState | null> {
  let queue: { row: ClaimedPush; resolve: (state: AttemptState | null) => void; reject: (error: unknown) => void }[] = [];
  let busy = false;
  const run = async () => {
    busy = true;
    while (queue.length > 0) {
      const asked = queue;
      queue = [];
      try {
        const states = await beginAttempts(
          prisma,
          asked.map((item) => item.row),
          now(),
        );
        for (const item of asked) item.resolve(states.get(item.row.id) ?? null);
      } catch (error) {
        for (const item of asked) item.reject(error);
      }
    }
    busy = false;
  };
  return (row) =>
    new Promise((resolve, reject) => {
      queue.push({ row, resolve, reject });
      if (!busy) void run();
    });
}

/** What to do with a row, from the booking and the user as they are now. */
function decide(row: ClaimedPush, current: AttemptState, deps: SchedulerDeps): Decision {
  const { config } = deps;
  if (!deliverableKinds.includes(row.kind)) return { action: 'fail', reason: pushErrors.unknownKind };
  if (sealedPushKinds.includes(row.kind)) return decideReply(row, current, deps);
  const booking = row.bookingId ? current.booking : null;
  if (!booking) return { action: 'withdraw', reason: pushErrors.bookingMissing };

  const stillValid =
    row.kind === pushKinds.reminder
      ? isUpcomingStatus(booking.status)
      : row.kind === pushKinds.cancelled
        ? booking.status === 'cancelled'
        : booking.status === 'no_show';
  if (!stillValid) return { action: 'withdraw', reason: undefined };

  if (!current.reachable) return { action: 'fail', reason: pushErrors.unfollowed };

  const slot: ConsultationSlot = { date: booking.date, startTime: booking.startTime, slotMinutes: officeCalendarOf(config).slotMinutes };
  const office: OfficeContact = { officeName: config.OFFICE_NAME, officePhone: config.OFFICE_PHONE, officePhoneHours: config.OFFICE_PHONE_HOURS };

  if (row.kind === pushKinds.reminder) {
    if (deps.clock.now().getTime() >= booking.startsAt.getTime()) return { action: 'fail', reason: pushErrors.sessionStarted };
    const meetingUrl = booking.meetingUrl ?? config.DEFAULT_MEETING_URL;
    if (!meetingUrl) return { action: 'hold', reason: pushErrors.meetingUrlMissing };
    const chatCancellationCutoffHours = config.CHAT_CANCELLATION_ENABLED ? config.CHAT_CANCELLATION_CUTOFF_HOURS : undefined;
    return { action: 'send', messages: [reminderCard({ slot, meetingUrl, office, chatCancellationCutoffHours, lineNotice: current.lineNoticeWording })] };
  }
  if (row.kind === pushKinds.cancelled) {
    const byOffice = typeof row.data === 'object' && row.data !== null && !Array.isArray(row.data) && row.data.byOffice === true;
    // Cancelled by the office: an apology, and a button to book again (the words the rich menu sends).
    const bookAgain = { type: 'message' as const, label: lifecycleCopy.bookAgainButton, text: lifecycleCopy.bookAgainButton };
    return { action: 'send', messages: [text(cancelledText({ slot, office, byOffice }), byOffice ? [bookAgain] : undefined)] };
  }
  const refused = typeof row.data === 'object' && row.data !== null && !Array.isArray(row.data) && row.data.refused === true;
  return { action: 'send', messages: [text(noShowText({ slot, office, refused }))] };
}

/** A turn's replies, sealed when the turn committed: sent as they were, unless the user has gone. */
function decideReply(row: ClaimedPush, current: AttemptState, deps: SchedulerDeps): Decision {
  if (!current.reachable) return { action: 'fail', reason: pushErrors.unfollowed };
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
async function settle(
  prisma: PrismaClient,
  row: ClaimedPush,
  data: { status: string; leaseUntil: null; lastError: string | null; attempts?: { decrement: 1 } },
): Promise<void> {
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

/** An instant as SQL for the `timestamp without time zone` columns, which hold UTC (as Prisma writes them). */
function utc(instant: Date): Prisma.Sql {
  return Prisma.sql`(${instant.toISOString()}::timestamptz AT TIME ZONE 'UTC')`;
}
