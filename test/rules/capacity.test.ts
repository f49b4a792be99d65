// Per-date capacity and blocked times (a counsellor is away): worked examples and properties over
// arbitrary instants, offices and changes. Instants carry their offset, so every expectation holds
// under any process TZ.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  bookableSlots,
  capacitiesOn,
  capacityAt,
  defaultOfficeCalendarConfig,
  OfficeCalendarConfigError,
  slotsOn,
  tokyoDateOf,
  tokyoInstant,
  validateOfficeCalendarConfig,
} from '../../src/rules/index.ts';
import type { BlockedTime, JpDate, OfficeCalendarConfig } from '../../src/rules/index.ts';

function officeWith(changes: Partial<OfficeCalendarConfig>): OfficeCalendarConfig {
  return validateOfficeCalendarConfig({ ...defaultOfficeCalendarConfig, ...changes });
}

const jst = (dateTime: string) => new Date(`${dateTime}:00+09:00`);
// Saturday 2026-11-28 10:00: the earliest bookable date is Wednesday 12-02.
const now = jst('2026-11-28T10:00');
const WED = '2026-12-02';
const THU = '2026-12-03';

describe('places per slot on a date', () => {
  it('offers a slot until its date-specific capacity is taken, more or fewer than usual', () => {
    const two = officeWith({ capacityByDate: { [WED]: 2 } });
    expect(slotsOn(WED, now, two, { '10:00': 1 })).toContain('10:00');
    expect(slotsOn(WED, now, two, { '10:00': 2 })).not.toContain('10:00');
    // Another date keeps SLOT_CAPACITY (1).
    expect(slotsOn(THU, now, two, { '10:00': 1 })).not.toContain('10:00');

    const none = officeWith({ capacityPerSlot: 3, capacityByDate: { [WED]: 0 } });
    expect(slotsOn(WED, now, none)).toEqual([]);
    expect(bookableSlots(now, none).days.map((d) => d.date)).not.toContain(WED);
    expect(slotsOn(THU, now, none)).toHaveLength(16);
  });

  it('takes places away from the slots a blocked time overlaps, and only from those', () => {
    // A counsellor away 10:15–11:00: the 10:00 and 10:30 sessions overlap, 09:30 and 11:00 do not.
    const office = officeWith({ capacityPerSlot: 2, blockedTimes: [{ date: WED, from: '10:15', until: '11:00', seats: 1 }] });
    expect(capacityAt(WED, '09:30', office)).toBe(2);
    expect(capacityAt(WED, '10:00', office)).toBe(1);
    expect(capacityAt(WED, '10:30', office)).toBe(1);
    expect(capacityAt(WED, '11:00', office)).toBe(2);
    expect(capacityAt(THU, '10:00', office)).toBe(2);
    expect(slotsOn(WED, now, office, { '10:00': 1, '11:00': 1 })).toEqual(expect.arrayContaining(['09:30', '11:00']));
    expect(slotsOn(WED, now, office, { '10:00': 1, '11:00': 1 })).not.toContain('10:00');
  });

  it('closes the whole slot when a blocked time takes every place, and never goes below none', () => {
    const office = officeWith({
      capacityPerSlot: 2,
      blockedTimes: [
        { date: WED, from: '13:00', until: '14:00', seats: null },
        { date: WED, from: '15:00', until: '15:30', seats: 1 },
        { date: WED, from: '15:00', until: '15:30', seats: 5 },
      ],
    });
    expect(slotsOn(WED, now, office)).not.toContain('13:00');
    expect(slotsOn(WED, now, office)).not.toContain('13:30');
    expect(slotsOn(WED, now, office)).toContain('14:00');
    expect(capacityAt(WED, '15:00', office)).toBe(0);
    expect(capacityAt(WED, '12:34', office)).toBe(0);
  });

  it('combines a date capacity with a blocked time: the block counts from the date capacity', () => {
    const office = officeWith({
      capacityByDate: { [WED]: 3 },
      blockedTimes: [
        { date: WED, from: '09:00', until: '12:00', seats: 1 },
        { date: WED, from: '16:00', until: '17:00', seats: null },
      ],
    });
    expect(capacityAt(WED, '09:00', office)).toBe(2);
    expect(capacityAt(WED, '13:00', office)).toBe(3);
    expect(capacityAt(WED, '16:30', office)).toBe(0);
  });

  it('refuses values the office cannot mean, naming them', () => {
    expect(() => officeWith({ capacityByDate: { '2026-12-2': 1 } })).toThrow(OfficeCalendarConfigError);
    expect(() => officeWith({ capacityByDate: { [WED]: 51 } })).toThrow('capacityByDate');
    expect(() => officeWith({ capacityByDate: { [WED]: 1.5 } })).toThrow('capacityByDate');
    expect(() => officeWith({ blockedTimes: [{ date: WED, from: '11:00', until: '10:00', seats: 1 }] })).toThrow('not after');
    expect(() => officeWith({ blockedTimes: [{ date: WED, from: '25:00', until: '26:00', seats: 1 }] })).toThrow('HH:mm');
    expect(() => officeWith({ blockedTimes: [{ date: WED, from: '10:00', until: '11:00', seats: 0 }] })).toThrow('seats');
  });
});

