/**
 * The day-before reminder (Art. 6(3)) through the real scheduler, the real LINE SDK and the fake
 * LINE API, driven by a manual clock: sent once, on the right day, with the URL; never for a
 * cancelled booking; held without a URL; retried on 5xx; a 409 counts as delivered.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultOutboxOptions, runSchedulerOnce, startScheduler } from '../../src/lifecycle/outbox.ts';
import { cancelBookingByStaff, setMeetingUrl } from '../../src/lifecycle/operations.ts';
import { reminderCard } from '../../src/lifecycle/reminder-card.ts';
import { scheduleReminder } from '../../src/lifecycle/reminders.ts';
import { tokyoInstant } from '../../src/rules/index.ts';
import { loadOfficeCalendar, setOfficeDay } from '../../src/office-days.ts';
import { MEETING_URL, startLifecycleFixture } from './fixtures.ts';
import type { LifecycleFixture } from './fixtures.ts';

let f: LifecycleFixture;
beforeAll(async () => {
  f = await startLifecycleFixture();
});
afterAll(async () => {
  await f?.close();
});
beforeEach(async () => {
  await f.reset();
});

const HOUR = 3_600_000;

/**
 * Runs the scheduler every 4 hours from the clock's time until `until` (from 02:00 that includes
 * 10:00, the reminder time, every day); returns when each push reached LINE.
 */
async function runEvery4Hours(until: string): Promise<{ to: string; at: Date; text: string }[]> {
  const seen: { to: string; at: Date; text: string }[] = [];
  while (f.clock.now().getTime() <= new Date(until).getTime()) {
    const before = f.line.pushes.length;
    await runSchedulerOnce(f.deps);
    for (const push of f.line.pushes.slice(before)) {
      const message = push.messages[0];
      seen.push({ to: push.to, at: f.clock.now(), text: message?.type === 'flex' ? message.altText : '' });
    }
    f.clock.advance(4 * HOUR);
  }
  return seen;
}

