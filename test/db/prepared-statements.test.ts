/**
 * Prepared statements on PostgreSQL (issue #13): a statement's name follows from its text, only a
 * bounded number of texts get one, and on a real server the hot path's statements are prepared
 * once per connection and then only executed — also across a dialogue turn, whose results must
 * not change for it. DATABASE_PREPARED_STATEMENTS=0 leaves every statement unnamed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxPreparedParameters, openMigratedDatabase, preparedStatementNames } from '../../src/db/client.ts';
import type { Database } from '../../src/db/client.ts';
import { createTestDatabase, onPostgres } from '../support/database.ts';
import type { TestDatabase } from '../support/database.ts';

describe('preparedStatementNames', () => {
  it('gives one text one name, the same every time, and different texts different names', () => {
    const name = preparedStatementNames(10);
    const a = name({ sql: 'SELECT 1' });
    expect(a).toMatch(/^hw_[0-9a-f]{24}$/);
    expect(name({ sql: 'SELECT 1' })).toBe(a);
    expect(name({ sql: 'SELECT 2' })).not.toBe(a);
    // Another process derives the same name (names are per connection, but logs compare).
    expect(preparedStatementNames(10)({ sql: 'SELECT 1' })).toBe(a);
  });

  it('names only the first `limit` texts; the rest, and very long texts, stay unnamed', () => {
    const name = preparedStatementNames(2);
    const first = name({ sql: 'SELECT 1' });
    expect(name({ sql: 'SELECT 2' })).not.toBe('');
    expect(name({ sql: 'SELECT 3' })).toBe('');
    expect(name({ sql: 'SELECT 1' })).toBe(first);
    expect(preparedStatementNames(100)({ sql: `SELECT '${'x'.repeat(20_000)}'` })).toBe('');
    expect(preparedStatementNames(0)({ sql: 'SELECT 1' })).toBe('');
    // A list whose length varies would take a name per length.
    const params = Array.from({ length: maxPreparedParameters + 1 }, (_, i) => `$${i + 1}`);
    expect(preparedStatementNames(100)({ sql: `SELECT * FROM t WHERE id IN (${params.join(', ')})`, args: params })).toBe('');
    expect(preparedStatementNames(100)({ sql: 'SELECT $1', args: [1] })).not.toBe('');
  });
});

describe.runIf(onPostgres)('prepared statements on PostgreSQL', { timeout: 120_000 }, () => {
  let database: TestDatabase;
  let prepared: Database;
  let unprepared: Database;
  beforeAll(async () => {
    database = await createTestDatabase();
    // One connection each, so the statements below run on the connection they ask about.
    prepared = await openMigratedDatabase({ databaseUrl: database.databaseUrl, dataDir: database.dataDir, poolSize: 1 });
    unprepared = await openMigratedDatabase({ databaseUrl: database.databaseUrl, dataDir: database.dataDir, poolSize: 1, preparedStatements: 0 });
  });
  afterAll(async () => {
    await prepared?.close();
    await unprepared?.close();
    await database?.drop();
  });

  const preparedOnConnection = async (db: Database) =>
    (await db.prisma.$queryRaw<{ name: string }[]>`SELECT name FROM pg_prepared_statements WHERE name LIKE 'hw\\_%'`).map((r) => r.name);

  it('prepares a statement once per connection and reuses it, with the same results', async () => {
    const user = 'U0123456789abcdef0123456789abcdef';
    const before = await preparedOnConnection(prepared);
    for (let i = 0; i < 3; i++) {
      await prepared.prisma.lineUser.upsert({ where: { id: user }, create: { id: user }, update: { noShowCount: i } });
      expect(await prepared.prisma.lineUser.findUnique({ where: { id: user }, select: { noShowCount: true } })).toEqual({ noShowCount: i });
    }
    const names = await preparedOnConnection(prepared);
    expect(names.length).toBeGreaterThanOrEqual(before.length + 2);
    expect(new Set(names).size).toBe(names.length);
    // Used again: no new prepared statement for the same texts.
    await prepared.prisma.lineUser.findUnique({ where: { id: user }, select: { noShowCount: true } });
    expect((await preparedOnConnection(prepared)).sort()).toEqual([...names].sort());
  });

  it('prepares nothing with DATABASE_PREPARED_STATEMENTS=0', async () => {
    await unprepared.prisma.lineUser.findMany({ take: 1 });
    expect(await preparedOnConnection(unprepared)).toEqual([]);
  });
});
