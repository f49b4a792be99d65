/**
 * The service as a newcomer starts it: `node src/main.ts` (what `npm start` runs) in a child
 * process, on the embedded database in a fresh directory, replying to a signed follow event
 * through the configured LINE API (the fake, on loopback).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeLineApi, lineUserId } from '../support/fake-line-api.ts';
import type { FakeLineApi } from '../support/fake-line-api.ts';
import { CHANNEL_SECRET, CHANNEL_TOKEN, signedWebhookInit, webhookBody } from '../support/harness.ts';
import { freePort, spawnEntry } from '../support/process.ts';

const run = (env: Record<string, string>) => spawnEntry('src/main.ts', env);

describe('the server process', () => {
  let line: FakeLineApi;
  let dataDir: string;
  beforeAll(async () => {
    line = await startFakeLineApi({ channelAccessToken: CHANNEL_TOKEN });
    dataDir = await mkdtemp(path.join(tmpdir(), 'hw-proc-'));
  });
  afterAll(async () => {
    await line.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('starts on the embedded database and replies to a signed follow with the terms', { timeout: 90_000 }, async () => {
    const port = await freePort();
    const proc = run({
      LINE_CHANNEL_SECRET: CHANNEL_SECRET,
      LINE_CHANNEL_ACCESS_TOKEN: CHANNEL_TOKEN,
      LINE_API_BASE_URL: line.baseURL,
      DATA_DIR: dataDir,
      PORT: String(port),
    });
    try {
      const base = `http://127.0.0.1:${port}`;
      for (let i = 0; i < 600; i++) {
        const ok = await fetch(`${base}/healthz`).then(
          (r) => r.ok,
          () => false,
        );
        if (ok) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const user = lineUserId('process');
      const body = webhookBody([
        {
          type: 'follow',
          mode: 'active',
          timestamp: Date.now(),
          source: { type: 'user', userId: user },
          webhookEventId: '01PROCESSFOLLOW00000000000',
          deliveryContext: { isRedelivery: false },
          replyToken: line.issueReplyToken(user),
          follow: { isUnblocked: false },
        },
      ]);
      const res = await fetch(`${base}/webhook`, signedWebhookInit(body));
      expect(res.status).toBe(200);
      for (let i = 0; i < 100 && line.messagesTo(user).length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(line.messagesTo(user).map((m) => m.type)).toEqual(['flex']);
      // Logs are JSON lines and carry no message content.
      const { stdout } = proc.output();
      expect(stdout).toContain('"msg":"listening"');
      expect(stdout).not.toContain('利用規約');
    } finally {
      proc.child.kill('SIGTERM');
      expect((await proc.exited).code).toBe(0);
    }
  });

  it('stops with one clear line naming a missing or malformed variable', async () => {
    // Both LINE credentials empty would be local mode (issue #12): one without the other is the mistake.
    const missing = run({ LINE_CHANNEL_ACCESS_TOKEN: 't', DATA_DIR: dataDir });
    expect((await missing.exited).code).toBe(1);
    expect(missing.output().stderr.trim().split('\n')).toEqual([expect.stringContaining('LINE_CHANNEL_SECRET')]);
    const bad = run({ LINE_CHANNEL_SECRET: 's', LINE_CHANNEL_ACCESS_TOKEN: 't', PORT: 'eighty', DATA_DIR: dataDir });
    expect((await bad.exited).code).toBe(1);
    expect(bad.output().stderr.trim()).toBe('Configuration error: PORT must be a whole number from 1 to 65535');
  });
});

describe('the embedded database', () => {
  it('belongs to one process: a second one refuses to start with one clear line', { timeout: 90_000 }, async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'hw-lock-'));
    const line = await startFakeLineApi({ channelAccessToken: CHANNEL_TOKEN });
    const env = { LINE_CHANNEL_SECRET: CHANNEL_SECRET, LINE_CHANNEL_ACCESS_TOKEN: CHANNEL_TOKEN, LINE_API_BASE_URL: line.baseURL, DATA_DIR: dataDir };
    const first = spawnEntry('src/main.ts', { ...env, PORT: String(await freePort()) });
    try {
      for (let i = 0; i < 600 && !first.output().stdout.includes('"msg":"listening"'); i++) await new Promise((r) => setTimeout(r, 100));
      const second = spawnEntry('src/cli/calendar.ts', { DATA_DIR: dataDir });
      const { code } = await second.exited;
      expect(code).toBe(2);
      expect(second.output().stderr.trim()).toMatch(/^Cannot start: the embedded database .* is in use by process \d+/);
    } finally {
      first.child.kill('SIGTERM');
      await first.exited;
      await line.close();
    }
    // Once the service has stopped, the calendar opens it.
    const after = spawnEntry('src/cli/calendar.ts', { DATA_DIR: dataDir });
    expect((await after.exited).code).toBe(0);
    await rm(dataDir, { recursive: true, force: true });
  });
});