describe('the day-before reminder', () => {
  it('goes out once, at 10:00 on the day before a Tuesday, the Friday before a Monday, and the last open day before a holiday', async () => {
    f.clock.set('2026-11-16T02:00:00+09:00');
    const tuesday = await f.addUser('tuesday');
    const monday = await f.addUser('monday');
    const afterHoliday = await f.addUser('after-holiday');
    const afterNewYear = await f.addUser('after-new-year');
    await f.addBooking(tuesday, '2026-12-01', '10:00'); // Tue → Mon 11-30
    await f.addBooking(monday, '2026-12-07', '09:00'); // Mon → Fri 12-04
    await f.addBooking(afterHoliday, '2026-11-24', '14:30'); // Tue after Mon 11-23 (勤労感謝の日) → Fri 11-20
    await f.addBooking(afterNewYear, '2027-01-04', '13:00'); // Mon after 12/29–1/3 → Mon 12-28

    const seen = await runEvery4Hours('2027-01-05T00:00:00+09:00');

    expect(seen.map((s) => [s.to, s.at.toISOString()])).toEqual([
      [afterHoliday, tokyoInstant('2026-11-20', '10:00').toISOString()],
      [tuesday, tokyoInstant('2026-11-30', '10:00').toISOString()],
      [monday, tokyoInstant('2026-12-04', '10:00').toISOString()],
      [afterNewYear, tokyoInstant('2026-12-28', '10:00').toISOString()],
    ]);
    expect(f.line.pushes.every((push) => push.retryKey !== undefined)).toBe(true);
    f.line.assertNoRejections();
    const rows = await f.db.prisma.push.findMany();
    expect(rows.map((row) => [row.status, row.attempts])).toEqual(Array(4).fill(['sent', 1]));
  }, 60_000);

  it('is a card titled 「オンライン職業相談」 (altText: the date and time): 参加する opening the URL first, then the date and time, the points, how to cancel', async () => {
    f.clock.set('2026-11-30T09:00:00+09:00');
    const user = await f.addUser('content');
    await f.addBooking(user, '2026-12-02', '10:00');
    f.clock.set('2026-12-01T10:00:00+09:00');
    await runSchedulerOnce(f.deps);

    const [message] = f.line.messagesTo(user);
    expect(message).toEqual(
      reminderCard({
        slot: { date: '2026-12-02', startTime: '10:00', slotMinutes: 30 },
        meetingUrl: MEETING_URL,
        office: { officeName: f.config.OFFICE_NAME, officePhone: f.config.OFFICE_PHONE, officePhoneHours: f.config.OFFICE_PHONE_HOURS },
      }),
    );
    if (message?.type !== 'flex' || message.contents.type !== 'bubble') throw new Error('expected a Flex bubble');
    // What the notification shows: the title and the date and time, nothing personal.
    expect(message.altText).toBe('【オンライン職業相談】2026年12月2日(水) 10:00〜10:30 のご案内です。');
    const [first] = message.contents.body?.contents ?? [];
    expect(first).toMatchObject({ type: 'button', action: { type: 'uri', label: '参加する', uri: MEETING_URL } });
    const text = f.line.readableTo(user)[0] ?? '';
    expect(text.indexOf('参加する')).toBeLessThan(text.indexOf('2026年12月2日(水) 10:00〜10:30', message.altText.length));
    expect(text).toContain('045-474-1221');
    expect(text).toContain('10分');
    expect(text).toContain('個室');
    expect(text).toContain('ウイルス対策ソフト');
    // The attendant is declared in the booking: the reminder no longer asks for a phone call about it.
    expect(text).not.toContain('通訳');
    expect(text).not.toContain('enc:');
    f.line.assertNoRejections();
  });

  it('uses the URL staff set on the booking rather than the default', async () => {
    f.clock.set('2026-11-30T09:00:00+09:00');
    const user = await f.addUser('own-url');
    await f.addBooking(user, '2026-12-02', '11:00', { meetingUrl: 'https://teleoffice.example/room/special' });
    f.clock.set('2026-12-01T10:00:00+09:00');
    await runSchedulerOnce(f.deps);
    expect(f.line.readableTo(user)[0]).toContain('https://teleoffice.example/room/special');
    expect(f.line.readableTo(user)[0]).not.toContain(MEETING_URL);
  });

  it('follows the office calendar stored in the database (an extra closed day moves the reminder earlier)', async () => {
    f.clock.set('2026-11-16T00:00:00+09:00');
    await setOfficeDay(f.db.prisma, '2026-11-30', false, 'maintenance');
    const calendar = await loadOfficeCalendar(f.db.prisma, f.config, f.clock.now());
    const user = await f.addUser('closed-day');
    const booking = await f.db.prisma.booking.create({
      data: {
        userId: user,
        date: '2026-12-01',
        startTime: '09:00',
        startsAt: tokyoInstant('2026-12-01', '09:00'),
        nameEnc: 'x',
        jobSeekerNumberEnc: 'x',
        phoneEnc: 'x',
        topicEnc: 'x',
        termsVersionId: f.termsVersionId,
        createdAt: f.clock.now(),
      },
    });
    const { dueAt } = await scheduleReminder(f.db.prisma, booking, calendar, f.clock.now());
    expect(dueAt.toISOString()).toBe(tokyoInstant('2026-11-27', '10:00').toISOString());
  });

  it('is scheduled again idempotently: a second call keeps the first row and its retry key', async () => {
    const user = await f.addUser('idempotent');
    const bookingId = await f.addBooking(user, '2026-12-01', '09:00');
    const before = await f.db.prisma.push.findFirstOrThrow({ where: { bookingId } });
    const booking = await f.db.prisma.booking.findUniqueOrThrow({ where: { id: bookingId } });
    await scheduleReminder(f.db.prisma, booking, f.calendar, f.clock.now());
    const after = await f.db.prisma.push.findMany({ where: { bookingId } });
    expect(after).toHaveLength(1);
    expect(after[0]?.retryKey).toBe(before.retryKey);
    expect(before.retryKey).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('goes out at once for a booking made after its reminder moment', async () => {
    f.clock.set('2026-11-30T15:00:00+09:00'); // after 10:00 on the reminder day of 12-01
    const user = await f.addUser('late-booking');
    const bookingId = await f.addBooking(user, '2026-12-01', '16:00');
    const row = await f.db.prisma.push.findFirstOrThrow({ where: { bookingId } });
    expect(row.dueAt.toISOString()).toBe(f.clock.now().toISOString());
    await runSchedulerOnce(f.deps);
    expect(f.line.readableTo(user)).toHaveLength(1);
  });

  it('is never sent for a booking cancelled before the reminder day', async () => {
    f.clock.set('2026-11-20T02:00:00+09:00');
    const user = await f.addUser('cancelled');
    const bookingId = await f.addBooking(user, '2026-12-01', '10:00');
    await cancelBookingByStaff(f.db.prisma, bookingId, '本人から電話', f.clock.now());
    await runEvery4Hours('2026-12-02T00:00:00+09:00');
    const texts = f.line.readableTo(user);
    expect(texts).toHaveLength(1); // the cancellation confirmation only
    expect(texts[0]).toContain('キャンセルしました');
    const reminder = await f.db.prisma.push.findFirstOrThrow({ where: { bookingId, kind: 'day-before-reminder' } });
    expect(reminder.status).toBe('withdrawn');
  }, 30_000);

  it('is not sent when the booking was cancelled between the claim and the send (status re-read)', async () => {
    f.clock.set('2026-11-30T10:00:00+09:00');
    const user = await f.addUser('raced-cancel');
    const bookingId = await f.addBooking(user, '2026-12-01', '10:00');
    // The cancellation slips in without withdrawing the row, as if it committed after the claim.
    await f.db.prisma.booking.update({ where: { id: bookingId }, data: { status: 'cancelled' } });
    await runSchedulerOnce(f.deps);
    expect(f.line.pushes).toHaveLength(0);
    expect((await f.db.prisma.push.findFirstOrThrow({ where: { bookingId } })).status).toBe('withdrawn');
  });

  it('waits for a meeting URL when there is none, flags it, and goes out as soon as staff set one', async () => {
    f.configure({ DEFAULT_MEETING_URL: '' });
    f.clock.set('2026-11-25T09:00:00+09:00');
    const user = await f.addUser('no-url');
    const bookingId = await f.addBooking(user, '2026-12-01', '10:00');
    f.clock.set('2026-11-30T10:00:00+09:00');
    await runSchedulerOnce(f.deps);
    expect(f.line.pushes).toHaveLength(0);
    const held = await f.db.prisma.push.findFirstOrThrow({ where: { bookingId } });
    expect([held.status, held.lastError, held.attempts]).toEqual(['held', 'meeting URL not set', 0]);

    f.clock.advance(3 * HOUR);
    await runSchedulerOnce(f.deps);
    expect(f.line.pushes).toHaveLength(0);

    const result = await setMeetingUrl(f.db.prisma, bookingId, 'https://teleoffice.example/room/late', f.clock.now());
    expect(result).toMatchObject({ reminderReleased: true, reminderAlreadySent: false });
    await runSchedulerOnce(f.deps);
    expect(f.line.readableTo(user)).toHaveLength(1);
    expect(f.line.readableTo(user)[0]).toContain('https://teleoffice.example/room/late');
    await runSchedulerOnce(f.deps);
    expect(f.line.pushes).toHaveLength(1);
  });

  it('goes out once a default URL is configured, for reminders that were held', async () => {
    f.configure({ DEFAULT_MEETING_URL: '' });
    f.clock.set('2026-11-30T10:00:00+09:00');
    const user = await f.addUser('default-later');
    await f.addBooking(user, '2026-12-01', '10:00');
    await runSchedulerOnce(f.deps);
    expect(f.line.pushes).toHaveLength(0);
    f.configure({});
    await runSchedulerOnce(f.deps);
    expect(f.line.readableTo(user)[0]).toContain(MEETING_URL);
  });

  it('is left for staff, not sent, when the session starts before anyone sets a URL', async () => {
    f.configure({ DEFAULT_MEETING_URL: '' });
    f.clock.set('2026-11-30T10:00:00+09:00');
    const user = await f.addUser('too-late-url');
    const bookingId = await f.addBooking(user, '2026-12-01', '10:00');
    await runSchedulerOnce(f.deps);
    f.clock.set('2026-12-01T10:00:00+09:00');
    await runSchedulerOnce(f.deps);
    const row = await f.db.prisma.push.findFirstOrThrow({ where: { bookingId } });
    expect([row.status, row.lastError]).toEqual(['failed', 'session already started']);
    await setMeetingUrl(f.db.prisma, bookingId, 'https://teleoffice.example/room/x', f.clock.now());
    await runSchedulerOnce(f.deps);
    expect(f.line.pushes).toHaveLength(0);
  });

  it('is delivered once when LINE fails three times with 500 and then accepts', async () => {
    f.clock.set('2026-11-30T10:00:00+09:00');
    const user = await f.addUser('flaky');
    const bookingId = await f.addBooking(user, '2026-12-01', '10:00');
    f.line.failNext(500, 3);
    for (let i = 0; i < 10; i++) {
      await runSchedulerOnce(f.deps);
      f.clock.advance(5 * 60_000);
    }
    expect(f.line.readableTo(user)).toHaveLength(1);
    const attempts = f.line.requests.filter((r) => r.endpoint === 'push');
    expect(attempts.map((r) => r.status)).toEqual([500, 500, 500, 200]);
    expect(new Set(attempts.map((r) => r.headers['x-line-retry-key'])).size).toBe(1);
    const row = await f.db.prisma.push.findFirstOrThrow({ where: { bookingId } });
    expect([row.status, row.attempts, row.lastError]).toEqual(['sent', 4, null]);
  });

  it('backs off between retries instead of hammering LINE', async () => {
    f.clock.set('2026-11-30T10:00:00+09:00');
    const user = await f.addUser('backoff');
    const bookingId = await f.addBooking(user, '2026-12-01', '10:00');
    f.line.failNext(503, 2);
    await runSchedulerOnce(f.deps);
    const first = await f.db.prisma.push.findFirstOrThrow({ where: { bookingId } });
    expect(first.nextAttemptAt.getTime() - f.clock.now().getTime()).toBe(30_000);
    await runSchedulerOnce(f.deps); // not due yet
    expect(f.line.requests).toHaveLength(1);
    f.clock.advance(30_000);
    await runSchedulerOnce(f.deps);
    const second = await f.db.prisma.push.findFirstOrThrow({ where: { bookingId } });
    expect(second.nextAttemptAt.getTime() - f.clock.now().getTime()).toBe(60_000);
    expect(second.lastError).toBe('LINE API 503: Service Unavailable');
  });

  it('treats a 409 for its retry key as delivered (LINE accepted an earlier attempt that looked failed)', async () => {
    f.clock.set('2026-11-30T10:00:00+09:00');
    const user = await f.addUser('conflict');
    const bookingId = await f.addBooking(user, '2026-12-01', '10:00');
    f.line.failNext(500, 1, { afterAccepting: true });
    await runSchedulerOnce(f.deps);
    expect(f.line.readableTo(user)).toHaveLength(1); // delivered, though LINE answered 500
    expect((await f.db.prisma.push.findFirstOrThrow({ where: { bookingId } })).status).toBe('pending');
    f.clock.advance(60_000);
    await runSchedulerOnce(f.deps);
    expect(f.line.requests.map((r) => r.status)).toEqual([500, 409]);
    // The retry is the same request: the same retry key and the same card, rendered again from the booking.
    const [sent, retried] = f.line.requests;
    expect(retried?.headers['x-line-retry-key']).toBe(sent?.headers['x-line-retry-key']);
    expect(retried?.rawBody).toBe(sent?.rawBody);
    expect((sent?.body as { messages: { type: string }[] }).messages.map((m) => m.type)).toEqual(['flex']);
    expect(f.line.readableTo(user)).toHaveLength(1);
    const row = await f.db.prisma.push.findFirstOrThrow({ where: { bookingId } });
    expect([row.status, row.attempts]).toEqual(['sent', 2]);
  });

  it('records a 4xx other than 409 for staff without retrying', async () => {
    f.clock.set('2026-11-30T10:00:00+09:00');
    const user = await f.addUser('blocked');
    f.line.markUnreachable(user);
    const bookingId = await f.addBooking(user, '2026-12-01', '10:00');
    await runSchedulerOnce(f.deps);
    f.clock.advance(HOUR);
    await runSchedulerOnce(f.deps);
    expect(f.line.requests).toHaveLength(1);
    const row = await f.db.prisma.push.findFirstOrThrow({ where: { bookingId } });
    expect([row.status, row.lastError]).toEqual(['failed', 'LINE API 400: Failed to send messages']);
  });

  it('gives up after the maximum number of attempts and leaves the row for staff', async () => {
    f.clock.set('2026-11-30T10:00:00+09:00');
    const user = await f.addUser('down');
    const bookingId = await f.addBooking(user, '2026-12-01', '10:00');
    f.line.failNext(500, 100);
    for (let i = 0; i < 20; i++) {
      await runSchedulerOnce(f.deps);
      f.clock.advance(20 * 60_000);
    }
    expect(f.line.requests).toHaveLength(8);
    const row = await f.db.prisma.push.findFirstOrThrow({ where: { bookingId } });
    expect([row.status, row.attempts, row.lastError]).toEqual(['failed', 8, 'LINE API 500: Internal Server Error']);
  });

  it('retries a push LINE did not answer in time, with the same retry key', async () => {
    f.clock.set('2026-11-30T10:00:00+09:00');
    const user = await f.addUser('slow');
    const bookingId = await f.addBooking(user, '2026-12-01', '10:00');
    f.line.delayNext(400);
    const options = { ...defaultOutboxOptions, leaseMs: 120_000, pushTimeoutMs: 100 };
    expect(await runSchedulerOnce(f.deps, options)).toMatchObject({ retry: 1 });
    await new Promise((resolve) => setTimeout(resolve, 500)); // the slow request lands meanwhile
    f.clock.advance(60_000);
    expect(await runSchedulerOnce(f.deps, options)).toMatchObject({ sent: 1 });
    expect(f.line.requests.map((r) => r.status)).toEqual([200, 409]);
    expect(f.line.readableTo(user)).toHaveLength(1);
    expect((await f.db.prisma.push.findFirstOrThrow({ where: { bookingId } })).status).toBe('sent');
  });

  it('attempts nothing for a user who unfollowed, and flags the row', async () => {
    f.clock.set('2026-11-30T10:00:00+09:00');
    const user = await f.addUser('gone', { unfollowed: true });
    const bookingId = await f.addBooking(user, '2026-12-01', '10:00');
    await runSchedulerOnce(f.deps);
    expect(f.line.requests).toHaveLength(0);
    const row = await f.db.prisma.push.findFirstOrThrow({ where: { bookingId } });
    expect([row.status, row.lastError, row.attempts]).toEqual(['failed', 'unfollowed', 0]);
    expect((await f.db.prisma.booking.findUniqueOrThrow({ where: { id: bookingId } })).status).toBe('confirmed');
  });

  it('sends one reminder per booking when schedulers run side by side on one database client', async () => {
    f.clock.set('2026-11-30T10:00:00+09:00');
    const users: string[] = [];
    for (let i = 0; i < 12; i++) {
      const user = await f.addUser(`parallel-${i}`);
      users.push(user);
      await f.addBooking(user, '2026-12-01', f.calendar.slotStarts[i] ?? '09:00');
    }
    f.line.delayNext(20, 6);
    await Promise.all([runSchedulerOnce(f.deps), runSchedulerOnce(f.deps), runSchedulerOnce(f.deps)]);
    await runSchedulerOnce(f.deps);
    expect(f.line.pushes).toHaveLength(12);
    for (const user of users) expect(f.line.readableTo(user)).toHaveLength(1);
  });

  it('keeps message text and booking fields out of the log', async () => {
    f.clock.set('2026-11-30T10:00:00+09:00');
    const user = await f.addUser('logs');
    await f.addBooking(user, '2026-12-01', '10:00');
    f.line.failNext(500, 1);
    await runSchedulerOnce(f.deps);
    f.clock.advance(HOUR);
    await runSchedulerOnce(f.deps);
    const log = f.logs.join('');
    expect(log).toContain('push sent');
    expect(log).not.toContain('オンライン職業相談');
    expect(log).not.toContain(MEETING_URL);
    expect(log).not.toContain(user);
  });

  it('runs in the background at start and every interval until stopped', async () => {
    f.clock.set('2026-11-30T10:00:00+09:00');
    const user = await f.addUser('background');
    await f.addBooking(user, '2026-12-01', '10:00');
    const scheduler = startScheduler(f.deps);
    try {
      for (let i = 0; i < 200 && f.line.pushes.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 25));
    } finally {
      await scheduler.stop();
    }
    expect(f.line.readableTo(user)).toHaveLength(1);
    await scheduler.stop(); // stopping twice is harmless
  });

  it('leaves outbox rows of kinds it does not render to their own sender', async () => {
    const user = await f.addUser('other-kind');
    await f.db.prisma.push.create({
      data: {
        kind: 'terms-change',
        userId: user,
        dueAt: f.clock.now(),
        nextAttemptAt: f.clock.now(),
        retryKey: '3f0c1a52-8a4e-4c57-9a55-0b7c0a1d2e3f',
        data: { termsVersionId: f.termsVersionId },
      },
    });
    expect(await runSchedulerOnce(f.deps)).toMatchObject({ claimed: 0 });
    expect((await f.db.prisma.push.findFirstOrThrow({ where: { kind: 'terms-change' } })).status).toBe('pending');
    expect(f.line.requests).toHaveLength(0);
  });
});
