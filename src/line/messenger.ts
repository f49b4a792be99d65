/**
 * Sending to LINE through the official SDK. The rest of the code depends on this small
 * interface, so tests can point the real SDK at a fake LINE API (LINE_API_BASE_URL).
 */
import { HTTPFetchError, messagingApi } from '@line/bot-sdk';
import type { Message } from './messages.ts';

export interface Messenger {
  /** Answers a webhook event; reply tokens are single-use and expire within about a minute. */
  reply(replyToken: string, messages: Message[]): Promise<void>;
  /**
   * Pushes to a user. `retryKey` (a UUID stored before the first attempt) makes retries safe:
   * LINE answers 409 to a key it has already accepted, which we treat as delivered.
   */
  push(to: string, messages: Message[], retryKey: string): Promise<PushOutcome>;
}

export type PushOutcome = { delivered: true; duplicate: boolean };

/** LINE refused or failed a request; `status` tells whether a retry can help. */
export class LineApiError extends Error {
  override name = 'LineApiError';
  readonly status: number;
  readonly retryable: boolean;
  constructor(status: number, message: string, options?: ErrorOptions) {
    super(message, options);
    this.status = status;
    this.retryable = status === 0 || status === 429 || status >= 500;
  }
}

function toLineApiError(error: unknown): LineApiError {
  if (error instanceof HTTPFetchError) {
    // The body can echo what we sent; keep only LINE's top-level message.
    let detail = '';
    try {
      const message = (JSON.parse(error.body) as { message?: unknown }).message;
      if (typeof message === 'string') detail = message.slice(0, 200);
    } catch {
      // not JSON: keep the status only
    }
    return new LineApiError(error.status, `LINE API ${error.status}${detail ? `: ${detail}` : ''}`, { cause: error });
  }
  return new LineApiError(0, `LINE API unreachable: ${error instanceof Error ? error.name : 'error'}`, { cause: error });
}

export function createLineMessenger(options: { channelAccessToken: string; baseURL: string }): Messenger {
  const client = new messagingApi.MessagingApiClient({ channelAccessToken: options.channelAccessToken, baseURL: options.baseURL });
  return {
    async reply(replyToken, messages) {
      try {
        await client.replyMessage({ replyToken, messages });
      } catch (error) {
        throw toLineApiError(error);
      }
    },
    async push(to, messages, retryKey) {
      try {
        await client.pushMessage({ to, messages }, retryKey);
        return { delivered: true, duplicate: false };
      } catch (error) {
        if (error instanceof HTTPFetchError && error.status === 409) return { delivered: true, duplicate: true };
        throw toLineApiError(error);
      }
    },
  };
}
