/**
 * The one place that knows which database we run on. Unset DATABASE_URL → the embedded
 * PGlite (PostgreSQL compiled to WebAssembly) under DATA_DIR, so one command runs the service
 * on a fresh machine; `postgresql://…` → that server through node-postgres, so several
 * instances can share it. Both speak PostgreSQL, so one Prisma schema and one set of
 * migrations serve both.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaClient } from '../generated/prisma/client.ts';
import { applyMigrations } from './migrate.ts';

export type { PrismaClient };
export type DatabaseKind = 'pglite' | 'postgres';

export interface Database {
  prisma: PrismaClient;
  kind: DatabaseKind;
  /** The adapter factory, for the migration engine. */
  adapterFactory: SqlMigrationAwareDriverAdapterFactory;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** `postgresql://…`; undefined → embedded PGlite. */
  databaseUrl?: string | undefined;
  /** Where PGlite keeps its files; `memory://` keeps nothing (tests). */
  dataDir: string;
}

/** Opens the configured database (creating the PGlite directory if needed). */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.databaseUrl) {
    const adapterFactory = new PrismaPg({ connectionString: options.databaseUrl, max: 10, connectionTimeoutMillis: 5_000 });
    const prisma = new PrismaClient({ adapter: adapterFactory });
    return { prisma, kind: 'postgres', adapterFactory, close: () => prisma.$disconnect() };
  }
  let pglite: PGlite;
  if (options.dataDir.startsWith('memory://')) {
    pglite = new PGlite(options.dataDir);
  } else {
    const dir = path.resolve(options.dataDir, 'pglite');
    await mkdir(dir, { recursive: true });
    pglite = new PGlite(dir);
  }
  await pglite.waitReady;
  const adapterFactory = new PrismaPGlite(pglite);
  const prisma = new PrismaClient({ adapter: adapterFactory });
  return {
    prisma,
    kind: 'pglite',
    adapterFactory,
    async close() {
      await prisma.$disconnect();
      await pglite.close();
    },
  };
}

/** Opens the database and brings its schema up to date; what every entry point calls. */
export async function openMigratedDatabase(options: DatabaseOptions): Promise<Database & { appliedMigrations: string[] }> {
  const db = await openDatabase(options);
  try {
    const appliedMigrations = await applyMigrations(db.adapterFactory);
    return { ...db, appliedMigrations };
  } catch (error) {
    await db.close();
    throw error;
  }
}
