// Cold start and idle memory of the service, started the way bench/load.ts starts it (issue #13).
//   node scripts/measure-start.mjs pg [--database-url postgresql://root@127.0.0.1:5432/<db>] [--idle 10] [--restart]
//   node scripts/measure-start.mjs pglite [--data-dir <dir>] [--idle 10] [--restart]
// Without --database-url / --data-dir a new database is made (createdb on the server named by
// BENCH_DATABASE_URL, default postgresql://root@127.0.0.1:5432/test; a temporary directory for
// PGlite) and dropped after. --restart starts the service a second time on the same database.
// Prints one JSON line per start: ms until /healthz answers, VmRSS when ready and after the idle
// wait, the peak RSS so far (VmHWM), and process.memoryUsage() of the service at that moment (in MB). Nothing else is logged.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [kind, ...rest] = process.argv.slice(2);
if (kind !== 'pg' && kind !== 'pglite') {
  process.stderr.write('usage: node scripts/measure-start.mjs pg|pglite [--database-url URL | --data-dir DIR] [--idle SECONDS] [--restart]\n');
  process.exit(2);
}
const option = (name) => {
  const i = rest.indexOf(name);
  return i >= 0 ? rest[i + 1] : undefined;
};
const idleSeconds = Number(option('--idle') ?? 10);

let databaseUrl = option('--database-url');
let dataDir = option('--data-dir');
let cleanup = async () => {};
if (kind === 'pg' && !databaseUrl) {
  const server = process.env.BENCH_DATABASE_URL ?? 'postgresql://root@127.0.0.1:5432/test';
  const name = `measure_start_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${name}`;
  databaseUrl = url.toString();
  cleanup = async () => {
    const c = new pg.Client({ connectionString: server });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await c.end();
  };
}
if (kind === 'pglite' && !dataDir) {
  dataDir = await mkdtemp(path.join(tmpdir(), 'measure-start-'));
  const dir = dataDir;
  cleanup = () => rm(dir, { recursive: true, force: true });
}

// Written by the service every second: process.memoryUsage() only.
const reporter = `import { writeFileSync } from 'node:fs'; setInterval(() => writeFileSync(process.env.MEASURE_OUT, JSON.stringify(process.memoryUsage())), 1000).unref();`;
const fieldKey = randomBytes(32).toString('base64');
const channelSecret = randomBytes(16).toString('hex');

async function measureOnce() {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const out = path.join(tmpdir(), `measure-start-${process.pid}-${port}.json`);
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    LINE_CHANNEL_SECRET: channelSecret,
    LINE_CHANNEL_ACCESS_TOKEN: 'measure-token',
    LINE_API_BASE_URL: 'http://127.0.0.1:9',
    PORT: String(port),
    HOST: '127.0.0.1',
    NODE_ENV: 'production',
    FIELD_ENCRYPTION_KEY: fieldKey,
    PUBLIC_BASE_URL: 'https://measure.example.jp',
    LOG_LEVEL: 'warn',
    MEASURE_OUT: out,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : { DATA_DIR: dataDir }),
  };
  const started = performance.now();
  const child = spawn(
    process.execPath,
    ['--disable-warning=ExperimentalWarning', '--import', `data:text/javascript,${encodeURIComponent(reporter)}`, 'src/main.ts'],
    {
      cwd: root,
      env,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const healthy = () =>
    new Promise((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/healthz', timeout: 1000 }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on('error', () => resolve(false));
    });
  while (!(await healthy())) {
    if (child.exitCode !== null) throw new Error(`the service exited with ${child.exitCode}`);
    await sleep(50);
  }
  const coldStartMs = Math.round(performance.now() - started);
  const status = async (field) => Math.round(Number(new RegExp(`${field}:\\s+(\\d+)`).exec(await readFile(`/proc/${child.pid}/status`, 'utf8'))?.[1]) / 1024);
  const rss = () => status('VmRSS');
  const rssReadyMb = await rss();
  await sleep(idleSeconds * 1000);
  const rssIdleMb = await rss();
  const rssPeakMb = await status('VmHWM');
  const usage = JSON.parse(await readFile(out, 'utf8').catch(() => '{}'));
  const mb = Object.fromEntries(Object.entries(usage).map(([k, v]) => [k, Math.round(v / 1048576)]));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  await rm(out, { force: true });
  return { kind, coldStartMs, rssReadyMb, rssIdleMb, rssPeakMb, memoryUsageMb: mb };
}

try {
  process.stdout.write(`${JSON.stringify({ start: 'first', ...(await measureOnce()) })}\n`);
  if (rest.includes('--restart')) process.stdout.write(`${JSON.stringify({ start: 'restart', ...(await measureOnce()) })}\n`);
} finally {
  await cleanup();
}
