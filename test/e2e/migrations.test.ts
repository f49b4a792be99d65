/**
 * The migration commands as a developer runs them: the committed migrations match
 * prisma/schema.prisma (so `npm run db:migration` has nothing to write), and `npm run
 * db:migrate` brings an empty embedded database up to date, once.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../support/process.ts';

const run = (script: string, args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, ['--disable-warning=ExperimentalWarning', script, ...args], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });

// Each command runs initdb on an in-memory PGlite: 15-40 s on a loaded 2-core machine.
describe('the migration commands', { timeout: 150_000 }, () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'hw-migrate-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('finds nothing to write: the committed migrations match schema.prisma', async () => {
    const before = await readdir(path.join(projectRoot, 'prisma/migrations'));
    const r = run('src/cli/db-migration.ts', ['check_only'], {});
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('nothing to do');
    expect(await readdir(path.join(projectRoot, 'prisma/migrations'))).toEqual(before);
  });

  it('asks for a name', () => {
    const r = run('src/cli/db-migration.ts', [], {});
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('usage');
  });

  it('applies the migrations to a fresh embedded database, then reports it up to date', () => {
    const first = run('src/cli/db-migrate.ts', [], { DATA_DIR: dataDir });
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/applied: \d+_init, \d+_bookings_and_pushes/);
    const second = run('src/cli/db-migrate.ts', [], { DATA_DIR: dataDir });
    expect(second.stdout).toContain('database is up to date');
  });
});
