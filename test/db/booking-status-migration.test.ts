/**
 * The migration that makes Booking.status a PostgreSQL enum converts the column in place: a
 * database with bookings in every status, migrated up to the migration before it, keeps each
 * booking's status after it; the column then refuses a value outside the enum, defaults to
 * 'confirmed', and raw SQL comparing it with text still works. Runs on PGlite and, with
 * TEST_DATABASE_URL, on PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.ts';
import type { Database } from '../../src/db/client.ts';
import { applyMigrations, loadMigrationList } from '../../src/db/migrate.ts';
import type { MigrationList } from '@prisma/schema-engine-wasm';
import { createTestDatabase } from '../support/database.ts';
import type { TestDatabase } from '../support/database.ts';

const enumMigration = '20261202130400_booking_status_enum';
const statuses = ['confirmed', 'cancelled', 'no_show', 'attended', 'contacted'];

describe('the booking_status_enum migration', { timeout: 120_000 }, () => {
  let database: TestDatabase;
  let db: Database;
  let list: MigrationList;
  const exec = (sql: string) => db.prisma.$executeRawUnsafe(sql);
  const query = <T>(sql: string) => db.prisma.$queryRawUnsafe<T[]>(sql);

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await openDatabase({ databaseUrl: database.databaseUrl, dataDir: database.dataDir });
    list = await loadMigrationList();
    const index = list.migrationDirectories.findIndex((d) => d.path === enumMigration);
    expect(index).toBeGreaterThan(0);
    await applyMigrations(db.adapterFactory, { ...list, migrationDirectories: list.migrationDirectories.slice(0, index) });
    await exec(`INSERT INTO line_users (id, updated_at) VALUES ('U0000000000000000000000000000000a', now())`);
    await exec(`INSERT INTO terms_versions (version, title, body, effective_at) VALUES ('v1', 't', 'b', now())`);
    for (const status of statuses) {
      await exec(
        `INSERT INTO bookings (id, user_id, date, start_time, starts_at, status, terms_version_id, created_at, updated_at)
         VALUES ('b-${status}', 'U0000000000000000000000000000000a', '2026-12-01', '10:00', now(), '${status}',
                 (SELECT id FROM terms_versions WHERE version = 'v1'), now(), now())`,
      );
    }
    expect(await applyMigrations(db.adapterFactory, list)).toEqual(list.migrationDirectories.slice(index).map((d) => d.path));
  });
  afterAll(async () => {
    await db.close();
    await database.drop();
  });

  it('keeps every booking its status, now of the enum type', async () => {
    const rows = await db.prisma.booking.findMany({ select: { id: true, status: true }, orderBy: { id: 'asc' } });
    expect(rows).toEqual(statuses.map((status) => ({ id: `b-${status}`, status })).sort((a, b) => a.id.localeCompare(b.id)));
    const [column] = await query<{ udt_name: string; column_default: string }>(
      `SELECT udt_name, column_default FROM information_schema.columns WHERE table_name = 'bookings' AND column_name = 'status'`,
    );
    expect(column).toEqual({ udt_name: 'booking_status', column_default: "'confirmed'::booking_status" });
  });

  it('still has both indexes on the status', async () => {
    const indexes = await query<{ indexname: string }>(`SELECT indexname FROM pg_indexes WHERE tablename = 'bookings' AND indexdef LIKE '%status%' ORDER BY 1`);
    expect(indexes.map((i) => i.indexname)).toEqual(['bookings_date_status_idx', 'bookings_user_id_status_idx']);
  });

  it('refuses a status outside the enum, and defaults to confirmed', async () => {
    await expect(exec(`UPDATE bookings SET status = 'lost' WHERE id = 'b-confirmed'`)).rejects.toThrow();
    await exec(
      `INSERT INTO bookings (id, user_id, date, start_time, starts_at, terms_version_id, created_at, updated_at)
       VALUES ('b-default', 'U0000000000000000000000000000000a', '2026-12-02', '10:00', now(), (SELECT id FROM terms_versions WHERE version = 'v1'), now(), now())`,
    );
    expect(await db.prisma.booking.findUniqueOrThrow({ where: { id: 'b-default' }, select: { status: true } })).toEqual({ status: 'confirmed' });
  });

  it('compares with text and reads back as text in raw SQL', async () => {
    const rows = await db.prisma.$queryRaw<{ id: string; status: string }[]>`
      SELECT id, status FROM bookings WHERE status = ${'no_show'} OR status::text = ${'attended'} ORDER BY id`;
    expect(rows).toEqual([
      { id: 'b-attended', status: 'attended' },
      { id: 'b-no_show', status: 'no_show' },
    ]);
  });
});
