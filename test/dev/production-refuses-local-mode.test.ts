/**
 * Production refuses local mode and the time control, as processes: `node src/main.ts` (what
 * `npm start` runs) with NODE_ENV=production exits with a sentence naming the variable when the
 * LINE credentials are blank (local mode: fake LINE API, chat emulator, time control) or when
 * CLOCK_START is set; with real credentials it starts, and /dev (chat page, state, clock) does
 * not exist.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeLineApi } from '../support/fake-line-api.ts';
import type { FakeLineApi } from '../support/fake-line-api.ts';
import { CHANNEL_SECRET, CHANNEL_TOKEN } from '../support/harness.ts';
import { freePort, spawnEntry } from '../support/process.ts';

const FIELD_KEY = Buffer.alloc(32, 7).toString('base64');

let line: FakeLineApi;
let dataDir: string;
beforeAll(async () => {
  line = await startFakeLineApi({ channelAccessToken: CHANNEL_TOKEN });
  dataDir = await mkdtemp(path.join(tmpdir(), 'hw-prod-'));
});
afterAll(async () => {
  await line?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** Runs the service until it exits by itself (or 60 s), and what it printed. */
async function runToExit(env: Record<string, string>) {
  const proc = spawnEntry('src/main.ts', {
    NODE_ENV: 'production',
    FIELD_ENCRYPTION_KEY: FIELD_KEY,
    DATA_DIR: dataDir,
    PORT: String(await freePort()),
    ...env,
  });
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), 60_000);
  const exit = await proc.exited;
  clearTimeout(timer);
  return { ...exit, ...proc.output() };
}

describe('npm start with NODE_ENV=production', () => {
  it('refuses blank LINE credentials (local mode) with a sentence naming the variable, and serves nothing', { timeout: 90_000 }, async () => {
    const result = await runToExit({ LINE_CHANNEL_SECRET: '', LINE_CHANNEL_ACCESS_TOKEN: '' });
    expect(result.code).not.toBe(0);
    const printed = result.stdout + result.stderr;
    expect(printed).toContain('LINE_CHANNEL_SECRET');
    expect(printed).toContain('local mode');
    expect(printed).not.toContain('/dev/chat');
    expect(printed).not.toMatch(/one-time password/);
  });

  it('refuses the time control (CLOCK_START) even with real credentials', { timeout: 90_000 }, async () => {
    const result = await runToExit({
      LINE_CHANNEL_SECRET: CHANNEL_SECRET,
      LINE_CHANNEL_ACCESS_TOKEN: CHANNEL_TOKEN,
      LINE_API_BASE_URL: line.baseURL,
      CLOCK_START: '2026-12-01T09:30:00+09:00',
    });
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toContain('CLOCK_START is for demos and tests and is refused when NODE_ENV=production');
  });

  it('with real credentials starts without /dev: no chat page, no state, no clock to move', { timeout: 120_000 }, async () => {
    const port = await freePort();
    const proc = spawnEntry('src/main.ts', {
      NODE_ENV: 'production',
      FIELD_ENCRYPTION_KEY: FIELD_KEY,
      DATA_DIR: dataDir,
      PORT: String(port),
      LINE_CHANNEL_SECRET: CHANNEL_SECRET,
      LINE_CHANNEL_ACCESS_TOKEN: CHANNEL_TOKEN,
      LINE_API_BASE_URL: line.baseURL,
    });
    try {
      const base = `http://127.0.0.1:${port}`;
      let up = false;
      for (let i = 0; i < 900 && !up; i++) {
        if (proc.child.exitCode !== null) throw new Error(`the service stopped: ${proc.output().stderr}`);
        up = await fetch(`${base}/healthz`).then(
          (r) => r.ok,
          () => false,
        );
        if (!up) await new Promise((r) => setTimeout(r, 100));
      }
      expect(up).toBe(true);
      expect((await fetch(`${base}/dev/chat`)).status).toBe(404);
      expect((await fetch(`${base}/dev/api/state`)).status).toBe(404);
      const moved = await fetch(`${base}/dev/api/clock`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: base },
        body: JSON.stringify({ minutes: 60 }),
      });
      expect(moved.status).toBe(404);
      expect(proc.output().stdout).not.toContain('/dev/chat');
    } finally {
      proc.child.kill('SIGTERM');
      await proc.exited;
    }
  });
});
