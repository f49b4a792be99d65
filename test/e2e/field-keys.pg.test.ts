/**
 * Two instances of the real server on one PostgreSQL database with different
 * FIELD_ENCRYPTION_KEYs: the first one stores its key check, the second refuses to start with
 * one line naming the problem — instead of running and writing personal data the first cannot
 * read. A third instance with the first one's key joins it.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeLineApi } from '../support/fake-line-api.ts';
import type { FakeLineApi } from '../support/fake-line-api.ts';
import { CHANNEL_SECRET, CHANNEL_TOKEN } from '../support/harness.ts';
import { freePort, spawnEntry } from '../support/process.ts';
import { createTestDatabase, onPostgres } from '../support/database.ts';
import type { TestDatabase } from '../support/database.ts';
import { createFieldCipher } from '../../src/crypto/field-cipher.ts';

describe.runIf(onPostgres)('instances on one PostgreSQL with different field keys', { timeout: 120_000 }, () => {
  let line: FakeLineApi;
  let database: TestDatabase;
  beforeAll(async () => {
    line = await startFakeLineApi({ channelAccessToken: CHANNEL_TOKEN });
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await line.close();
    await database.drop();
  });

  it('lets the first start, refuses the second with one line, and admits a third with the first key', async () => {
    const [keyA, keyB] = [randomBytes(32).toString('base64'), randomBytes(32).toString('base64')];
    const env = (key: string, port: number) => ({
      LINE_CHANNEL_SECRET: CHANNEL_SECRET,
      LINE_CHANNEL_ACCESS_TOKEN: CHANNEL_TOKEN,
      LINE_API_BASE_URL: line.baseURL,
      DATABASE_URL: database.databaseUrl ?? '',
      FIELD_ENCRYPTION_KEY: key,
      PORT: String(port),
      NODE_ENV: 'test',
    });
    const portA = await freePort();
    const first = spawnEntry('src/main.ts', env(keyA, portA));
    const third = { proc: null as ReturnType<typeof spawnEntry> | null };
    try {
      for (
        let i = 0;
        i < 600 &&
        !(await fetch(`http://127.0.0.1:${portA}/healthz`).then(
          (r) => r.ok,
          () => false,
        ));
        i++
      ) {
        if (first.child.exitCode !== null) throw new Error(`first instance exited: ${first.output().stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }

      const second = spawnEntry('src/main.ts', env(keyB, await freePort()));
      expect((await second.exited).code).toBe(1);
      const lines = second.output().stderr.trim().split('\n');
      expect(lines).toEqual([
        `Configuration error: FIELD_ENCRYPTION_KEY (key id ${createFieldCipher(keyB).keyId}) is not a key of this database (its current key: ${createFieldCipher(keyA).keyId}; known: ${createFieldCipher(keyA).keyId}); every instance must use the same key; to rotate, set the new key and list the old one in FIELD_ENCRYPTION_OLD_KEYS`,
      ]);
      expect(second.output().stdout).not.toContain('"msg":"listening"');

      const portC = await freePort();
      third.proc = spawnEntry('src/main.ts', env(keyA, portC));
      let healthy = false;
      for (let i = 0; i < 600 && !healthy; i++) {
        healthy = await fetch(`http://127.0.0.1:${portC}/healthz`).then(
          (r) => r.ok,
          () => false,
        );
        if (!healthy) await new Promise((r) => setTimeout(r, 100));
      }
      expect(healthy).toBe(true);
    } finally {
      first.child.kill('SIGTERM');
      third.proc?.child.kill('SIGTERM');
      expect((await first.exited).code).toBe(0);
      if (third.proc) expect((await third.proc.exited).code).toBe(0);
    }
  });
});
