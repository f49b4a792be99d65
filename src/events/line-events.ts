/**
 * The one entry point for LINE webhook events, with or without HTTP (`handleLineEvent`).
 *
 * Every event is first recorded under its webhookEventId, so a redelivery has no second
 * effect and an accepted event is never lost: if the process dies before processing it, the
 * recovery sweep picks it up. Events are then applied per user, in the order LINE stamped
 * them, one transaction per event under the user's advisory lock, so two events of one user
 * never interleave — also across instances sharing a PostgreSQL server. The replies a turn
 * produces are recorded (sealed) in the same transaction and sent after it commits; if the reply
 * token is refused or the process dies first, they reach the user as a push through the outbox.
 * A failure is recorded on the event row, never silently dropped.
 */
import { randomUUID } from 'node:crypto';
import { Prisma } from '../generated/prisma/client.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import { describeError } from '../logger.ts';
import type { Messenger } from '../line/messenger.ts';
import { text } from '../line/messages.ts';
import type { Message } from '../line/messages.ts';
import { lockUser, markFollowed, markUnfollowed } from '../db/repositories.ts';
import { runDialogueTurn } from '../dialogue/runner.ts';
import type { DialogueDeps, TurnResult, UserInput } from '../dialogue/runner.ts';
import { systemErrorText } from '../../flows/booking/present.ts';
import { pushKinds } from '../lifecycle/reminders.ts';
import { userIdOf } from './webhook-input.ts';
import type { LineEvent } from './webhook-input.ts';
import type { UserStep } from './dispatcher.ts';
import { isConnectionError, isTransientError, retryOnConnectionLoss } from '../db/errors.ts';

export { MalformedWebhookError, parseWebhookBody } from './webhook-input.ts';
export type { LineEvent } from './webhook-input.ts';

export interface EventDeps {
  prisma: PrismaClient;
  clock: Clock;
  messenger: Messenger;
  logger: Logger;
  dialogue: DialogueDeps;
  /** Asks the push scheduler for a pass now (a reply handed to the outbox should not wait for the next tick). */
  kickScheduler?: (() => void) | undefined;
}

/** Rows for the events LINE sent; standby-mode and non-user events are stored as done. */
function eventRow(event: LineEvent, now: Date): Prisma.WebhookEventCreateManyInput {
  const userId = userIdOf(event);
  const actionable = userId !== null && event.mode !== 'standby';
  return {
    id: event.webhookEventId,
    userId,
    type: event.type,
    occurredAt: new Date(event.timestamp),
    receivedAt: now,
    status: actionable ? 'pending' : 'done',
    // parseWebhookBody made the event storable (no U+0000, no lone surrogates).
    payload: actionable ? event : Prisma.DbNull,
    processedAt: actionable ? null : now,
  };
}

/**
 * Stores the event unless its webhookEventId is known; returns whether it is new.
 * Events in standby mode (another channel's module is active) are stored as done.
 */
export async function recordEvent(prisma: PrismaClient, event: LineEvent, now: Date): Promise<boolean> {
  const created = await prisma.webhookEvent.createMany({ data: [eventRow(event, now)], skipDuplicates: true });
  return created.count === 1;
}

/**
 * Stores a whole body's events in one statement (a redelivered or repeated id is skipped) and
 * returns the users with new pending events, in the order they first appear. The rows travel as
 * one JSON parameter expanded by jsonb_to_recordset: Prisma's createManyAndReturn spent 0.4–1.4 s
 * building a 1,000-row insert, this takes milliseconds. Instants go in as UTC text and are stored
 * as Prisma stores them (timestamp without time zone, in UTC), whatever the session's zone.
 */
export async function recordEvents(prisma: PrismaClient, events: LineEvent[], now: Date): Promise<string[]> {
  return recordArrivals(
    prisma,
    events.map((event) => ({ event, now })),
  );
}

