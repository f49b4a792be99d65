/**
 * The fields every webhook event from a user carries, as LINE sends them (a fresh
 * `webhookEventId` in LINE's ULID-like shape, the application clock's instant). The emulator and
 * the tests' event builders add the event's own fields and, where LINE gives one, a reply token.
 */
import { randomUUID } from 'node:crypto';

export function userEventEnvelope(type: string, userId: string, now: Date) {
  return {
    type,
    mode: 'active',
    timestamp: now.getTime(),
    source: { type: 'user', userId },
    webhookEventId: `01${randomUUID().replaceAll('-', '').toUpperCase().slice(0, 24)}`,
    deliveryContext: { isRedelivery: false },
  };
}
