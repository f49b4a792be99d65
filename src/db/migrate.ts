/**
 * Migrations without the Prisma CLI's native engine: the WebAssembly build of the same schema
 * engine (@prisma/schema-engine-wasm) runs through our driver adapter, offline, on PGlite and
 * on PostgreSQL. It reads the migrations in Prisma's own format under prisma/migrations and
 * records them in the same `_prisma_migrations` table that `prisma migrate deploy` uses, so a
 * site with internet access can still use the Prisma CLI on the same database.
 */
import { readFile, readdir, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SchemaEngine } from '@prisma/schema-engine-wasm';
import type { MigrationList, MigrationDirectory } from '@prisma/schema-engine-wasm';
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
  const names = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
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
  const driver = (connection as SqlDriverAdapter & { underlyingDriver?: () => unknown }).underlyingDriver?.() as { query?: (sql: string) => Promise<unknown> } | undefined;
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

/** Applies every migration not yet recorded in `_prisma_migrations`; returns their names. */
export async function applyMigrations(adapterFactory: SqlMigrationAwareDriverAdapterFactory): Promise<string[]> {
  const migrationsList = await loadMigrationList();
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
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
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