/** As recordEvents, for events of several requests, each with the moment its request arrived (src/events/intake.ts). */
export async function recordArrivals(prisma: PrismaClient, arrivals: { event: LineEvent; now: Date }[]): Promise<string[]> {
  if (arrivals.length === 0) return [];
  // One row per id (the first arrival's): an id twice in one statement would be a second
  // conflict on a row the statement already wrote, which PostgreSQL refuses for DO UPDATE.
  const ids = new Set<string>();
  const firstOfEachId = arrivals.filter(({ event }) => {
    if (ids.has(event.webhookEventId)) return false;
    ids.add(event.webhookEventId);
    return true;
  });
  const rows = firstOfEachId.map(({ event, now }) => {
    const row = eventRow(event, now);
    return {
      id: row.id,
      user_id: row.userId ?? null,
      type: row.type,
      occurred_at: (row.occurredAt as Date).toISOString(),
      received_at: now.toISOString(),
      status: row.status,
      payload: row.status === 'pending' ? event : null,
      processed_at: row.processedAt ? (row.processedAt as Date).toISOString() : null,
    };
  });
  const json = JSON.stringify(rows);
  // Idempotent, so a statement cut off by a lost connection is simply sent again. A known id is
  // skipped unless its event is still pending: then it is returned too, so that its user is
  // handed to the dispatcher. That covers the retry of a statement whose INSERT committed but
  // whose answer the lost connection swallowed (DO NOTHING returned nothing the second time, and
  // the event waited for the recovery sweep), and LINE's redelivery of an event not yet applied.
  // The no-op update only touches such pending rows; one being applied is waited for, and is
  // then done and skipped.
  const created = await retryOnConnectionLoss(
    () => prisma.$queryRaw<{ id: string; user_id: string | null; status: string }[]>`
      INSERT INTO webhook_events (id, user_id, type, occurred_at, received_at, status, payload, processed_at)
      SELECT r.id, r.user_id, r.type,
             r.occurred_at::timestamptz AT TIME ZONE 'UTC',
             r.received_at::timestamptz AT TIME ZONE 'UTC',
             r.status, r.payload,
             r.processed_at::timestamptz AT TIME ZONE 'UTC'
      FROM jsonb_to_recordset(${json}::jsonb)
        AS r(id text, user_id text, type text, occurred_at text, received_at text, status text, payload jsonb, processed_at text)
      ON CONFLICT (id) DO UPDATE SET status = webhook_events.status WHERE webhook_events.status = 'pending'
      RETURNING id, user_id, status`,
  );
  const fresh = new Set(created.filter((row) => row.status === 'pending' && row.user_id).map((row) => row.id));
  const users = new Set<string>();
  for (const { event } of arrivals) {
    const userId = userIdOf(event);
    if (userId && fresh.has(event.webhookEventId)) users.add(userId);
  }
  return [...users];
}

function inputOf(event: LineEvent): UserInput | 'unfollow' | null {
  switch (event.type) {
    case 'follow':
      return { type: 'follow' };
    case 'unfollow':
      return 'unfollow';
    case 'postback':
      return { type: 'postback', data: String(event.postback?.data ?? '') };
    case 'message':
      return event.message?.type === 'text'
        ? { type: 'text', text: String(event.message.text ?? '') }
        : { type: 'media', kind: String(event.message?.type ?? 'unknown') };
    default:
      return null;
  }
}

/** What one event does: follow state, and a dialogue turn for what the user said or tapped. */
async function applyEvent(
  tx: Prisma.TransactionClient,
  userId: string,
  event: LineEvent,
  now: Date,
  deps: EventDeps,
): Promise<Pick<TurnResult, 'messages' | 'state' | 'warnings'>> {
  const input = inputOf(event);
  if (input === null) return { messages: [], state: null, warnings: [] };
  if (input === 'unfollow') {
    await markUnfollowed(tx, userId, now);
    return { messages: [], state: null, warnings: [] };
  }
  if (input.type === 'follow') await markFollowed(tx, userId, now);
  // Otherwise the turn's read of its facts makes sure the user row exists (src/dialogue/turn-facts.ts).
  return runDialogueTurn(tx, userId, input, now, deps.dialogue);
}

