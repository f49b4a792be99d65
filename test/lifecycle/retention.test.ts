/**
 * Retention of personal data (Art. 8): the periodic pass erases a booking's personal fields
 * PERSONAL_DATA_RETENTION_DAYS after the consultation and deletes long-expired conversations;
 * staff carry out a user's erasure request. Driven by the application clock (ManualClock).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startLifecycleFixture } from './fixtures.ts';
import type { LifecycleFixture } from './fixtures.ts';
import {
  eraseUserPersonalData,
  idleConversationRetentionDays,
  pendingErasureRequests,
  recordErasureRequest,
  runRetentionPass,
  startRetentionJob,
} from '../../src/lifecycle/retention.ts';
import { runSchedulerOnce } from '../../src/lifecycle/outbox.ts';
import { upcomingBookings } from '../../src/booking/bookings.ts';
import { createLogger } from '../../src/logger.ts';

const dayMs = 86_400_000;
const personal = {
  nameEnc: null,
  jobSeekerNumberEnc: null,
  phoneEnc: null,
  topicEnc: null,
  attendantLanguage: null,
  cancelReason: null,
  meetingUrl: null,
};

describe('the retention pass', () => {
  let f: LifecycleFixture;
  beforeAll(async () => {
    f = await startLifecycleFixture({ now: '2026-11-16T09:00:00+09:00' });
  });
  beforeEach(async () => {
    await f.db.prisma.conversation.deleteMany();
    await f.reset();
  });
  afterAll(async () => {
    f.line.assertNoRejections();
    await f.close();
  });

  /** A booking with every personal field set, as the chat and staff leave it. */
  async function bookingOn(userId: string, date: string, time: string, extra: Record<string, unknown> = {}) {
    const id = await f.addBooking(userId, date, time, { meetingUrl: 'https://teleoffice.example/room/personal-1' });
    await f.db.prisma.booking.update({
      where: { id },
      data: { attendant: 'interpreter', attendantLanguage: 'ベトナム語', ...extra },
    });
    return id;
  }

  it('erases the personal fields of bookings whose consultation is older than the retention period, and keeps what statistics need', async () => {
    const user = await f.addUser('retention-1');
    // now = 2026-11-16 09:00 JST; 90 days before = 2026-08-18 09:00 JST.
    const old = await bookingOn(user, '2026-08-17', '10:00', { status: 'attended', outcomeRecordedAt: new Date('2026-08-17T02:00:00Z') });
    const cancelledOld = await bookingOn(user, '2026-08-10', '14:00', {
      status: 'cancelled',
      cancelledBy: 'staff',
      cancelReason: '本人から電話（山田さん）',
      cancelledAt: new Date('2026-08-01T00:00:00Z'),
    });
    const recent = await bookingOn(user, '2026-08-19', '10:00', { status: 'no_show' });
    const upcoming = await bookingOn(user, '2026-11-25', '10:00');

    const summary = await runRetentionPass(f.db.prisma, { now: f.clock.now(), retentionDays: 90 });
    expect(summary).toEqual({ bookingsErased: 2, conversationsDeleted: 0 });

    for (const id of [old, cancelledOld]) {
      const row = await f.db.prisma.booking.findUniqueOrThrow({ where: { id } });
      expect(row).toMatchObject({ ...personal, personalDataErasedAt: f.clock.now() });
    }
    expect(await f.db.prisma.booking.findUniqueOrThrow({ where: { id: old } })).toMatchObject({
      date: '2026-08-17',
      startTime: '10:00',
      status: 'attended',
      attendant: 'interpreter',
      outcomeRecordedAt: new Date('2026-08-17T02:00:00Z'),
    });
    expect(await f.db.prisma.booking.findUniqueOrThrow({ where: { id: cancelledOld } })).toMatchObject({ status: 'cancelled', cancelledBy: 'staff' });
    for (const id of [recent, upcoming]) {
      const row = await f.db.prisma.booking.findUniqueOrThrow({ where: { id } });
      expect(row).toMatchObject({ nameEnc: 'enc:name', phoneEnc: 'enc:phone', attendantLanguage: 'ベトナム語', personalDataErasedAt: null });
    }

    // Idempotent: a second pass at the same instant finds nothing.
    expect(await runRetentionPass(f.db.prisma, { now: f.clock.now(), retentionDays: 90 })).toEqual({ bookingsErased: 0, conversationsDeleted: 0 });
    // Two days later the no-show of 2026-08-19 is past the period too.
    f.clock.advance(2 * dayMs);
    expect(await runRetentionPass(f.db.prisma, { now: f.clock.now(), retentionDays: 90 })).toEqual({ bookingsErased: 1, conversationsDeleted: 0 });
    expect(await f.db.prisma.booking.findUniqueOrThrow({ where: { id: upcoming } })).toMatchObject({ personalDataErasedAt: null });
    f.clock.set('2026-11-16T09:00:00+09:00');
  });

  it('follows PERSONAL_DATA_RETENTION_DAYS and works through many bookings in batches', async () => {
    const user = await f.addUser('retention-batches');
    for (let i = 0; i < 7; i += 1) await bookingOn(user, `2026-10-0${i + 1}`, '09:00');
    expect(await runRetentionPass(f.db.prisma, { now: f.clock.now(), retentionDays: 90 })).toEqual({ bookingsErased: 0, conversationsDeleted: 0 });
    expect(await runRetentionPass(f.db.prisma, { now: f.clock.now(), retentionDays: 30, batchSize: 3 })).toEqual({
      bookingsErased: 7,
      conversationsDeleted: 0,
    });
    expect(await f.db.prisma.booking.count({ where: { userId: user, nameEnc: { not: null } } })).toBe(0);
  });

  it('deletes conversations expired for longer than a week and keeps the others', async () => {
    const now = f.clock.now().getTime();
    const users = await Promise.all(['conv-old', 'conv-recent', 'conv-active'].map((seed) => f.addUser(seed)));
    const expiries = [now - (idleConversationRetentionDays + 1) * dayMs, now - (idleConversationRetentionDays - 1) * dayMs, now + 10 * 60_000];
    for (const [i, userId] of users.entries()) {
      await f.db.prisma.conversation.create({
        data: { userId, flowVersion: 1, snapshot: { sealed: 'v1.00000000.x.y.z' }, expiresAt: new Date(expiries[i] ?? now), version: 1 },
      });
    }
    expect(await runRetentionPass(f.db.prisma, { now: f.clock.now(), retentionDays: 90 })).toEqual({ bookingsErased: 0, conversationsDeleted: 1 });
    expect((await f.db.prisma.conversation.findMany({ select: { userId: true } })).map((c) => c.userId).sort()).toEqual([users[1], users[2]].sort());
  });

  it('leaves erased bookings readable by the scheduler and the booking queries', async () => {
    const user = await f.addUser('retention-readers');
    const old = await bookingOn(user, '2026-07-01', '10:00', { status: 'cancelled', cancelledBy: 'staff' });
    // A notice that was never delivered (LINE down for months) still references the booking.
    await f.db.prisma.push.create({
      data: { kind: 'cancelled', userId: user, bookingId: old, dueAt: f.clock.now(), nextAttemptAt: f.clock.now(), retryKey: crypto.randomUUID() },
    });
    await runRetentionPass(f.db.prisma, { now: f.clock.now(), retentionDays: 90 });
    const summary = await runSchedulerOnce(f.deps);
    expect(summary.claimed).toBeGreaterThan(0);
    expect(f.logs.join('')).not.toContain('"level":50');
    expect(await upcomingBookings(f.db.prisma, user, f.clock.now())).toEqual([]);
  });

  it('runs as a periodic job on the application clock and stops cleanly', async () => {
    const user = await f.addUser('retention-job');
    const id = await bookingOn(user, '2026-06-01', '10:00', { status: 'attended' });
    const job = startRetentionJob(
      { prisma: f.db.prisma, clock: f.clock, logger: f.deps.logger, config: { PERSONAL_DATA_RETENTION_DAYS: 90 } },
      { intervalMs: 60_000 },
    );
    await job.stop();
    expect(await f.db.prisma.booking.findUniqueOrThrow({ where: { id } })).toMatchObject({ personalDataErasedAt: f.clock.now(), nameEnc: null });
    expect(f.logs.some((l) => l.includes('"msg":"retention pass"') && l.includes('"bookingsErased":1'))).toBe(true);
  });

  it('logs a failing pass without crashing and without personal data', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', destination: { write: (s: string) => lines.push(s) } });
    const broken = { booking: { findMany: () => Promise.reject(new Error('connection terminated')) } } as never;
    const job = startRetentionJob({ prisma: broken, clock: f.clock, logger, config: { PERSONAL_DATA_RETENTION_DAYS: 90 } });
    await job.stop();
    expect(lines.join('')).toContain('retention pass failed');
  });
});

