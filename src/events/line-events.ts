/**
 * The one entry point for LINE webhook events, with or without HTTP (`handleLineEvent`).
 *
 * Every event is first recorded under its webhookEventId, so a redelivery has no second
 * effect and an accepted event is never lost: if the process dies before processing it, the
 * recovery sweep picks it up. Events are then applied per user, in the order LINE stamped
 * them, one transaction per event under the user's advisory lock, so two events of one user
 * never interleave — also across instances sharing a PostgreSQL server. Replies are sent after
 * the transaction commits; a failure is recorded on the event row, never silently dropped.
 */
import { z } from 'zod';
import type { webhook } from '@line/bot-sdk';
import { Prisma } from '../generated/prisma/client.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import { describeError } from '../logger.ts';
import type { Messenger } from '../line/messenger.ts';
import { text } from '../line/messages.ts';
import { ensureUser, lockUser, markFollowed, markUnfollowed } from '../db/repositories.ts';
import { runDialogueTurn } from '../dialogue/runner.ts';
import type { DialogueDeps, TurnResult, UserInput } from '../dialogue/runner.ts';
import { systemErrorText } from '../../flows/booking/present.ts';

export interface EventDeps {
  prisma: PrismaClient;
  clock: Clock;
  messenger: Messenger;
  logger: Logger;
  dialogue: DialogueDeps;
}

/** The part of a webhook event we rely on; anything else is passed through untouched. */
const eventShape = z
  .object({
    type: z.string().min(1).max(64),
    webhookEventId: z.string().min(1).max(64),
    timestamp: z.number().int().nonnegative(),
    mode: z.string().optional(),
    source: z.object({ type: z.string(), userId: z.string().max(64).optional() }).passthrough().optional(),
    replyToken: z.string().max(256).optional(),
  })
  .passthrough();

export type LineEvent = webhook.Event;

/** The request body does not look like a LINE webhook; answered with 400. */
export class MalformedWebhookError extends Error {
  override name = 'MalformedWebhookError';
}

/** Validates a parsed webhook body and returns its events. */
export function parseWebhookBody(body: unknown): LineEvent[] {
  const parsed = z.object({ destination: z.string().optional(), events: z.array(eventShape).max(1000) }).safeParse(body);
  if (!parsed.success) throw new MalformedWebhookError('body is not a LINE webhook payload');
  return parsed.data.events as unknown as LineEvent[];
}

/**
 * The event as PostgreSQL's jsonb accepts it: it refuses U+0000 anywhere, and one such
 * character would otherwise make the whole webhook request fail.
 */
function withoutNulCharacters(event: LineEvent): unknown {
  return JSON.parse(JSON.stringify(event).replace(/\\u0000/g, ''));
}

const userIdOf = (event: LineEvent): string | null => (event.source?.type === 'user' && event.source.userId ? event.source.userId : null);

/**
 * Stores the event unless its webhookEventId is known; returns whether it is new.
 * Events in standby mode (another channel's module is active) are stored as done.
 */
export async function recordEvent(prisma: PrismaClient, event: LineEvent, now: Date): Promise<boolean> {
  const userId = userIdOf(event);
  const actionable = userId !== null && event.mode !== 'standby';
  const created = await prisma.webhookEvent.createMany({
    data: [
      {
        id: event.webhookEventId,
        userId,
        type: event.type,
        occurredAt: new Date(event.timestamp),
        receivedAt: now,
        status: actionable ? 'pending' : 'done',
        payload: actionable ? (withoutNulCharacters(event) as Prisma.InputJsonValue) : Prisma.DbNull,
        processedAt: actionable ? null : now,
      },
    ],
    skipDuplicates: true,
  });
  return created.count === 1;
}

function inputOf(event: LineEvent): UserInput | 'unfollow' | null {
  switch (event.type) {
    case 'follow':
      return { type: 'follow' };
    case 'unfollow':
      return 'unfollow';
    case 'postback':
      return { type: 'postback', data: event.postback.data };
    case 'message':
      return event.message.type === 'text' ? { type: 'text', text: event.message.text } : { type: 'media', kind: event.message.type };
    default:
      return null;
  }
}

/** What one event does: follow state, and a dialogue turn for what the user said or tapped. */
async function applyEvent(tx: Prisma.TransactionClient, userId: string, event: LineEvent, now: Date, deps: EventDeps): Promise<Pick<TurnResult, 'messages' | 'state' | 'warnings'>> {
  const input = inputOf(event);
  if (input === null) return { messages: [], state: null, warnings: [] };
  if (input === 'unfollow') {
    await markUnfollowed(tx, userId, now);
    return { messages: [], state: null, warnings: [] };
  }
  if (input.type === 'follow') await markFollowed(tx, userId, now);
  else await ensureUser(tx, userId);
  return runDialogueTurn(tx, userId, input, now, deps.dialogue);
}

