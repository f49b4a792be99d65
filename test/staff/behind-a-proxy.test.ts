/**
 * The sign-in limit per address behind a reverse proxy (TRUST_PROXY). Without it, X-Forwarded-For
 * is ignored: a client cannot pick the address its failures count against. With the proxy
 * trusted, each clerk's own address counts, so one person's 20 failures do not lock out every
 * clerk behind the same load balancer. And the setting refuses what would trust anybody.
 */
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { startHarness } from '../support/harness.ts';
import type { Harness } from '../support/harness.ts';
import { STAFF_PASSWORD, createStaffAccount, csrfFrom } from '../support/staff-console.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';

const harnesses: Harness[] = [];
afterAll(async () => {
  for (const h of harnesses) await h.close();
});

async function harness(env: Record<string, string>) {
  const h = await startHarness({ now: '2026-12-01T09:00:00+09:00', env });
  harnesses.push(h);
  await createStaffAccount(h.service.db.prisma, 'clerk1', 'staff', h.clock.now());
  return h;
}

async function tryLogin(h: Harness, forwardedFor: string, login: string, password: string) {
  const agent = request.agent(h.service.app);
  const form = await agent.get('/staff/login').set('x-forwarded-for', forwardedFor);
  return agent
    .post('/staff/login')
    .set('x-forwarded-for', forwardedFor)
    .type('form')
    .send({ _csrf: csrfFrom(form.text), login, password, next: '/staff/bookings' });
}

describe('sign-in limits per address', () => {
  it('behind a trusted proxy, count per client: 20 failures from one clerk leave another able to sign in', async () => {
    const h = await harness({ TRUST_PROXY: 'loopback' });
    for (let i = 0; i < 20; i++) await tryLogin(h, '203.0.113.7', `guess${i}`, 'not-the-password');
    expect((await tryLogin(h, '203.0.113.7', 'clerk1', STAFF_PASSWORD)).status).toBe(429);
    expect((await tryLogin(h, '198.51.100.20', 'clerk1', STAFF_PASSWORD)).status).toBe(303);
    const keys = await h.service.db.prisma.staffSignInAttempt.findMany({ distinct: ['addressKey'], select: { addressKey: true } });
    expect(keys.map((k) => k.addressKey).sort()).toEqual(['198.51.100.20', '203.0.113.7']);
  });

  it('without TRUST_PROXY, ignore X-Forwarded-For: changing it does not escape the limit', async () => {
    const h = await harness({});
    for (let i = 0; i < 20; i++) await tryLogin(h, `203.0.113.${i}`, `guess${i}`, 'not-the-password');
    const refused = await tryLogin(h, '198.51.100.20', 'clerk1', STAFF_PASSWORD);
    expect(refused.status).toBe(429);
    expect(refused.text).toContain('この端末からのサインインの失敗が続いた');
  });
});

describe('TRUST_PROXY', () => {
  const base = { LINE_CHANNEL_SECRET: 's'.repeat(32), LINE_CHANNEL_ACCESS_TOKEN: 't'.repeat(40) };
  it('takes hops, addresses, CIDR ranges and the named ranges', () => {
    expect(loadConfig(base).TRUST_PROXY).toBe(false);
    expect(loadConfig({ ...base, TRUST_PROXY: '1' }).TRUST_PROXY).toBe(1);
    expect(loadConfig({ ...base, TRUST_PROXY: ' loopback, 10.0.0.0/8 ,fd00::/8,192.0.2.1' }).TRUST_PROXY).toEqual([
      'loopback',
      '10.0.0.0/8',
      'fd00::/8',
      '192.0.2.1',
    ]);
  });

  it.each(['true', '0', '11', 'everyone', '10.0.0.0/33', '10.0.0/8', 'loopback,', '1.2.3.4/8/8'])('refuses %j with a sentence naming it', (value) => {
    expect(() => loadConfig({ ...base, TRUST_PROXY: value })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, TRUST_PROXY: value })).toThrow(/TRUST_PROXY must be/);
  });
});
