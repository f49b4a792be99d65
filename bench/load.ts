/**
 * `npm run bench:load`: the service under load, side by side with a bare echo bot measured in
 * the same run (not part of CI: it takes minutes and wants the machine to itself).
 *
 * Processes: this script is the load generator; the fake LINE API (test/support/fake-line-api.ts)
 * runs in a child process of its own and reports each reply and push back here; the process under
 * test is bench/load/echo-bot.ts or the real `src/main.ts` (one or two of them, on PGlite or on a
 * PostgreSQL database created for the run). Each target gets `--users` users who followed first
 * (so they are mid-conversation), then text events, one per webhook request as LINE sends them,
 * at fixed offered rates (open loop: requests go out on schedule whether or not the service keeps
 * up). Measured per phase: webhook 200 latency (send → 200), end to end (send → the reply reaches
 * the fake), turns per second achieved, CPU per turn from /proc (the service's processes, plus
 * the PostgreSQL backends of the run's database), peak RSS. Then the reminder drain: `--reminders`
 * reminders due at one instant, inserted before the service starts; first and last push after
 * the due moment, and whether each user got exactly one.
 *
 *   npm run bench:load                                   # everything (about 5–8 minutes)
 *   npm run bench:load -- --targets echo,pg --seconds 3  # a subset
 *
 * Options: --targets echo,pglite,pg,pg2,reminders-pglite,reminders-pg,reminders-pg2
 *          --users 2000 --seconds 4 --reminders 10000 --out <file.md>
 *          --profile <dir>  writes a V8 CPU profile of each process under test there (open it in
 *                           Chrome DevTools or summarise it with scripts/cpu-profile-summary.mjs)
 * PostgreSQL: BENCH_DATABASE_URL (default postgresql://root@127.0.0.1:5432/test), used only to
 * create and drop a database of the run's own.
 */
import { fork, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';

const root = path.resolve(import.meta.dirname, '..');
const { values: args } = parseArgs({
  options: {
    targets: { type: 'string', default: 'echo,pglite,pg,pg2,reminders-pglite,reminders-pg' },
    users: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '4' },
    reminders: { type: 'string', default: '10000' },
    out: { type: 'string' },
    profile: { type: 'string' },
  },
});
const users = Number(args.users);
const phaseSeconds = Number(args.seconds);
const reminderCount = Number(args.reminders);
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgresql://root@127.0.0.1:5432/test';
const channelSecret = randomBytes(16).toString('hex');
const channelToken = 'bench-token';
const fieldKey = randomBytes(32).toString('base64');
const clockTicks = 100; // USER_HZ on Linux

/** Offered rates per target (turns/s); the last one is well past saturation. */
const ratesFor: Record<string, number[]> = { echo: [100, 300, 900], pglite: [100, 300], pg: [100, 300, 900], pg2: [100, 300, 900] };

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// The fake LINE API, in its own process
// ---------------------------------------------------------------------------------------------

type Report = [kind: 'reply' | 'push' | 'error', key: string, at: number];
const replyListeners = new Map<string, (at: number) => void>();
const pushLog: { to: string; at: number }[] = [];
const lineErrors: string[] = [];

