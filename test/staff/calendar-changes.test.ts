/**
 * Calendar changes from the staff console, below the page: saved through the same module the bot
 * and `npm run calendar` read (loadOfficeCalendar), checked before saving, and the bookings a
 * change would leave without a place listed — never cancelled. End to end with the chat: a closed
 * day, a changed capacity and a blocked time change what the bot offers at once.
 */
import { describe, expect, it } from 'vitest';
import { useHarness } from '../support/harness.ts';
import { chatUser } from '../support/chat.ts';
import { book, toDateQuestion } from '../e2e/booking-steps.ts';
import {
  applyCalendarChange,
  bookingsNotFitting,
  calendarAfter,
  calendarEntriesFrom,
  CalendarChangeError,
  checkCalendarChange,
  loadOfficeCalendar,
} from '../../src/office-days.ts';
import { capacityAt, slotsOn } from '../../src/rules/index.ts';
import { rescheduleBooking } from '../../src/lifecycle/operations.ts';

const WED = '2026-12-02';

describe('calendar changes', () => {
  // Saturday 10:00: Wednesday 12-02 is the earliest bookable date.
  const h = useHarness({ now: '2026-11-28T10:00:00+09:00' });
  const prisma = () => h.service.db.prisma;
  const calendarNow = () => loadOfficeCalendar(prisma(), h.config, h.clock.now());

  it('stops the bot offering a day the office closes, and lists the booking already on it without cancelling it', async () => {
    const booked = chatUser(h, 'cal-booked');
    await book(booked, { time: '10:00' });

    const change = { kind: 'closed', date: WED, note: '館内設備点検' } as const;
    const before = await calendarNow();
    const affected = await bookingsNotFitting(prisma(), WED, calendarAfter(before, change, []));
    expect(affected).toEqual([expect.objectContaining({ date: WED, startTime: '10:00', status: 'confirmed' })]);
    expect(Object.keys(affected[0] ?? {}).sort()).toEqual(['date', 'id', 'startTime', 'status']);
    // Before it is saved nothing changed.
    expect(await bookingsNotFitting(prisma(), WED, before)).toEqual([]);

    expect(await applyCalendarChange(prisma(), change, h.clock.now())).toEqual({ changed: true });
    const u = chatUser(h, 'cal-after-close');
    await toDateQuestion(u);
    expect(u.labels()).not.toContain('12月2日(水)');
    expect(u.labels()).toContain('12月3日(木)');
    expect(await prisma().booking.count({ where: { userId: booked.userId, status: 'confirmed' } })).toBe(1);

    // Back to the law's calendar: offered again.
    expect(await applyCalendarChange(prisma(), { kind: 'default', date: WED }, h.clock.now())).toEqual({ changed: true });
    expect(await applyCalendarChange(prisma(), { kind: 'default', date: WED }, h.clock.now())).toEqual({ changed: false });
    const again = chatUser(h, 'cal-after-reopen');
    await toDateQuestion(again);
    expect(again.labels()).toContain('12月2日(水)');
  });

  it('lets two people book one slot on a day with two counsellors, and warns about a booking a lower capacity leaves out', async () => {
    await applyCalendarChange(prisma(), { kind: 'capacity', date: '2026-12-04', capacity: 2, note: '相談員2名' }, h.clock.now());
    const a = chatUser(h, 'cal-cap-a');
    const b = chatUser(h, 'cal-cap-b');
    await book(a, { date: '12月4日(金)', time: '09:00' });
    await book(b, { date: '12月4日(金)', time: '09:00' });
    expect(await prisma().slotSeat.count({ where: { date: '2026-12-04', startTime: '09:00' } })).toBe(2);
    const calendar = await calendarNow();
    expect(slotsOn('2026-12-04', h.clock.now(), calendar, { '09:00': 2 })).not.toContain('09:00');

    const lower = calendarAfter(calendar, { kind: 'capacity', date: '2026-12-04', capacity: 1, note: '' }, []);
    const affected = await bookingsNotFitting(prisma(), '2026-12-04', lower);
    // The later of the two bookings is the one without a place.
    const later = await prisma().booking.findFirstOrThrow({ where: { userId: b.userId } });
    expect(affected.map((x) => x.id)).toEqual([later.id]);
  });

  it('moves a booking by phone into the second place of a slot on a day with two counsellors', async () => {
    await applyCalendarChange(prisma(), { kind: 'capacity', date: '2026-12-11', capacity: 2, note: '' }, h.clock.now());
    const first = chatUser(h, 'cal-move-first');
    const second = chatUser(h, 'cal-move-second');
    await book(first, { date: '12月11日(金)', time: '11:00' });
    await book(second, { date: '12月10日(木)', time: '11:00' });
    const moving = await prisma().booking.findFirstOrThrow({ where: { userId: second.userId } });
    const { dialogue } = h.service.deps;
    const moved = await rescheduleBooking(prisma(), moving.id, { date: '2026-12-11', time: '11:00' }, h.clock.now(), {
      calendar: await calendarNow(),
      sealer: dialogue.sealer,
      office: { officeName: h.config.OFFICE_NAME, officePhone: h.config.OFFICE_PHONE, officePhoneHours: h.config.OFFICE_PHONE_HOURS },
    });
    expect(moved).toMatchObject({ changed: true, to: { date: '2026-12-11', time: '11:00' } });
    expect(await prisma().slotSeat.findMany({ where: { date: '2026-12-11', startTime: '11:00' }, orderBy: { seat: 'asc' }, select: { seat: true } })).toEqual([
      { seat: 1 },
      { seat: 2 },
    ]);
  });

  it('takes a blocked time out of what the bot offers and puts it back when removed', async () => {
    await applyCalendarChange(prisma(), { kind: 'block', date: '2026-12-07', from: '13:00', until: '15:00', seats: null, note: '相談員 研修' }, h.clock.now());
    const calendar = await calendarNow();
    expect(capacityAt('2026-12-07', '13:30', calendar)).toBe(0);
    expect(capacityAt('2026-12-07', '15:00', calendar)).toBe(1);
    const u = chatUser(h, 'cal-block');
    await toDateQuestion(u);
    await u.tap('12月7日(月)');
    expect(u.last).not.toContain('13:00');
    expect(u.labels()).not.toContain('13:30');
    expect(u.labels()).toContain('15:00');

    const { blocks } = await calendarEntriesFrom(prisma(), '2026-12-01');
    expect(blocks).toEqual([expect.objectContaining({ date: '2026-12-07', from: '13:00', until: '15:00', seats: null, note: '相談員 研修' })]);
    await applyCalendarChange(prisma(), { kind: 'unblock', id: blocks[0]?.id ?? '' }, h.clock.now());
    expect(capacityAt('2026-12-07', '13:30', await calendarNow())).toBe(1);
    await u.say('やめる');
  });

  it('refuses a change the rules cannot take, saying in Japanese what to fix', () => {
    const bad = [
      { kind: 'closed', date: '2026-12-1', note: '点検' },
      { kind: 'closed', date: WED, note: ' ' },
      { kind: 'open', date: WED, note: 'x'.repeat(101) },
      { kind: 'capacity', date: WED, capacity: -1, note: '' },
      { kind: 'capacity', date: WED, capacity: 51, note: '' },
      { kind: 'block', date: WED, from: '15:00', until: '14:00', seats: null, note: '' },
      { kind: 'block', date: WED, from: '9時', until: '10:00', seats: null, note: '' },
      { kind: 'block', date: WED, from: '09:00', until: '10:00', seats: 0, note: '' },
    ] as const;
    for (const change of bad) {
      expect(() => checkCalendarChange(change), JSON.stringify(change)).toThrow(CalendarChangeError);
      try {
        checkCalendarChange(change);
      } catch (error) {
        expect((error as Error).message).toMatch(/[ぁ-んァ-ン一-龥]/u);
      }
    }
  });

  it('ignores a capacity or blocked time typed into the database by hand in a form the rules refuse', async () => {
    await prisma().officeDayCapacity.create({ data: { date: '2026-12-8', capacity: 3, createdAt: h.clock.now(), updatedAt: h.clock.now() } });
    await prisma().officeDayCapacity.create({ data: { date: '2026-12-09', capacity: 99, createdAt: h.clock.now(), updatedAt: h.clock.now() } });
    await prisma().officeBlockedTime.create({ data: { date: '2026-12-09', startTime: '16:00', endTime: '09:00', createdAt: h.clock.now() } });
    const calendar = await calendarNow();
    expect(calendar.capacityByDate?.['2026-12-09']).toBeUndefined();
    expect(capacityAt('2026-12-09', '16:00', calendar)).toBe(1);
    const u = chatUser(h, 'cal-hand-typed');
    await toDateQuestion(u);
    expect(u.labels()).toContain('12月9日(水)');
    await u.say('やめる');
  });
});
