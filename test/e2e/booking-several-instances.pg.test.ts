/**
 * Two instances of the service on one PostgreSQL database (as behind a load balancer), each
 * receiving some of one user's webhook requests at the same time. Only on PostgreSQL:
 *   TEST_DATABASE_URL=postgresql://… npx vitest run --config vitest.pg.config.ts test/e2e
 * Both instances reply through one fake LINE API, whichever of them applies an event.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventsFor, startHarness } from '../support/harness.ts';
import type { Harness } from '../support/harness.ts';
import { createTestDatabase, onPostgres } from '../support/database.ts';
import type { TestDatabase } from '../support/database.ts';
import { chatUser } from '../support/chat.ts';
import { copy } from '../../src/wording/chat.ts';
import { answers, confirmedBookings, repliesPerToken, storedState, toNameQuestion, toSummary } from './booking-steps.ts';

describe.runIf(onPostgres)('several server instances sharing one PostgreSQL database', () => {
  let database: TestDatabase;
  let one: Harness;
  let two: Harness;
  beforeAll(async () => {
    database = await createTestDatabase();
    one = await startHarness({ database });
    // The second instance sends its replies to the first one's fake LINE API, so that every
    // reply to the user is seen in one place whichever instance applied the event.
    two = await startHarness({ database, env: { LINE_API_BASE_URL: one.line.baseURL } });
  });
  afterAll(async () => {
    one.line.assertNoRejections();
    two.line.assertNoRejections();
    await two.close();
    await one.close();
    await database.drop();
  });

  /** Events one second apart on both instances' clocks. */
  function stamped(userId: string, texts: string[]) {
    const ev = eventsFor(one.line, userId, one.clock);
    return texts.map((t) => {
      one.clock.advance(1000);
      two.clock.advance(1000);
      return ev.text(t);
    });
  }

  it('applies one user’s messages, posted to both instances at once, in order, once each', async () => {
    for (let round = 0; round < 3; round++) {
      const u = chatUser(one, `instances-${round}`);
      await toNameQuestion(u);
      const events = stamped(u.userId, [answers.name, answers.number, answers.phone, 'はい', answers.topic]);
      // Alternate instances, all requests in flight together.
      await Promise.all(events.map((e, i) => (i % 2 === 0 ? one : two).post([e])));
      await Promise.all([one.settle(), two.settle()]);
      const state = await storedState(one, u.userId);
      expect(state?.value, `round ${round}`).toBe('attendant');
      expect(state?.context.draft).toEqual({
        name: '港北 太郎',
        jobSeekerNumber: '12345-1234567',
        phone: '09012345678',
        phoneChanged: false,
        topic: answers.topic,
      });
      expect(
        repliesPerToken(
          one,
          events.map((e) => e.replyToken),
        ),
      ).toEqual([1, 1, 1, 1, 1]);
    }
  });

  it('books once when the confirm tap reaches both instances at once (a double tap)', async () => {
    const u = chatUser(one, 'instances-double-tap');
    await toSummary(u);
    const data = u.dataOf('この内容で予約する');
    const ev = eventsFor(one.line, u.userId, one.clock);
    const first = ev.postback(data);
    one.clock.advance(500);
    const second = ev.postback(data);
    await Promise.all([one.post([first]), two.post([second])]);
    await Promise.all([one.settle(), two.settle()]);
    expect(await confirmedBookings(one, u.userId)).toHaveLength(1);
    expect(repliesPerToken(one, [first.replyToken, second.replyToken])).toEqual([1, 1]);
    const texts = [first, second].map(
      (e) =>
        one.line.replies
          .find((r) => r.replyToken === e.replyToken)
          ?.messages.map((m) => (m.type === 'text' ? m.text : m.type === 'flex' ? m.altText : ''))
          .join('\n') ?? '',
    );
    expect(texts[0]).toContain('ご予約が確定しました');
    expect(texts[1]).toContain(copy.staleButton);
  });

  it('gives the last place to one of two users whose confirm taps reach different instances at once', async () => {
    const a = chatUser(one, 'instances-race-a');
    const b = chatUser(one, 'instances-race-b');
    await Promise.all([toSummary(a, { time: '14:00' }), toSummary(b, { time: '14:00' })]);
    const ta = eventsFor(one.line, a.userId, one.clock).postback(a.dataOf('この内容で予約する'));
    const tb = eventsFor(one.line, b.userId, one.clock).postback(b.dataOf('この内容で予約する'));
    await Promise.all([one.post([ta]), two.post([tb])]);
    await Promise.all([one.settle(), two.settle()]);
    const booked = await one.service.db.prisma.booking.findMany({ where: { date: '2026-12-02', startTime: '14:00', status: 'confirmed' } });
    expect(booked).toHaveLength(1);
    expect(await one.service.db.prisma.slotSeat.count({ where: { date: '2026-12-02', startTime: '14:00' } })).toBe(1);
    const loser = booked[0]?.userId === a.userId ? b : a;
    expect((await storedState(one, loser.userId))?.value).toBe('time');
  });
});
