/**
 * The one place that knows which database we run on. Unset DATABASE_URL → the embedded
 * PGlite (PostgreSQL compiled to WebAssembly) under DATA_DIR, so one command runs the service
 * on a fresh machine; `postgresql://…` → that server through node-postgres, so several
 * instances can share it. Both speak PostgreSQL, so one Prisma schema and one set of
 * migrations serve both.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import type { SqlDriverAdapterFactory, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaClient } from '../generated/prisma/client.ts';
import { applyMigrations, loadMigrationList, migrationsUpToDate } from './migrate.ts';
import { pgliteTemplateDir, seedFromPgliteTemplate } from './pglite-template.ts';

export type { PrismaClient };
export type DatabaseKind = 'pglite' | 'postgres';

export interface Database {
  prisma: PrismaClient;
  kind: DatabaseKind;
  /** An adapter factory for the migration engine (on PostgreSQL, apart from the client's pool). */
  adapterFactory: SqlMigrationAwareDriverAdapterFactory;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** `postgresql://…`; undefined → embedded PGlite. */
  databaseUrl?: string | undefined;
  /** Where PGlite keeps its files; `memory://` keeps nothing (tests). */
  dataDir: string;
  /** Connections in the PostgreSQL pool (DATABASE_POOL_SIZE). */
  poolSize?: number | undefined;
  /** Distinct statements kept prepared per PostgreSQL connection (DATABASE_PREPARED_STATEMENTS); default 100, 0 for none. */
  preparedStatements?: number | undefined;
  /**
   * Told of every connection-level error (a backend terminated by a restart, fail-over or idle
   * reaper). Such an error is not fatal: the query in flight fails with a transient error and the
   * pool replaces the connection. Without a listener node-postgres would crash the process.
   */
  onConnectionError?: ((error: Error) => void) | undefined;
  /** The initialised PGlite directory a new embedded database is copied from; default: the one `npm install` made. */
  templateDir?: string | undefined;
  /** Told of every statement Prisma sends (tests and benchmarks count statements per turn); off when unset. */
  onQuery?: ((sql: string) => void) | undefined;
}

/** A Prisma client on `adapter`, reporting its statements to `onQuery` when given. */
function prismaClient(adapter: SqlDriverAdapterFactory, onQuery: DatabaseOptions['onQuery']): PrismaClient {
  if (!onQuery) return new PrismaClient({ adapter });
  const client = new PrismaClient({ adapter, log: [{ emit: 'event', level: 'query' }] });
  client.$on('query', (event) => onQuery(event.query));
  return client;
}

/** Default size of the PostgreSQL pool. */
export const defaultPoolSize = 10;

/**
 * The node-postgres pool behind Prisma on PostgreSQL. Every client gets an `error` listener
 * for its whole life, not only while Prisma holds it in a transaction: `pg_terminate_backend`
 * (57P01), a server restart (57P02/57P03) or a dropped socket emit 'error' on whichever client
 * owns the connection, and an unheard 'error' event terminates Node.
 */
export function createPgPool(databaseUrl: string, options: Pick<DatabaseOptions, 'poolSize' | 'onConnectionError'> = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.poolSize ?? defaultPoolSize,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  const report = (error: Error) => options.onConnectionError?.(error);
  pool.on('error', report);
  pool.on('connect', (client) => {
    client.on('error', report);
  });
  return pool;
}

/**
 * PGlite's PostgreSQL keeps its shared buffers inside its WebAssembly memory, which never
 * shrinks and ends up resident as a whole. With PostgreSQL's default of 128 MB that memory was
 * 199 MB; with 16 MB it is 138 MB (the module's floor is 128 MB), about 130 MB less RSS at idle
 * (issue #13). The files stay in the operating system's page cache, so a page that left the
 * buffers costs a copy, not a disk read.
 */
