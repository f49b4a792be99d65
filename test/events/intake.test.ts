/**
 * The webhook intake's group commit (src/events/intake.ts), against a database stand-in that
 * records each statement's rows and can be made to fail: requests that arrive while a statement
 * runs are stored together, each request learns only its own users, a failed statement fails
 * every request in it and the next ones are stored again, and no statement exceeds its row limit.
 * The real INSERT is covered on PGlite and PostgreSQL by test/e2e/back-pressure.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { PrismaClient } from '../../src/generated/prisma/client.ts';
import { createEventIntake } from '../../src/events/intake.ts';
import type { LineEvent } from '../../src/events/webhook-input.ts';

type Row = { id: string; user_id: string | null; status: string; received_at: string };

function fakeDatabase() {
  const statements: Row[][] = [];
  const stored = new Set<string>();
  let failing: number | undefined;
  let release: (() => void) | undefined;
  let hold = false;
  const prisma = {
    async $queryRaw(_strings: TemplateStringsArray, json: string) {
      const rows = JSON.parse(json) as Row[];
      statements.push(rows);
      if (hold) await new Promise<void>((resolve) => (release = resolve));
      if (statements.length === failing) throw new Error('statement failed');
      const created = rows.filter((r) => !stored.has(r.id));
      for (const r of created) stored.add(r.id);
      return created.map(({ id, user_id, status }) => ({ id, user_id, status }));
    },
  } as unknown as PrismaClient;
  return {
    prisma,
    statements,
    /** Makes the n-th statement (1-based) fail. */
    failStatement: (n: number) => void (failing = n),
    holdNext: () => void (hold = true),
    releaseHeld: () => {
      hold = false;
      release?.();
    },
  };
}

let counter = 0;
const text = (userId: string): LineEvent =>
  ({
    type: 'message',
    mode: 'active',
    timestamp: 1_764_290_000_000,
    webhookEventId: `01TEST${String((counter += 1)).padStart(20, '0')}`,
    deliveryContext: { isRedelivery: false },
    source: { type: 'user', userId },
    replyToken: `token-${counter}`,
    message: { id: String(counter), type: 'text', quoteToken: 'q', text: 'こんにちは' },
  }) as unknown as LineEvent;

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('webhook intake (group commit)', () => {
  it('stores a lone request at once, and requests arriving during a statement together in the next one', async () => {
    const db = fakeDatabase();
    const intake = createEventIntake(db.prisma);
    db.holdNext();
    const first = intake.record([text('Ua')], new Date('2026-11-28T01:00:00Z'));
    await tick();
    expect(db.statements).toHaveLength(1);
    const later = ['Ub', 'Uc', 'Ud'].map((u, i) => intake.record([text(u)], new Date(`2026-11-28T01:00:0${i + 1}Z`)));
    await tick();
    expect(db.statements).toHaveLength(1); // still waiting behind the first
    db.releaseHeld();
    expect(await first).toEqual(['Ua']);
    expect(await Promise.all(later)).toEqual([['Ub'], ['Uc'], ['Ud']]);
    expect(db.statements).toHaveLength(2);
    expect(db.statements[1]!.map((r) => r.user_id)).toEqual(['Ub', 'Uc', 'Ud']);
    // Each row keeps the moment its own request arrived.
    expect(db.statements[1]!.map((r) => r.received_at)).toEqual(['2026-11-28T01:00:01.000Z', '2026-11-28T01:00:02.000Z', '2026-11-28T01:00:03.000Z']);
    expect(intake.statements).toBe(2);
  });

  it('gives a redelivered event no user, and a request only the users of its own events', async () => {
    const db = fakeDatabase();
    const intake = createEventIntake(db.prisma);
    const event = text('Ue');
    expect(await intake.record([event], new Date())).toEqual(['Ue']);
    db.holdNext();
    const blocker = intake.record([text('Uf')], new Date());
    await tick();
    const again = intake.record([event], new Date());
    const other = intake.record([text('Ug'), text('Ug')], new Date());
    db.releaseHeld();
    await blocker;
    expect(await again).toEqual([]);
    expect(await other).toEqual(['Ug']);
  });

  it('fails every request of a failed statement, and stores the requests after it', async () => {
    const db = fakeDatabase();
    const intake = createEventIntake(db.prisma);
    db.holdNext();
    db.failStatement(2);
    const blocker = intake.record([text('Uh')], new Date());
    await tick();
    const doomed = [intake.record([text('Ui')], new Date()), intake.record([text('Uj')], new Date())];
    db.releaseHeld();
    const results = await Promise.allSettled([blocker, ...doomed]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
    expect(db.statements).toHaveLength(2);
    // LINE redelivers the failed ones; they are stored then, and later requests are not stuck.
    expect(await intake.record([text('Uk')], new Date())).toEqual(['Uk']);
    expect(db.statements).toHaveLength(3);
  });

  it('puts at most maxRows rows in one statement, and a larger body in one of its own', async () => {
    const db = fakeDatabase();
    const intake = createEventIntake(db.prisma, { maxRows: 5 });
    db.holdNext();
    const blocker = intake.record([text('U0')], new Date());
    await tick();
    const bodies = [3, 2, 2, 7, 1].map((n, b) =>
      intake.record(
        Array.from({ length: n }, () => text(`U${b + 1}`)),
        new Date(),
      ),
    );
    db.releaseHeld();
    await Promise.all([blocker, ...bodies]);
    expect(db.statements.map((s) => s.length)).toEqual([1, 5, 2, 7, 1]);
  });
});