type Claimed = { id: string; type: string; replyToken: string | undefined };

/**
 * Applies the oldest pending event of one user in one transaction under the user's advisory
 * lock, recording the replies it produced (sealed) with the state change; after commit, sends
 * them. Returns whether more events of this user are pending. Safe to call concurrently, also
 * from several instances.
 */
export async function applyNextEvent(userId: string, deps: EventDeps): Promise<UserStep> {
  let claimed: Claimed | null = null;
  try {
    const outcome = await deps.prisma.$transaction(
      async (tx) => {
        await lockUser(tx, userId);
        const rows = await tx.webhookEvent.findMany({
          where: { userId, status: 'pending' },
          orderBy: [{ occurredAt: 'asc' }, { receivedAt: 'asc' }, { id: 'asc' }],
          take: 2,
        });
        const row = rows[0];
        if (!row) return null;
        const event = row.payload as unknown as LineEvent;
        claimed = { id: row.id, type: row.type, replyToken: 'replyToken' in event ? event.replyToken : undefined };
        const now = deps.clock.now();
        const turn = await applyEvent(tx, userId, event, now, deps);
        const hasReply = turn.messages.length > 0;
        await tx.webhookEvent.update({
          where: { id: row.id },
          data: {
            status: 'done',
            payload: Prisma.DbNull,
            processedAt: now,
            attempts: { increment: 1 },
            error: null,
            ...(hasReply ? { replyStatus: 'pending', replySealed: deps.dialogue.sealer.seal(JSON.stringify(turn.messages)), replyRetryKey: randomUUID() } : {}),
          },
        });
        return { ...claimed, ...turn, more: rows.length > 1 };
      },
      { timeout: 20_000, maxWait: 20_000 },
    );
    if (!outcome) return 'done';
    deps.logger.info({ event: outcome.id, type: outcome.type, state: outcome.state, replies: outcome.messages.length }, 'event processed');
    for (const warning of outcome.warnings) deps.logger.warn({ event: outcome.id }, warning);
    if (outcome.messages.length > 0) await sendReply(outcome.id, outcome.replyToken, outcome.messages, deps);
    return outcome.more ? 'more' : 'done';
  } catch (error) {
    if (!claimed) throw error;
    // A connection lost at COMMIT can hide a commit that went through: the event is then done
    // and its replies wait on the row, sealed. They are sent now instead of waiting for the
    // recovery sweep (and the event is not counted as failed).
    if (isConnectionError(error) && (await sendCommittedReplies(claimed, deps))) return 'more';
    // A transient error leaves the event pending: this user's later events wait behind it and
    // stay in order.
    return (await recordFailure(claimed, error, deps)) === 'retry-later' ? 'retry-later' : 'more';
  }
}

/**
 * After a lost connection: if the claimed event's transaction committed after all, sends its
 * pending replies and returns true; false if it did not commit (or the row cannot be read now,
 * in which case the recovery sweep hands any committed replies to the outbox later).
 */
async function sendCommittedReplies(claimed: Claimed, deps: EventDeps): Promise<boolean> {
  const row = await retryOnConnectionLoss(() =>
    deps.prisma.webhookEvent.findUnique({ where: { id: claimed.id }, select: { status: true, replyStatus: true, replySealed: true } }),
  ).catch(() => null);
  if (row?.status !== 'done') return false;
  deps.logger.info({ event: claimed.id, type: claimed.type }, 'event committed although its connection was lost');
  if (row.replyStatus === 'pending' && row.replySealed) {
    const messages = JSON.parse(deps.dialogue.sealer.open(row.replySealed)) as Message[];
    await sendReply(claimed.id, claimed.replyToken, messages, deps);
  }
  return true;
}

