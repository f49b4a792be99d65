import { describe, expect, it } from 'vitest';
import { useHarness, eventsFor, lineUserId } from '../support/harness.ts';
import { purgeProcessedEvents, recordEvent, recoverPendingEvents } from '../../src/events/line-events.ts';
import type { LineEvent } from '../../src/events/line-events.ts';

describe('events accepted but not yet applied when the process stopped', () => {
  const h = useHarness({ checkLine: 'never' });

  it('are applied by the recovery sweep, in order, exactly once', async () => {
    const user = lineUserId('recovery');
    const ev = eventsFor(h.line, user, h.clock);
    const follow = ev.follow();
    h.clock.advance(1000);
    const agree = ev.postback('a=terms.agree&q=1');
    // What the webhook stored before answering 200, as if the process died right after.
    expect(await recordEvent(h.service.db.prisma, agree as unknown as LineEvent, h.clock.now())).toBe(true);
    expect(await recordEvent(h.service.db.prisma, follow as unknown as LineEvent, h.clock.now())).toBe(true);
    // Events younger than the grace period are left to the process handling them.
    expect(await recoverPendingEvents(h.service.deps)).toBe(0);
    h.clock.advance(60_000);
    expect(await recoverPendingEvents(h.service.deps)).toBe(1);
    expect(await recoverPendingEvents(h.service.deps)).toBe(0);
    expect(await h.service.db.prisma.consent.count({ where: { userId: user } })).toBe(1);
    const rows = await h.service.db.prisma.webhookEvent.findMany({ where: { userId: user } });
    expect(rows.map((r) => r.status)).toEqual(['done', 'done']);
    // Processed events keep no payload (it may hold message text).
    expect(rows.every((r) => r.payload === null)).toBe(true);
    h.line.assertNoRejections();
  });

  it('are forgotten 30 days after processing, unless they failed', async () => {
    const user = lineUserId('purge');
    const ev = eventsFor(h.line, user, h.clock);
    await h.post([ev.follow()]);
    const prisma = h.service.db.prisma;
    const failed = { ...ev.text('x'), webhookEventId: '01PURGEFAILED0000000000000' };
    await recordEvent(prisma, failed as unknown as LineEvent, h.clock.now());
    await prisma.webhookEvent.update({ where: { id: failed.webhookEventId }, data: { status: 'failed', error: 'Error: test' } });
    const later = new Date(h.clock.now().getTime() + 31 * 86_400_000);
    expect(await purgeProcessedEvents(prisma, new Date(h.clock.now().getTime() + 29 * 86_400_000))).toBe(0);
    expect(await purgeProcessedEvents(prisma, later)).toBeGreaterThan(0);
    expect(await prisma.webhookEvent.findMany({ where: { userId: user }, select: { status: true } })).toEqual([{ status: 'failed' }]);
  });
});
