/**
 * The start-up check that lets a restart skip the schema engine: it must answer "up to date"
 * only when the engine would have nothing to do, and send every other case (an unfinished or
 * failed migration, an edited one, one this checkout does not know, one not yet applied) to the
 * engine. Runs on PGlite and, with TEST_DATABASE_URL, on PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, openMigratedDatabase, pgliteSharedBuffers } from '../../src/db/client.ts';
import type { Database } from '../../src/db/client.ts';
import { loadMigrationList, MigrationError, migrationChecksum, migrationsUpToDate } from '../../src/db/migrate.ts';
import type { MigrationList } from '@prisma/schema-engine-wasm';
import { createTestDatabase, onPostgres } from '../support/database.ts';
import type { TestDatabase } from '../support/database.ts';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { projectRoot } from '../support/process.ts';

describe('migrationsUpToDate', { timeout: 120_000 }, () => {
  let database: TestDatabase;
  let db: Database & { appliedMigrations: string[] };
  let list: MigrationList;
  beforeAll(async () => {
    database = await createTestDatabase({ persistent: true });
    list = await loadMigrationList();
    db = await openMigratedDatabase({ databaseUrl: database.databaseUrl, dataDir: database.dataDir });
  });
  afterAll(async () => {
    await db.close();
    await database.drop();
  });
  const exec = (sql: string) => db.prisma.$executeRawUnsafe(sql);
  const first = () => list.migrationDirectories[0]!.path;

  it('applied every committed migration at the first start, and then finds the database up to date', async () => {
    expect(db.appliedMigrations).toEqual(list.migrationDirectories.map((d) => d.path));
    expect(await migrationsUpToDate(db.prisma, list)).toBe(true);
  });

  it("uses Prisma's checksum: SHA-256 of migration.sql", async () => {
    const sql = await readFile(path.join(projectRoot, 'prisma/migrations', first(), 'migration.sql'), 'utf8');
    const [row] = await db.prisma.$queryRawUnsafe<{ checksum: string }[]>(`SELECT checksum FROM _prisma_migrations WHERE migration_name = '${first()}'`);
    expect(row?.checksum).toBe(migrationChecksum(sql));
  });

  it('is false on an empty database (no _prisma_migrations table)', async () => {
    const empty = await createTestDatabase();
    const other = await openDatabase({ databaseUrl: empty.databaseUrl, dataDir: empty.dataDir });
    try {
      expect(await migrationsUpToDate(other.prisma, list)).toBe(false);
    } finally {
      await other.close();
      await empty.drop();
    }
  });

  it('is false when a committed migration is not recorded yet', async () => {
    const extra: MigrationList = {
      ...list,
      migrationDirectories: [
        ...list.migrationDirectories,
        { path: '29991231000000_later', migrationFile: { path: 'migration.sql', content: { tag: 'ok', value: 'SELECT 1;' } } },
      ],
    };
    expect(await migrationsUpToDate(db.prisma, extra)).toBe(false);
  });

  it('is false when a migration file could not be read', async () => {
    const [head, ...rest] = list.migrationDirectories;
    const unreadable: MigrationList = {
      ...list,
      migrationDirectories: [{ ...head!, migrationFile: { path: 'migration.sql', content: { tag: 'error', value: 'permission denied' } } }, ...rest],
    };
    expect(await migrationsUpToDate(db.prisma, unreadable)).toBe(false);
  });

  it('is false when a recorded migration was edited since (checksum differs)', async () => {
    await exec(`UPDATE _prisma_migrations SET checksum = 'edited' WHERE migration_name = '${first()}'`);
    try {
      expect(await migrationsUpToDate(db.prisma, list)).toBe(false);
    } finally {
      await exec(
        `UPDATE _prisma_migrations SET checksum = '${migrationChecksum(list.migrationDirectories[0]!.migrationFile.content.value)}' WHERE migration_name = '${first()}'`,
      );
    }
    expect(await migrationsUpToDate(db.prisma, list)).toBe(true);
  });

  it('is false while a migration is unfinished (failed, or being applied by another instance)', async () => {
    await exec(
      `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, applied_steps_count) VALUES ('unfinished', 'x', '${first()}', now(), 0)`,
    );
    try {
      expect(await migrationsUpToDate(db.prisma, list)).toBe(false);
    } finally {
      await exec(`DELETE FROM _prisma_migrations WHERE id = 'unfinished'`);
    }
  });

  it('is false when the database has a migration this checkout does not know; a rolled-back one does not count', async () => {
    await exec(
      `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, finished_at, applied_steps_count) VALUES ('newer', 'x', '29991231000000_newer', now(), now(), 1)`,
    );
    try {
      expect(await migrationsUpToDate(db.prisma, list)).toBe(false);
      await exec(`UPDATE _prisma_migrations SET rolled_back_at = now() WHERE id = 'newer'`);
      expect(await migrationsUpToDate(db.prisma, list)).toBe(true);
    } finally {
      await exec(`DELETE FROM _prisma_migrations WHERE id = 'newer'`);
    }
  });

  it('a restart of the up-to-date database applies nothing and keeps its rows', async () => {
    await db.close();
    db = await openMigratedDatabase({ databaseUrl: database.databaseUrl, dataDir: database.dataDir });
    expect(db.appliedMigrations).toEqual([]);
    const rows = await db.prisma.$queryRawUnsafe<{ n: number }[]>('SELECT count(*)::int AS n FROM _prisma_migrations');
    expect(rows[0]?.n).toBe(list.migrationDirectories.length);
  });

  it.runIf(onPostgres)('four instances starting together on a new database apply each migration once; a restart of all applies none', async () => {
    const fresh = await createTestDatabase();
    const open = () => openMigratedDatabase({ databaseUrl: fresh.databaseUrl, dataDir: fresh.dataDir });
    const first = await Promise.all([open(), open(), open(), open()]);
    const again = await Promise.all([open(), open(), open()]);
    try {
      const applied = first.flatMap((d) => d.appliedMigrations).sort();
      expect(applied).toEqual(list.migrationDirectories.map((d) => d.path).sort());
      expect(again.map((d) => d.appliedMigrations)).toEqual([[], [], []]);
      const [row] = await first[0].prisma.$queryRawUnsafe<{ n: number; finished: number }[]>(
        'SELECT count(*)::int AS n, count(finished_at)::int AS finished FROM _prisma_migrations',
      );
      expect(row).toEqual({ n: list.migrationDirectories.length, finished: list.migrationDirectories.length });
    } finally {
      await Promise.all([...first, ...again].map((d) => d.close()));
      await fresh.drop();
    }
  });

  it("refuses to start on a database with a failed migration, with the engine's reason", async () => {
    const other = await createTestDatabase({ persistent: true });
    const options = { databaseUrl: other.databaseUrl, dataDir: other.dataDir };
    try {
      const migrated = await openMigratedDatabase(options);
      await migrated.prisma.$executeRawUnsafe(
        `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, applied_steps_count) VALUES ('failed', 'x', '29991231000000_broken', now(), 0)`,
      );
      await migrated.close();
      const error: unknown = await openMigratedDatabase(options).then(
        async (db) => {
          await db.close();
          return undefined;
        },
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(MigrationError);
      expect((error as Error).message).toContain('29991231000000_broken');
    } finally {
      await other.drop();
    }
  });

  it.skipIf(onPostgres)('runs PGlite with small shared buffers', async () => {
    const [row] = await db.prisma.$queryRawUnsafe<{ shared_buffers: string }[]>('SHOW shared_buffers');
    expect(row?.shared_buffers).toBe(pgliteSharedBuffers);
  });
});
