/**
 * A new embedded database starts from a copy of an initialised one. PGlite creates a new data
 * directory by running initdb inside a second WebAssembly PostgreSQL: 16 s and a 670 MB peak on
 * a loaded 2-core machine, against 2.6 s to open an existing directory (issue #13). initdb's
 * output does not depend on the database it is for, so `npm install` makes it once
 * (scripts/pglite-template.mjs) under node_modules/.cache, for the installed PGlite version,
 * and a start on an empty DATA_DIR copies those files (a stopped cluster, copied like any
 * PostgreSQL data directory) instead of running initdb. Without the template, PGlite runs
 * initdb as before.
 */
import { cp, mkdir, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/** Where the template for the installed PGlite version lives. */
export async function pgliteTemplateDir(root = projectRoot): Promise<string> {
  const { version } = JSON.parse(await readFile(path.join(root, 'node_modules/@electric-sql/pglite/package.json'), 'utf8')) as { version: string };
  return path.join(root, 'node_modules/.cache/pglite-template', version);
}

/** A complete template has PG_VERSION: it is renamed into place only once initdb finished. */
async function isInitialised(dir: string): Promise<boolean> {
  return exists(path.join(dir, 'PG_VERSION'));
}

/**
 * Runs initdb once into `templateDir` (in a temporary sibling, renamed into place when PGlite has
 * closed cleanly, so a half-made template is never used). Returns false when it already existed.
 */
export async function createPgliteTemplate(templateDir: string): Promise<boolean> {
  if (await isInitialised(templateDir)) return false;
  await mkdir(path.dirname(templateDir), { recursive: true });
  const building = `${templateDir}.${process.pid}.tmp`;
  await rm(building, { recursive: true, force: true });
  const pglite = new PGlite(building);
  try {
    await pglite.waitReady;
  } finally {
    await pglite.close();
  }
  try {
    await rename(building, templateDir);
  } catch (error) {
    // Another install made it meanwhile.
    await rm(building, { recursive: true, force: true });
    if (!(await isInitialised(templateDir))) throw error;
    return false;
  }
  return true;
}

/**
 * Fills an empty or missing `dataDir` from the template; false (nothing done) when the directory
 * already holds a database or files, or no template exists. The caller holds the data
 * directory's lock. The copy goes to a temporary sibling first, so a crash mid-copy leaves no
 * half database behind: the next start finds the directory still empty.
 */
export async function seedFromPgliteTemplate(dataDir: string, templateDir: string): Promise<boolean> {
  if (!(await isInitialised(templateDir))) return false;
  const entries = await readdir(dataDir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  if (entries.length > 0) return false;
  const copying = `${dataDir}.${process.pid}.tmp`;
  await rm(copying, { recursive: true, force: true });
  try {
    await cp(templateDir, copying, { recursive: true, errorOnExist: true, force: false });
    await rm(dataDir, { recursive: true, force: true });
    await rename(copying, dataDir);
  } catch (error) {
    await rm(copying, { recursive: true, force: true });
    throw error;
  }
  return true;
}
