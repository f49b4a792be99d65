/**
 * The staff JSON API over HTTP (supertest on an express app that mounts the staff console as the
 * service does): per-person bearer tokens, validation, status codes (malformed ids and bodies are
 * 4xx, never 500), the operations behind it, and its audit entries.
 */
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { runSchedulerOnce } from '../../src/lifecycle/outbox.ts';
import { createStaffConsole } from '../../src/staff/console.ts';
import { issueApiToken } from '../../src/staff/accounts.ts';
import { createFieldCipher } from '../../src/crypto/field-cipher.ts';
import { startLifecycleFixture } from '../lifecycle/fixtures.ts';
import type { LifecycleFixture } from '../lifecycle/fixtures.ts';
import { createStaffAccount } from '../support/staff-console.ts';

let TOKEN = '';
let auth = '';
const cipher = createFieldCipher(randomBytes(32).toString('base64'));

let f: LifecycleFixture;
let app: express.Express;
beforeAll(async () => {
  f = await startLifecycleFixture();
});
afterAll(async () => {
  await f?.close();
});
beforeEach(async () => {
  await f.reset();
  f.clock.set('2026-11-20T09:00:00+09:00');
  if (!TOKEN) {
    const clerk = await createStaffAccount(f.db.prisma, 'apiclerk', 'staff', f.clock.now());
    TOKEN = (await issueApiToken(f.db.prisma, clerk, 'tests', { actor: null, via: 'cli' }, f.clock.now())).token;
    auth = `Bearer ${TOKEN}`;
  }
  app = mount();
});

function mount() {
  const mounted = express();
  mounted.use('/staff', createStaffConsole({ prisma: f.db.prisma, clock: f.clock, config: f.config, logger: f.deps.logger, cipher }).router);
  return mounted;
}

