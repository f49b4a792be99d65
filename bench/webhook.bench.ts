// LINE counts a webhook as failed when no 200 arrives within about 2 s. The webhook stores each
// event before answering and applies it afterwards, so the answer time is one insert per event.
// Compared in the same run with GET /healthz (one `SELECT 1`) as the baseline, and with one full
// dialogue turn (a text message answered with the help menu: restore, facts for the whole
// horizon, transition, persist, reply through the SDK to the fake LINE API).
// Run: npx vitest bench --run bench/webhook.bench.ts   (embedded PGlite in memory)
import request from 'supertest';
import { afterAll, beforeAll, test } from 'vitest';
import { startHarness, eventsFor, lineUserId, sign } from '../test/support/harness.ts';
import type { Harness } from '../test/support/harness.ts';
import { handleLineEvent } from '../src/events/line-events.ts';
import type { LineEvent } from '../src/events/line-events.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { LOG_LEVEL: 'silent' } });
});
afterAll(async () => {
  await h.close();
});

test('webhook answer time and one dialogue turn, against GET /healthz', async ({ bench }) => {
  const user = lineUserId('bench');
  const ev = eventsFor(h.line, user, h.clock);
  await h.post([ev.follow()]);
  await bench.compare(
    bench('baseline: GET /healthz (one SELECT 1)', async () => {
      await request(h.service.app).get('/healthz');
    }),
    bench('POST /webhook with one text event, until the 200', async () => {
      const body = JSON.stringify({ events: [ev.text('こんにちは')] });
      await request(h.service.app).post('/webhook').set('content-type', 'application/json').set('x-line-signature', sign(body)).send(body);
    }),
    bench('one dialogue turn: handleLineEvent(text) including the reply', async () => {
      await handleLineEvent(ev.text('こんにちは') as unknown as LineEvent, h.service.deps);
    }),
  );
  await h.settle();
});
