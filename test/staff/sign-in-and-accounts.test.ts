/**
 * Sign-in, lock-out and rate limiting (on the application clock), one-time passwords, the
 * admin's account pages, per-person API tokens, the audit log page, and the create-admin
 * command as a real child process.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { useHarness } from '../support/harness.ts';
import { STAFF_PASSWORD, createStaffAccount, csrfFrom, signedInAgent } from '../support/staff-console.ts';
import { projectRoot } from '../support/process.ts';
import { onPostgres } from '../support/database.ts';
import { purgeExpiredSessions } from '../../src/staff/sessions.ts';
import { purgeOldSignInAttempts } from '../../src/staff/sign-in.ts';

const h = useHarness({ now: '2026-12-01T09:00:00+09:00', checkLine: 'never' });
const prisma = () => h.service.db.prisma;

beforeAll(async () => {
  await createStaffAccount(prisma(), 'admin1', 'admin', h.clock.now());
  await createStaffAccount(prisma(), 'clerk1', 'staff', h.clock.now());
});
beforeEach(async () => {
  // Each test starts well after the previous one's attempts have aged out.
  h.clock.advanceMinutes(24 * 60);
  await prisma().staffSignInAttempt.deleteMany();
});

/** Tries to sign in through the form; the response and the agent. */
async function tryLogin(login: string, password: string, options: { next?: string; csrf?: 'missing' | 'wrong' } = {}) {
  const agent = request.agent(h.service.app);
  const form = await agent.get('/staff/login');
  const token = options.csrf === 'missing' ? undefined : options.csrf === 'wrong' ? 'x'.repeat(32) : csrfFrom(form.text);
  const res = await agent
    .post('/staff/login')
    .type('form')
    .send({ ...(token ? { _csrf: token } : {}), login, password, next: options.next ?? '/staff/bookings' });
  return { res, agent };
}