export const pgliteSharedBuffers = '16MB';
const pgliteOptions = { startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${pgliteSharedBuffers}`] };

/** Statements with more parameters than this are not prepared (see preparedStatementNames). */
export const maxPreparedParameters = 32;

/**
 * Names for prepared statements on PostgreSQL (issue #13). Without a name, node-postgres sends
 * every statement unnamed, and PostgreSQL parses, analyses and plans it again each time: for a
 * turn's statements that was most of the server's CPU per turn. With a name derived from the SQL
 * text, each connection prepares a statement once and then only binds and executes it, and
 * PostgreSQL may keep a generic plan.
 *
 * Bounded: only the first `limit` distinct texts get a name (each is prepared on every pooled
 * connection that runs it, and held until the connection closes), and only texts with at most
 * maxPreparedParameters parameters, so inserts and lists whose text grows with their length do
 * not use up the names. The hot path has about a dozen.
 * Decisions: not for texts over 16,000 characters; and off (`limit` 0) behind a pooler that does
 * not keep prepared statements per client (PgBouncer in transaction mode before 1.21). A schema
 * change that alters a prepared statement's result columns makes PostgreSQL refuse it until the
 * connection is replaced; migrations that only add tables and columns, as this project's do, do
 * not, because Prisma names every column it reads.
 */
export function preparedStatementNames(limit: number): (query: { sql: string; args?: readonly unknown[] }) => string {
  const names = new Map<string, string>();
  return ({ sql, args }) => {
    const known = names.get(sql);
    if (known !== undefined) return known;
    // node-postgres: an empty name is an unnamed statement. Texts with many parameters are
    // usually lists whose length varies (IN (…), multi-row inserts): each length would use up a name.
    if (names.size >= limit || sql.length > 16_000 || (args?.length ?? 0) > maxPreparedParameters) return '';
    const name = `hw_${createHash('sha1').update(sql).digest('hex').slice(0, 24)}`;
    names.set(sql, name);
    return name;
  };
}

/** Opens the configured database (creating the PGlite directory if needed). */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.databaseUrl) {
    const pool = createPgPool(options.databaseUrl, options);
    const prepared = options.preparedStatements ?? 100;
    const adapterFactory = new PrismaPg(pool, {
      onConnectionError: (error) => options.onConnectionError?.(error),
      onPoolError: (error) => options.onConnectionError?.(error),
      ...(prepared > 0 ? { statementNameGenerator: preparedStatementNames(prepared) } : {}),
    });
    const prisma = prismaClient(adapterFactory, options.onQuery);
    const databaseUrl = options.databaseUrl;
    // The migration engine gets connections of its own, ended when it is done: it takes Prisma's
    // session-level migration advisory lock and never unlocks it, so a connection of the shared
    // pool would go back to the pool still holding the lock, and every other instance starting
    // on this database would time out waiting for it (P1002 after 10 s).
    const migrationFactory: SqlMigrationAwareDriverAdapterFactory = {
      provider: adapterFactory.provider,
      adapterName: adapterFactory.adapterName,
      connect: () =>
        new PrismaPg(createPgPool(databaseUrl, { poolSize: 2, onConnectionError: options.onConnectionError }), { disposeExternalPool: true }).connect(),
      connectToShadowDb: () => new PrismaPg({ connectionString: databaseUrl }).connectToShadowDb(),
    };
    return {
      prisma,
      kind: 'postgres',
      adapterFactory: migrationFactory,
      async close() {
        await prisma.$disconnect();
        if (!pool.ended) await pool.end();
      },
    };
  }
  let pglite: PGlite;
  let release = async () => {};
  if (options.dataDir.startsWith('memory://')) {
    pglite = new PGlite(options.dataDir, pgliteOptions);
  } else {
    const dir = path.resolve(options.dataDir, 'pglite');
    await mkdir(dir, { recursive: true });
    release = await lockDataDir(path.resolve(options.dataDir, 'pglite.lock'));
    // A new database is copied from the template `npm install` made, not made by initdb (see
    // pglite-template.ts). The template is only a shortcut: if copying fails, initdb runs.
    try {
      await seedFromPgliteTemplate(dir, options.templateDir ?? (await pgliteTemplateDir()));
    } catch {
      await mkdir(dir, { recursive: true });
    }
    pglite = new PGlite(dir, pgliteOptions);
  }
  await pglite.waitReady;
  const adapterFactory = new PrismaPGlite(withParsersMergedOnce(pglite));
  const prisma = prismaClient(adapterFactory, options.onQuery);
  return {
    prisma,
    kind: 'pglite',
    adapterFactory,
    async close() {
      await prisma.$disconnect();
      await pglite.close();
      await release();
    },
  };
}

type QueryOptions = { parsers?: Record<number | string, (value: string, typeId: number) => unknown> } & Record<string, unknown>;
type Queryable = {
  query(sql: string, params?: unknown[], options?: QueryOptions): Promise<unknown>;
  transaction?(callback: (tx: Queryable) => Promise<unknown>): Promise<unknown>;
};

/**
 * pglite-prisma-adapter passes its few type parsers with every query, and PGlite answers that by
 * copying its ~300 default parsers and the adapter's into a new object for each query (about
 * 1 ms of a 1.4 ms query). The adapter always passes the same parsers, so they are merged into
 * this instance's own parser table once, and queries go on without the option: the same
 * parsing, without the copy. Nothing else queries this PGlite instance, so the table changes for
 * the adapter's queries only.
 */
export function withParsersMergedOnce<T extends object>(pglite: T & { parsers: Record<number | string, unknown> }): T {
  let merged: unknown;
  const strip = (options: QueryOptions | undefined): QueryOptions | undefined => {
    if (!options?.parsers) return options;
    if (options.parsers !== merged) {
      pglite.parsers = { ...pglite.parsers, ...options.parsers };
      merged = options.parsers;
    }
    const { parsers: _parsers, ...rest } = options;
    return rest;
  };
  const wrap = <Q extends object>(target: Q): Q =>
    new Proxy(target, {
      get(object, property) {
        const value: unknown = Reflect.get(object, property, object);
        if (property === 'query' && typeof value === 'function') {
          return (sql: string, params?: unknown[], options?: QueryOptions) => (value as Queryable['query']).call(object, sql, params, strip(options));
        }
        if (property === 'transaction' && typeof value === 'function') {
          return (callback: (tx: Queryable) => Promise<unknown>) =>
            (value as NonNullable<Queryable['transaction']>).call(object, (tx: Queryable) => callback(wrap(tx)));
        }
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(object) : value;
      },
    });
  return wrap(pglite);
}

/** Another process is using the embedded database. */
export class DatabaseInUseError extends Error {
  override name = 'DatabaseInUseError';
  readonly pid: number;
  constructor(lockFile: string, pid: number) {
    super(
      `the embedded database (${path.dirname(lockFile)}) is in use by process ${pid}: stop it first, or use PostgreSQL (DATABASE_URL) to run several processes`,
    );
    this.pid = pid;
  }
}

/**
 * PGlite is one process's database: a second process writing to the same directory loses
 * data. A lock file holding our pid keeps a second one out; a lock left by a process that no
 * longer runs (a crash) is taken over.
 */
async function lockDataDir(lockFile: string): Promise<() => Promise<void>> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockFile, 'wx', 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      return async () => {
        await rm(lockFile, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number((await readFile(lockFile, 'utf8').catch(() => '')).trim());
      if (Number.isSafeInteger(pid) && pid > 0 && (pid === process.pid || isRunning(pid))) throw new DatabaseInUseError(lockFile, pid);
      await rm(lockFile, { force: true });
    }
  }
  throw new Error(`could not take the lock ${lockFile}`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Opens the database and brings its schema up to date; what every entry point calls. A database
 * that already has every migration is only read (migrationsUpToDate); the schema engine is
 * loaded when there is something to apply or to refuse.
 */
export async function openMigratedDatabase(options: DatabaseOptions): Promise<Database & { appliedMigrations: string[] }> {
  const db = await openDatabase(options);
  try {
    const migrationsList = await loadMigrationList();
    if (await migrationsUpToDate(db.prisma, migrationsList)) return { ...db, appliedMigrations: [] };
    const appliedMigrations = await applyMigrations(db.adapterFactory, migrationsList);
    return { ...db, appliedMigrations };
  } catch (error) {
    await db.close();
    throw error;
  }
}
