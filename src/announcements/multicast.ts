/**
 * LINE's multicast through the official SDK, behind a one-method interface so the sender can be
 * driven against the fake LINE API (or anything else) in tests and benchmarks.
 */
import { HTTPFetchError, messagingApi } from '@line/bot-sdk';
import { LineApiError } from '../line/messenger.ts';
import type { Message } from '../line/messages.ts';

/** The most recipients LINE takes in one multicast request. */
export const multicastMaxRecipients = 500;

export interface Multicaster {
  /**
   * Sends `messages` to up to 500 users. `retryKey` (a UUID stored before the first attempt)
   * makes retries safe: LINE answers 409 for a key it already accepted, reported here as a
   * duplicate delivery. Failures throw LineApiError (`retryable` for 5xx, 429 and network).
   */
  multicast(to: string[], messages: Message[], retryKey: string): Promise<{ duplicate: boolean }>;
}

/** The SDK's error as a LineApiError that keeps LINE's status and top-level message only. */
function toLineApiError(error: unknown): LineApiError {
  if (error instanceof HTTPFetchError) {
    let detail = '';
    try {
      const body = JSON.parse(error.body) as { message?: unknown; details?: Array<{ property?: unknown; message?: unknown }> };
      if (typeof body.message === 'string') detail = body.message.slice(0, 200);
      // The first detail names the offending property (never personal: ids and message fields).
      const first = body.details?.[0];
      if (first && typeof first.property === 'string' && typeof first.message === 'string') detail += ` (${first.property}: ${first.message.slice(0, 100)})`;
    } catch {
      // not JSON: the status says enough
    }
    return new LineApiError(error.status, `LINE API ${error.status}${detail ? `: ${detail}` : ''}`, { cause: error });
  }
  return new LineApiError(0, `LINE API unreachable: ${error instanceof Error ? error.name : 'error'}`, { cause: error });
}

/** The real multicaster (LINE_API_BASE_URL, LINE_CHANNEL_ACCESS_TOKEN). */
export function createLineMulticaster(options: { channelAccessToken: string; baseURL: string }): Multicaster {
  const client = new messagingApi.MessagingApiClient({ channelAccessToken: options.channelAccessToken, baseURL: options.baseURL });
  return {
    async multicast(to, messages, retryKey) {
      if (to.length === 0 || to.length > multicastMaxRecipients) throw new RangeError(`a multicast takes 1 to ${multicastMaxRecipients} recipients`);
      try {
        await client.multicast({ to, messages }, retryKey);
        return { duplicate: false };
      } catch (error) {
        if (error instanceof HTTPFetchError && error.status === 409) return { duplicate: true };
        throw toLineApiError(error);
      }
    },
  };
}