describe('sign-in', () => {
  it('signs in with the right password and refuses a wrong one or an unknown login with the same message', async () => {
    expect((await tryLogin('clerk1', STAFF_PASSWORD)).res.status).toBe(303);
    expect((await tryLogin('CLERK1', STAFF_PASSWORD)).res.status).toBe(303); // logins are case-insensitive
    for (const [login, password] of [
      ['clerk1', 'wrong password!!'],
      ['nobody', STAFF_PASSWORD],
      ['', ''],
      ['clerk1', ''],
    ]) {
      const { res } = await tryLogin(login ?? '', password ?? '');
      expect([400, 401]).toContain(res.status);
      expect(res.text).toMatch(/ログイン名またはパスワードが違います|入力してください/);
    }
    const failures = await prisma().staffAuditLog.findMany({ where: { action: 'sign-in.failed' }, orderBy: { id: 'desc' }, take: 2 });
    expect(failures.map((f) => [f.staffLogin, JSON.stringify(f.detail)])).toEqual(
      expect.arrayContaining([
        [null, '{"reason":"unknown-login"}'],
        ['clerk1', '{"reason":"wrong-password"}'],
      ]),
    );
  });

  it('refuses a sign-in without the sign-in form’s own token (login CSRF)', async () => {
    expect((await tryLogin('clerk1', STAFF_PASSWORD, { csrf: 'missing' })).res.status).toBe(403);
    expect((await tryLogin('clerk1', STAFF_PASSWORD, { csrf: 'wrong' })).res.status).toBe(403);
  });

  it('returns only to a page of the console after sign-in (no open redirect)', async () => {
    for (const next of ['https://evil.example/', '//evil.example/', '/staff/../elsewhere', '/staff/login', 'javascript:alert(1)']) {
      expect((await tryLogin('clerk1', STAFF_PASSWORD, { next })).res.headers.location, next).toBe('/staff/bookings');
    }
    expect((await tryLogin('clerk1', STAFF_PASSWORD, { next: '/staff/bookings?from=2026-12-01' })).res.headers.location).toBe(
      '/staff/bookings?from=2026-12-01',
    );
  });

  it('locks an account after 5 failures for 15 minutes on the application clock, then lets it in', async () => {
    for (let i = 0; i < 5; i++) expect((await tryLogin('admin1', `wrong-${i}-password`)).res.status).toBe(401);
    const locked = await tryLogin('admin1', STAFF_PASSWORD);
    expect(locked.res.status).toBe(429);
    expect(locked.res.text).toContain('一時的にロック');
    h.clock.advanceMinutes(14);
    expect((await tryLogin('admin1', STAFF_PASSWORD)).res.status).toBe(429); // attempts while locked do not extend the lock
    h.clock.advanceMinutes(1);
    expect((await tryLogin('admin1', STAFF_PASSWORD)).res.status).toBe(303);
    const actions = (
      await prisma().staffAuditLog.findMany({ where: { staffLogin: 'admin1', action: { startsWith: 'sign-in' } }, orderBy: { id: 'desc' }, take: 8 })
    )
      .map((e) => e.action)
      .reverse();
    expect(actions.slice(-3)).toEqual(['sign-in.refused', 'sign-in.refused', 'sign-in']);
  });

  it('stops an address after 20 failures in 15 minutes whatever the logins tried', async () => {
    for (let i = 0; i < 20; i++) await tryLogin(`guess${i}`, 'not-the-password');
    const refused = await tryLogin('clerk1', STAFF_PASSWORD);
    expect(refused.res.status).toBe(429);
    expect(refused.res.text).toContain('この端末からのサインインの失敗が続いた');
    h.clock.advanceMinutes(16);
    expect((await tryLogin('clerk1', STAFF_PASSWORD)).res.status).toBe(303);
  });

  it('signs out: the session is gone from the database and the cookie no longer works', async () => {
    const { agent, csrf } = await signedInAgent(h.service.app, 'clerk1');
    const sessions = await prisma().staffSession.count();
    await agent.post('/staff/logout').type('form').send({ _csrf: csrf });
    expect(await prisma().staffSession.count()).toBe(sessions - 1);
    expect((await agent.get('/staff/bookings')).status).toBe(303);
  });

  it('forgets sessions past their lifetime and sign-in attempts older than a day (housekeeping)', async () => {
    // Earlier tests moved the clock past the idle limit of the sessions they opened: clear those first.
    await purgeExpiredSessions(prisma(), h.clock.now());
    await signedInAgent(h.service.app, 'clerk1');
    await tryLogin('clerk1', 'a wrong password');
    const now = h.clock.now();
    expect(await purgeExpiredSessions(prisma(), now)).toBe(0);
    expect(await purgeOldSignInAttempts(prisma(), now)).toBe(0);
    const later = new Date(now.getTime() + 25 * 3_600_000);
    expect(await purgeExpiredSessions(prisma(), later)).toBeGreaterThan(0);
    expect(await purgeOldSignInAttempts(prisma(), later)).toBeGreaterThan(0);
    expect(await prisma().staffSession.count({ where: { expiresAt: { lte: later } } })).toBe(0);
  });

  it('stores only the hash of a session id', async () => {
    const { agent } = await signedInAgent(h.service.app, 'clerk1');
    const res = await agent.get('/staff/login');
    void res;
    const rows = await prisma().staffSession.findMany({ select: { idHash: true } });
    for (const row of rows) expect(row.idHash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('accounts (admin)', () => {
  it('creates an account with a one-time password that must be changed at first sign-in', async () => {
    const admin = await signedInAgent(h.service.app, 'admin1');
    const created = await admin.agent.post('/staff/accounts').type('form').send({ _csrf: admin.csrf, login: 'newclerk', role: 'staff' });
    expect(created.status).toBe(200);
    const oneTime = /class="secret">([^<]+)</.exec(created.text)?.[1] ?? '';
    expect(oneTime).toMatch(/^[a-z2-9]{5}(-[a-z2-9]{5}){3}$/);
    expect(JSON.stringify(await prisma().staffAuditLog.findMany())).not.toContain(oneTime);
    const duplicate = await admin.agent.post('/staff/accounts').type('form').send({ _csrf: admin.csrf, login: 'newclerk', role: 'staff' });
    expect(duplicate.status).toBe(400);
    expect(duplicate.text).toContain('既に使われています');
    for (const [login, role] of [
      ['x', 'staff'],
      ['Bad Login!', 'staff'],
      ['fine-name', 'root'],
    ]) {
      expect((await admin.agent.post('/staff/accounts').type('form').send({ _csrf: admin.csrf, login, role })).status).toBe(400);
    }

    const first = await tryLogin('newclerk', oneTime);
    expect(first.res.headers.location).toBe('/staff/account/password');
    expect((await first.agent.get('/staff/bookings')).headers.location).toBe('/staff/account/password');
    const page = await first.agent.get('/staff/account/password');
    expect(page.text).toContain('仮のパスワード');
    const csrf = csrfFrom(page.text);
    expect((await first.agent.post('/staff/account/password').type('form').send({ _csrf: csrf, password: 'short', confirm: 'short' })).status).toBe(400);
    expect(
      (await first.agent.post('/staff/account/password').type('form').send({ _csrf: csrf, password: 'newclerk-is-me-123', confirm: 'newclerk-is-me-123' }))
        .text,
    ).toContain('ログイン名を含めない');
    expect(
      (await first.agent.post('/staff/account/password').type('form').send({ _csrf: csrf, password: 'a long new secret 1', confirm: 'a long new secret 2' }))
        .status,
    ).toBe(400);
    expect(
      (await first.agent.post('/staff/account/password').type('form').send({ _csrf: csrf, password: 'a long new secret 1', confirm: 'a long new secret 1' }))
        .status,
    ).toBe(303);
    expect((await first.agent.get('/staff/bookings')).status).toBe(200);
    expect((await tryLogin('newclerk', oneTime)).res.status).toBe(401);
    expect((await tryLogin('newclerk', 'a long new secret 1')).res.status).toBe(303);
  });

  it('disables an account (its sessions end at once), refuses to disable oneself or the last admin, and re-enables', async () => {
    const admin = await signedInAgent(h.service.app, 'admin1');
    const targetId = await createStaffAccount(prisma(), 'leaver', 'staff', h.clock.now());
    const leaver = await signedInAgent(h.service.app, 'leaver');
    await admin.agent.post(`/staff/accounts/${targetId}/disable`).type('form').send({ _csrf: admin.csrf });
    expect((await leaver.agent.get('/staff/bookings')).status).toBe(303);
    expect((await tryLogin('leaver', STAFF_PASSWORD)).res.status).toBe(401);
    const adminId = (await prisma().staffAccount.findUniqueOrThrow({ where: { login: 'admin1' } })).id;
    const self = await admin.agent.post(`/staff/accounts/${adminId}/disable`).type('form').send({ _csrf: admin.csrf });
    expect((await admin.agent.get(self.headers.location ?? '')).text).toContain('自分のアカウントは無効にできません');
    await admin.agent.post(`/staff/accounts/${targetId}/enable`).type('form').send({ _csrf: admin.csrf });
    expect((await tryLogin('leaver', STAFF_PASSWORD)).res.status).toBe(303);
    const actions = (await prisma().staffAuditLog.findMany({ where: { targetId } })).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['account.create', 'account.disable', 'account.enable']));
  });

  it('resets a password: a new one-time password, the old one and every session end', async () => {
    const admin = await signedInAgent(h.service.app, 'admin1');
    const id = await createStaffAccount(prisma(), 'forgetful', 'staff', h.clock.now());
    const before = await signedInAgent(h.service.app, 'forgetful');
    const reset = await admin.agent.post(`/staff/accounts/${id}/reset-password`).type('form').send({ _csrf: admin.csrf });
    const oneTime = /class="secret">([^<]+)</.exec(reset.text)?.[1] ?? '';
    expect(oneTime.length).toBe(23);
    expect((await before.agent.get('/staff/bookings')).status).toBe(303);
    expect((await tryLogin('forgetful', STAFF_PASSWORD)).res.status).toBe(401);
    expect((await tryLogin('forgetful', oneTime)).res.headers.location).toBe('/staff/account/password');
  });

  it('issues a per-person API token shown once and stored hashed; the API acts and audits as that person; revoked, it stops', async () => {
    const admin = await signedInAgent(h.service.app, 'admin1');
    const clerkId = (await prisma().staffAccount.findUniqueOrThrow({ where: { login: 'clerk1' } })).id;
    const issued = await admin.agent.post(`/staff/accounts/${clerkId}/tokens`).type('form').send({ _csrf: admin.csrf, label: '予約連携' });
    const token = /class="secret">([^<]+)</.exec(issued.text)?.[1] ?? '';
    expect(token).toMatch(/^hwk_[A-Za-z0-9_-]{43}$/);
    const stored = await prisma().staffApiToken.findFirstOrThrow({ where: { staffId: clerkId, label: '予約連携' } });
    expect(stored.tokenHash).not.toContain(token.slice(4));
    const list = await request(h.service.app).get('/staff/api/bookings?from=2026-12-01&to=2026-12-31').set('authorization', `Bearer ${token}`);
    expect(list.status).toBe(200);
    const user = 'U' + 'a'.repeat(32);
    await prisma().lineUser.create({ data: { id: user, refusedAt: h.clock.now(), refusalReason: 'no-shows' } });
    expect((await request(h.service.app).post(`/staff/api/users/${user}/lift-refusal`).set('authorization', `Bearer ${token}`)).status).toBe(200);
    const entry = await prisma().staffAuditLog.findFirstOrThrow({ where: { action: 'user.lift-refusal', targetId: user } });
    expect([entry.staffLogin, entry.via]).toEqual(['clerk1', 'api']);
    const page = await admin.agent.get(`/staff/accounts/${clerkId}`);
    expect(page.text).toContain('予約連携');
    expect(page.text).not.toContain(token);
    await admin.agent.post(`/staff/accounts/${clerkId}/tokens/${stored.id}/revoke`).type('form').send({ _csrf: admin.csrf });
    expect((await request(h.service.app).get('/staff/api/bookings').set('authorization', `Bearer ${token}`)).status).toBe(401);
  });

  it('shows the audit log to admins with filters, and refuses to change or delete an entry in the database', async () => {
    const admin = await signedInAgent(h.service.app, 'admin1');
    const page = await admin.agent.get('/staff/audit?action=sign-in&from=2026-11-01&to=2027-12-31');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<code>sign-in</code>');
    const entry = await prisma().staffAuditLog.findFirstOrThrow();
    await expect(prisma().staffAuditLog.update({ where: { id: entry.id }, data: { action: 'forged' } })).rejects.toThrow();
    await expect(prisma().staffAuditLog.delete({ where: { id: entry.id } })).rejects.toThrow();
    expect((await prisma().staffAuditLog.findUniqueOrThrow({ where: { id: entry.id } })).action).toBe(entry.action);
  });
});

describe('npm run staff', () => {
  it.skipIf(onPostgres)(
    'creates the first admin with a one-time password, resets it, disables and lists accounts',
    async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'hw-staff-cli-'));
      const run = (...args: string[]) =>
        new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
          execFile(
            process.execPath,
            ['--disable-warning=ExperimentalWarning', 'src/cli/staff.ts', ...args],
            { cwd: projectRoot, env: { PATH: process.env.PATH ?? '', DATA_DIR: dir, NODE_ENV: 'test' }, timeout: 60_000 },
            (error, stdout, stderr) => {
              resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
            },
          );
        });
      try {
        const created = await run('create-admin', 'chief', '--one-time');
        expect(created.stderr).toBe('');
        expect(created.code).toBe(0);
        expect(created.stdout).toMatch(/created admin "chief"\none-time password: [a-z2-9-]{23}\n/);
        const disable = await run('disable', 'chief');
        expect([disable.code, disable.stderr]).toEqual([1, '最後の管理者は無効にできません。先に別の管理者を作成してください。\n']);
        expect((await run('list')).stdout).toBe('chief\tadmin\tenabled\n');
        expect((await run('frobnicate', 'x')).code).toBe(2);
        expect((await run()).code).toBe(2);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    240_000,
  );
});
