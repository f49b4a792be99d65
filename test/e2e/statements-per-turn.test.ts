/**
 * What one text turn costs the database, counted from Prisma's query log: the webhook's INSERT,
 * then the turn (restore, facts, transition, persist, reply recorded and marked sent). Each
 * statement is a round trip, and round trips were most of a turn's time on PostgreSQL (issue #13).
 */
import { describe, expect, it } from 'vitest';
import { eventsFor, lineUserId, useHarness } from '../support/harness.ts';

const statements: string[] = [];

const h = useHarness({ now: '2026-11-30T10:00:00+09:00', onQuery: (sql) => statements.push(sql), checkLine: 'never' });

async function post(events: object[]): Promise<void> {
  expect((await h.post(events)).status).toBe(200);
}

/** Statements of one turn, without the transaction's own COMMIT (Prisma logs it; BEGIN it does not). */
async function countTurn(events: object[]): Promise<string[]> {
  statements.length = 0;
  await post(events);
  return statements.filter((sql) => !/^\s*(--[^\n]*\n\s*)*(COMMIT|BEGIN)\b/i.test(sql) && !/Implicit "COMMIT"/.test(sql));
}

describe('statements per text turn', () => {
  it('a text message mid-conversation', async () => {
    const user = lineUserId('statements');
    const ev = eventsFor(h.line, user, h.clock);
    await post([ev.follow()]);
    await post([ev.text('こんにちは')]); // warm: caches filled, as in a running service
    const turn = await countTurn([ev.text('予約したい')]);
    console.info(`statements for one text turn: ${turn.length}\n  ${turn.map((s) => s.replace(/\s+/g, ' ').slice(0, 110)).join('\n  ')}`);
    expect(h.line.textsTo(user).length).toBeGreaterThan(0);
    // 19 before issue #13 (21 with BEGIN and COMMIT): three for an upsert with an empty update,
    // five for the calendar and the terms, one each for the conversation, consents, bookings,
    // the user's refusal and the taken seats. Now: the webhook's INSERT; in the turn's
    // transaction the user's lock, the event, one statement that makes sure the user row exists
    // and reads everything the turn needs (src/dialogue/turn-facts.ts), the new conversation, the
    // event done; after commit, the reply marked sent.
    expect(turn.length).toBeLessThanOrEqual(7);
    expect(turn.filter((sql) => /terms_versions"?\."?(id|version)|office_days"?\."?date/.test(sql))).toEqual([]);
  });
});