describe('the staff API', () => {
  it('answers 401 without a bearer token or with a wrong one', async () => {
    for (const header of [undefined, TOKEN, `Bearer ${TOKEN}x`, 'Bearer', `Basic ${TOKEN}`, `Bearer ${TOKEN} extra`]) {
      const req = request(app).get('/staff/api/bookings');
      const res = await (header === undefined ? req : req.set('authorization', header));
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
  });

  it('lists bookings in a date range with status, flags and reminder state, and no personal data', async () => {
    f.configure({ DEFAULT_MEETING_URL: '' });
    app = mount();
    const user = await f.addUser('list');
    const gone = await f.addUser('list-gone', { unfollowed: true });
    const a = await f.addBooking(user, '2026-12-01', '10:00');
    const b = await f.addBooking(gone, '2026-12-02', '09:00', { meetingUrl: 'https://teleoffice.example/r/2' });
    await f.addBooking(user, '2026-12-10', '09:00');

    const res = await request(app).get('/staff/api/bookings?from=2026-12-01&to=2026-12-02').set('authorization', auth);
    expect(res.status).toBe(200);
    const { bookings } = res.body as { bookings: Record<string, unknown>[] };
    expect(bookings.map((x) => [x.id, x.date, x.startTime, x.status, x.userId, x.flags])).toEqual([
      [a, '2026-12-01', '10:00', 'confirmed', user, ['meeting-url-missing']],
      [b, '2026-12-02', '09:00', 'confirmed', gone, ['unfollowed']],
    ]);
    expect(bookings[0]).toMatchObject({ reminder: { status: 'pending', dueAt: new Date('2026-11-30T10:00:00+09:00').toISOString() }, meetingUrlSource: null });
    expect(bookings[1]).toMatchObject({ meetingUrlSource: 'booking' });
    expect(JSON.stringify(res.body)).not.toContain('enc:');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('rejects malformed queries and bodies with 400 and a short message', async () => {
    const user = await f.addUser('bad');
    const bookingId = await f.addBooking(user, '2026-12-01', '10:00');
    const cases = [
      request(app).get('/staff/api/bookings?from=2026-13-01').set('authorization', auth),
      request(app).get('/staff/api/bookings?from=2026-12-02&to=2026-12-01').set('authorization', auth),
      request(app).get('/staff/api/bookings?from=2026-01-01&to=2027-12-31').set('authorization', auth),
      request(app).post(`/staff/api/bookings/${bookingId}/cancel`).set('authorization', auth).send({}),
      request(app).post(`/staff/api/bookings/${bookingId}/cancel`).set('authorization', auth).send({ reason: '   ' }),
      request(app).post(`/staff/api/bookings/${bookingId}/cancel`).set('authorization', auth).send({ reason: 42 }),
      request(app).post(`/staff/api/bookings/${bookingId}/cancel`).set('authorization', auth).set('content-type', 'application/json').send('{"reason":'),
      request(app).put(`/staff/api/bookings/${bookingId}/meeting-url`).set('authorization', auth).send({ url: 'http://insecure.example/' }),
      request(app).put(`/staff/api/bookings/${bookingId}/meeting-url`).set('authorization', auth).send({ url: 'https://x.example/a b' }),
      request(app).put(`/staff/api/bookings/${bookingId}/meeting-url`).set('authorization', auth).send({ url: 'https://x.example/a\u0000b' }),
      request(app).put(`/staff/api/bookings/${bookingId}/meeting-url`).set('authorization', auth).send({ url: 'https://x.example/a\tb' }),
      request(app)
        .put(`/staff/api/bookings/${bookingId}/meeting-url`)
        .set('authorization', auth)
        .send({ url: `https://x.example/${'a'.repeat(1000)}` }),
      request(app).post(`/staff/api/bookings/${bookingId}/cancel`).set('authorization', auth).send({ reason: 'x', by: 'nobody' }),
      request(app).put(`/staff/api/bookings/${bookingId}/meeting-url`).set('authorization', auth).send({ link: 'https://x.example/' }),
      request(app).post(`/staff/api/bookings/${bookingId}/no-show`).set('authorization', auth).send([1, 2]),
    ];
    for (const pending of cases) {
      const res = await pending;
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      const { message } = res.body as { message: unknown };
      expect(typeof message).toBe('string');
      expect(String(message).length).toBeLessThan(120);
    }
    const big = await request(app)
      .post(`/staff/api/bookings/${bookingId}/cancel`)
      .set('authorization', auth)
      .send({ reason: 'x'.repeat(20_000) });
    expect(big.status).toBe(413);
    expect((await f.db.prisma.booking.findUniqueOrThrow({ where: { id: bookingId } })).status).toBe('confirmed');
  });

  it('answers 404 for unknown, malformed and hostile booking and user ids, never 500', async () => {
    const cases = [
      request(app).get('/staff/api/bookings/%00').set('authorization', auth),
      request(app).post('/staff/api/bookings/%00/cancel').set('authorization', auth).send({ reason: 'x' }),
      request(app).get('/staff/api/bookings/00000000-0000-4000-8000-000000000000').set('authorization', auth),
      request(app)
        .get(`/staff/api/bookings/${'9'.repeat(3000)}`)
        .set('authorization', auth),
      request(app).get('/staff/api/users/U%00').set('authorization', auth),
      request(app).get('/staff/api/users/Uffffffffffffffffffffffffffffffff').set('authorization', auth),
      request(app).post('/staff/api/bookings/nope/cancel').set('authorization', auth).send({ reason: 'x' }),
      request(app).post('/staff/api/bookings/nope/no-show').set('authorization', auth),
      request(app).post('/staff/api/bookings/nope/attended').set('authorization', auth),
      request(app).post('/staff/api/bookings/nope/contacted').set('authorization', auth),
      request(app).put('/staff/api/bookings/nope/meeting-url').set('authorization', auth).send({ url: 'https://x.example/' }),
      request(app).get('/staff/api/bookings/nope').set('authorization', auth),
      request(app).get('/staff/api/users/Unope').set('authorization', auth),
      request(app).post('/staff/api/users/Unope/lift-refusal').set('authorization', auth),
      request(app).get('/staff/api/elsewhere').set('authorization', auth),
    ];
    for (const pending of cases) expect((await pending).status).toBe(404);
  });

  it('refuses a no-show before start + 10 minutes with 409, then records it and shows the count', async () => {
    const user = await f.addUser('api-no-show');
    const first = await f.addBooking(user, '2026-12-01', '10:00');
    f.clock.set('2026-12-01T10:05:00+09:00');
    const early = await request(app).post(`/staff/api/bookings/${first}/no-show`).set('authorization', auth);
    expect(early.status).toBe(409);
    expect(early.body).toEqual({
      code: 'too-early',
      message: `a no-show can be recorded from ${new Date('2026-12-01T10:10:00+09:00').toISOString()}`,
      allowedFrom: new Date('2026-12-01T10:10:00+09:00').toISOString(),
    });

    f.clock.set('2026-12-01T10:10:00+09:00');
    const counted = await request(app).post(`/staff/api/bookings/${first}/no-show`).set('authorization', auth);
    expect(counted.status).toBe(200);
    expect(counted.body).toMatchObject({ status: 'no_show', standing: { noShowCount: 1, refused: false } });

    const second = await f.addBooking(user, '2026-12-03', '10:00');
    f.clock.set('2026-12-03T11:00:00+09:00');
    expect((await request(app).post(`/staff/api/bookings/${second}/no-show`).set('authorization', auth)).body).toMatchObject({ refusedNow: true });
    const standing = await request(app).get(`/staff/api/users/${user}`).set('authorization', auth);
    expect(standing.body).toMatchObject({ noShowCount: 2, noShowsSinceLift: 2, refused: true, refusalReason: 'no-shows' });

    const lifted = await request(app).post(`/staff/api/users/${user}/lift-refusal`).set('authorization', auth);
    expect(lifted.status).toBe(200);
    expect(lifted.body).toMatchObject({ noShowCount: 2, noShowsSinceLift: 0, refused: false });

    const again = await request(app).post(`/staff/api/bookings/${second}/cancel`).set('authorization', auth).send({ reason: 'x' });
    expect(again.status).toBe(409);
    expect(again.body).toEqual({ code: 'wrong-status', message: 'cannot cancel a booking whose status is no_show', status: 'no_show' });
    const missing = await request(app).post(`/staff/api/bookings/00000000-0000-4000-8000-000000000000/attended`).set('authorization', auth);
    expect([missing.status, missing.body]).toEqual([404, { code: 'not-found', message: 'Booking not found' }]);
  });

  it('cancels, records attendance and contact, and sets the meeting URL', async () => {
    const user = await f.addUser('api-ops');
    const a = await f.addBooking(user, '2026-12-01', '10:00');
    const b = await f.addBooking(user, '2026-12-01', '11:00');
    const c = await f.addBooking(user, '2026-12-01', '13:00');
    const cancelled = await request(app).post(`/staff/api/bookings/${a}/cancel`).set('authorization', auth).send({ reason: '電話あり' });
    expect(cancelled.body).toEqual({ bookingId: a, status: 'cancelled', changed: true });
    const url = await request(app).put(`/staff/api/bookings/${b}/meeting-url`).set('authorization', auth).send({ url: 'https://teleoffice.example/r/b' });
    expect(url.body).toMatchObject({ meetingUrl: 'https://teleoffice.example/r/b' });
    expect((await request(app).post(`/staff/api/bookings/${c}/contacted`).set('authorization', auth)).body).toMatchObject({ status: 'contacted' });
    expect((await request(app).post(`/staff/api/bookings/${b}/attended`).set('authorization', auth)).status).toBe(409);
    f.clock.set('2026-12-01T11:05:00+09:00');
    expect((await request(app).post(`/staff/api/bookings/${b}/attended`).set('authorization', auth)).body).toMatchObject({ status: 'attended' });

    await runSchedulerOnce(f.deps);
    expect(f.line.textsTo(user).filter((t) => t.includes('キャンセルしました'))).toHaveLength(1);
    const one = await request(app).get(`/staff/api/bookings/${a}`).set('authorization', auth);
    expect(one.body).toMatchObject({ status: 'cancelled', cancelledBy: 'user-phone', notices: [{ kind: 'cancelled', status: 'sent' }] });
    expect(f.logs.join('')).not.toContain('電話あり');
    const audited = await f.db.prisma.staffAuditLog.findMany({ where: { via: 'api', targetId: { in: [a, b, c] } }, orderBy: { id: 'asc' } });
    expect(audited.map((e) => [e.action, e.staffLogin, e.targetId])).toEqual([
      ['booking.cancel', 'apiclerk', a],
      ['booking.meeting-url', 'apiclerk', b],
      ['booking.contacted', 'apiclerk', c],
      ['booking.attended', 'apiclerk', b],
    ]);
    expect(JSON.stringify(audited)).not.toContain('電話あり');
  });
});
