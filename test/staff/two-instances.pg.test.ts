/**
 * Two instances of the service on one PostgreSQL database (behind a load balancer): a staff
 * session started on one works on the other, signing out on one ends it on both, and sign-in
 * failures counted on one lock the account on the other, and an address's failures spread over
 * both stop that address on both — the limits hold across processes.
 * Only on PostgreSQL (TEST_DATABASE_URL).
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness } from '../support/harness.ts';
import type { Harness } from '../support/harness.ts';
import { createTestDatabase, onPostgres } from '../support/database.ts';
import type { TestDatabase } from '../support/database.ts';
import { STAFF_PASSWORD, createStaffAccount, csrfFrom } from '../support/staff-console.ts';

describe.runIf(onPostgres)('the staff console on two instances sharing one PostgreSQL database', () => {
  let database: TestDatabase;
  let one: Harness;
  let two: Harness;
  beforeAll(async () => {
    database = await createTestDatabase();
    one = await startHarness({ database, now: '2026-12-01T09:00:00+09:00' });
    two = await startHarness({ database, now: '2026-12-01T09:00:00+09:00' });
    await createStaffAccount(one.service.db.prisma, 'shared', 'staff', one.clock.now());
  });
  afterAll(async () => {
    await two?.close();
    await one?.close();
    await database?.drop();
  });

  async function attempt(h: Harness, password: string, login = 'shared') {
    const agent = request.agent(h.service.app);
    const form = await agent.get('/staff/login');
    const res = await agent
      .post('/staff/login')
      .type('form')
      .send({ _csrf: csrfFrom(form.text), login, password });
    return { res, agent };
  }

  it('shares sessions: signed in on one, the same cookie works on the other, and signing out ends it on both', async () => {
    const { res } = await attempt(one, STAFF_PASSWORD);
    const cookie = (res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('hw_staff_session='))?.split(';')[0] ?? '';
    const onTwo = await request(two.service.app).get('/staff/bookings').set('cookie', cookie);
    expect(onTwo.status).toBe(200);
    await request(two.service.app)
      .post('/staff/logout')
      .set('cookie', cookie)
      .type('form')
      .send({ _csrf: csrfFrom(onTwo.text) });
    expect((await request(one.service.app).get('/staff/bookings').set('cookie', cookie)).status).toBe(303);
  });

  it('locks the account on both instances after failures spread over both', async () => {
    // Failures count from the last success (the sign-in above, at this same instant otherwise).
    one.clock.advanceMinutes(1);
    two.clock.advanceMinutes(1);
    for (let i = 0; i < 5; i++) expect((await attempt(i % 2 === 0 ? one : two, `wrong password ${i}`)).res.status).toBe(401);
    expect((await attempt(one, STAFF_PASSWORD)).res.status).toBe(429);
    expect((await attempt(two, STAFF_PASSWORD)).res.status).toBe(429);
    one.clock.advanceMinutes(15);
    two.clock.advanceMinutes(15);
    expect((await attempt(two, STAFF_PASSWORD)).res.status).toBe(303);
  });

  it('stops an address on both instances after failures spread over both, whatever the logins tried', async () => {
    one.clock.advanceMinutes(16);
    two.clock.advanceMinutes(16);
    for (let i = 0; i < 20; i++) expect((await attempt(i % 2 === 0 ? one : two, 'wrong password', `nobody${i}`)).res.status).toBe(401);
    for (const h of [one, two]) {
      const refused = (await attempt(h, STAFF_PASSWORD)).res;
      expect(refused.status).toBe(429);
      expect(refused.text).toContain('この端末からのサインインの失敗が続いたため');
    }
    one.clock.advanceMinutes(15);
    two.clock.advanceMinutes(15);
    expect((await attempt(one, STAFF_PASSWORD)).res.status).toBe(303);
  });
});
