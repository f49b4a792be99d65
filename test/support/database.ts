/**
 * A fresh, migrated database for one test file: in-memory PGlite by default, or a new database
 * on the PostgreSQL server named by TEST_DATABASE_URL (created here, dropped at `drop()`), so
 * test files never see each other's rows and can run in parallel.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';

export const testDatabaseUrl = process.env.TEST_DATABASE_URL || undefined;
export const onPostgres = testDatabaseUrl !== undefined;

export interface TestDatabase {
  /** undefined → embedded PGlite in memory */
  databaseUrl: string | undefined;
  dataDir: string;
  drop(): Promise<void>;
}

/**
 * Creates an empty database; pass its `databaseUrl`/`dataDir` to the service or openDatabase.
 * `persistent` keeps a PGlite database on disk (in a temp directory) so it survives a restart.
 */
export async function createTestDatabase(options: { persistent?: boolean } = {}): Promise<TestDatabase> {
  if (!testDatabaseUrl) {
    if (!options.persistent) return { databaseUrl: undefined, dataDir: 'memory://', drop: async () => {} };
    const dir = await mkdtemp(path.join(tmpdir(), 'hw-test-'));
    return { databaseUrl: undefined, dataDir: dir, drop: () => rm(dir, { recursive: true, force: true }) };
  }
  const name = `t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: testDatabaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(testDatabaseUrl);
  url.pathname = `/${name}`;
  return {
    databaseUrl: url.toString(),
    dataDir: 'memory://',
    async drop() {
      const c = new pg.Client({ connectionString: testDatabaseUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}