/**
 * Applies, in order, every pending event of one user (tests and the single-event entry point);
 * stops at a transient failure, leaving that event pending.
 */
export async function processUserEvents(userId: string, deps: EventDeps): Promise<UserStep> {
  for (;;) {
    const step = await applyNextEvent(userId, deps);
    if (step !== 'more') return step;
  }
}

/** Attempts after which an event that keeps failing on conflicts or timeouts is given up as failed. */
const maxEventAttempts = 5;

/**
 * Records why an event could not be applied. A lost connection is never held against the event
 * (the database comes back, the event is applied); conflicts and timeouts are retried a few
 * times; anything else fails the event at once and the user gets an apology with the phone number.
 */
async function recordFailure(claimed: Claimed, error: unknown, deps: EventDeps): Promise<'retry-later' | 'failed'> {
  const err = describeError(error);
  if (isConnectionError(error)) {
    deps.logger.warn({ event: claimed.id, type: claimed.type, error: err }, 'event hit a lost database connection; will retry');
    await deps.prisma.webhookEvent.update({ where: { id: claimed.id }, data: { transientAttempts: { increment: 1 }, error: `${err.type}: ${err.message}` } });
    return 'retry-later';
  }
  const row = await deps.prisma.webhookEvent.findUnique({ where: { id: claimed.id }, select: { attempts: true } });
  if (isTransientError(error) && (row?.attempts ?? 0) + 1 < maxEventAttempts) {
    deps.logger.warn({ event: claimed.id, type: claimed.type, error: err }, 'event hit a transient error; will retry');
    await deps.prisma.webhookEvent.update({ where: { id: claimed.id }, data: { attempts: { increment: 1 }, error: `${err.type}: ${err.message}` } });
    return 'retry-later';
  }
  deps.logger.error({ event: claimed.id, type: claimed.type, error: err }, 'event failed');
  // The payload may hold what the user typed: keep only the type and the error.
  await deps.prisma.webhookEvent.update({
    where: { id: claimed.id },
    data: { status: 'failed', payload: Prisma.DbNull, error: `${err.type}: ${err.message}`, attempts: { increment: 1 }, processedAt: deps.clock.now() },
  });
  if (claimed.replyToken) {
    await deps.messenger.reply(claimed.replyToken, [text(systemErrorText(deps.dialogue.office))]).catch(() => undefined);
  }
  return 'failed';
}

/**
 * Sends a committed turn's replies with the reply token. If LINE refuses the token (expired
 * after a late recovery, already used) or does not answer, the sealed replies go to the push
 * outbox instead, under the retry key stored with them, so the user gets the answer exactly once.
 */
async function sendReply(eventId: string, replyToken: string | undefined, messages: Message[], deps: EventDeps): Promise<void> {
  if (replyToken) {
    let sent = false;
    try {
      await deps.messenger.reply(replyToken, messages);
      sent = true;
    } catch (error) {
      deps.logger.warn({ event: eventId, error: describeError(error) }, 'reply failed; sending the answer as a push');
    }
    if (sent) {
      // Delivered: recording it must not turn into a push. If the database stays unreachable
      // through every retry, the row stays pending and the sweep would push it a second time:
      // the one case of a duplicate answer (logged).
      await retryOnConnectionLoss(
        () => deps.prisma.webhookEvent.updateMany({ where: { id: eventId, replyStatus: 'pending' }, data: { replyStatus: 'sent', replySealed: null } }),
        8,
      ).catch((error: unknown) => {
        deps.logger.error({ event: eventId, error: describeError(error) }, 'reply sent but not recorded; the user may get it again as a push');
      });
      return;
    }
  }
  await retryOnConnectionLoss(() => handReplyToOutbox(eventId, deps), 8).catch((error: unknown) => {
    // Still pending on the row: the recovery sweep hands it over later.
    deps.logger.error({ event: eventId, error: describeError(error) }, 'could not queue the reply as a push; the sweep will');
  });
}

