/**
 * A clerk's write wakes the scheduler: a no-show, a cancellation or a message queues a push for
 * the user, and it should leave now, not at the scheduler's next round. Successful writes (page
 * forms and the JSON API) kick it; reads and refused writes do not.
 */
import express from 'express';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import request from 'supertest';
import { useHarness, lineUserId } from '../support/harness.ts';
import { addBookingFor, createStaffAccount, signedInAgent } from '../support/staff-console.ts';
import { createStaffConsole } from '../../src/staff/console.ts';
import { pushKinds } from '../../src/lifecycle/reminders.ts';

const h = useHarness({ now: '2026-12-01T09:00:00+09:00', checkLine: 'never' });
let app: express.Express;
let kicks = 0;

beforeAll(async () => {
  await createStaffAccount(h.service.db.prisma, 'clerk1', 'staff', h.clock.now());
  const { prisma, clock, logger, dialogue } = h.service.deps;
  app = express();
  app.use('/staff', createStaffConsole({ prisma, clock, config: h.config, logger, cipher: dialogue.cipher, kickScheduler: () => (kicks += 1) }).router);
});
beforeEach(() => {
  kicks = 0;
});

describe('the staff console and the scheduler', () => {
  it('kicks the scheduler after a clerk records a no-show, so the notice is not left waiting', async () => {
    const id = await addBookingFor(
      h.service,
      {
        userId: lineUserId('kick-1'),
        date: '2026-12-01',
        time: '10:00',
        name: '港北 花子',
        jobSeekerNumber: '14150-1234567',
        phone: '090-2468-1357',
        topic: '事務職の求人',
      },
      h.clock.now(),
    );
    h.clock.set('2026-12-01T10:10:00+09:00');
    const clerk = await signedInAgent(app, 'clerk1');
    kicks = 0;
    await clerk.agent.get(`/staff/bookings/${id}`).expect(200);
    expect(kicks).toBe(0);
    const res = await clerk.agent.post(`/staff/bookings/${id}/outcome`).type('form').send({ _csrf: clerk.csrf, outcome: 'no-show' });
    expect(res.status).toBe(303);
    expect(kicks).toBe(1);
    const push = await h.service.db.prisma.push.findFirst({ where: { bookingId: id, kind: pushKinds.noShow } });
    expect(push?.status).toBe('pending');
  });

  it('does not kick for a refused write (no CSRF token, not signed in)', async () => {
    const clerk = await signedInAgent(app, 'clerk1');
    kicks = 0;
    const forged = await clerk.agent.post('/staff/bookings/00000000-0000-0000-0000-000000000000/outcome').type('form').send({ outcome: 'no-show' });
    expect(forged.status).toBeGreaterThanOrEqual(400);
    const stranger = await request(app).post('/staff/bookings/00000000-0000-0000-0000-000000000000/outcome').type('form').send({ outcome: 'no-show' });
    expect(stranger.status).toBeGreaterThanOrEqual(300);
    expect(kicks).toBe(0);
  });
});
