import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMigratedDatabase } from '../src/db/client.ts';
import type { Database } from '../src/db/client.ts';
import { loadConfig } from '../src/config.ts';
import { loadOfficeCalendar, setOfficeDay } from '../src/office-days.ts';
import { createTestDatabase } from './support/database.ts';
import type { TestDatabase } from './support/database.ts';

describe("the office's own closed and open days", () => {
  let database: TestDatabase;
  let db: Database;
  const config = loadConfig({ LINE_CHANNEL_SECRET: 's', LINE_CHANNEL_ACCESS_TOKEN: 't' });
  const now = new Date('2026-11-28T10:00:00+09:00');
  beforeAll(async () => {
    database = await createTestDatabase();
    db = await openMigratedDatabase({ databaseUrl: database.databaseUrl, dataDir: database.dataDir });
  });
  afterAll(async () => {
    await db.close();
    await database.drop();
  });

  it('become part of the calendar the rules see', async () => {
    await setOfficeDay(db.prisma, '2026-12-07', false, 'maintenance');
    await setOfficeDay(db.prisma, '2026-12-05', true, 'Saturday session');
    const calendar = await loadOfficeCalendar(db.prisma, config, now);
    expect(calendar.closedDays).toContain('2026-12-07');
    expect(calendar.openDays).toContain('2026-12-05');
  });

  it('refuse a date in another format, and a row typed by hand in one does not stop the bot', async () => {
    await expect(setOfficeDay(db.prisma, '2026-12-1', false)).rejects.toThrow('YYYY-MM-DD');
    await db.prisma.officeDay.create({ data: { date: '2026-12-1', open: false, note: 'typed by hand' } });
    const calendar = await loadOfficeCalendar(db.prisma, config, now);
    expect(calendar.closedDays).not.toContain('2026-12-1');
    expect(calendar.closedDays).toContain('2026-12-07');
  });
});
