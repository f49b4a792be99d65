/**
 * SIGTERM while a burst of events is being applied: the server stops accepting, finishes the
 * events in flight, exits 0 within the grace period, and leaves the rest pending; the next start
 * applies them. Every follower is greeted exactly once, across the two processes.
 * And SIGKILL mid-burst: nothing accepted is lost either.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeLineApi, lineUserId } from '../support/fake-line-api.ts';
import type { FakeLineApi } from '../support/fake-line-api.ts';
import { CHANNEL_SECRET, CHANNEL_TOKEN, FIELD_KEY, signedWebhookInit, webhookBody } from '../support/harness.ts';
import { freePort, spawnEntry } from '../support/process.ts';

const followers = 20;

describe('stopping the server while it applies events', () => {
  let line: FakeLineApi;
  let dataDir: string;
  beforeAll(async () => {
    line = await startFakeLineApi({ channelAccessToken: CHANNEL_TOKEN });
    dataDir = await mkdtemp(path.join(tmpdir(), 'hw-shutdown-'));
  });
  afterAll(async () => {
    line.assertNoRejections();
    await line.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function start() {
    const port = await freePort();
    const proc = spawnEntry('src/main.ts', {
      LINE_CHANNEL_SECRET: CHANNEL_SECRET,
      LINE_CHANNEL_ACCESS_TOKEN: CHANNEL_TOKEN,
      LINE_API_BASE_URL: line.baseURL,
      FIELD_ENCRYPTION_KEY: FIELD_KEY,
      DATA_DIR: dataDir,
      PORT: String(port),
      SHUTDOWN_GRACE_SECONDS: '10',
    });
    const base = `http://127.0.0.1:${port}`;
    // Up to 60 s: a start with migrations took over 30 s on a loaded 2-core machine.
    for (let i = 0; i < 600; i++) {
      if (proc.child.exitCode !== null) throw new Error(`the service stopped: ${proc.output().stderr}`);
      if (
        await fetch(`${base}/healthz`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      await new Promise((r) => setTimeout(r, 100));
    }
    return { proc, base };
  }

  function burst(seed: string) {
    const users = Array.from({ length: followers }, (_, i) => lineUserId(`${seed}-${i}`));
    const events = users.map((user, i) => ({
      type: 'follow',
      mode: 'active',
      timestamp: Date.now() + i,
      source: { type: 'user', userId: user },
      webhookEventId: `01${seed.toUpperCase().replace(/[^A-Z0-9]/g, '')}${String(i).padStart(6, '0')}`.slice(0, 26),
      deliveryContext: { isRedelivery: false },
      replyToken: line.issueReplyToken(user),
      follow: { isUnblocked: false },
    }));
    return { users, body: webhookBody(events) };
  }

  async function allGreeted(users: string[], timeoutMs: number) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && users.some((u) => line.messagesTo(u).length < 2)) await new Promise((r) => setTimeout(r, 100));
  }

  it('SIGTERM: exits 0 after finishing the events in flight; the next start applies the rest; each follower greeted once', async () => {
    const { users, body } = burst('term');
    const first = await start();
    const res = await fetch(`${first.base}/webhook`, signedWebhookInit(body));
    expect(res.status).toBe(200);
    await new Promise((r) => setTimeout(r, 150));
    const stopAsked = Date.now();
    first.proc.child.kill('SIGTERM');
    const exit = await first.proc.exited;
    const stopMs = Date.now() - stopAsked;
    expect(exit.code).toBe(0);
    expect(first.proc.output().stdout).toContain('"msg":"stopped"');
    const greetedBefore = users.filter((u) => line.messagesTo(u).length > 0).length;

    const second = await start();
    try {
      await allGreeted(users, 60_000);
      console.info(
        `shutdown: SIGTERM exited 0 in ${stopMs} ms with ${greetedBefore} of ${followers} followers greeted; the next start greeted the other ${followers - greetedBefore}`,
      );
      for (const u of users) expect(line.messagesTo(u).map((m) => m.type)).toEqual(['flex']);
    } finally {
      second.proc.child.kill('SIGTERM');
      expect((await second.proc.exited).code).toBe(0);
    }
  }, 120_000);

  it('SIGKILL mid-burst: the next start applies every accepted event; no follower is greeted twice', async () => {
    const { users, body } = burst('kill');
    const first = await start();
    const res = await fetch(`${first.base}/webhook`, signedWebhookInit(body));
    expect(res.status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    first.proc.child.kill('SIGKILL');
    await first.proc.exited;
    const greetedBefore = users.filter((u) => line.messagesTo(u).length > 0).length;
    const second = await start();
    try {
      // Replies left unsent by the killed process go out as pushes once 30 s have passed.
      await allGreeted(users, 90_000);
      console.info(
        `shutdown: SIGKILL with ${greetedBefore} of ${followers} followers greeted; after restart all ${users.filter((u) => line.messagesTo(u).length === 2).length} greeted exactly once`,
      );
      for (const u of users) expect(line.messagesTo(u).map((m) => m.type)).toEqual(['flex']);
    } finally {
      second.proc.child.kill('SIGTERM');
      await second.proc.exited;
    }
  }, 150_000);
});