describe("a user's request to erase their data", () => {
  let f: LifecycleFixture;
  beforeAll(async () => {
    // Wednesday 2026-11-18 11:00 JST.
    f = await startLifecycleFixture({ now: '2026-11-18T11:00:00+09:00' });
  });
  afterAll(async () => {
    f.line.assertNoRejections();
    await f.close();
  });

  it('erases every booking except those still to take place, deletes the conversation and clears the request', async () => {
    const user = await f.addUser('erase-me');
    const other = await f.addUser('someone-else');
    const past = await f.addBooking(user, '2026-10-01', '10:00');
    await f.db.prisma.booking.update({ where: { id: past }, data: { status: 'attended' } });
    const cancelledFuture = await f.addBooking(user, '2026-12-02', '10:00');
    await f.db.prisma.booking.update({ where: { id: cancelledFuture }, data: { status: 'cancelled', cancelledBy: 'user-phone' } });
    const noShowToday = await f.addBooking(user, '2026-11-18', '09:00');
    await f.db.prisma.booking.update({ where: { id: noShowToday }, data: { status: 'no_show' } });
    const contactedToday = await f.addBooking(user, '2026-11-18', '10:30');
    await f.db.prisma.booking.update({ where: { id: contactedToday }, data: { status: 'contacted' } });
    const upcoming = await f.addBooking(user, '2026-12-03', '14:00');
    const othersPast = await f.addBooking(other, '2026-10-01', '10:30');
    await f.db.prisma.conversation.create({
      data: { userId: user, flowVersion: 1, snapshot: { sealed: 'v1.00000000.x.y.z' }, expiresAt: f.clock.now(), version: 3 },
    });

    await recordErasureRequest(f.db.prisma, user, f.clock.now());
    const firstAsked = f.clock.now();
    f.clock.advanceMinutes(5);
    await recordErasureRequest(f.db.prisma, user, f.clock.now());
    expect(await pendingErasureRequests(f.db.prisma)).toEqual([{ userId: user, requestedAt: firstAsked }]);

    f.clock.advanceMinutes(60);
    const result = await eraseUserPersonalData(f.db.prisma, { userId: user, now: f.clock.now() });
    expect(result).toEqual({ bookingsErased: 3 });
    for (const id of [past, cancelledFuture, noShowToday]) {
      expect(await f.db.prisma.booking.findUniqueOrThrow({ where: { id } })).toMatchObject({
        nameEnc: null,
        jobSeekerNumberEnc: null,
        phoneEnc: null,
        topicEnc: null,
        personalDataErasedAt: f.clock.now(),
      });
    }
    for (const id of [contactedToday, upcoming, othersPast]) {
      expect(await f.db.prisma.booking.findUniqueOrThrow({ where: { id } })).toMatchObject({ nameEnc: 'enc:name', personalDataErasedAt: null });
    }
    expect(await f.db.prisma.booking.findUniqueOrThrow({ where: { id: past } })).toMatchObject({ status: 'attended', date: '2026-10-01', startTime: '10:00' });
    expect(await f.db.prisma.conversation.findUnique({ where: { userId: user } })).toBeNull();
    expect(await pendingErasureRequests(f.db.prisma)).toEqual([]);
    // The user stays known (no-show count, consents): only personal fields go.
    expect(await f.db.prisma.lineUser.findUnique({ where: { id: user } })).not.toBeNull();

    // Repeating it changes nothing more.
    expect(await eraseUserPersonalData(f.db.prisma, { userId: user, now: f.clock.now() })).toEqual({ bookingsErased: 0 });
  });
});
