/**
 * `npm run calendar` as staff run it: the same configuration and the office's own closed and
 * open days from the database as the service.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMigratedDatabase } from '../../src/db/client.ts';
import { applyCalendarChange, setOfficeDay } from '../../src/office-days.ts';

const root = path.resolve(import.meta.dirname, '../..');

function calendar(args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, ['--disable-warning=ExperimentalWarning', 'src/cli/calendar.ts', ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the calendar command', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'hw-cal-'));
    const db = await openMigratedDatabase({ dataDir });
    // Building maintenance on Monday 11-30 moves the deadline of Wednesday 12-02 to Friday 11-27.
    await setOfficeDay(db.prisma, '2026-11-30', false, 'maintenance');
    // A counsellor away on Thursday 12-03 afternoon (console, カレンダー): those slots are not offered.
    await applyCalendarChange(
      db.prisma,
      { kind: 'block', date: '2026-12-03', from: '13:00', until: '15:00', seats: null, note: '研修' },
      new Date('2026-11-28T09:00:00+09:00'),
    );
    await db.close();
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('prints the JSON contract with the office closure from the database', () => {
    const r = calendar(['--from', '2026-11-30', '--days', '3', '--now', '2026-11-28T10:00:00+09:00', '--json'], { DATA_DIR: dataDir });
    expect(r.code).toBe(0);
    const days = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    expect(days.map((d) => Object.keys(d))).toEqual(
      Array(3).fill(['date', 'open', 'closedReason', 'holidayName', 'deadline', 'bookable', 'reminderDay', 'slots']),
    );
    expect(days[0]).toMatchObject({ date: '2026-11-30', open: false, closedReason: 'office', deadline: null, reminderDay: null, slots: [] });
    // With Monday closed, Wednesday's deadline is the 2nd open day before it: Friday 11-27 (passed).
    expect(days[2]).toMatchObject({ date: '2026-12-02', open: true, deadline: '2026-11-27', bookable: false, slots: [] });
  });

  it('leaves out the times the office blocked on a date, as the bot does', () => {
    const r = calendar(['--from', '2026-12-03', '--days', '1', '--now', '2026-11-28T10:00:00+09:00', '--json'], { DATA_DIR: dataDir });
    expect(r.code).toBe(0);
    const [thursday] = JSON.parse(r.stdout) as Array<{ slots: string[] }>;
    expect(thursday?.slots).toEqual(['09:00', '09:30', '10:00', '10:30', '11:00', '11:30', '12:00', '12:30', '15:00', '15:30', '16:00', '16:30']);
  });

  it('prints a table in Japanese for staff', () => {
    const r = calendar(['--from', '2026-12-28', '--days', '8', '--now', '2026-12-01T09:00:00+09:00'], { DATA_DIR: dataDir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('2027-01-01');
    expect(r.stdout).toContain('元日');
    expect(r.stdout).toContain('年末年始');
  });

  it('answers bad arguments with one line and exit code 2', () => {
    for (const args of [['--days', 'abc'], ['--from', '2026-02-30'], ['--now', 'yesterday'], ['--colour']]) {
      const r = calendar(args, { DATA_DIR: dataDir });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