async function startFake(): Promise<{ child: ChildProcess; baseURL: string }> {
  const child = fork(path.join(root, 'bench/load/fake-line.ts'), [], {
    execArgv: ['--disable-warning=ExperimentalWarning'],
    env: { ...process.env, BENCH_LINE_TOKEN: channelToken },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const baseURL = await new Promise<string>((resolve, reject) => {
    child.once('exit', () => reject(new Error('the fake LINE API exited')));
    child.on('message', (message: { type: string; baseURL?: string; reports?: Report[] }) => {
      if (message.type === 'ready' && message.baseURL) resolve(message.baseURL);
      if (message.type === 'reports') {
        for (const [kind, key, at] of message.reports ?? []) {
          if (kind === 'reply') replyListeners.get(key)?.(at);
          else if (kind === 'push') pushLog.push({ to: key, at });
          else lineErrors.push(key);
        }
      }
    });
  });
  return { child, baseURL };
}

// ---------------------------------------------------------------------------------------------
// Processes under test
// ---------------------------------------------------------------------------------------------

type Target = { name: string; pids: () => number[]; ports: number[]; stop(): Promise<void>; databaseUrl?: string | undefined; coldStartMs: number[] };

let nextPort = 39100 + Math.floor(Math.random() * 500);

async function waitHealthy(port: number, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  child.once('exit', () => (exited = true));
  while (Date.now() < deadline && !exited) {
    const ok = await new Promise<boolean>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/healthz', timeout: 1000 }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`process on port ${port} did not become healthy`);
}

function spawnProcess(script: string, env: Record<string, string>): ChildProcess {
  const profile = args.profile ? [`--cpu-prof`, `--cpu-prof-dir=${path.resolve(args.profile)}`] : [];
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', ...profile, script], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', (d: Buffer) => process.stderr.write(`[${path.basename(script)}] ${d.toString()}`));
  return child;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

async function startTarget(name: string, lineBaseURL: string, options: { processes: number; databaseUrl?: string; dataDir?: string }): Promise<Target> {
  const children: ChildProcess[] = [];
  const ports: number[] = [];
  const coldStartMs: number[] = [];
  for (let i = 0; i < options.processes; i++) {
    const port = nextPort++;
    const env: Record<string, string> = {
      LINE_CHANNEL_SECRET: channelSecret,
      LINE_CHANNEL_ACCESS_TOKEN: channelToken,
      LINE_API_BASE_URL: lineBaseURL,
      PORT: String(port),
      HOST: '127.0.0.1',
      NODE_ENV: 'production',
      FIELD_ENCRYPTION_KEY: fieldKey,
      PUBLIC_BASE_URL: 'https://bench.example.jp',
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
    };
    if (options.databaseUrl) env.DATABASE_URL = options.databaseUrl;
    if (options.dataDir) env.DATA_DIR = options.dataDir;
    const started = now();
    const child = spawnProcess(name === 'echo' ? 'bench/load/echo-bot.ts' : 'src/main.ts', env);
    await waitHealthy(port, child);
    coldStartMs.push(now() - started);
    children.push(child);
    ports.push(port);
  }
  return {
    name,
    ports,
    coldStartMs,
    databaseUrl: options.databaseUrl,
    pids: () => children.map((c) => c.pid).filter((p): p is number => p !== undefined),
    async stop() {
      await Promise.all(children.map(stopProcess));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// /proc
// ---------------------------------------------------------------------------------------------

async function cpuTicks(pid: number): Promise<number> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  } catch {
    return 0;
  }
}

async function rssMb(pid: number): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+)/.exec(status)?.[1];
    return kb ? Number(kb) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Backends serving the run's database (their CPU is the turn's, too). */
async function backendPids(databaseUrl: string | undefined): Promise<number[]> {
  if (!databaseUrl) return [];
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const name = new URL(databaseUrl).pathname.slice(1);
    const { rows } = await client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
    return rows.map((r) => r.pid);
  } finally {
    await client.end();
  }
}

/** CPU ticks spent between two readings of the same processes; one gone meanwhile counts nothing. */
function ticksBetween(before: number[], after: number[]): number {
  return before.reduce((sum, start, i) => {
    const end = after[i] ?? 0;
    return sum + (start > 0 && end >= start ? end - start : 0);
  }, 0);
}

// ---------------------------------------------------------------------------------------------
// Load
// ---------------------------------------------------------------------------------------------

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function post(port: number, body: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/webhook',
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'x-line-signature': createHmac('sha256', channelSecret).update(body).digest('base64'),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.setTimeout(30_000, () => req.destroy());
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

const userIds = Array.from({ length: users }, (_, i) => `U${createHmac('md5', 'bench').update(String(i)).digest('hex')}`);

function event(type: 'follow' | 'text', userId: string, replyToken: string) {
  const base = {
    type: type === 'follow' ? 'follow' : 'message',
    mode: 'active',
    timestamp: Date.now(),
    source: { type: 'user', userId },
    webhookEventId: `01${randomUUID().replaceAll('-', '').toUpperCase().slice(0, 24)}`,
    deliveryContext: { isRedelivery: false },
    replyToken,
  };
  return type === 'follow'
    ? { ...base, follow: { isUnblocked: false } }
    : { ...base, message: { type: 'text', id: String(Date.now()), quoteToken: randomBytes(16).toString('hex'), text: 'こんにちは' } };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/** Every user follows once (in bodies of 50), so the load phases find them mid-conversation. */
async function prepare(target: Target): Promise<number> {
  const started = now();
  let answered = 0;
  const tokens = userIds.map(() => randomBytes(16).toString('hex'));
  const done = new Promise<void>((resolve) => {
    for (const token of tokens) {
      replyListeners.set(token, () => {
        replyListeners.delete(token);
        answered += 1;
        if (answered === tokens.length) resolve();
      });
    }
  });
  for (let i = 0; i < userIds.length; i += 50) {
    const events = userIds.slice(i, i + 50).map((u, j) => event('follow', u, tokens[i + j] ?? ''));
    await post(target.ports[(i / 50) % target.ports.length] ?? 0, JSON.stringify({ destination: 'Ubench', events }));
  }
  await Promise.race([done, sleep(240_000)]);
  if (answered < userIds.length) throw new Error(`only ${answered} of ${userIds.length} follows answered`);
  return now() - started;
}

type PhaseResult = {
  target: string;
  offered: number;
  sent: number;
  non200: number;
  httpP50: number;
  httpP99: number;
  over2s: number;
  e2eP50: number;
  e2eP99: number;
  answered: number;
  achieved: number;
  keptUp: boolean;
  cpuMsPerTurn: number;
  dbCpuMsPerTurn: number;
  rssMaxMb: number[];
};

async function phase(target: Target, rate: number, seconds: number): Promise<PhaseResult> {
  const total = Math.round(rate * seconds);
  const http: number[] = [];
  const e2e: number[] = [];
  let non200 = 0;
  let lastReply = 0;
  const backends = await backendPids(target.databaseUrl);
  const pids = target.pids();
  const cpu0 = await Promise.all(pids.map(cpuTicks));
  const db0 = await Promise.all(backends.map(cpuTicks));
  const rssMax = pids.map(() => 0);
  const rssTimer = setInterval(() => {
    void Promise.all(pids.map(rssMb)).then((values) => values.forEach((v, i) => (rssMax[i] = Math.max(rssMax[i] ?? 0, v))));
  }, 250);
  let answered = 0;
  let allAnswered: () => void = () => {};
  const answeredAll = new Promise<void>((resolve) => (allAnswered = resolve));
  const requests: Promise<void>[] = [];
  const started = now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((now() - started) / 1000) * rate) + 1);
    for (; sent < due; sent++) {
      const userId = userIds[sent % userIds.length] ?? '';
      const token = randomBytes(16).toString('hex');
      const body = JSON.stringify({ destination: 'Ubench', events: [event('text', userId, token)] });
      const at = now();
      replyListeners.set(token, (replyAt) => {
        replyListeners.delete(token);
        e2e.push(replyAt - at);
        lastReply = Math.max(lastReply, replyAt);
        answered += 1;
        if (answered === total) allAnswered();
      });
      requests.push(
        post(target.ports[sent % target.ports.length] ?? 0, body).then((status) => {
          http.push(now() - at);
          if (status !== 200) non200 += 1;
        }),
      );
    }
    await sleep(2);
  }
  const sendEnd = now();
  await Promise.all(requests);
  await Promise.race([answeredAll, sleep(Math.max(60_000, (total / 40) * 1000))]);
  await sleep(100);
  clearInterval(rssTimer);
  const cpu1 = await Promise.all(pids.map(cpuTicks));
  const db1 = await Promise.all(backends.map(cpuTicks));
  const cpuMs = (ticksBetween(cpu0, cpu1) * 1000) / clockTicks;
  // A backend that ended during the phase (pool idle time-out) is left out rather than counted negative.
  const dbMs = (ticksBetween(db0, db1) * 1000) / clockTicks;
  http.sort((a, b) => a - b);
  e2e.sort((a, b) => a - b);
  const keptUp = lastReply - sendEnd < 1000 && answered === total;
  return {
    target: target.name,
    offered: rate,
    sent: total,
    non200,
    httpP50: percentile(http, 50),
    httpP99: percentile(http, 99),
    over2s: http.filter((v) => v > 2000).length,
    e2eP50: percentile(e2e, 50),
    e2eP99: percentile(e2e, 99),
    answered,
    achieved: keptUp ? rate : answered / ((lastReply - started) / 1000),
    keptUp,
    cpuMsPerTurn: cpuMs / Math.max(1, answered),
    dbCpuMsPerTurn: dbMs / Math.max(1, answered),
    rssMaxMb: rssMax,
  };
}

