/**
 * A webhook never answers 5xx to what it is sent, and one odd event never takes the other events
 * of its body with it. Correctly signed bodies (so they pass the signature check) carrying typed
 * escapes, NUL, lone surrogates, absurd nesting, impossible timestamps and ids, and then random
 * JSON from a fuzzer.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BOT_DESTINATION, eventsFor, lineUserId, postSigned, useHarness } from '../support/harness.ts';
import type { Harness } from '../support/harness.ts';

async function postRaw(h: Harness, body: string) {
  const res = await postSigned(h.service.app, body);
  await h.settle();
  return res;
}

describe('hostile webhook input', () => {
  const h = useHarness();

  it('answers a text with the six typed characters \\u0000 like any other text, and keeps the other events of the body', async () => {
    const typed = lineUserId('typed-escape');
    const other = lineUserId('typed-escape-neighbour');
    const a = eventsFor(h.line, typed, h.clock);
    const b = eventsFor(h.line, other, h.clock);
    const res = await h.post([a.follow(), a.text('パスは C:\\u0000 です'), b.follow()]);
    expect(res.status).toBe(200);
    // A follow is answered with one message (the terms card), the text with at least one more.
    expect(h.line.messagesTo(typed).length).toBeGreaterThanOrEqual(2);
    expect(h.line.messagesTo(other).length).toBeGreaterThanOrEqual(1);
    expect(await h.service.db.prisma.webhookEvent.count({ where: { userId: { in: [typed, other] }, status: 'done' } })).toBe(3);
    // The same body again (LINE's redelivery) has no second effect and no error.
    const again = await h.post([a.follow()]);
    expect(again.status).toBe(200);
  });

  it('stores real NUL characters and lone surrogates in texts without them, and answers', async () => {
    const user = lineUserId('nul-and-surrogates');
    const ev = eventsFor(h.line, user, h.clock);
    const follow = ev.follow();
    const nul = ev.text('a\u0000b');
    const surrogate = ev.text('x\ud800y\udc00z');
    const res = await h.post([follow, nul, surrogate]);
    expect(res.status).toBe(200);
    const rows = await h.service.db.prisma.webhookEvent.findMany({ where: { userId: user } });
    expect(rows.map((r) => r.status).sort()).toEqual(['done', 'done', 'done']);
    // Each event got its answer.
    for (const e of [follow, nul, surrogate]) expect(h.line.replies.filter((r) => r.replyToken === e.replyToken)).toHaveLength(1);
  });

  it('skips an event nested absurdly deeply, or with an impossible timestamp or id, and stores the others', async () => {
    const user = lineUserId('odd-events');
    const ev = eventsFor(h.line, user, h.clock);
    const good = ev.follow();
    const odd = [
      { ...ev.text('deep'), extra: 'DEEP' },
      { ...ev.text('future'), timestamp: 8.64e15 + 1 },
      { ...ev.text('negative'), timestamp: -1 },
      { ...ev.text('nul id'), webhookEventId: '01AB\u0000CD' },
      { ...ev.text('nul user'), source: { type: 'user', userId: `${user.slice(0, 10)}\u0000` } },
      { ...ev.text('no id'), webhookEventId: undefined },
      'not an event',
      null,
      42,
    ];
    // Written as text: JSON.stringify itself cannot nest 5,000 arrays.
    const body = JSON.stringify({ destination: BOT_DESTINATION, events: [...odd, good] }).replace('"DEEP"', `${'['.repeat(5_000)}"bottom"${']'.repeat(5_000)}`);
    const res = await postRaw(h, body);
    expect(res.status).toBe(200);
    const rows = await h.service.db.prisma.webhookEvent.findMany({ where: { userId: user } });
    expect(rows.map((r) => r.id)).toEqual([good.webhookEventId]);
    expect(rows[0]?.status).toBe('done');
    expect(h.logs.some((line) => line.includes('webhook events skipped'))).toBe(true);
  });

  it('answers 400, not 500, to signed bodies that are not webhooks at all', async () => {
    for (const body of ['[]', '"text"', '{}', '{"events":{}}', '{"events":"x"}', 'null', '{"events":[1,2]', '\u0000', '{"destination":1,"events":[]}']) {
      const res = await postRaw(h, body);
      expect(res.status, body).toBeGreaterThanOrEqual(200);
      expect(res.status, body).toBeLessThan(500);
    }
  });

  it('never answers 5xx to random signed bodies, and stores every well-formed event in them (fuzz)', async () => {
    const userIds = Array.from({ length: 4 }, (_, i) => lineUserId(`fuzz-${i}`));
    const wellFormed = fc.record({
      kind: fc.constantFrom('follow', 'text', 'sticker', 'postback', 'unfollow', 'image'),
      user: fc.constantFrom(...userIds),
      text: fc.oneof(
        fc.string({ maxLength: 60 }),
        fc.string({ unit: 'binary', maxLength: 60 }),
        fc.constantFrom('\\u0000', '\u0000', '\ud83d', '予約', '同意する'),
      ),
    });
    const junkValue = fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.constant(null));
    const junkEvent = fc.oneof(
      junkValue,
      fc.record({ type: junkValue, webhookEventId: junkValue, timestamp: junkValue, source: junkValue, replyToken: junkValue }, { requiredKeys: [] }),
    );
    const item = fc.oneof({ arbitrary: wellFormed.map((w) => ({ w })), weight: 3 }, { arbitrary: junkEvent.map((j) => ({ j })), weight: 2 });
    let bodies = 0;
    let stored = 0;
    let skippedSeen = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(item, { maxLength: 8 }), fc.boolean(), async (items, withDestination) => {
        const events: unknown[] = [];
        const expected: string[] = [];
        for (const it of items) {
          if ('j' in it) {
            events.push(it.j);
            skippedSeen += 1;
            continue;
          }
          const ev = eventsFor(h.line, it.w.user, h.clock);
          const e =
            it.w.kind === 'follow'
              ? ev.follow()
              : it.w.kind === 'text'
                ? ev.text(it.w.text)
                : it.w.kind === 'sticker'
                  ? ev.sticker()
                  : it.w.kind === 'image'
                    ? ev.image()
                    : it.w.kind === 'unfollow'
                      ? ev.unfollow()
                      : ev.postback(it.w.text);
          events.push(e);
          expected.push(e.webhookEventId);
        }
        const body = JSON.stringify(withDestination ? { destination: BOT_DESTINATION, events } : { events });
        const res = await postRaw(h, body);
        bodies += 1;
        expect(res.status).toBe(200);
        const rows = await h.service.db.prisma.webhookEvent.findMany({ where: { id: { in: expected } }, select: { id: true, status: true } });
        expect(rows.map((r) => r.id).sort()).toEqual([...new Set(expected)].sort());
        expect(rows.every((r) => r.status === 'done')).toBe(true);
        stored += expected.length;
      }),
      { numRuns: 60 },
    );
    // The figures reported in docs/reliability.md.
    console.info(
      `hostile-input fuzz: ${bodies} signed bodies, ${stored} well-formed events stored and applied, ${skippedSeen} junk events skipped, 0 answered 5xx`,
    );
    expect(await h.service.db.prisma.webhookEvent.count({ where: { status: 'failed' } })).toBe(0);
  });
});
