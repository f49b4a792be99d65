/**
 * The calendar and terms cache of the dialogue (src/dialogue/reference-data.ts): one statement
 * per turn when nothing changed, and any change staff make — on this instance or on another one
 * sharing the database — seen by the very next turn. On PostgreSQL (`npm run test:pg`) the
 * writer is a second client with a pool of its own, as another instance would be.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { openDatabase, openMigratedDatabase } from '../../src/db/client.ts';
import type { Database } from '../../src/db/client.ts';
import { seedInitialData } from '../../src/db/seed.ts';
import { createReferenceCache, loadReferenceData } from '../../src/dialogue/reference-data.ts';
import type { ReferenceData } from '../../src/dialogue/reference-data.ts';
import { setOfficeDay } from '../../src/office-days.ts';
import { dayInfo } from '../../src/rules/index.ts';
import { createTestDatabase } from '../support/database.ts';
import type { TestDatabase } from '../support/database.ts';

let database: TestDatabase;
let reader: Database;
/** Another instance on PostgreSQL; the same client on the embedded database (one process). */
let writer: Database;
const statements: string[] = [];
const config = loadConfig({
  LINE_CHANNEL_SECRET: 'x',
  LINE_CHANNEL_ACCESS_TOKEN: 'y',
  FIELD_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
  NODE_ENV: 'test',
});
const now = new Date('2026-12-07T10:00:00+09:00'); // Monday
const cache = createReferenceCache();

beforeAll(async () => {
  database = await createTestDatabase();
  reader = await openMigratedDatabase({ databaseUrl: database.databaseUrl, dataDir: database.dataDir, onQuery: (sql) => statements.push(sql) });
  await seedInitialData(reader.prisma);
  writer = database.databaseUrl ? await openDatabase({ databaseUrl: database.databaseUrl, dataDir: database.dataDir }) : reader;
});
afterAll(async () => {
  if (writer !== reader) await writer?.close();
  await reader?.close();
  await database?.drop();
});

/** One turn's read, with the statements it took (the transaction's COMMIT left out). */
async function turn(at: Date = now): Promise<{ data: ReferenceData; statements: number }> {
  statements.length = 0;
  const data = await reader.prisma.$transaction((tx) => cache.load(tx, config, at));
  return { data, statements: statements.filter((sql) => !/COMMIT/i.test(sql)).length };
}

describe('calendar and terms between turns', () => {
  it('are read once, then checked with one statement per turn, and equal what a full read gives', async () => {
    await turn();
    const again = await turn();
    expect(again.statements).toBe(1);
    const fresh = await reader.prisma.$transaction((tx) => loadReferenceData(tx, config, now));
    expect(again.data.calendar).toEqual(fresh.calendar);
    expect(again.data.termsInForce).toEqual(fresh.termsInForce);
  });

  it('see a day closed, reopened and deleted by another writer at the next turn', async () => {
    const date = '2026-12-09'; // a Wednesday: open by the rules
    expect(dayInfo(date, (await turn()).data.calendar).open).toBe(true);
    await setOfficeDay(writer.prisma, date, false, 'maintenance');
    expect(dayInfo(date, (await turn()).data.calendar).open).toBe(false);
    await setOfficeDay(writer.prisma, date, true);
    expect(dayInfo(date, (await turn()).data.calendar).open).toBe(true);
    await setOfficeDay(writer.prisma, date, false);
    expect(dayInfo(date, (await turn()).data.calendar).open).toBe(false);
    await writer.prisma.officeDay.delete({ where: { date } });
    const after = await turn();
    expect(dayInfo(date, after.data.calendar).open).toBe(true);
    expect((await turn()).statements).toBe(1);
  });

  it('see capacity and blocked times changed by another writer at the next turn', async () => {
    await turn();
    await writer.prisma.officeDayCapacity.create({ data: { date: '2026-12-10', capacity: 3, createdAt: now, updatedAt: now } });
    expect((await turn()).data.calendar.capacityByDate?.['2026-12-10']).toBe(3);
    const block = await writer.prisma.officeBlockedTime.create({
      data: { date: '2026-12-10', startTime: '13:00', endTime: '14:00', seats: null, createdAt: now },
    });
    expect((await turn()).data.calendar.blockedTimes?.some((b) => b.date === '2026-12-10' && b.from === '13:00')).toBe(true);
    await writer.prisma.officeBlockedTime.delete({ where: { id: block.id } });
    expect((await turn()).data.calendar.blockedTimes?.some((b) => b.date === '2026-12-10')).toBe(false);
  });

  it('see a terms label edited by another writer, and a published version take effect when its instant comes without any write', async () => {
    const current = (await turn()).data.termsInForce;
    await writer.prisma.termsVersion.update({ where: { id: current.id }, data: { label: 'bench label' } });
    expect((await turn()).data.termsCard(current.version, undefined)?.label).toContain('bench label');
    const effectiveAt = new Date(now.getTime() + 3_600_000);
    await writer.prisma.termsVersion.create({
      data: { version: '2026-12-07-next', title: 'next', body: 'next terms', effectiveAt, status: 'published', label: 'next' },
    });
    expect((await turn()).data.termsInForce.version).toBe(current.version);
    const later = await turn(new Date(effectiveAt.getTime() + 1));
    expect(later.data.termsInForce.version).toBe('2026-12-07-next');
    expect(later.statements).toBe(1);
  });
});