const MINUTES_PER_DAY = 24 * 60;
const timeAt = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** An office with the default slots, some date capacities and blocked times around `now`, and bookings. */
const scenarios = fc
  .record({
    now: fc.date({ min: new Date('2020-01-01T00:00:00+09:00'), max: new Date('2049-12-31T23:59:59+09:00'), noInvalidDate: true }),
    capacityPerSlot: fc.integer({ min: 1, max: 3 }),
    capacities: fc.array(fc.record({ offset: fc.integer({ min: -5, max: 35 }), capacity: fc.integer({ min: 0, max: 4 }) }), { maxLength: 8 }),
    blocks: fc.array(
      fc.record({
        offset: fc.integer({ min: -5, max: 35 }),
        from: fc.integer({ min: 8 * 60, max: 17 * 60 }),
        length: fc.integer({ min: 1, max: 240 }),
        seats: fc.option(fc.integer({ min: 1, max: 3 })),
      }),
      { maxLength: 8 },
    ),
    bookings: fc.array(fc.record({ offset: fc.integer({ min: 0, max: 31 }), slot: fc.nat(), count: fc.integer({ min: 1, max: 3 }) }), { maxLength: 30 }),
  })
  .map((s) => {
    const today = tokyoDateOf(s.now);
    const blockedTimes: BlockedTime[] = s.blocks.map((b) => ({
      date: addDays(today, b.offset),
      from: timeAt(b.from),
      until: timeAt(Math.min(b.from + b.length, MINUTES_PER_DAY - 1)),
      seats: b.seats,
    }));
    const config = officeWith({
      capacityPerSlot: s.capacityPerSlot,
      capacityByDate: Object.fromEntries(s.capacities.map((c) => [addDays(today, c.offset), c.capacity])),
      blockedTimes,
    });
    const taken: Record<JpDate, Record<string, number>> = {};
    for (const b of s.bookings) {
      const date = addDays(today, b.offset);
      const start = config.slotStarts[b.slot % config.slotStarts.length] ?? '09:00';
      (taken[date] ??= {})[start] = (taken[date]?.[start] ?? 0) + b.count;
    }
    return { now: s.now, config, taken };
  });

/** The places of a slot computed independently, straight from the definition. */
function placesByDefinition(date: JpDate, start: string, config: OfficeCalendarConfig): number {
  const [h = 0, m = 0] = start.split(':').map(Number);
  const begins = h * 60 + m;
  const day = config.capacityByDate?.[date] ?? config.capacityPerSlot;
  let left = day;
  for (const block of config.blockedTimes ?? []) {
    if (block.date !== date) continue;
    const [fh = 0, fm = 0] = block.from.split(':').map(Number);
    const [uh = 0, um = 0] = block.until.split(':').map(Number);
    if (fh * 60 + fm < begins + config.slotMinutes && uh * 60 + um > begins) left -= block.seats ?? day;
  }
  return Math.max(0, left);
}

describe('places per slot for any instant, office and change', () => {
  it('never offers a slot whose places are all taken or blocked, and offers it whenever a place is left on a bookable date', () => {
    fc.assert(
      fc.property(scenarios, ({ now, config, taken }) => {
        const offered = bookableSlots(now, config, taken).days;
        for (const { date, starts } of offered) {
          for (const start of starts) {
            expect(taken[date]?.[start] ?? 0).toBeLessThan(placesByDefinition(date, start, config));
            expect(tokyoInstant(date, start).getTime()).toBeGreaterThan(now.getTime());
          }
        }
        // The same answer as the calendar without changes, minus exactly the slots with no place left.
        const plain = bookableSlots(now, { ...config, capacityByDate: {}, blockedTimes: [], capacityPerSlot: 50 }, {}).days;
        for (const { date, starts } of plain) {
          const expected = starts.filter((start) => (taken[date]?.[start] ?? 0) < placesByDefinition(date, start, config));
          expect(offered.find((d) => d.date === date)?.starts ?? []).toEqual(expected);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('gives every slot of every date the places of the definition', () => {
    fc.assert(
      fc.property(scenarios, fc.integer({ min: -5, max: 35 }), ({ now, config }, offset) => {
        const date = addDays(tokyoDateOf(now), offset);
        const map = capacitiesOn(date, config);
        for (const start of config.slotStarts) expect(map.get(start)).toBe(placesByDefinition(date, start, config));
      }),
      { numRuns: 300 },
    );
  });
});
