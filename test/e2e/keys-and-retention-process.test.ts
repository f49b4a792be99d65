/**
 * Keys, rotation, retention and production credentials as an operator meets them: the real
 * server (`node src/main.ts`) and `npm run keys` (`node src/cli/keys.ts`) as child processes on
 * one embedded database directory, the real LINE SDK talking to the fake LINE API.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeLineApi, lineUserId } from '../support/fake-line-api.ts';
import type { FakeLineApi } from '../support/fake-line-api.ts';
import { CHANNEL_SECRET, CHANNEL_TOKEN, signedWebhookInit, webhookBody } from '../support/harness.ts';
import { freePort, spawnEntry } from '../support/process.ts';
import { createFieldCipher } from '../../src/crypto/field-cipher.ts';
import { openMigratedDatabase } from '../../src/db/client.ts';
import { seedInitialData } from '../../src/db/seed.ts';
import { tokyoInstant } from '../../src/rules/index.ts';
import { copy } from '../../src/wording/chat.ts';

const keyA = randomBytes(32).toString('base64');
const keyB = randomBytes(32).toString('base64');
const idA = createFieldCipher(keyA).keyId;
const idB = createFieldCipher(keyB).keyId;
const user = lineUserId('keys-process');

describe('keys and retention in the real processes', { timeout: 180_000 }, () => {
  let line: FakeLineApi;
  let dataDir: string;
  let env: Record<string, string>;
  let eventNo = 0;

  beforeAll(async () => {
    line = await startFakeLineApi({ channelAccessToken: CHANNEL_TOKEN });
    dataDir = await mkdtemp(path.join(tmpdir(), 'hw-keys-'));
    env = {
      LINE_CHANNEL_SECRET: CHANNEL_SECRET,
      LINE_CHANNEL_ACCESS_TOKEN: CHANNEL_TOKEN,
      LINE_API_BASE_URL: line.baseURL,
      DATA_DIR: dataDir,
      NODE_ENV: 'test',
      // The application clock (the machine's date does not matter).
      CLOCK_START: '2026-12-01T10:00:00+09:00',
      PERSONAL_DATA_RETENTION_DAYS: '90',
    };
  });
  afterAll(async () => {
    line.assertNoRejections();
    await line.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** Runs the server until `body` is done, then stops it with SIGTERM (exit 0 expected). */
  async function withServer(extra: Record<string, string>, body: (post: (event: object) => Promise<void>) => Promise<void>): Promise<string> {
    const port = await freePort();
    const proc = spawnEntry('src/main.ts', { ...env, ...extra, PORT: String(port) });
    const base = `http://127.0.0.1:${port}`;
    try {
      for (let i = 0; i < 600; i++) {
        if (
          await fetch(`${base}/healthz`).then(
            (r) => r.ok,
            () => false,
          )
        )
          break;
        if (proc.child.exitCode !== null) throw new Error(`server exited: ${proc.output().stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      await body(async (event) => {
        const seen = line.messagesTo(user).length;
        const res = await fetch(`${base}/webhook`, signedWebhookInit(webhookBody([event])));
        expect(res.status).toBe(200);
        for (let i = 0; i < 400 && line.messagesTo(user).length === seen; i++) await new Promise((r) => setTimeout(r, 50));
      });
    } finally {
      proc.child.kill('SIGTERM');
      expect((await proc.exited).code).toBe(0);
    }
    return proc.output().stdout;
  }

  const event = (type: 'follow' | 'text', text?: string) => ({
    type: type === 'follow' ? 'follow' : 'message',
    mode: 'active',
    timestamp: Date.parse('2026-12-01T01:00:00Z') + (eventNo += 1),
    source: { type: 'user', userId: user },
    webhookEventId: `01KEYSPROCESS${String(eventNo).padStart(13, '0')}`,
    deliveryContext: { isRedelivery: false },
    replyToken: line.issueReplyToken(user),
    ...(type === 'follow' ? { follow: { isUnblocked: false } } : { message: { type: 'text', id: String(eventNo), quoteToken: 'q', text } }),
  });
  const lastText = () =>
    line
      .messagesTo(user)
      .flatMap((m) => (m.type === 'text' ? [m.text] : []))
      .at(-1) ?? '';

  async function runKeys(extra: Record<string, string>, ...args: string[]) {
    const proc = spawnEntry('src/cli/keys.ts', { ...env, ...extra }, args);
    const { code } = await proc.exited;
    return { code, ...proc.output() };
  }

  it('erases personal data past PERSONAL_DATA_RETENTION_DAYS when the service runs, and keeps recent bookings', async () => {
    // Two consultations written under key A before the service ever ran: 2026-08-20 (103 days
    // before the application clock) and 2026-11-20 (11 days before).
    const cipher = createFieldCipher(keyA);
    const db = await openMigratedDatabase({ dataDir });
    const ids: string[] = [];
    try {
      await seedInitialData(db.prisma);
      const terms = await db.prisma.termsVersion.findFirstOrThrow();
      await db.prisma.lineUser.create({ data: { id: user } });
      for (const date of ['2026-08-20', '2026-11-20']) {
        const booking = await db.prisma.booking.create({
          data: {
            userId: user,
            date,
            startTime: '10:00',
            startsAt: tokyoInstant(date, '10:00'),
            status: 'attended',
            nameEnc: cipher.encrypt('港北 花子'),
            jobSeekerNumberEnc: cipher.encrypt('12345-7654321'),
            phoneEnc: cipher.encrypt('090-1111-2222'),
            topicEnc: cipher.encrypt('介護職の求人'),
            attendant: 'interpreter',
            attendantLanguage: 'タガログ語',
            termsVersionId: terms.id,
            createdAt: tokyoInstant(date, '09:00'),
          },
        });
        ids.push(booking.id);
      }
    } finally {
      await db.close();
    }

    const stdout = await withServer({ FIELD_ENCRYPTION_KEY: keyA }, async (post) => {
      await post(event('follow'));
      expect(line.messagesTo(user).length).toBeGreaterThan(0);
    });
    expect(stdout).toContain('"msg":"retention pass"');
    expect(stdout).toContain('"bookingsErased":1');
    expect(stdout).not.toContain('港北');

    const after = await openMigratedDatabase({ dataDir });
    try {
      const [old, recent] = await Promise.all(ids.map((id) => after.prisma.booking.findUniqueOrThrow({ where: { id } })));
      expect(old).toMatchObject({
        nameEnc: null,
        jobSeekerNumberEnc: null,
        phoneEnc: null,
        topicEnc: null,
        attendantLanguage: null,
        status: 'attended',
        attendant: 'interpreter',
        date: '2026-08-20',
      });
      expect(old?.personalDataErasedAt?.getTime()).toBeGreaterThanOrEqual(Date.parse('2026-12-01T01:00:00Z'));
      expect(recent).toMatchObject({ personalDataErasedAt: null, attendantLanguage: 'タガログ語' });
      expect(cipher.decrypt(recent?.nameEnc ?? '')).toBe('港北 花子');
      expect((await after.prisma.fieldKeyCheck.findMany()).map((c) => c.keyId)).toEqual([idA]);
    } finally {
      await after.close();
    }
  });

  it('refuses to start with another FIELD_ENCRYPTION_KEY, with one line naming both key ids', async () => {
    const proc = spawnEntry('src/main.ts', { ...env, FIELD_ENCRYPTION_KEY: keyB, PORT: String(await freePort()) });
    const { code } = await proc.exited;
    expect(code).toBe(1);
    const lines = proc.output().stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Configuration error: FIELD_ENCRYPTION_KEY \(key id [0-9a-f]{8}\) is not a key of this database/);
    expect(lines[0]).toContain(idB);
    expect(lines[0]).toContain(idA);
    expect(lines[0]).not.toContain(keyB);
    expect(proc.output().stdout).not.toContain('"msg":"listening"');
  });

  it('rotates to a new key: check shows the old key in use, reencrypt moves every value, the service runs on the new key alone and the user carries on', async () => {
    const rotation = { FIELD_ENCRYPTION_KEY: keyB, FIELD_ENCRYPTION_OLD_KEYS: keyA };
    const before = await runKeys(rotation, 'check');
    expect(before.code).toBe(0);
    expect(before.stdout).toContain(`configured keys: ${idB} (current), ${idA} (old)`);
    expect(before.stdout).toContain(`bookings.name_enc: ${idA} ×1`);
    expect(before.stdout).toContain(`conversations.snapshot: ${idA} ×1`);
    expect(before.stdout).toContain('run `npm run keys -- reencrypt`');
    // Every value under the old key, whichever column holds it (sealed replies included).
    const underOld = [...before.stdout.matchAll(new RegExp(`${idA} ×(\\d+)`, 'g'))].reduce((sum, m) => sum + Number(m[1]), 0);
    expect(underOld).toBeGreaterThanOrEqual(5);

    const first = await runKeys(rotation, 'reencrypt', '--batch-size', '1');
    expect(first.code).toBe(0);
    expect(first.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(`^reencrypted ${underOld} values in \\d+ rows to key ${idB} \\(.*\\); 0 rows changed meanwhile \\(run again\\); 0 unreadable$`),
      ),
    ]);
    const again = await runKeys(rotation, 'reencrypt');
    expect(again.stdout).toContain('reencrypted 0 values in 0 rows');

    const after = await runKeys({ FIELD_ENCRYPTION_KEY: keyB }, 'check');
    expect(after.code).toBe(0);
    expect(after.stdout).toContain(`key ids in use: ${idB} (current) ${underOld} values`);
    expect(after.stdout).not.toContain(`${idA} ×`);

    await withServer({ FIELD_ENCRYPTION_KEY: keyB }, async (post) => {
      await post(event('text', '同意する'));
      expect(lastText()).not.toContain(copy.systemError.slice(0, 24));
      expect(
        line
          .messagesTo(user)
          .map((m) => (m.type === 'text' ? m.text : ''))
          .join('\n'),
      ).not.toContain(copy.restarted);
    });
    const db = await openMigratedDatabase({ dataDir });
    try {
      expect(await db.prisma.consent.count({ where: { userId: user } })).toBe(1);
    } finally {
      await db.close();
    }
  });

  it('refuses the key from before the rotation, naming the key that replaced it', async () => {
    const proc = spawnEntry('src/main.ts', { ...env, FIELD_ENCRYPTION_KEY: keyA, PORT: String(await freePort()) });
    expect((await proc.exited).code).toBe(1);
    expect(proc.output().stderr.trim().split('\n')).toEqual([expect.stringContaining(`was replaced by key ${idB}`)]);
    const check = await runKeys({ FIELD_ENCRYPTION_KEY: keyA }, 'check');
    expect(check.code).toBe(1);
    expect(check.stdout).toContain(`would be refused: this database's current key is ${idB}`);
  });
});

