/**
 * The key check (a fingerprint per key stored at first start) and key rotation: an instance
 * with a key the database does not know refuses to start; a rotation proven with a known old
 * key is accepted; `reencryptStoredTokens` moves every stored value to the current key.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFieldCipher } from '../../src/crypto/field-cipher.ts';
import { verifyFieldKeys } from '../../src/crypto/field-keys.ts';
import { keyUsage, reencryptStoredTokens } from '../../src/crypto/stored-tokens.ts';
import { ConfigError } from '../../src/config.ts';
import { openMigratedDatabase } from '../../src/db/client.ts';
import type { Database } from '../../src/db/client.ts';
import { seedInitialData } from '../../src/db/seed.ts';
import { createTestDatabase } from '../support/database.ts';
import type { TestDatabase } from '../support/database.ts';
import { lineUserId } from '../support/fake-line-api.ts';

const key = () => randomBytes(32).toString('base64');
const now = new Date('2026-12-01T01:00:00Z');

let database: TestDatabase;
let db: Database;
beforeAll(async () => {
  database = await createTestDatabase();
  db = await openMigratedDatabase({ databaseUrl: database.databaseUrl, dataDir: database.dataDir });
  await seedInitialData(db.prisma);
});
beforeEach(async () => {
  // Every test starts as a fresh database would: no key checks, no personal data.
  await db.prisma.fieldKeyCheck.deleteMany();
  await db.prisma.conversation.deleteMany();
  await db.prisma.booking.deleteMany();
  await db.prisma.lineUser.deleteMany();
});
afterAll(async () => {
  await db.close();
  await database.drop();
});

/** The error verifyFieldKeys throws, or null. */
async function refusal(cipher: ReturnType<typeof createFieldCipher>): Promise<ConfigError | null> {
  try {
    await verifyFieldKeys(db.prisma, cipher, now);
    return null;
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
}

describe('the key check', () => {
  it('stores a fingerprint per configured key at first start and accepts the same key afterwards', async () => {
    const a = key();
    const old = key();
    const cipher = createFieldCipher(a, { previous: [old] });
    expect(await verifyFieldKeys(db.prisma, cipher, now)).toEqual({ known: [], added: cipher.keyIds });
    const rows = await db.prisma.fieldKeyCheck.findMany();
    expect(rows.map((r) => r.keyId).sort()).toEqual([...cipher.keyIds].sort());
    // The fingerprint reveals nothing of the key: not the key, not its id-hash.
    for (const row of rows) {
      expect(row.fingerprint).toMatch(/^[0-9a-f]{64}$/);
      expect(row.fingerprint).not.toContain(Buffer.from(a, 'base64').toString('hex'));
    }
    const again = await verifyFieldKeys(db.prisma, createFieldCipher(a), now);
    expect(again.added).toEqual([]);
    expect([...again.known].sort()).toEqual([...cipher.keyIds].sort());
    // The configured current key is the database's current key (its check sorts last).
    expect(again.known.at(-1)).toBe(cipher.keyId);
  });

  it('refuses another key with one line naming FIELD_ENCRYPTION_KEY and both key ids, without key material', async () => {
    const a = key();
    await verifyFieldKeys(db.prisma, createFieldCipher(a), now);
    const b = key();
    const error = await refusal(createFieldCipher(b));
    expect(error?.variable).toBe('FIELD_ENCRYPTION_KEY');
    expect(error?.message).toContain(createFieldCipher(b).keyId);
    expect(error?.message).toContain(createFieldCipher(a).keyId);
    expect(error?.message).not.toContain(b);
    expect(error?.message.split('\n')).toHaveLength(1);
    // Nothing was stored for the refused key.
    expect(await db.prisma.fieldKeyCheck.count()).toBe(1);
  });

  it('refuses an unknown old key as proof of a rotation, and accepts a rotation proven with the known key', async () => {
    const a = key();
    await verifyFieldKeys(db.prisma, createFieldCipher(a), now);
    const b = key();
    expect(await refusal(createFieldCipher(b, { previous: [key()] }))).toBeInstanceOf(ConfigError);
    const rotated = createFieldCipher(b, { previous: [a] });
    expect(await verifyFieldKeys(db.prisma, rotated, now)).toEqual({ known: [createFieldCipher(a).keyId], added: [rotated.keyId] });
    // Once stored, the new key alone is accepted (after re-encryption the old key can go).
    expect(await refusal(createFieldCipher(b))).toBeNull();
    // An instance restarted with the configuration from before the rotation refuses to start.
    const stale = await refusal(createFieldCipher(a));
    expect(stale?.message).toContain(`was replaced by key ${createFieldCipher(b).keyId}`);
    // Switching back deliberately needs the key now in use among the old keys.
    expect(await refusal(createFieldCipher(a, { previous: [b] }))).toBeNull();
    expect(await refusal(createFieldCipher(b))).toBeInstanceOf(ConfigError);
    expect(await refusal(createFieldCipher(a))).toBeNull();
  });

  it('refuses a key whose id matches a stored check but whose fingerprint does not', async () => {
    const a = createFieldCipher(key());
    await verifyFieldKeys(db.prisma, a, now);
    await db.prisma.fieldKeyCheck.update({ where: { keyId: a.keyId }, data: { fingerprint: '0'.repeat(64) } });
    expect((await refusal(a))?.message).toContain(`key with id ${a.keyId} that differs`);
  });

  it('on a database from before key checks, refuses a key that does not open the data already stored', async () => {
    const userId = lineUserId('legacy');
    await db.prisma.lineUser.create({ data: { id: userId } });
    const original = createFieldCipher(key());
    await db.prisma.conversation.create({
      data: { userId, flowVersion: 1, snapshot: { sealed: original.encrypt('{"value":"idle","context":{}}') }, expiresAt: now },
    });
    const error = await refusal(createFieldCipher(key()));
    expect(error?.message).toContain('does not open the personal data already stored');
    expect(error?.message).toContain(original.keyId);
    expect(await db.prisma.fieldKeyCheck.count()).toBe(0);
    expect(await refusal(original)).toBeNull();
  });

  it('lets two instances starting together with different keys agree: exactly one key is accepted', async () => {
    const results = await Promise.allSettled([
      verifyFieldKeys(db.prisma, createFieldCipher(key()), now),
      verifyFieldKeys(db.prisma, createFieldCipher(key()), now),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const reasons = results.flatMap((r): unknown[] => (r.status === 'rejected' ? [r.reason as unknown] : []));
    expect(reasons).toEqual([expect.any(ConfigError)]);
    expect(await db.prisma.fieldKeyCheck.count()).toBe(1);
  });
});

describe('re-encryption to the current key', () => {
  /** Bookings and conversations written under `cipher`, as the service writes them. */
  async function seedUnder(cipher: ReturnType<typeof createFieldCipher>, count: number) {
    const terms = await db.prisma.termsVersion.findFirstOrThrow();
    const plain: Record<string, string> = {};
    for (let i = 0; i < count; i += 1) {
      const userId = lineUserId(`reencrypt-${cipher.keyId}-${i}`);
      await db.prisma.lineUser.create({ data: { id: userId } });
      const name = `港北 太郎${i}`;
      const booking = await db.prisma.booking.create({
        data: {
          userId,
          date: '2026-12-02',
          startTime: '10:00',
          startsAt: new Date('2026-12-02T01:00:00Z'),
          nameEnc: cipher.encrypt(name),
          jobSeekerNumberEnc: cipher.encrypt(`12345-${String(1000000 + i)}`),
          phoneEnc: cipher.encrypt('090-1234-5678'),
          topicEnc: cipher.encrypt('事務職の求人'),
          termsVersionId: terms.id,
          createdAt: now,
        },
      });
      plain[booking.id] = name;
      await db.prisma.conversation.create({
        data: { userId, flowVersion: 4, snapshot: { sealed: cipher.encrypt(JSON.stringify({ value: 'name', context: { i } })) }, expiresAt: now },
      });
    }
    return plain;
  }

  it('moves every stored value to the current key, keeps every plain text, and is idempotent', async () => {
    const oldKey = key();
    const old = createFieldCipher(oldKey);
    const plain = await seedUnder(old, 5);
    const newKey = key();
    const rotated = createFieldCipher(newKey, { previous: [oldKey] });

    expect(Object.fromEntries((await keyUsage(db.prisma)).map((c) => [`${c.table}.${c.column}`, c.keyIds]))).toEqual({
      'bookings.name_enc': { [old.keyId]: 5 },
      'bookings.job_seeker_number_enc': { [old.keyId]: 5 },
      'bookings.phone_enc': { [old.keyId]: 5 },
      'bookings.topic_enc': { [old.keyId]: 5 },
      'conversations.snapshot': { [old.keyId]: 5 },
    });

    const first = await reencryptStoredTokens(db.prisma, rotated, { batchSize: 2 });
    expect(first).toMatchObject({ reencrypted: 25, rows: 25, changedMeanwhile: 0, unreadable: {}, complete: true });
    const usage = await keyUsage(db.prisma);
    expect(usage.every((c) => Object.keys(c.keyIds).join() === rotated.keyId)).toBe(true);

    // The new key alone now reads everything.
    const current = createFieldCipher(newKey);
    for (const [id, name] of Object.entries(plain)) {
      const row = await db.prisma.booking.findUniqueOrThrow({ where: { id } });
      expect(current.decrypt(row.nameEnc ?? '')).toBe(name);
    }
    for (const row of await db.prisma.conversation.findMany()) {
      expect(JSON.parse(current.decrypt((row.snapshot as { sealed: string }).sealed))).toMatchObject({ value: 'name' });
      expect(row.version).toBe(0);
    }

    expect(await reencryptStoredTokens(db.prisma, rotated)).toMatchObject({ reencrypted: 0, rows: 0, unreadable: {} });
  });

  it('resumes after an interruption and reports values no configured key opens, leaving them untouched', async () => {
    const oldKey = key();
    await seedUnder(createFieldCipher(oldKey), 4);
    const lost = createFieldCipher(key());
    const userId = lineUserId('lost-key');
    await db.prisma.lineUser.create({ data: { id: userId } });
    const lostToken = lost.encrypt('{"value":"idle","context":{}}');
    await db.prisma.conversation.create({ data: { userId, flowVersion: 4, snapshot: { sealed: lostToken }, expiresAt: now } });
    const rotated = createFieldCipher(key(), { previous: [oldKey] });

    const interrupted = await reencryptStoredTokens(db.prisma, rotated, { batchSize: 1, maxBatches: 3 });
    expect(interrupted).toMatchObject({ reencrypted: 3, complete: false });
    const rest = await reencryptStoredTokens(db.prisma, rotated, { batchSize: 3 });
    expect(rest).toMatchObject({ reencrypted: 4 * 5 - 3, complete: true, unreadable: { [lost.keyId]: 1 } });
    expect((await db.prisma.conversation.findUniqueOrThrow({ where: { userId } })).snapshot).toEqual({ sealed: lostToken });
    const usage = Object.fromEntries((await keyUsage(db.prisma)).map((c) => [`${c.table}.${c.column}`, c.keyIds]));
    expect(usage['conversations.snapshot']).toEqual({ [rotated.keyId]: 4, [lost.keyId]: 1 });
  });
});
