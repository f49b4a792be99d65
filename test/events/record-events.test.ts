/**
 * recordEvents on a real database (PGlite, or PostgreSQL with TEST_DATABASE_URL): an event id
 * already stored hands its user to the dispatcher again only while the event is still pending —
 * the retry of an INSERT whose answer a lost connection swallowed, or LINE redelivering an event
 * not yet applied — and never once it is done. An id twice in one body is stored once.
 */
import { describe, expect, it } from 'vitest';
import { recordEvents } from '../../src/events/line-events.ts';
import type { LineEvent } from '../../src/events/webhook-input.ts';
import { lineUserId } from '../support/harness.ts';
import { useLifecycleFixture } from '../lifecycle/fixtures.ts';

const f = useLifecycleFixture();

function textEvent(id: string, userId: string): LineEvent {
  return {
    type: 'message',
    mode: 'active',
    timestamp: f.clock.now().getTime(),
    source: { type: 'user', userId },
    webhookEventId: id,
    deliveryContext: { isRedelivery: false },
    replyToken: `token-${id}`,
    message: { type: 'text', id: `m-${id}`, text: 'こんにちは' },
  } as LineEvent;
}

describe('recordEvents', () => {
  it('returns the user of a known id again while its event is pending, not once it is done', async () => {
    const user = lineUserId('record-events');
    const event = textEvent('01RECORDEVENTSPENDING00001', user);
    expect(await recordEvents(f.db.prisma, [event], f.clock.now())).toEqual([user]);
    expect(await recordEvents(f.db.prisma, [event], f.clock.now())).toEqual([user]);
    await f.db.prisma.webhookEvent.update({ where: { id: event.webhookEventId }, data: { status: 'done', payload: undefined } });
    expect(await recordEvents(f.db.prisma, [event], f.clock.now())).toEqual([]);
    expect(await f.db.prisma.webhookEvent.count({ where: { id: event.webhookEventId } })).toBe(1);
    await f.db.prisma.webhookEvent.deleteMany();
  });

  it('stores an id that comes twice in one call once', async () => {
    const user = lineUserId('record-events-twice');
    const event = textEvent('01RECORDEVENTSTWICE0000001', user);
    expect(await recordEvents(f.db.prisma, [event, event], f.clock.now())).toEqual([user]);
    expect(await f.db.prisma.webhookEvent.count({ where: { id: event.webhookEventId } })).toBe(1);
    await f.db.prisma.webhookEvent.deleteMany();
  });
});
