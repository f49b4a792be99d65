/**
 * The authorisation matrix of the staff console and its JSON API, driven by the console's own
 * route table (so a route added later — by any page module — is covered without editing this
 * file): every route without a session, as staff, as admin, with a missing or forged CSRF
 * token, with a session expired by idleness or by its absolute lifetime; every API route
 * without a token, as staff and as admin, with a revoked token and one of a disabled account;
 * the cookies marked Secure when served over HTTPS. Nothing refused may change
 * anything: the audit log (which every change writes) must not grow.
 */
import { randomUUID } from 'node:crypto';
import express from 'express';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { useHarness } from '../support/harness.ts';
import { createStaffConsole } from '../../src/staff/console.ts';
import type { RouteInfo } from '../../src/staff/routes.ts';
import { createStaffAccount, csrfFrom, signedInAgent, STAFF_PASSWORD } from '../support/staff-console.ts';
import { issueApiToken, revokeApiToken, setAccountDisabled } from '../../src/staff/accounts.ts';

const h = useHarness({ now: '2026-12-01T09:00:00+09:00', checkLine: 'never' });
let routes: readonly RouteInfo[];
let adminId: string;

beforeAll(async () => {
  const prisma = h.service.db.prisma;
  adminId = await createStaffAccount(prisma, 'admin1', 'admin', h.clock.now());
  await createStaffAccount(prisma, 'clerk1', 'staff', h.clock.now());
  const { dialogue, clock, logger } = h.service.deps;
  routes = createStaffConsole({ prisma, clock, logger, config: h.config, cipher: dialogue.cipher }).routes;
});

const pages = () => routes.filter((r) => !r.path.startsWith('/staff/api/'));
const api = () => routes.filter((r) => r.path.startsWith('/staff/api/'));

/** The route's path with its parameters filled in (examples, else a random UUID). */
function pathOf(route: RouteInfo): string {
  return route.path.replace(/:(\w+)/g, (_m, name: string) => encodeURIComponent(route.examples?.[name] ?? randomUUID()));
}

async function auditCount(): Promise<number> {
  return h.service.db.prisma.staffAuditLog.count();
}

function send(agent: ReturnType<typeof request.agent>, route: RouteInfo, form: Record<string, string> = {}) {
  const path = pathOf(route);
  if (route.method === 'GET') return agent.get(path);
  if (route.method === 'PUT') return agent.put(path).send(form);
  return agent.post(path).type('form').send(form);
}

describe('the route table', () => {
  it('lists the console pages and the API, each with an access rule', () => {
    expect(pages().length).toBeGreaterThan(15);
    expect(api().length).toBeGreaterThan(5);
    for (const route of routes) expect(route.access === 'public' || ['staff', 'admin'].includes(route.access.role)).toBe(true);
    // Only the sign-in form is public.
    expect(
      routes
        .filter((r) => r.access === 'public')
        .map((r) => `${r.method} ${r.path}`)
        .sort(),
    ).toEqual(['GET /staff/login', 'POST /staff/login']);
  });
});

describe('without a session', () => {
  it('redirects every GET page to the sign-in form and refuses every POST with 401, changing nothing', async () => {
    const before = await auditCount();
    for (const route of pages().filter((r) => r.access !== 'public')) {
      const res = await send(request(h.service.app), route, { _csrf: 'x' });
      if (route.method === 'GET') {
        expect(res.status, `${route.method} ${route.path}`).toBe(303);
        expect(res.headers.location).toMatch(/^\/staff\/login\?next=/);
      } else {
        expect(res.status, `${route.method} ${route.path}`).toBe(401);
        expect(res.text).toContain('サインイン');
      }
    }
    // An unknown path is not even acknowledged as missing without a session.
    expect((await request(h.service.app).get('/staff/no-such-page')).status).toBe(303);
    expect(await auditCount()).toBe(before);
  });

  it('answers 401 to every API route without a bearer token, or with a malformed or unknown one', async () => {
    for (const route of api()) {
      for (const header of [undefined, 'Bearer', 'Bearer hwk_unknown', 'Basic abc', `Bearer ${'x'.repeat(500)}`]) {
        const req = send(request(h.service.app), route);
        const res = await (header === undefined ? req : req.set('authorization', header));
        expect(res.status, `${route.method} ${route.path} ${header}`).toBe(401);
      }
    }
  });
});

