/**
 * Migrations without the Prisma CLI's native engine: the WebAssembly build of the same schema
 * engine (@prisma/schema-engine-wasm) runs through our driver adapter, offline, on PGlite and
 * on PostgreSQL. It reads the migrations in Prisma's own format under prisma/migrations and
 * records them in the same `_prisma_migrations` table that `prisma migrate deploy` uses, so a
 * site with internet access can still use the Prisma CLI on the same database.
 */
import { createHash } from 'node:crypto';
import { readFile, readdir, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MigrationList, MigrationDirectory, SchemaEngine } from '@prisma/schema-engine-wasm';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const schemaPath = path.join(projectRoot, 'prisma/schema.prisma');
export const migrationsDir = path.join(projectRoot, 'prisma/migrations');

const noFilters = { externalTables: [], externalEnums: [] };

/** A migration step failed; `cause` is the schema engine's own error. */
export class MigrationError extends Error {
  override name = 'MigrationError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

async function readSchema(): Promise<string> {
  return readFile(schemaPath, 'utf8');
}

/** Loads prisma/migrations as the schema engine expects it (directories sorted by name). */
export async function loadMigrationList(dir = migrationsDir): Promise<MigrationList> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const migrationDirectories: MigrationDirectory[] = [];
  for (const name of names) {
    const sql = await readFile(path.join(dir, name, 'migration.sql'), 'utf8');
    migrationDirectories.push({ path: name, migrationFile: { path: 'migration.sql', content: { tag: 'ok', value: sql } } });
  }
  const lockContent = await readFile(path.join(dir, 'migration_lock.toml'), 'utf8').catch(() => null);
  return {
    baseDir: dir,
    lockfile: { path: 'migration_lock.toml', content: lockContent },
    shadowDbInitScript: '',
    migrationDirectories,
  };
}

/**
 * Runs the schema engine with connections we can close: the engine never disposes of the
 * connections it opens, and on PostgreSQL the one it migrates with keeps holding Prisma's
 * migration advisory lock — every later start on the same database would wait ~10 s for it.
 */
async function withEngine<T>(adapterFactory: SqlMigrationAwareDriverAdapterFactory, run: (engine: SchemaEngine) => Promise<T>): Promise<T> {
  const schema = await readSchema();
  const opened: SqlDriverAdapter[] = [];
  const tracked = async (connect: () => Promise<SqlDriverAdapter>) => {
    const connection = wholeScripts(await connect());
    opened.push(connection);
    return connection;
  };
  const trackingFactory: SqlMigrationAwareDriverAdapterFactory = {
    provider: adapterFactory.provider,
    adapterName: adapterFactory.adapterName,
    connect: () => tracked(() => adapterFactory.connect()),
    connectToShadowDb: () => tracked(() => adapterFactory.connectToShadowDb()),
  };
  // Imported here, not at the top: importing the package instantiates its 5.4 MB WebAssembly
  // module, about 20 MB of memory for the life of the process, and a start whose database is
  // already up to date does not need it (see migrationsUpToDate).
  const { SchemaEngine } = await import('@prisma/schema-engine-wasm');
  const engine = await SchemaEngine.new({ datamodels: [['schema.prisma', schema]] }, () => {}, bindMigrationAwareSqlAdapterFactory(trackingFactory));
  try {
    return await run(engine);
  } catch (error) {
    throw new MigrationError(`schema engine failed: ${describe(error)}`, { cause: error });
  } finally {
    engine.free();
    await Promise.allSettled(opened.map((connection) => connection.dispose()));
  }
}

/**
 * On PostgreSQL, the pg adapter runs a migration script by splitting it at every `;`, which
 * breaks any statement with a `;` inside (a trigger function's `$$ … $$` body). node-postgres
 * runs a whole multi-statement script as one simple query (one implicit transaction), so the
 * script is handed over whole. PGlite's adapter already executes scripts whole.
 */
