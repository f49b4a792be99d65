/**
 * Users confirming the same slot at the same moment: the confirm taps are posted concurrently
 * (separate signed webhook requests), so on PostgreSQL (TEST_DATABASE_URL) the booking
 * transactions really overlap on separate connections; on PGlite they are queued on its one
 * connection. Either way exactly `capacity` of them get the slot, the others are told and
 * offered what is still free, and no slot ever holds more seats than its capacity.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { useHarness } from '../support/harness.ts';
import type { Harness } from '../support/harness.ts';
import { chatUser } from '../support/chat.ts';
import { onPostgres } from '../support/database.ts';
import { copy } from '../../src/wording/chat.ts';
import { confirmedBookings, FIRST_DATE, storedState, toSummary } from './booking-steps.ts';
import type { Chat } from './booking-steps.ts';

const CONFIRMED = 'ご予約が確定しました';

async function expectNoSlotOverbooked(h: Harness, capacity: number) {
  const seats = await h.service.db.prisma.slotSeat.groupBy({ by: ['date', 'startTime'], _count: { _all: true } });
  for (const s of seats) expect(s._count._all, `${s.date} ${s.startTime}`).toBeLessThanOrEqual(capacity);
  const bookings = await h.service.db.prisma.booking.groupBy({ by: ['date', 'startTime'], where: { status: 'confirmed' }, _count: { _all: true } });
  for (const b of bookings) expect(b._count._all, `${b.date} ${b.startTime}`).toBeLessThanOrEqual(capacity);
  // Every confirmed booking holds exactly one seat, and every seat belongs to a confirmed booking.
  expect(await h.service.db.prisma.slotSeat.count()).toBe(await h.service.db.prisma.booking.count({ where: { status: 'confirmed' } }));
}

/** All users at the summary for the same slot, then all confirm at once. */
async function race(users: Chat[], slot: { date?: string; time: string }) {
  await Promise.all(users.map((u) => toSummary(u, slot)));
  await Promise.all(users.map((u) => u.tap('この内容で予約する')));
  const winners = users.filter((u) => u.last.includes(CONFIRMED));
  const losers = users.filter((u) => !u.last.includes(CONFIRMED));
  return { winners, losers };
}

