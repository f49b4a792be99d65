/**
 * What one text turn costs the database, counted from Prisma's query log: the webhook's INSERT,
 * then the turn (restore, facts, transition, persist, reply recorded and marked sent). Each
 * statement is a round trip, and round trips were most of a turn's time on PostgreSQL (issue #13).
 */
import { Writable } from 'node:stream';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { ManualClock } from '../../src/clock.ts';
import { createLogger } from '../../src/logger.ts';
import { startService } from '../../src/service.ts';
import type { Service } from '../../src/service.ts';
import { startFakeLineApi } from '../support/fake-line-api.ts';
import type { FakeLineApi } from '../support/fake-line-api.ts';
import { createTestDatabase } from '../support/database.ts';
import type { TestDatabase } from '../support/database.ts';
import { CHANNEL_SECRET, CHANNEL_TOKEN, FIELD_KEY, eventsFor, lineUserId, sign } from '../support/harness.ts';

let line: FakeLineApi;
let database: TestDatabase;
let service: Service;
const clock = new ManualClock('2026-11-30T10:00:00+09:00');
const statements: string[] = [];
const pending = new Set<Promise<void>>();

beforeAll(async () => {
  line = await startFakeLineApi({ channelAccessToken: CHANNEL_TOKEN });
  database = await createTestDatabase();
  const config = loadConfig({
    LINE_CHANNEL_SECRET: CHANNEL_SECRET,
    LINE_CHANNEL_ACCESS_TOKEN: CHANNEL_TOKEN,
    LINE_API_BASE_URL: line.baseURL,
    DATA_DIR: database.dataDir,
    ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
    FIELD_ENCRYPTION_KEY: FIELD_KEY,
    NODE_ENV: 'test',
  });
  service = await startService(config, {
    clock,
    logger: createLogger({ level: 'silent', destination: new Writable({ write: (_chunk, _enc, cb) => cb() }) }),
    runSweeps: false,
    onQuery: (sql) => statements.push(sql),
    trackBackgroundWork: (work) => {
      pending.add(work);
      void work.finally(() => pending.delete(work));
    },
  });
});
afterAll(async () => {
  await service?.close();
  await line?.close();
  await database?.drop();
});

async function post(events: object[]): Promise<void> {
  const body = JSON.stringify({ destination: 'Uffffffffffffffffffffffffffffffff', events });
  const res = await request(service.app).post('/webhook').set('content-type', 'application/json').set('x-line-signature', sign(body)).send(body);
  expect(res.status).toBe(200);
  while (pending.size > 0) await Promise.all([...pending]);
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
    const ev = eventsFor(line, user, clock);
    await post([ev.follow()]);
    await post([ev.text('こんにちは')]); // warm: caches filled, as in a running service
    const turn = await countTurn([ev.text('予約したい')]);
    console.info(`statements for one text turn: ${turn.length}\n  ${turn.map((s) => s.replace(/\s+/g, ' ').slice(0, 110)).join('\n  ')}`);
    expect(line.textsTo(user).length).toBeGreaterThan(0);
    // 19 before issue #13 (21 with BEGIN and COMMIT): three for an upsert with an empty update,
    // five for the calendar and the terms. Now: the webhook's INSERT; in the turn's transaction
    // the user's lock, the event, the user row, the conversation, one check of the calendar and
    // terms, consents, bookings, refusal, taken seats, the new conversation, the event done;
    // after commit, the reply marked sent.
    expect(turn.length).toBeLessThanOrEqual(13);
    expect(turn.filter((sql) => /terms_versions"?\."?(id|version)|office_days"?\."?date/.test(sql))).toEqual([]);
  });
});
