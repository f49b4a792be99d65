/**
 * The fake LINE Messaging API of the tests (test/support/fake-line-api.ts) in a process of its
 * own, for `npm run bench:load`: the process under test talks to it over loopback as it would to
 * api.line.me. Every accepted reply and push is reported to the parent (over the IPC channel, in
 * batches every 20 ms) with the instant it arrived, so the load generator can match replies to
 * the events it sent (by reply token) and pushes to users. The records the fake keeps are
 * dropped between phases (`reset`), so memory stays flat however long the run.
 */
import { startFakeLineApi } from '../../test/support/fake-line-api.ts';

type Report = [kind: 'reply' | 'push' | 'error', key: string, at: number];

const line = await startFakeLineApi({ channelAccessToken: process.env.BENCH_LINE_TOKEN ?? 'bench-token', strictIds: true, replyTokens: 'any' });
let batch: Report[] = [];
line.onRequest((request) => {
  const at = performance.timeOrigin + performance.now();
  const body = request.body as { replyToken?: string; to?: string } | undefined;
  if (request.status >= 400) batch.push(['error', `${request.endpoint ?? request.path} ${request.status}`, at]);
  else if (request.endpoint === 'reply' && body?.replyToken) batch.push(['reply', body.replyToken, at]);
  else if (request.endpoint === 'push' && body?.to) batch.push(['push', body.to, at]);
});
const flush = setInterval(() => {
  if (batch.length === 0) return;
  process.send?.({ type: 'reports', reports: batch });
  batch = [];
}, 20);
process.on('message', (message: unknown) => {
  if (message === 'reset') line.reset();
  if (message === 'stop') {
    clearInterval(flush);
    void line.close().then(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));
process.send?.({ type: 'ready', baseURL: line.baseURL });