describe('signed in', () => {
  it('lets staff use staff routes and refuses admin routes with 403; admins use both; never a 5xx', async () => {
    const clerk = await signedInAgent(h.service.app, 'clerk1');
    const admin = await signedInAgent(h.service.app, 'admin1');
    let checked = 0;
    for (const route of pages().filter((r) => r.access !== 'public' && r.path !== '/staff/logout')) {
      const role = route.access === 'public' ? 'staff' : route.access.role;
      for (const [who, session] of [
        ['staff', clerk],
        ['admin', admin],
      ] as const) {
        const before = await auditCount();
        const res = await send(session.agent, route, { _csrf: session.csrf });
        const label = `${who} ${route.method} ${route.path} → ${res.status}`;
        expect(res.status, label).toBeLessThan(500);
        if (who === 'staff' && role === 'admin') {
          expect(res.status, label).toBe(403);
          expect(res.text).toContain('権限がありません');
          expect(await auditCount(), label).toBe(before);
        } else {
          expect([401, 403], label).not.toContain(res.status);
        }
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(30);
  });

  it('refuses every POST with a missing or forged CSRF token (403), changing nothing', async () => {
    const admin = await signedInAgent(h.service.app, 'admin1');
    const other = await signedInAgent(h.service.app, 'clerk1');
    for (const route of pages().filter((r) => r.method === 'POST' && r.access !== 'public')) {
      for (const token of [undefined, '', 'forged-token', other.csrf, `${admin.csrf}x`]) {
        const before = await auditCount();
        const res = await send(admin.agent, route, token === undefined ? {} : { _csrf: token });
        expect(res.status, `${route.path} with ${String(token)}`).toBe(403);
        expect(res.text).toContain('画面を開き直して');
        expect(await auditCount()).toBe(before);
      }
    }
  });

  it('ends a session idle for longer than STAFF_SESSION_IDLE_MINUTES on every route', async () => {
    for (const route of pages().filter((r) => r.access !== 'public')) {
      const session = await signedInAgent(h.service.app, 'admin1');
      h.clock.advanceMinutes(h.config.STAFF_SESSION_IDLE_MINUTES);
      const before = await auditCount();
      const res = await send(session.agent, route, { _csrf: session.csrf });
      expect(res.status, route.path).toBe(route.method === 'GET' ? 303 : 401);
      expect(await auditCount()).toBe(before);
    }
  });

  it('ends a session after STAFF_SESSION_MAX_HOURS even when it is used all the time', async () => {
    const session = await signedInAgent(h.service.app, 'clerk1');
    const steps = (h.config.STAFF_SESSION_MAX_HOURS * 60) / 20;
    for (let i = 1; i < steps; i++) {
      h.clock.advanceMinutes(20);
      expect((await session.agent.get('/staff/bookings')).status, `after ${i * 20} minutes`).toBe(200);
    }
    h.clock.advanceMinutes(20);
    for (const route of pages().filter((r) => r.access !== 'public')) {
      const res = await send(session.agent, route, { _csrf: session.csrf });
      expect(res.status, route.path).toBe(route.method === 'GET' ? 303 : 401);
    }
  });

  it('sets the session cookie HttpOnly, SameSite=Lax and path /staff, and ends it at sign-out', async () => {
    const agent = request.agent(h.service.app);
    const form = await agent.get('/staff/login');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.text)?.[1] ?? '';
    const res = await agent.post('/staff/login').type('form').send({ _csrf: csrf, login: 'clerk1', password: 'correct horse battery staple' });
    const cookie = (res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('hw_staff_session='));
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Path=\/staff/);
    expect(cookie).not.toMatch(/Secure/); // STAFF_COOKIE_SECURE is off in tests (plain http); see below
    const page = await agent.get('/staff/bookings');
    const token = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
    expect((await agent.post('/staff/logout').type('form').send({ _csrf: token })).status).toBe(303);
    expect((await agent.get('/staff/bookings')).status).toBe(303);
  });
});

describe('behind HTTPS (STAFF_COOKIE_SECURE=true)', () => {
  it('marks the session and sign-in cookies Secure and sends HSTS', async () => {
    const prisma = h.service.db.prisma;
    const { dialogue, clock, logger } = h.service.deps;
    const app = express();
    app.use('/staff', createStaffConsole({ prisma, clock, logger, config: { ...h.config, STAFF_COOKIE_SECURE: true }, cipher: dialogue.cipher }).router);
    const agent = request.agent(app);
    const form = await agent.get('/staff/login');
    expect(form.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(form.headers['content-security-policy']).toContain('upgrade-insecure-requests');
    const loginCookie = (form.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('hw_staff_login='));
    expect(loginCookie).toMatch(/; Secure/);
    const res = await request(app)
      .post('/staff/login')
      .set('cookie', (loginCookie ?? '').split(';')[0] ?? '')
      .type('form')
      .send({ _csrf: csrfFrom(form.text), login: 'clerk1', password: STAFF_PASSWORD });
    expect(res.status).toBe(303);
    const cookie = (res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('hw_staff_session='));
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/HttpOnly/);
  });
});

describe('the JSON API with per-person tokens', () => {
  it('acts for a valid token, and refuses revoked tokens and tokens of disabled accounts', async () => {
    const prisma = h.service.db.prisma;
    const clerk = await createStaffAccount(prisma, `clerk${Date.now() % 100000}`, 'staff', h.clock.now());
    const who = { actor: { staffId: adminId, login: 'admin1' }, via: 'cli' as const };
    const live = await issueApiToken(prisma, clerk, 'integration', who, h.clock.now());
    const revoked = await issueApiToken(prisma, clerk, 'old', who, h.clock.now());
    await revokeApiToken(prisma, revoked.tokenId, who, h.clock.now());
    for (const route of api()) {
      const ok = await send(request(h.service.app), route).set('authorization', `Bearer ${live.token}`);
      expect(ok.status, `${route.method} ${route.path} → ${ok.status}`).toBeLessThan(500);
      expect([401, 403]).not.toContain(ok.status);
      expect((await send(request(h.service.app), route).set('authorization', `Bearer ${revoked.token}`)).status).toBe(401);
    }
    // An admin's token reaches every API route too.
    const adminToken = await issueApiToken(prisma, adminId, 'admin integration', who, h.clock.now());
    for (const route of api()) {
      const res = await send(request(h.service.app), route).set('authorization', `Bearer ${adminToken.token}`);
      expect(res.status, `admin ${route.method} ${route.path} → ${res.status}`).toBeLessThan(500);
      expect([401, 403]).not.toContain(res.status);
    }
    await setAccountDisabled(prisma, clerk, true, who, h.clock.now());
    for (const route of api()) {
      expect((await send(request(h.service.app), route).set('authorization', `Bearer ${live.token}`)).status).toBe(401);
    }
  });
});
