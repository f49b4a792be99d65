import { describe, expect, it } from 'vitest';
import { useHarness, eventsFor, lineUserId } from '../support/harness.ts';
import type { Harness } from '../support/harness.ts';
import { handleLineEvent, processUserEvents } from '../../src/events/line-events.ts';
import type { EventDeps, LineEvent } from '../../src/events/line-events.ts';

/** A database error as Prisma reports a write conflict or deadlock (retryable). */
const transientError = () => Object.assign(new Error('Transaction failed due to a write conflict or a deadlock'), { code: 'P2034' });

/** The service's dependencies with a turn that fails transiently the first `times` times. */
function flaky(h: Harness, times: number): EventDeps {
  let failures = 0;
  const deps = h.service.deps;
  return {
    ...deps,
    dialogue: {
      ...deps.dialogue,
      sealer: {
        open: (sealed) => deps.dialogue.sealer.open(sealed),
        seal: (json) => {
          if (failures++ < times) throw transientError();
          return deps.dialogue.sealer.seal(json);
        },
      },
    },
  };
}

describe('an event that hits a transient database error', () => {
  const h = useHarness();

  it('stays pending (no reply yet) and is applied once on the next attempt', async () => {
    const user = lineUserId('transient-once');
    const follow = eventsFor(h.line, user, h.clock).follow();
    const deps = flaky(h, 1);
    await handleLineEvent(follow as unknown as LineEvent, deps);
    let row = await h.service.db.prisma.webhookEvent.findUnique({ where: { id: follow.webhookEventId } });
    expect(row).toMatchObject({ status: 'pending', attempts: 1 });
    expect(h.line.messagesTo(user)).toHaveLength(0);
    await processUserEvents(user, deps);
    row = await h.service.db.prisma.webhookEvent.findUnique({ where: { id: follow.webhookEventId } });
    expect(row).toMatchObject({ status: 'done', payload: null });
    expect(h.line.messagesTo(user).map((m) => m.type)).toEqual(['flex']);
  });

  it('is given up as failed, with an apology, after five attempts', async () => {
    const user = lineUserId('transient-always');
    const follow = eventsFor(h.line, user, h.clock).follow();
    const deps = flaky(h, 100);
    await handleLineEvent(follow as unknown as LineEvent, deps);
    for (let i = 0; i < 10; i++) await processUserEvents(user, deps);
    const row = await h.service.db.prisma.webhookEvent.findUnique({ where: { id: follow.webhookEventId } });
    expect(row).toMatchObject({ status: 'failed', attempts: 5, payload: null });
    expect(row?.error).toContain('write conflict');
    expect(h.line.textsTo(user).join('\n')).toContain('お電話');
  });
});