// ---------------------------------------------------------------------------------------------
// Databases
// ---------------------------------------------------------------------------------------------

async function createDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `bench_load_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}

/**
 * `count` users, each with a confirmed booking tomorrow and its reminder due at `dueAt`, written
 * straight into a migrated database (the service is not running yet).
 */
async function seedReminders(options: { databaseUrl?: string; dataDir?: string }, count: number, dueAt: Date): Promise<void> {
  const { openMigratedDatabase } = await import('../src/db/client.ts');
  const { seedInitialData } = await import('../src/db/seed.ts');
  const db = await openMigratedDatabase({ databaseUrl: options.databaseUrl, dataDir: options.dataDir ?? 'memory://', poolSize: 2 });
  try {
    await seedInitialData(db.prisma);
    const terms = await db.prisma.termsVersion.findFirstOrThrow({ select: { id: true } });
    const startsAt = new Date(dueAt.getTime() + 86_400_000);
    const rows = Array.from({ length: count }, (_, i) => ({
      user: `U${createHmac('md5', 'reminder').update(String(i)).digest('hex')}`,
      booking: randomUUID(),
      push: randomUUID(),
      key: randomUUID(),
    }));
    const json = JSON.stringify(rows);
    const due = dueAt.toISOString();
    await db.prisma.$executeRawUnsafe(
      `INSERT INTO line_users (id, followed_at, updated_at) SELECT r.user, now(), now() FROM jsonb_to_recordset($1::jsonb) AS r("user" text, booking text, push text, key text)`,
      json,
    );
    await db.prisma.$executeRawUnsafe(
      `INSERT INTO bookings (id, user_id, date, start_time, starts_at, status, meeting_url, terms_version_id, created_at, updated_at)
       SELECT r.booking, r.user, to_char(($2::timestamptz AT TIME ZONE 'Asia/Tokyo'), 'YYYY-MM-DD'), '10:00', $2::timestamptz AT TIME ZONE 'UTC', 'confirmed', 'https://meet.example.jp/bench', $3, now(), now()
       FROM jsonb_to_recordset($1::jsonb) AS r("user" text, booking text, push text, key text)`,
      json,
      startsAt.toISOString(),
      terms.id,
    );
    await db.prisma.$executeRawUnsafe(
      `INSERT INTO pushes (id, kind, user_id, booking_id, due_at, status, retry_key, next_attempt_at, created_at)
       SELECT r.push, 'day-before-reminder', r.user, r.booking, $2::timestamptz AT TIME ZONE 'UTC', 'pending', r.key, $2::timestamptz AT TIME ZONE 'UTC', now()
       FROM jsonb_to_recordset($1::jsonb) AS r("user" text, booking text, push text, key text)`,
      json,
      due,
    );
  } finally {
    await db.close();
  }
}

type DrainResult = {
  target: string;
  count: number;
  coldStartMs: number[];
  readyBeforeDueMs: number;
  firstMs: number;
  allMs: number;
  peakPerSecond: number;
  sent: number;
  distinct: number;
  duplicates: number;
  rssMaxMb: number[];
};

/** The most pushes that reached the fake within any one second. */
function peakPerSecond(times: number[]): number {
  let peak = 0;
  for (let start = 0, end = 0; end < times.length; end++) {
    while ((times[end] ?? 0) - (times[start] ?? 0) >= 1000) start++;
    peak = Math.max(peak, end - start + 1);
  }
  return peak;
}

async function reminderDrain(name: string, lineBaseURL: string, processes: number, db: { databaseUrl?: string; dataDir?: string }): Promise<DrainResult> {
  // Due after the service(s) will have started, so the figures measure the scheduler, not the
  // start-up (which took 11-22 s on the loaded 2-core machine); the table shows the slack left.
  // The scheduler must wake for the due moment by itself: nothing kicks it.
  const margin = 40_000;
  const seedStart = Date.now();
  await seedReminders(db, reminderCount, new Date(Date.now() + 3_600_000));
  const seedMs = Date.now() - seedStart;
  // The rows were written due an hour ahead; move the due moment to `margin` after now.
  const due = new Date(Date.now() + margin);
  {
    const { openDatabase } = await import('../src/db/client.ts');
    const handle = await openDatabase({ databaseUrl: db.databaseUrl, dataDir: db.dataDir ?? 'memory://', poolSize: 1 });
    await handle.prisma.$executeRawUnsafe(
      `UPDATE pushes SET due_at = $1::timestamptz AT TIME ZONE 'UTC', next_attempt_at = $1::timestamptz AT TIME ZONE 'UTC'`,
      due.toISOString(),
    );
    await handle.close();
  }
  process.stderr.write(`  seeded ${reminderCount} reminders in ${seedMs} ms; due at +${margin} ms\n`);
  pushLog.length = 0;
  const target = await startTarget(name, lineBaseURL, { processes, ...db });
  const readyBeforeDueMs = due.getTime() - Date.now();
  const pids = target.pids();
  const rssMax = pids.map(() => 0);
  const rssTimer = setInterval(() => {
    void Promise.all(pids.map(rssMb)).then((values) => values.forEach((v, i) => (rssMax[i] = Math.max(rssMax[i] ?? 0, v))));
  }, 250);
  const deadline = due.getTime() + 180_000;
  while (Date.now() < deadline && new Set(pushLog.map((p) => p.to)).size < reminderCount) await sleep(200);
  await sleep(1000);
  clearInterval(rssTimer);
  await target.stop();
  const distinct = new Set(pushLog.map((p) => p.to)).size;
  const times = pushLog.map((p) => p.at).sort((a, b) => a - b);
  return {
    target: name,
    count: reminderCount,
    coldStartMs: target.coldStartMs,
    readyBeforeDueMs,
    firstMs: (times[0] ?? Number.NaN) - due.getTime(),
    allMs: distinct === reminderCount ? (times.at(-1) ?? Number.NaN) - due.getTime() : Number.NaN,
    peakPerSecond: peakPerSecond(times),
    sent: pushLog.length,
    distinct,
    duplicates: pushLog.length - distinct,
    rssMaxMb: rssMax,
  };
}

// ---------------------------------------------------------------------------------------------
// Run
// ---------------------------------------------------------------------------------------------

const fmt = (v: number, digits = 0) => (Number.isFinite(v) ? v.toFixed(digits) : '—');

async function main() {
  const targets = (args.targets ?? '').split(',').filter(Boolean);
  const fake = await startFake();
  const phases: PhaseResult[] = [];
  const starts: { target: string; coldStartMs: number[]; idleRssMb: number[]; prepareMs: number }[] = [];
  const drains: DrainResult[] = [];
  const cleanup: (() => Promise<void>)[] = [];
  try {
    for (const name of targets) {
      process.stderr.write(`${name}…\n`);
      if (name.startsWith('reminders-')) {
        const kind = name.slice('reminders-'.length);
        if (kind === 'pglite') {
          const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-load-'));
          cleanup.push(() => rm(dir, { recursive: true, force: true }));
          drains.push(await reminderDrain(name, fake.baseURL, 1, { dataDir: dir }));
        } else {
          const database = await createDatabase();
          cleanup.push(() => database.drop());
          drains.push(await reminderDrain(name, fake.baseURL, kind === 'pg2' ? 2 : 1, { databaseUrl: database.url }));
        }
        fake.child.send('reset');
        continue;
      }
      let options: { processes: number; databaseUrl?: string; dataDir?: string } = { processes: 1 };
      if (name === 'pglite') {
        const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-load-'));
        cleanup.push(() => rm(dir, { recursive: true, force: true }));
        options = { processes: 1, dataDir: dir };
      } else if (name === 'pg' || name === 'pg2') {
        const database = await createDatabase();
        cleanup.push(() => database.drop());
        options = { processes: name === 'pg2' ? 2 : 1, databaseUrl: database.url };
      }
      const target = await startTarget(name, fake.baseURL, options);
      try {
        const idleRssMb = await Promise.all(target.pids().map(rssMb));
        const prepareMs = name === 'echo' ? 0 : await prepare(target);
        starts.push({ target: name, coldStartMs: target.coldStartMs, idleRssMb, prepareMs });
        // Warm-up (not reported): the JIT and the connection pool reach their working state.
        await phase(target, 50, 2);
        fake.child.send('reset');
        for (const rate of ratesFor[name] ?? [100]) {
          const result = await phase(target, rate, phaseSeconds);
          phases.push(result);
          process.stderr.write(
            `  ${rate}/s: achieved ${fmt(result.achieved)}, http p99 ${fmt(result.httpP99, 1)} ms, e2e p99 ${fmt(result.e2eP99, 1)} ms, cpu ${fmt(result.cpuMsPerTurn, 2)}+${fmt(result.dbCpuMsPerTurn, 2)} ms/turn\n`,
          );
          fake.child.send('reset');
          await sleep(500);
        }
      } finally {
        await target.stop();
      }
    }
  } finally {
    fake.child.send('stop');
    for (const step of cleanup) await step().catch(() => undefined);
    agent.destroy();
  }

  const lines: string[] = [];
  lines.push(
    `Run ${new Date().toISOString()} on ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GB, Node ${process.version}, load average at the end ${os
      .loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')}; ${users} users, ${phaseSeconds} s per phase.`,
  );
  lines.push('');
  lines.push(
    '| target | offered/s | achieved/s | webhook p50 / p99 ms | > 2 s | non-200 | end-to-end p50 / p99 ms | answered | CPU ms/turn (process + PostgreSQL) | peak RSS MB |',
  );
  lines.push('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of phases) {
    lines.push(
      `| ${r.target} | ${r.offered} | ${r.keptUp ? `${fmt(r.achieved)} (kept up)` : fmt(r.achieved)} | ${fmt(r.httpP50, 1)} / ${fmt(r.httpP99, 1)} | ${r.over2s} | ${r.non200} | ${fmt(r.e2eP50, 1)} / ${fmt(r.e2eP99, 1)} | ${r.answered}/${r.sent} | ${fmt(r.cpuMsPerTurn, 2)}${r.dbCpuMsPerTurn > 0 ? ` + ${fmt(r.dbCpuMsPerTurn, 2)}` : ''} | ${r.rssMaxMb.map((v) => fmt(v)).join(', ')} |`,
    );
  }
  if (starts.length > 0) {
    lines.push('');
    lines.push('| target | cold start ms | idle RSS MB | follows of all users answered in |');
    lines.push('|---|---|---|---|');
    for (const s of starts)
      lines.push(
        `| ${s.target} | ${s.coldStartMs.map((v) => fmt(v)).join(', ')} | ${s.idleRssMb.map((v) => fmt(v)).join(', ')} | ${s.prepareMs ? `${fmt(s.prepareMs / 1000, 1)} s` : '—'} |`,
      );
  }
  if (drains.length > 0) {
    lines.push('');
    lines.push(
      '| reminders due at one instant | cold start ms | ready before the due moment | first push after the due moment | all pushed after | peak pushes in 1 s | pushes | users reached | duplicates | peak RSS MB |',
    );
    lines.push('|---|---|---|---|---|---|---|---|---|---|');
    for (const d of drains)
      lines.push(
        `| ${d.target}: ${d.count} | ${d.coldStartMs.map((v) => fmt(v)).join(', ')} | ${fmt(d.readyBeforeDueMs / 1000, 1)} s | ${fmt(d.firstMs / 1000, 2)} s | ${fmt(d.allMs / 1000, 1)} s | ${d.peakPerSecond} | ${d.sent} | ${d.distinct} | ${d.duplicates} | ${d.rssMaxMb.map((v) => fmt(v)).join(', ')} |`,
      );
  }
  if (lineErrors.length > 0) lines.push('', `LINE API errors: ${lineErrors.length} (${[...new Set(lineErrors)].slice(0, 5).join('; ')})`);
  const table = lines.join('\n');
  process.stdout.write(`${table}\n`);
  const out = args.out ?? path.join(root, 'bench/results', `load-${new Date().toISOString().replaceAll(':', '-').slice(0, 19)}.md`);
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, `${table}\n`);
  process.stderr.write(`written to ${path.relative(root, out)}\n`);
}

await main();
process.exit(0);