describe('production refuses what would be unsafe', () => {
  it('refuses the placeholder channel secret and token, blank ones, and a missing FIELD_ENCRYPTION_KEY, with one line each', { timeout: 60_000 }, async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'hw-prod-'));
    const key = randomBytes(32).toString('base64');
    const real = {
      LINE_CHANNEL_SECRET: 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6',
      LINE_CHANNEL_ACCESS_TOKEN: 'real-looking-channel-access-token',
      FIELD_ENCRYPTION_KEY: key,
    };
    const cases: Array<[Record<string, string>, string]> = [
      [{ ...real, LINE_CHANNEL_SECRET: 'local-placeholder-secret' }, 'LINE_CHANNEL_SECRET is the public placeholder'],
      [{ ...real, LINE_CHANNEL_ACCESS_TOKEN: 'local-placeholder-token' }, 'LINE_CHANNEL_ACCESS_TOKEN is the public placeholder'],
      [{ ...real, LINE_CHANNEL_SECRET: '   ' }, 'LINE_CHANNEL_SECRET is blank'],
      [{ ...real, LINE_CHANNEL_ACCESS_TOKEN: '' }, 'LINE_CHANNEL_ACCESS_TOKEN is required'],
      [
        { LINE_CHANNEL_SECRET: real.LINE_CHANNEL_SECRET, LINE_CHANNEL_ACCESS_TOKEN: real.LINE_CHANNEL_ACCESS_TOKEN },
        'FIELD_ENCRYPTION_KEY is required when NODE_ENV=production',
      ],
    ];
    try {
      const runs = cases.map(([vars]) => spawnEntry('src/main.ts', { ...vars, NODE_ENV: 'production', DATA_DIR: dataDir, PORT: '1' }));
      for (const [i, proc] of runs.entries()) {
        expect((await proc.exited).code).toBe(1);
        const lines = proc.output().stderr.trim().split('\n');
        expect(lines).toEqual([expect.stringContaining(cases[i]?.[1] ?? '?')]);
        expect(lines[0]).toMatch(/^Configuration error: /);
        expect(lines[0]).not.toContain(key);
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