describe('two users racing for the last place of a slot (capacity 1)', () => {
  const h = useHarness();
  beforeAll(async () => {
    if (onPostgres) {
      // A probe, in this test database only: a booking row that is created and then deleted is
      // a transaction that lost the seat after the other one claimed it, i.e. a real overlap.
      const p = h.service.db.prisma;
      await p.$executeRawUnsafe('CREATE TABLE race_probe (booking_id text)');
      await p.$executeRawUnsafe(
        'CREATE FUNCTION race_probe_log() RETURNS trigger AS $$ BEGIN INSERT INTO race_probe VALUES (OLD.id); RETURN OLD; END $$ LANGUAGE plpgsql',
      );
      await p.$executeRawUnsafe('CREATE TRIGGER race_probe AFTER DELETE ON bookings FOR EACH ROW EXECUTE FUNCTION race_probe_log()');
    }
  });

  it.each([
    ['10:00', '10:30'],
    ['13:00', '13:30'],
    ['15:00', '15:30'],
  ])('gives %s to exactly one of two users confirming at once; the other is told and offered other times, and can book %s', async (time, other) => {
    const users = [chatUser(h, `race-${time}-a`), chatUser(h, `race-${time}-b`)];
    const { winners, losers } = await race(users, { time });
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(1);
    const [winner] = winners;
    const [loser] = losers;
    if (!winner || !loser) throw new Error('unreachable');
    expect(winner.last).toContain(`2026年12月2日(水) ${time}〜`);
    // The loser: told, at the time question of the same date, without the lost time.
    expect(loser.last).toContain(copy.timeTaken);
    expect(loser.last).toContain('12月2日(水) の空いている時間');
    expect(loser.labels()).not.toContain(time);
    expect(loser.labels()).toContain(other);
    const state = await storedState(h, loser.userId);
    expect(state?.value).toBe('time');
    expect(state?.context.draft).toMatchObject({ name: '港北 太郎', date: '2026-12-02' });
    expect(await confirmedBookings(h, loser.userId)).toHaveLength(0);
    expect(await h.service.db.prisma.booking.count({ where: { userId: loser.userId } })).toBe(0);
    const slot = await h.service.db.prisma.booking.findMany({ where: { date: '2026-12-02', startTime: time, status: 'confirmed' } });
    expect(slot.map((b) => b.userId)).toEqual([winner.userId]);
    await expectNoSlotOverbooked(h, 1);
    // The loser books another time without typing anything again.
    await loser.tap(other);
    await loser.tap('この内容で予約する');
    expect(loser.last).toContain(CONFIRMED);
    expect(loser.last).toContain(`2026年12月2日(水) ${other}〜`);
    await expectNoSlotOverbooked(h, 1);
  });

  it('never overbooks when four users race for two slots', async () => {
    const users = [0, 1, 2, 3].map((i) => chatUser(h, `race-four-${i}`));
    await Promise.all(users.map((u, i) => toSummary(u, { date: '12月3日(木)', time: i % 2 === 0 ? '09:00' : '09:30' })));
    await Promise.all(users.map((u) => u.tap('この内容で予約する')));
    expect(users.filter((u) => u.last.includes(CONFIRMED))).toHaveLength(2);
    expect(users.filter((u) => u.last.includes(copy.timeTaken))).toHaveLength(2);
    expect(await h.service.db.prisma.booking.count({ where: { date: '2026-12-03', startTime: { in: ['09:00', '09:30'] }, status: 'confirmed' } })).toBe(2);
    await expectNoSlotOverbooked(h, 1);
  });

  it.runIf(onPostgres)(
    'really overlapped the booking transactions on PostgreSQL (the seat-conflict path was taken)',
    async () => {
      const overlaps = async () => (await h.service.db.prisma.$queryRawUnsafe<Array<{ n: number }>>('SELECT count(*)::int AS n FROM race_probe'))[0]?.n ?? 0;
      // Most races overlap (about 3 in 4 here); race on until one has, so the check cannot flake.
      const times = ['09:00', '09:30', '10:00', '10:30', '11:00', '11:30', '13:00', '13:30', '14:00', '14:30', '15:00', '15:30'];
      for (let round = 0; round < times.length && (await overlaps()) === 0; round++) {
        const time = times[round] ?? '09:00';
        const { winners } = await race([chatUser(h, `overlap-${round}-a`), chatUser(h, `overlap-${round}-b`)], { date: '12月4日(金)', time });
        expect(winners).toHaveLength(1);
      }
      expect(await overlaps()).toBeGreaterThan(0);
      await expectNoSlotOverbooked(h, 1);
    },
    120_000,
  );
});

describe('three users racing for a slot of capacity 2, the only slot of the day', () => {
  const h = useHarness({ env: { SLOT_CAPACITY: '2', SLOT_STARTS: '10:00' } });

  it('books two of them and sends the third back to the dates, where the full day is no longer offered', async () => {
    const users = [0, 1, 2].map((i) => chatUser(h, `race-cap2-${i}`));
    const { winners, losers } = await race(users, { time: '10:00' });
    expect(winners).toHaveLength(2);
    expect(losers).toHaveLength(1);
    const [loser] = losers;
    if (!loser) throw new Error('unreachable');
    expect(loser.last).toContain(copy.timeTaken);
    expect(loser.last).toContain(copy.dateFull);
    expect(loser.labels()).not.toContain(FIRST_DATE);
    expect(loser.labels()).toContain('12月3日(木)');
    expect((await storedState(h, loser.userId))?.value).toBe('date');
    const seats = await h.service.db.prisma.slotSeat.findMany({ where: { date: '2026-12-02', startTime: '10:00' }, orderBy: { seat: 'asc' } });
    expect(seats.map((s) => s.seat)).toEqual([1, 2]);
    await expectNoSlotOverbooked(h, 2);
    // The loser takes the next day instead.
    await loser.tap('12月3日(木)');
    await loser.tap('10:00');
    await loser.tap('この内容で予約する');
    expect(loser.last).toContain(CONFIRMED);
  });

  it('never holds more than two seats when five users race for the same slot', async () => {
    const users = [0, 1, 2, 3, 4].map((i) => chatUser(h, `race-cap2-five-${i}`));
    const { winners, losers } = await race(users, { date: '12月4日(金)', time: '10:00' });
    expect(winners).toHaveLength(2);
    expect(losers).toHaveLength(3);
    for (const l of losers) expect(l.last).toContain(copy.timeTaken);
    expect(await h.service.db.prisma.booking.count({ where: { date: '2026-12-04', status: 'confirmed' } })).toBe(2);
    await expectNoSlotOverbooked(h, 2);
  });
});
