/**
 * What the webhook accepts, event by event. A signed body is LINE's, but a webhook must never
 * answer 5xx to its input, and one odd event must not take the other events of the same body
 * with it: each event is checked on its own, made storable (PostgreSQL's jsonb refuses U+0000
 * and unpaired surrogates), and skipped with a log line (no content) when it is not a LINE event.
 */
import { z } from 'zod';
import type { webhook } from '@line/bot-sdk';

export type LineEvent = webhook.Event;

/** The request body does not look like a LINE webhook; answered with 400. */
export class MalformedWebhookError extends Error {
  override name = 'MalformedWebhookError';
}

/** Deepest nesting an event may have; LINE's events are a few levels deep. */
const maxDepth = 32;
/** Events one request may carry; LINE sends far fewer, and the body limit bounds it anyway. */
const maxEvents = 5_000;
/** Instants LINE can stamp: this century. Outside it the event is not LINE's. */
const earliest = Date.UTC(2000, 0, 1);
const latest = Date.UTC(2100, 0, 1);

/**
 * The fields the service relies on, strictly (ids as LINE writes them); everything else passes
 * through untouched. Built once: the schema is the same for every request.
 */
const eventShape = z
  .object({
    type: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/),
    webhookEventId: z.string().regex(/^[0-9A-Za-z_-]{1,64}$/),
    timestamp: z.number().int().min(earliest).max(latest),
    mode: z.string().max(32).optional(),
    source: z
      .object({
        type: z.string().max(32),
        userId: z
          .string()
          .regex(/^U[0-9a-f]{32}$/)
          .optional(),
      })
      .passthrough()
      .optional(),
    replyToken: z.string().min(1).max(256).optional(),
  })
  .passthrough();

const bodyShape = z.object({ destination: z.string().optional(), events: z.array(z.unknown()).max(maxEvents) }).passthrough();

export interface ParsedWebhook {
  events: LineEvent[];
  /** Events left out, with why (never their content). */
  skipped: { index: number; reason: string }[];
}

/**
 * Validates a parsed webhook body: a body that is not a webhook at all throws
 * MalformedWebhookError (400); each event that is not usable is skipped, the rest returned in
 * a form the database accepts.
 */
export function parseWebhookBody(body: unknown): ParsedWebhook {
  const parsed = bodyShape.safeParse(body);
  if (!parsed.success) throw new MalformedWebhookError('body is not a LINE webhook payload');
  const events: LineEvent[] = [];
  const skipped: ParsedWebhook['skipped'] = [];
  parsed.data.events.forEach((raw, index) => {
    // Ids and types are checked as sent (a NUL in an id makes it not LINE's); then the event is
    // made storable as a whole.
    const event = eventShape.safeParse(raw);
    if (!event.success) {
      const issue = event.error.issues[0];
      skipped.push({ index, reason: `invalid ${issue?.path.join('.') || 'event'}` });
      return;
    }
    try {
      events.push(storable(event.data, 0) as LineEvent);
    } catch (error) {
      skipped.push({ index, reason: error instanceof TooDeepError ? 'nested too deeply' : 'unreadable' });
    }
  });
  return { events, skipped };
}

class TooDeepError extends Error {
  override name = 'TooDeepError';
}

/**
 * A copy of `value` that PostgreSQL's jsonb stores as is: U+0000 removed and unpaired
 * surrogates replaced (U+FFFD) in every string and key, nesting bounded. Works on the parsed
 * value, never on serialised JSON, so a typed backslash followed by `u0000` stays six
 * ordinary characters.
 */
export function storable(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return cleanString(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= maxDepth) throw new TooDeepError('nested too deeply');
  if (Array.isArray(value)) return value.map((item) => storable(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const cleanKey = cleanString(key);
    if (cleanKey === '__proto__') continue;
    out[cleanKey] = storable(item, depth + 1);
  }
  return out;
}

function cleanString(text: string): string {
  const wellFormed = text.isWellFormed() ? text : text.toWellFormed();
  return wellFormed.includes('\u0000') ? wellFormed.replaceAll('\u0000', '') : wellFormed;
}

/** The user an event belongs to, when it came from a one-to-one chat. */
export const userIdOf = (event: LineEvent): string | null => (event.source?.type === 'user' && event.source.userId ? event.source.userId : null);
