import { describe, expect, it } from 'vitest';
import { runCalendarCommand } from '../../src/cli/calendar-command.ts';
import type { CalendarCommandDeps } from '../../src/cli/calendar-command.ts';
import { defaultOfficeCalendarConfig } from '../../src/rules/index.ts';

const allDaySlots = [...defaultOfficeCalendarConfig.slotStarts];

function run(argv: string[], deps: Partial<CalendarCommandDeps> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = runCalendarCommand(argv, {
    now: new Date('2026-11-28T03:00:00Z'), // Saturday 12:00 in Tokyo
    config: defaultOfficeCalendarConfig,
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    ...deps,
  });
  return { code, stdout: out.join('\n'), stderr: err };
}

function runJson(argv: string[], deps: Partial<CalendarCommandDeps> = {}): unknown[] {
  const { code, stdout } = run([...argv, '--json'], deps);
  expect(code).toBe(0);
  return JSON.parse(stdout) as unknown[];
}

describe('calendar command', () => {
  it('prints the contract’s JSON items for the Saturday 28 November 2026 example', () => {
    expect(runJson(['--from', '2026-11-28', '--days', '5'])).toEqual([
      { date: '2026-11-28', open: false, closedReason: 'weekend', holidayName: null, deadline: null, bookable: false, reminderDay: null, slots: [] },
      { date: '2026-11-29', open: false, closedReason: 'weekend', holidayName: null, deadline: null, bookable: false, reminderDay: null, slots: [] },
      { date: '2026-11-30', open: true, closedReason: null, holidayName: null, deadline: '2026-11-26', bookable: false, reminderDay: '2026-11-27', slots: [] },
      { date: '2026-12-01', open: true, closedReason: null, holidayName: null, deadline: '2026-11-27', bookable: false, reminderDay: '2026-11-30', slots: [] },
      {
        date: '2026-12-02',
        open: true,
        closedReason: null,
        holidayName: null,
        deadline: '2026-11-30',
        bookable: true,
        reminderDay: '2026-12-01',
        slots: allDaySlots,
      },
    ]);
  });

  it('names holidays and the year-end closure', () => {
    const days = runJson(['--from', '2026-12-28', '--days', '8']) as { date: string; closedReason: string | null; holidayName: string | null }[];
    expect(days.map((day) => [day.date, day.closedReason, day.holidayName])).toEqual([
      ['2026-12-28', null, null],
      ['2026-12-29', 'year-end', null],
      ['2026-12-30', 'year-end', null],
      ['2026-12-31', 'year-end', null],
      ['2027-01-01', 'holiday', '元日'],
      ['2027-01-02', 'year-end', null],
      ['2027-01-03', 'year-end', null],
      ['2027-01-04', null, null],
    ]);
  });

  it('starts from today in Tokyo and lists 14 days by default', () => {
    const days = runJson([], { now: new Date('2026-11-27T15:30:00Z') }) as { date: string }[];
    expect(days).toHaveLength(14);
    expect(days[0]?.date).toBe('2026-11-28');
  });

  it('answers as of --now instead of the current instant', () => {
    const [tuesday] = runJson(['--from', '2026-12-01', '--days', '1', '--now', '2026-11-27T23:59:00+09:00']) as { bookable: boolean }[];
    expect(tuesday?.bookable).toBe(true);
    const [later] = runJson(['--from=2026-12-01', '--days=1', '--now=2026-11-27T15:00:00Z']) as { bookable: boolean }[];
    expect(later?.bookable).toBe(false);
  });

  it('shows the office’s own closed and open days and subtracts taken slots', () => {
    const config = { ...defaultOfficeCalendarConfig, closedDays: ['2026-12-03'], openDays: ['2026-12-05'] };
    const days = runJson(['--from', '2026-12-02', '--days', '4'], { config, taken: { '2026-12-02': { '09:00': 1 } } }) as {
      date: string;
      open: boolean;
      closedReason: string | null;
      slots: string[];
    }[];
    expect(days.map((day) => [day.date, day.open, day.closedReason, day.slots.length])).toEqual([
      ['2026-12-02', true, null, 15],
      ['2026-12-03', false, 'office', 0],
      ['2026-12-04', true, null, 16],
      ['2026-12-05', true, null, 16],
    ]);
  });

  it('prints a table in Japanese for office staff without --json', () => {
    const { code, stdout } = run(['--from', '2026-11-28', '--days', '5']);
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toBe('予約受付カレンダー  2026-11-28(土) 12:00 時点（日本時間）');
    expect(lines).toContain('2026-11-28(土)  -     -           -           閉庁日: 土日');
    expect(lines).toContain('2026-12-01(火)  不可  2026-11-27  2026-11-30  受付締切済み');
    expect(lines).toContain('2026-12-02(水)  可    2026-11-30  2026-12-01  16枠: 09:00–16:30');
  });

  it.each([
    [['--days', '0']],
    [['--days', 'ten']],
    [['--days', '367']],
    [['--from', '2026-02-30']],
    [['--from']],
    [['--now', '2026-11-28T12:00']],
    [['--now', '2026-02-30T12:00:00+09:00']],
    [['--now', 'yesterday']],
    [['--json=yes']],
    [['--days', '3', '--days', '4']],
    [['2026-12-01']],
    [['--verbose']],
  ])('rejects %j with one line on stderr and exit code 2', (argv) => {
    const { code, stdout, stderr } = run(argv);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toHaveLength(1);
    expect(stderr[0]).toMatch(/^calendar: [^\n]+$/);
  });

  it('refuses dates whose holidays the data does not know, and says why', () => {
    const { code, stderr } = run(['--from', '2051-01-10', '--json']);
    expect(code).toBe(2);
    expect(stderr[0]).toContain('2051-01-10 is outside the years the holiday data covers');
  });

  it('prints its usage for --help', () => {
    const { code, stdout } = run(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^usage: npm run calendar -- /);
  });
});
