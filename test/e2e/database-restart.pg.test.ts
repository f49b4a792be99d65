/**
 * The database goes away and comes back (a restart, a fail-over) while the service runs: a
 * cluster of the test's own (initdb on a free port) is stopped in the middle of a burst of
 * events and started again. Meanwhile /healthz reports the database down and a webhook is
 * answered 503 (LINE delivers it again); once it is back, every accepted event is applied
 * without restarting the service, each user greeted exactly once.
 * Runs with the PostgreSQL suite, as root on a machine with PostgreSQL's server binaries.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, chownSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventsFor, lineUserId, postSigned, startHarness, webhookBody } from '../support/harness.ts';
import type { Harness } from '../support/harness.ts';
import { onPostgres } from '../support/database.ts';
import { freePort } from '../support/process.ts';

const pgBin = existsSync('/usr/lib/postgresql') ? path.join('/usr/lib/postgresql', readdirSync('/usr/lib/postgresql').sort().at(-1) ?? '', 'bin') : '';
const canRun = onPostgres && process.getuid?.() === 0 && pgBin !== '' && existsSync(path.join(pgBin, 'initdb'));

describe.runIf(canRun)('a database that stops and starts again', () => {
  let dir: string;
  let port: number;
  let h: Harness;
  const asPostgres = (cmd: string, args: string[]) => execFileSync('runuser', ['-u', 'postgres', '--', path.join(pgBin, cmd), ...args], { stdio: 'pipe' });
  const startCluster = () =>
    asPostgres('pg_ctl', [
      '-D',
      path.join(dir, 'data'),
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`,
      '-l',
      path.join(dir, 'log'),
      '-w',
      'start',
    ]);
  const stopCluster = () => asPostgres('pg_ctl', ['-D', path.join(dir, 'data'), '-m', 'fast', '-w', 'stop']);

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'hw-pg-restart-'));
    chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString().trim()), Number(execFileSync('id', ['-g', 'postgres']).toString().trim()));
    port = await freePort();
    asPostgres('initdb', ['-D', path.join(dir, 'data'), '-A', 'trust', '-U', 'root']);
    startCluster();
    const url = `postgresql://root@127.0.0.1:${port}/postgres`;
    h = await startHarness({ database: { databaseUrl: url, dataDir: 'memory://', drop: async () => {} } });
  }, 120_000);
  afterAll(async () => {
    h.line.assertNoRejections();
    await h.close();
    try {
      stopCluster();
    } catch {
      // already stopped
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports the database down, answers 503 while it is, and applies every accepted event once it is back', async () => {
    const users = Array.from({ length: 40 }, (_, i) => lineUserId(`restart-${i}`));
    const events = users.map((u) => eventsFor(h.line, u, h.clock).follow());
    const res = await postSigned(h.service.app, webhookBody(events));
    expect(res.status).toBe(200);
    // The database stops while those events are being applied.
    stopCluster();
    const greetedWhileUp = users.filter((u) => h.line.messagesTo(u).length > 0).length;
    expect((await request(h.service.app).get('/healthz')).status).toBe(503);
    const late = lineUserId('restart-late');
    const lateFollow = eventsFor(h.line, late, h.clock).follow();
    const lateBody = webhookBody([lateFollow]);
    const refused = await postSigned(h.service.app, lateBody);
    expect(refused.status).toBe(503);
    await new Promise((r) => setTimeout(r, 2_000));
    startCluster();
    // LINE delivers the refused request again.
    const redelivered = await postSigned(h.service.app, lateBody);
    expect(redelivered.status).toBe(200);
    await h.settle();
    expect((await request(h.service.app).get('/healthz')).status).toBe(200);
    console.info(
      `database restart: ${greetedWhileUp} of ${users.length} followers greeted before the stop, the rest after it came back; 1 webhook answered 503 and delivered again`,
    );
    expect(await h.service.db.prisma.webhookEvent.count({ where: { status: { not: 'done' } } })).toBe(0);
    for (const u of [...users, late]) expect(h.line.messagesTo(u).map((m) => m.type)).toEqual(['flex']);
  }, 120_000);
});