/** Applies, in order, every pending event of one user; safe to call concurrently. */
export async function processUserEvents(userId: string, deps: EventDeps): Promise<void> {
  for (;;) {
    let claimed: { id: string; type: string; replyToken: string | undefined } | null = null;
    try {
      const outcome = await deps.prisma.$transaction(
        async (tx) => {
          await lockUser(tx, userId);
          const row = await tx.webhookEvent.findFirst({
            where: { userId, status: 'pending' },
            orderBy: [{ occurredAt: 'asc' }, { receivedAt: 'asc' }, { id: 'asc' }],
          });
          if (!row) return null;
          const event = row.payload as unknown as LineEvent;
          claimed = { id: row.id, type: row.type, replyToken: 'replyToken' in event ? event.replyToken : undefined };
          const now = deps.clock.now();
          const turn = await applyEvent(tx, userId, event, now, deps);
          await tx.webhookEvent.update({
            where: { id: row.id },
            data: { status: 'done', payload: Prisma.DbNull, processedAt: now, attempts: { increment: 1 } },
          });
          return { id: row.id, type: row.type, replyToken: claimed.replyToken, ...turn };
        },
        { timeout: 20_000, maxWait: 20_000 },
      );
      if (!outcome) return;
      deps.logger.info({ event: outcome.id, type: outcome.type, state: outcome.state, replies: outcome.messages.length }, 'event processed');
      for (const warning of outcome.warnings) deps.logger.warn({ event: outcome.id }, warning);
      if (outcome.replyToken && outcome.messages.length > 0) {
        await deps.messenger.reply(outcome.replyToken, outcome.messages).catch((error: unknown) => {
          deps.logger.warn({ event: outcome.id, error: describeError(error) }, 'reply failed');
        });
      }
    } catch (error) {
      if (!claimed) throw error;
      // A transient error leaves the event pending for the recovery sweep: stop here, so this
      // user's later events wait behind it and stay in order.
      if ((await recordFailure(claimed, error, deps)) === 'retry-later') return;
    }
  }
}

/** Errors worth another try: the database was briefly unavailable, busy or in conflict. */
function isTransient(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  const message = error instanceof Error ? error.message : '';
  return ['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028', 'P2034', '40001', '40P01', '57P01', 'ECONNRESET', 'ECONNREFUSED'].includes(code) || /deadlock|serializ|could not serialize|Transaction API error|connection (terminated|refused|closed)|timed? ?out/i.test(message);
}

/** Attempts after which an event that keeps hitting transient errors is given up as failed. */
const maxEventAttempts = 5;

async function recordFailure(claimed: { id: string; type: string; replyToken: string | undefined }, error: unknown, deps: EventDeps): Promise<'retry-later' | 'failed'> {
  const err = describeError(error);
  const row = await deps.prisma.webhookEvent.findUnique({ where: { id: claimed.id }, select: { attempts: true } });
  if (isTransient(error) && (row?.attempts ?? 0) + 1 < maxEventAttempts) {
    // Left pending: the recovery sweep applies it again shortly (the transaction rolled back).
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

/** Records and applies one event; the entry point tests and other transports use. */
export async function handleLineEvent(event: LineEvent, deps: EventDeps): Promise<void> {
  const isNew = await recordEvent(deps.prisma, event, deps.clock.now());
  const userId = userIdOf(event);
  if (isNew && userId) await processUserEvents(userId, deps);
}

/**
 * Applies events that were accepted but never processed (the process died in between).
 * Called at start and periodically; `olderThanMs` leaves events that are being handled now.
 */
export async function recoverPendingEvents(deps: EventDeps, olderThanMs = 10_000): Promise<number> {
  const cutoff = new Date(deps.clock.now().getTime() - olderThanMs);
  const users = await deps.prisma.webhookEvent.findMany({
    where: { status: 'pending', receivedAt: { lte: cutoff }, userId: { not: null } },
    distinct: ['userId'],
    select: { userId: true },
    take: 100,
  });
  for (const { userId } of users) if (userId) await processUserEvents(userId, deps);
  return users.length;
}

/**
 * Forgets the ids of processed events after `keepDays`: they only guard against redelivery,
 * which LINE attempts within a much shorter time. Failed events stay for staff to look at.
 */
export async function purgeProcessedEvents(prisma: PrismaClient, now: Date, keepDays = 30): Promise<number> {
  const { count } = await prisma.webhookEvent.deleteMany({ where: { status: 'done', receivedAt: { lt: new Date(now.getTime() - keepDays * 86_400_000) } } });
  return count;
}
