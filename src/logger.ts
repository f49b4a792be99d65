/**
 * Structured JSON logging with pino. Personal data never reaches the log: code logs ids,
 * event types and outcomes, not message text or booking fields, and the redaction below is
 * the safety net should an object carrying such fields be logged by mistake.
 */
import { pino } from 'pino';
import type { Logger } from 'pino';

export type { Logger };

/** Field names that may hold personal data or secrets, wherever they appear (two levels deep). */
export const redactedKeys = [
  'text',
  'message.text',
  'name',
  'fullName',
  'jobSeekerNumber',
  'phone',
  'phoneNumber',
  'topic',
  'displayName',
  'payload',
  'snapshot',
  'body',
  'messages',
  'authorization',
  'headers.authorization',
  'x-line-signature',
  'channelSecret',
  'channelAccessToken',
  'replyToken',
  'FIELD_ENCRYPTION_KEY',
];

const paths = [...redactedKeys, ...redactedKeys.map((k) => `*.${k}`)];

/** The application logger; `destination` lets tests capture lines. */
export function createLogger(options: { level: string; destination?: pino.DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      redact: { paths, censor: '[redacted]' },
      base: { service: 'hellowork-line-booking' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
}

/**
 * How errors are logged: their class and a short message, under `error` (not `err`, which pino
 * would serialise with the stack). Our messages and Prisma's carry no personal data; LINE's
 * error bodies are reduced to their top-level message by the messenger.
 */
export function describeError(error: unknown): { type: string; message: string } {
  if (error instanceof Error) return { type: error.name, message: error.message.slice(0, 300) };
  return { type: typeof error, message: String(error).slice(0, 300) };
}
