/**
 * New embedded databases copied from an initialised template instead of running initdb: the
 * copy is a working database, only an empty directory is filled, and nothing happens without
 * a template.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgliteTemplate, seedFromPgliteTemplate } from '../../src/db/pglite-template.ts';
import { openMigratedDatabase } from '../../src/db/client.ts';

describe('the PGlite template', { timeout: 180_000 }, () => {
  let root: string;
  let template: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'hw-template-'));
    template = path.join(root, 'cache', 'template');
    expect(await createPgliteTemplate(template)).toBe(true);
  }, 180_000);
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('is made once, complete, with no temporary directory left', async () => {
    expect((await readFile(path.join(template, 'PG_VERSION'), 'utf8')).trim()).toMatch(/^\d+$/);
    expect(await createPgliteTemplate(template)).toBe(false);
    expect(await readdir(path.dirname(template))).toEqual(['template']);
  });

  it('fills an empty directory with a database that the service migrates and uses', async () => {
    const dataDir = path.join(root, 'data');
    await mkdir(path.join(dataDir, 'pglite'), { recursive: true });
    expect(await seedFromPgliteTemplate(path.join(dataDir, 'pglite'), template)).toBe(true);
    expect((await readdir(dataDir)).sort()).toEqual(['pglite']);
    // The service's own open: it finds the copied directory (no initdb) and applies every migration.
    const db = await openMigratedDatabase({ dataDir, templateDir: template });
    try {
      expect(db.appliedMigrations.length).toBeGreaterThan(0);
      expect(await db.prisma.lineUser.count()).toBe(0);
    } finally {
      await db.close();
    }
    // The template itself is untouched by the database made from it.
    expect(await readdir(template)).not.toContain('postmaster.pid');
    expect(await seedFromPgliteTemplate(path.join(dataDir, 'pglite'), template)).toBe(false);
  });

  it('leaves a directory that holds anything alone', async () => {
    const dir = path.join(root, 'occupied');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'something'), 'x');
    expect(await seedFromPgliteTemplate(dir, template)).toBe(false);
    expect(await readdir(dir)).toEqual(['something']);
  });

  it('does nothing without a complete template (initdb runs instead)', async () => {
    const half = path.join(root, 'half');
    await mkdir(half, { recursive: true });
    await writeFile(path.join(half, 'postgresql.conf'), '');
    expect(await seedFromPgliteTemplate(path.join(root, 'new'), half)).toBe(false);
    expect(await seedFromPgliteTemplate(path.join(root, 'new'), path.join(root, 'missing'))).toBe(false);
  });
});