function wholeScripts(connection: SqlDriverAdapter): SqlDriverAdapter {
  if (connection.provider !== 'postgres') return connection;
  const driver = (connection as SqlDriverAdapter & { underlyingDriver?: () => unknown }).underlyingDriver?.() as
    { query?: (sql: string) => Promise<unknown> } | undefined;
  if (typeof driver?.query !== 'function') return connection;
  const query = driver.query.bind(driver);
  connection.executeScript = async (script: string) => {
    await query(script);
  };
  return connection;
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null) return JSON.stringify(error);
  return String(error);
}

/** Prisma's checksum of a migration: SHA-256 of its migration.sql, in hex. */
export function migrationChecksum(sql: string): string {
  return createHash('sha256').update(sql, 'utf8').digest('hex');
}

/** What migrationsUpToDate needs of a Prisma client. */
export interface RawQueryable {
  $queryRawUnsafe<T = unknown>(query: string): Promise<T>;
}

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished: boolean;
  rolled_back: boolean;
}

/**
 * True when the schema engine would have nothing to do: every migration under
 * prisma/migrations is recorded in `_prisma_migrations` as finished, not rolled back and with
 * the same checksum, and no recorded migration is failed, still running or unknown here. Two
 * read-only statements instead of the schema engine (its WebAssembly module, its own
 * connections and advisory lock): most starts are restarts of an up-to-date database. Anything
 * else, including a migration another instance is applying right now, answers false, and the
 * engine decides under its lock as before.
 */
export async function migrationsUpToDate(db: RawQueryable, migrationsList: MigrationList): Promise<boolean> {
  const [table] = await db.$queryRawUnsafe<{ present: boolean }[]>(`SELECT to_regclass('_prisma_migrations') IS NOT NULL AS present`);
  if (!table?.present) return false;
  const rows = await db.$queryRawUnsafe<MigrationRow[]>(
    'SELECT migration_name, checksum, finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS rolled_back FROM _prisma_migrations',
  );
  const live = rows.filter((row) => !row.rolled_back);
  if (live.some((row) => !row.finished)) return false;
  const local = new Map<string, string>();
  for (const directory of migrationsList.migrationDirectories) {
    const content = directory.migrationFile.content;
    if (content.tag !== 'ok') return false;
    local.set(directory.path, migrationChecksum(content.value));
  }
  if (live.some((row) => !local.has(row.migration_name))) return false;
  for (const [name, checksum] of local) {
    if (!live.some((row) => row.migration_name === name && row.checksum === checksum)) return false;
  }
  return true;
}

/** Applies every migration not yet recorded in `_prisma_migrations`; returns their names. */
export async function applyMigrations(adapterFactory: SqlMigrationAwareDriverAdapterFactory, migrationsList?: MigrationList): Promise<string[]> {
  migrationsList ??= await loadMigrationList();
  const result = await withEngine(adapterFactory, (engine) => engine.applyMigrations({ migrationsList, filters: noFilters }));
  return result.appliedMigrationNames;
}

/**
 * Writes a new migration directory with the SQL that takes the committed migrations to the
 * current schema.prisma. Runs against a throw-away (shadow) database of the given adapter, so
 * it needs no server. Returns null when the schema has not changed.
 */
export async function createMigration(
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  name: string,
  now: Date,
): Promise<{ directory: string; sql: string } | null> {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (!slug) throw new MigrationError('a migration needs a name of letters or digits, e.g. npm run db:migration -- add_bookings');
  const migrationsList = await loadMigrationList();
  const schema = await readSchema();
  const diff = await withEngine(adapterFactory, (engine) =>
    engine.diff({
      from: migrationsList.migrationDirectories.length === 0 ? { tag: 'empty' } : { tag: 'migrations', ...migrationsList },
      to: { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: schema }] },
      script: true,
      exitCode: null,
      filters: noFilters,
    }),
  );
  const sql = diff.stdout ?? '';
  if (!sql.trim() || /^-- This is an empty migration\.?\s*$/.test(sql.trim())) return null;
  const stamp = now.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const directory = path.join(migrationsDir, `${stamp}_${slug}`);
  await mkdir(directory, { recursive: true });
  await writeFile(path.join(directory, 'migration.sql'), sql);
  if (!migrationsList.lockfile.content) {
    await writeFile(
      path.join(migrationsDir, 'migration_lock.toml'),
      '# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "postgresql"\n',
    );
  }
  return { directory, sql };
}