/**
 * Moves one event's unsent replies into the push outbox (kind `reply`) in one transaction:
 * the row stops being pending exactly when the push exists, so two sweeps cannot queue it twice.
 */
export async function handReplyToOutbox(eventId: string, deps: EventDeps): Promise<boolean> {
  const queued = await deps.prisma.$transaction(async (tx) => {
    const row = await tx.webhookEvent.findUnique({
      where: { id: eventId },
      select: { userId: true, replyStatus: true, replySealed: true, replyRetryKey: true },
    });
    if (!row || row.replyStatus !== 'pending' || !row.userId || !row.replySealed || !row.replyRetryKey) return false;
    const { count } = await tx.webhookEvent.updateMany({ where: { id: eventId, replyStatus: 'pending' }, data: { replyStatus: 'pushed', replySealed: null } });
    if (count === 0) return false;
    const now = deps.clock.now();
    await tx.push.createMany({
      data: [
        {
          kind: pushKinds.reply,
          userId: row.userId,
          dueAt: now,
          nextAttemptAt: now,
          status: 'pending',
          retryKey: row.replyRetryKey,
          createdAt: now,
          data: { sealed: row.replySealed },
        },
      ],
      skipDuplicates: true,
    });
    return true;
  });
  if (queued) deps.kickScheduler?.();
  return queued;
}

/**
 * Replies that were committed but never sent (the process died between commit and reply):
 * after `olderThanMs`, when no live process is still about to send them, they go to the outbox.
 */
export async function recoverUnsentReplies(deps: EventDeps, olderThanMs = 30_000): Promise<number> {
  const cutoff = new Date(deps.clock.now().getTime() - olderThanMs);
  const rows = await deps.prisma.webhookEvent.findMany({ where: { replyStatus: 'pending', processedAt: { lte: cutoff } }, select: { id: true }, take: 500 });
  let queued = 0;
  for (const row of rows) if (await handReplyToOutbox(row.id, deps)) queued += 1;
  if (queued > 0) deps.logger.warn({ replies: queued }, 'replies left unsent by a stopped process were queued as pushes');
  return queued;
}

/** Records and applies one event; the entry point tests and other transports use. */
export async function handleLineEvent(event: LineEvent, deps: EventDeps): Promise<void> {
  const isNew = await recordEvent(deps.prisma, event, deps.clock.now());
  const userId = userIdOf(event);
  if (isNew && userId) await processUserEvents(userId, deps);
}

/**
 * Users with events that were accepted but not yet applied (the process died in between, or a
 * transient error left them pending). `olderThanMs` leaves events that are being handled now.
 * With `enqueue`, the users are handed to the dispatcher; without, they are applied here.
 */
export async function recoverPendingEvents(deps: EventDeps, olderThanMs = 10_000, enqueue?: (userId: string) => void): Promise<number> {
  const cutoff = new Date(deps.clock.now().getTime() - olderThanMs);
  const users = await deps.prisma.webhookEvent.findMany({
    where: { status: 'pending', receivedAt: { lte: cutoff }, userId: { not: null } },
    distinct: ['userId'],
    select: { userId: true },
    take: enqueue ? 10_000 : 100,
  });
  for (const { userId } of users) {
    if (!userId) continue;
    if (enqueue) enqueue(userId);
    else await processUserEvents(userId, deps);
  }
  return users.length;
}

/**
 * Forgets the ids of processed events after `keepDays`: they only guard against redelivery,
 * which LINE attempts within a much shorter time. Failed events stay for staff to look at.
 */
export async function purgeProcessedEvents(prisma: PrismaClient, now: Date, keepDays = 30): Promise<number> {
  const { count } = await prisma.webhookEvent.deleteMany({
    where: {
      status: 'done',
      receivedAt: { lt: new Date(now.getTime() - keepDays * 86_400_000) },
      OR: [{ replyStatus: null }, { replyStatus: { not: 'pending' } }],
    },
  });
  return count;
}
