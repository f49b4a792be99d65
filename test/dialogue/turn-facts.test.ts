/**
 * The turn's one statement of facts (src/dialogue/turn-facts.ts) says in SQL what the model-API
 * readers say elsewhere — upcomingBookings, takenSeats, the refusal columns bookingBlockFor reads,
 * the consents. These are checked against each other on the same rows, so a change to one that
 * forgets the other fails here. Runs on PGlite and, with TEST_DATABASE_URL, on PostgreSQL, under
 * any process time zone.
 */
import { describe, expect, it } from 'vitest';
import { takenSeats, upcomingBookings } from '../../src/booking/bookings.ts';
import { readTurnFacts } from '../../src/dialogue/turn-facts.ts';
import { blockOfStanding, bookingBlockFor, cancelBookingByStaff, recordContacted } from '../../src/lifecycle/operations.ts';
import { recordConsent } from '../../src/db/repositories.ts';
import { lineUserId } from '../support/harness.ts';
import { useLifecycleFixture } from '../lifecycle/fixtures.ts';

const f = useLifecycleFixture();
const slotMinutes = 30;
const read = (userId: string, now = f.clock.now()) => f.db.prisma.$transaction((tx) => readTurnFacts(tx, userId, now, slotMinutes));

describe('readTurnFacts', () => {
  it('reads what upcomingBookings, takenSeats and the consents read, for a user with bookings in several states', async () => {
    f.clock.set('2026-11-20T09:00:00+09:00');
    const user = await f.addUser('facts');
    const other = await f.addUser('facts-other');
    const later = await f.addBooking(user, '2026-12-03', '10:00', { meetingUrl: 'https://teleoffice.example/room/9' });
    const sooner = await f.addBooking(user, '2026-12-01', '14:30');
    const cancelled = await f.addBooking(user, '2026-12-02', '09:00');
    await cancelBookingByStaff(f.db.prisma, cancelled, '本人から電話', f.clock.now());
    await f.addBooking(other, '2026-12-01', '14:30');
    await f.addBooking(other, '2026-11-19', '10:00'); // yesterday: not among the seats from today on
    await recordConsent(f.db.prisma, user, f.termsVersionId, f.clock.now());

    const facts = await read(user);
    expect(facts.upcoming).toEqual(await upcomingBookings(f.db.prisma, user, f.clock.now(), slotMinutes));
    expect(facts.upcoming.map((b) => b.id)).toEqual([sooner, later]);
    expect(facts.upcoming[1]?.stored.meetingUrl).toBe('https://teleoffice.example/room/9');
    expect(facts.taken).toEqual(await takenSeats(f.db.prisma, f.clock.now()));
    expect(facts.taken).toEqual({ '2026-12-01': { '14:30': 2 }, '2026-12-03': { '10:00': 1 } });
    expect(facts.consentedTermsIds).toEqual([f.termsVersionId]);
    expect(facts.conversation).toBeNull();
    expect(facts.referenceVersion).not.toBe('');
  });

  it('counts a booking as upcoming until one slot after its start, and a contacted one as upcoming', async () => {
    f.clock.set('2026-11-20T09:00:00+09:00');
    const user = await f.addUser('facts-late');
    const booking = await f.addBooking(user, '2026-12-01', '10:00');
    f.clock.set('2026-12-01T10:05:00+09:00');
    await recordContacted(f.db.prisma, booking, f.clock.now());
    for (const at of ['2026-12-01T10:29:59+09:00', '2026-12-01T10:30:00+09:00']) {
      const now = new Date(at);
      expect((await read(user, now)).upcoming).toEqual(await upcomingBookings(f.db.prisma, user, now, slotMinutes));
    }
    expect((await read(user, new Date('2026-12-01T10:29:59+09:00'))).upcoming.map((b) => b.id)).toEqual([booking]);
    expect((await read(user, new Date('2026-12-01T10:30:00+09:00'))).upcoming).toEqual([]);
  });

  it('gives the refusal rules what bookingBlockFor reads, and makes the row of a user never seen', async () => {
    const suspended = await f.addUser('facts-suspended');
    await f.db.prisma.lineUser.update({ where: { id: suspended }, data: { suspendedAt: f.clock.now(), noShowCount: 3 } });
    const facts = await read(suspended);
    expect(facts.standing).toEqual({ noShowCount: 3, refusedAt: null, refusalLiftedAt: null, suspendedAt: f.clock.now() });
    expect(await blockOfStanding(f.db.prisma, suspended, facts.standing, 2)).toEqual(await bookingBlockFor(f.db.prisma, suspended, 2));

    const stranger = lineUserId('facts-never-followed');
    const first = await read(stranger);
    // One snapshot: the row the statement inserts is not among what it read.
    expect([first.standing, first.conversation, first.upcoming, first.consentedTermsIds]).toEqual([null, null, [], []]);
    expect(await f.db.prisma.lineUser.count({ where: { id: stranger } })).toBe(1);
    expect((await read(stranger)).standing).toEqual({ noShowCount: 0, refusedAt: null, refusalLiftedAt: null, suspendedAt: null });
  });
});
