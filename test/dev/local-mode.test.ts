/**
 * Local mode (issue #12) in-process: `startLocalMode` with both LINE credentials empty serves the
 * emulator at /dev, whose events reach the bot through the real, signed /webhook route and whose
 * time control moves the application clock forward only; with real credentials there is no /dev
 * at all; NODE_ENV=production refuses local mode.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, isLocalMode, loadConfig } from '../../src/config.ts';
import { startLocalMode } from '../../src/dev/local-mode.ts';
import type { LocalMode } from '../../src/dev/local-mode.ts';
import { startHarness } from '../support/harness.ts';
import { FIELD_KEY } from '../support/harness.ts';

type State = {
  seq: number;
  clock: { now: string; date: string; time: string };
  users: { id: string; name: string; followed: boolean | null }[];
  chat: { from: string; userId: string; message: { type: string; text?: string; altText?: string } }[];
  panel: { kind: string; title: string; status: number; rejected: boolean; error?: string }[];
  rejected: number;
};

const localEnv = { NODE_ENV: 'test', DATA_DIR: 'memory://local-mode', LOG_LEVEL: 'silent', CLOCK_START: '2026-12-01T09:30:00+09:00', RUN_SCHEDULER: 'true' };

let local: LocalMode;
let server: Server;
let base: string;

async function state(): Promise<State> {
  const res = await request(local.app).get('/dev/api/state').expect(200);
  return res.body as State;
}

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  const config = loadConfig(localEnv);
  expect(isLocalMode(config)).toBe(true);
  local = await startLocalMode(config);
  server = await new Promise<Server>((resolve) => {
    const s = local.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  local.listening(base);
}, 60_000);

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await local?.close();
});

describe('local mode', () => {
  it('prints the chat and console URLs and a one-time password for the local admin, once', () => {
    expect(local.adminOneTimePassword).toMatch(/\S{10,}/);
    const text = local.listening(base);
    expect(text).toContain(`${base}/dev/chat`);
    expect(text).toContain(`${base}/staff/login`);
    expect(text).toContain(local.adminOneTimePassword);
  });

  it('serves the chat page with a strict CSP and its script as a file', async () => {
    const page = await request(local.app).get('/dev/chat').expect(200);
    expect(page.text).toContain('LINE チャット エミュレーター');
    expect(page.text).toContain('予約確認');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).not.toContain('unsafe-inline');
    await request(local.app)
      .get('/dev/static/chat.js')
      .expect(200)
      .expect('content-type', /javascript/);
    await request(local.app).get('/dev/static/nothing.js').expect(404);
  });

  it('turns a follow and a text into signed webhooks that the bot answers, with nothing rejected', async () => {
    const before = await state();
    const user = before.users[0]!;
    await request(local.app).post('/dev/api/events').send({ type: 'follow', userId: user.id }).expect(200, { webhookStatus: 200 });
    const greeting = await until(async () => {
      const s = await state();
      return s.chat.some((e) => e.userId === user.id && e.from === 'bot') ? s : undefined;
    }, 'the reply to the follow');
    expect(greeting.panel.some((e) => e.kind === 'webhook' && e.status === 200)).toBe(true);
    expect(greeting.panel.some((e) => e.kind === 'api' && e.title === 'POST /v2/bot/message/reply' && e.status === 200)).toBe(true);
    await request(local.app).post('/dev/api/events').send({ type: 'text', userId: user.id, text: '予約確認' }).expect(200);
    await request(local.app).post('/dev/api/events').send({ type: 'sticker', userId: user.id, index: 0 }).expect(200);
    await request(local.app).post('/dev/api/events').send({ type: 'image', userId: user.id }).expect(200);
    const after = await until(async () => {
      const s = await state();
      return s.chat.filter((e) => e.userId === user.id && e.from === 'bot').length >= 4 ? s : undefined;
    }, 'replies to the text, the sticker and the image');
    expect(after.chat.filter((e) => e.from === 'user').map((e) => e.message.type)).toEqual(['text', 'sticker', 'image']);
    expect(after.rejected).toBe(0);
  });

  it('links 全文を読む to the terms page this process serves, so the emulator opens it', async () => {
    const user = (await state()).users[2]!;
    await request(local.app).post('/dev/api/events').send({ type: 'text', userId: user.id, text: '利用規約' }).expect(200);
    const link = await until(async () => {
      const s = await state();
      const card = s.chat.find((e) => e.userId === user.id && e.from === 'bot' && e.message.type === 'flex');
      return card ? (JSON.stringify(card.message).match(/"uri":"([^"]+)"/)?.[1] ?? '') : undefined;
    }, 'the link to the full terms');
    expect(link).toBe(`${base}/terms/2023-11-01`);
    const page = await request(local.app).get(new URL(link).pathname).expect(200);
    expect(page.text).toContain('第15条');
  });

  it("shows a message the fake refused with LINE's error text in the developer panel", async () => {
    const user = (await state()).users[1]!;
    await expect(local.service.deps.messenger.push(user.id, [{ type: 'text', text: '' }], randomUUID())).rejects.toThrow();
    const s = await state();
    const refused = s.panel.find((e) => e.rejected && e.title === 'POST /v2/bot/message/push');
    expect(refused?.status).toBe(400);
    expect(refused?.error).toContain('The request body has 1 error(s)');
    expect(refused?.error).toContain('messages[0].text');
    expect(s.rejected).toBe(1);
  });

  it('refuses bad input with a clear answer, and requests that are not same-origin JSON', async () => {
    const user = (await state()).users[0]!;
    const empty = await request(local.app).post('/dev/api/events').send({ type: 'text', userId: user.id, text: '' }).expect(400);
    expect((empty.body as { message: string }).message).toBe('メッセージが空です。');
    await request(local.app).post('/dev/api/events').send({ type: 'text', userId: 'U0', text: 'x' }).expect(404);
    await request(local.app).post('/dev/api/events').type('form').send({ type: 'text', userId: user.id, text: 'x' }).expect(403);
    await request(local.app).post('/dev/api/clock').set('origin', 'https://evil.example').send({ minutes: 10 }).expect(403);
    await request(local.app).post('/dev/api/users').send({ name: '' }).expect(400);
    const added = await request(local.app).post('/dev/api/users').send({ name: '佐藤 美咲' }).expect(201);
    expect((added.body as { id: string }).id).toMatch(/^U[0-9a-f]{32}$/);
  });

  it('moves the application clock forward only', async () => {
    const before = new Date((await state()).clock.now).getTime();
    const moved = await request(local.app).post('/dev/api/clock').send({ minutes: 60 }).expect(200);
    expect(new Date((moved.body as { now: string }).now).getTime() - before).toBeGreaterThanOrEqual(60 * 60_000);
    expect(local.service.deps.clock.now().getTime()).toBeGreaterThanOrEqual(before + 60 * 60_000);
    const back = await request(local.app).post('/dev/api/clock').send({ to: '2026-11-30T10:00' }).expect(400);
    expect((back.body as { message: string }).message).toContain('先にしか進められません');
    await request(local.app).post('/dev/api/clock').send({ minutes: 0 }).expect(400);
    await request(local.app).post('/dev/api/clock').send({ to: 'tomorrow' }).expect(400);
    const jumped = await request(local.app).post('/dev/api/clock').send({ to: '2026-12-03T10:05' }).expect(200);
    const drift = new Date((jumped.body as { now: string }).now).getTime() - Date.parse('2026-12-03T10:05:00+09:00');
    expect(drift).toBeGreaterThanOrEqual(0);
    expect(drift).toBeLessThan(2_000);
  });
});

describe('with real LINE credentials', () => {
  it('has no /dev at all (deny by default: 404)', async () => {
    const h = await startHarness();
    try {
      await request(h.service.app).get('/dev/chat').expect(404);
      await request(h.service.app).get('/dev/api/state').expect(404);
      await request(h.service.app).post('/dev/api/clock').send({ minutes: 60 }).expect(404);
    } finally {
      await h.close();
    }
  });
});

describe('production', () => {
  it('refuses local mode (and with it the emulator and the time control), naming the variable', () => {
    const attempt = () => loadConfig({ NODE_ENV: 'production', FIELD_ENCRYPTION_KEY: FIELD_KEY });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      expect((error as ConfigError).variable).toBe('LINE_CHANNEL_SECRET');
      expect((error as ConfigError).message).toContain('local mode');
      expect((error as ConfigError).message).toContain('refused when NODE_ENV=production');
    }
    expect(() => loadConfig({ NODE_ENV: 'production', FIELD_ENCRYPTION_KEY: FIELD_KEY, LINE_CHANNEL_SECRET: 's'.repeat(32) })).toThrow(
      /LINE_CHANNEL_ACCESS_TOKEN is required/,
    );
  });

  it('keeps local mode on this machine: a HOST other than loopback is refused, naming it', () => {
    for (const host of ['0.0.0.0', '192.168.1.20', '::']) {
      expect(() => loadConfig({ ...localEnv, HOST: host })).toThrow(ConfigError);
      expect(() => loadConfig({ ...localEnv, HOST: host })).toThrow(/local mode listens on this machine only/);
    }
    for (const host of ['127.0.0.1', 'localhost', '::1']) expect(loadConfig({ ...localEnv, HOST: host }).HOST).toBe(host);
    expect(loadConfig({ LINE_CHANNEL_SECRET: 's'.repeat(32), LINE_CHANNEL_ACCESS_TOKEN: 't'.repeat(40), HOST: '0.0.0.0' }).HOST).toBe('0.0.0.0');
  });

  it('cannot start local mode even when handed such a configuration', async () => {
    const config = { ...loadConfig(localEnv), NODE_ENV: 'production' as const };
    await expect(startLocalMode(config)).rejects.toThrow(/local mode/);
  });
});
