/**
 * The calendar command: what the booking rules say about each day, for office staff checking
 * the configuration and for other tools (the --json shape is a contract, see issue 3).
 *
 *   npm run calendar -- [--from YYYY-MM-DD] [--days N] [--now <ISO 8601 instant>] [--json]
 *
 * This module parses the arguments and prints; src/cli/calendar.ts loads the configuration
 * and the office's closed and open days and calls runCalendarCommand.
 */
import { addDays, bookingDeadline, dayInfo, isBookableDate, isJpDate, reminderDayFor, slotsOn, tokyoDateOf, tokyoTimeOf, weekdayOf } from '../rules/index.ts';
import type { ClosedReason, JpDate, OfficeCalendarConfig, TakenByDate, TimeOfDay } from '../rules/index.ts';

export type CalendarCommandDeps = {
  /** The current instant; --now overrides it. */
  readonly now: Date;
  /** A configuration that passed validateOfficeCalendarConfig, with the office's closed and open days. */
  readonly config: OfficeCalendarConfig;
  /** Active bookings per date and start, subtracted from the slots shown; none when omitted. */
  readonly taken?: TakenByDate;
  /** Writes text to standard output; the text carries no final newline, the writer ends the line. */
  readonly stdout: (text: string) => void;
  /** Writes one error line to standard error, without its newline. */
  readonly stderr: (text: string) => void;
};

/** One day of `--json` output; the field names and values are a contract other tools rely on. */
export type CalendarDay = {
  readonly date: JpDate;
  readonly open: boolean;
  /** Never 'outside-holiday-data': the command refuses dates the holiday data does not cover. */
  readonly closedReason: ClosedReason | null;
  readonly holidayName: string | null;
  /** Null on closed days. */
  readonly deadline: JpDate | null;
  readonly bookable: boolean;
  /** Null on closed days. */
  readonly reminderDay: JpDate | null;
  /** The starts still bookable as of `now`; empty on closed days. */
  readonly slots: readonly TimeOfDay[];
};

/** Exit status for bad arguments, as for most command-line tools. */
const EXIT_USAGE = 2;

const USAGE = 'usage: npm run calendar -- [--from YYYY-MM-DD] [--days N] [--now <ISO 8601 instant>] [--json]';
const MAX_DAYS = 366;

/** Runs the command and returns its exit status: 0, or 2 after a one-line error for bad arguments. */
export function runCalendarCommand(argv: readonly string[], deps: CalendarCommandDeps): number {
  let args: CalendarArguments;
  try {
    args = parseCalendarArguments(argv);
  } catch (error) {
    if (error instanceof CalendarUsageError) {
      deps.stderr(`calendar: ${error.message}`);
      return EXIT_USAGE;
    }
    throw error;
  }
  if (args.help) {
    deps.stdout(USAGE);
    return 0;
  }
  const now = args.now ?? deps.now;
  const from = args.from ?? tokyoDateOf(now);
  const dates = Array.from({ length: args.days }, (_, offset) => addDays(from, offset));

  const unknown = dates.filter((date) => dayInfo(date, deps.config).closedReason === 'outside-holiday-data');
  if (unknown.length > 0) {
    deps.stderr(
      `calendar: ${unknown[0]} is outside the years the holiday data covers, so its holidays are unknown; ask for earlier dates or update @holiday-jp/holiday_jp`,
    );
    return EXIT_USAGE;
  }
  let days: CalendarDay[];
  try {
    days = dates.map((date) => calendarDay(date, now, deps.config, deps.taken?.[date]));
  } catch (error) {
    // Only the first days of the holiday data's first year lack enough open days before them.
    if (error instanceof RangeError) {
      deps.stderr(`calendar: ${error.message}`);
      return EXIT_USAGE;
    }
    throw error;
  }
  deps.stdout(args.json ? JSON.stringify(days) : formatTable(days, now, deps.config));
  return 0;
}

/**
 * Checks `argv` before the command opens the database: the usage error if any, else the
 * instant the calendar is shown as of (`--now`), so the database is read as of then too.
 */
export function checkCalendarArguments(argv: readonly string[]): { error: string } | { now: Date | undefined } {
  try {
    return { now: parseCalendarArguments(argv).now };
  } catch (error) {
    if (error instanceof CalendarUsageError) return { error: `calendar: ${error.message}` };
    throw error;
  }
}

/** What the rules say about `date` as of `now`, in the shape of the --json contract. */
export function calendarDay(date: JpDate, now: Date, config: OfficeCalendarConfig, taken?: Readonly<Record<TimeOfDay, number>>): CalendarDay {
  const info = dayInfo(date, config);
  return {
    date,
    open: info.open,
    closedReason: info.closedReason,
    holidayName: info.holidayName,
    deadline: info.open ? bookingDeadline(date, config) : null,
    bookable: isBookableDate(date, now, config),
    reminderDay: info.open ? reminderDayFor(date, config) : null,
    slots: slotsOn(date, now, config, taken),
  };
}

type CalendarArguments = { from?: JpDate; days: number; now?: Date; json: boolean; help: boolean };

class CalendarUsageError extends Error {
  override readonly name = 'CalendarUsageError';
}

function parseCalendarArguments(argv: readonly string[]): CalendarArguments {
  const args: CalendarArguments = { days: 14, json: false, help: false };
  const seen = new Set<string>();
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] ?? '';
    const equals = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = equals === -1 ? arg : arg.slice(0, equals);
    const inlineValue = equals === -1 ? undefined : arg.slice(equals + 1);
    if (seen.has(name)) throw new CalendarUsageError(`${name} is given twice`);
    seen.add(name);

    if (name === '--json' || name === '--help' || name === '-h') {
      if (inlineValue !== undefined) throw new CalendarUsageError(`${name} takes no value`);
      if (name === '--json') args.json = true;
      else args.help = true;
      continue;
    }
    if (name !== '--from' && name !== '--days' && name !== '--now') {
      throw new CalendarUsageError(`unknown argument "${arg}"; ${USAGE}`);
    }
    let value = inlineValue;
    if (value === undefined) {
      index += 1;
      value = argv[index];
    }
    if (value === undefined || value === '') throw new CalendarUsageError(`${name} needs a value`);
    if (name === '--from') args.from = parseFrom(value);
    else if (name === '--days') args.days = parseDays(value);
    else args.now = parseInstant(value);
  }
  return args;
}

function parseFrom(text: string): JpDate {
  if (!isJpDate(text)) throw new CalendarUsageError(`--from must be a date written YYYY-MM-DD (got "${text}")`);
  return text;
}

function parseDays(text: string): number {
  const days = /^\d{1,3}$/.test(text) ? Number(text) : NaN;
  if (!(days >= 1 && days <= MAX_DAYS)) {
    throw new CalendarUsageError(`--days must be a whole number from 1 to ${MAX_DAYS} (got "${text}")`);
  }
  return days;
}

/**
 * An ISO 8601 instant with an explicit offset. A date-time without one is refused: Date.parse
 * would read it in the process time zone, which is exactly the ambiguity this tool must avoid.
 * Out-of-range fields (2026-02-30, 24:00) are refused too, though Date.parse rolls them over.
 */
function parseInstant(text: string): Date {
  const match = /^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(?:\.\d{1,3})?)?(Z|[+-](?:0\d|1[0-4]):[0-5]\d)$/.exec(text.toUpperCase());
  const date = match?.[1];
  if (date === undefined || !isJpDate(date)) {
    throw new CalendarUsageError(`--now must be an ISO 8601 instant with its offset, e.g. 2026-11-28T10:00:00+09:00 (got "${text}")`);
  }
  return new Date(Date.parse(text.toUpperCase()));
}

const WEEKDAYS = ['日', '月', '火', '水', '木', '金', '土'] as const;

const CLOSED_REASON_LABELS: Record<ClosedReason, string> = {
  weekend: '土日',
  holiday: '祝日',
  'year-end': '年末年始',
  office: '臨時閉庁',
  'outside-holiday-data': '祝日データ範囲外',
};

/** A table in Japanese for office staff: one line per day, free text last so columns stay aligned. */
function formatTable(days: readonly CalendarDay[], now: Date, config: OfficeCalendarConfig): string {
  const columns = [16, 6, 12, 12] as const;
  const row = (cells: readonly string[]): string =>
    cells
      .map((cell, index) => (index < columns.length ? padToWidth(cell, columns[index] ?? 0) : cell))
      .join('')
      .trimEnd();
  const lines = [
    `予約受付カレンダー  ${withWeekday(tokyoDateOf(now))} ${tokyoTimeOf(now)} 時点（日本時間）`,
    `締切: 相談日の${config.deadlineOpenDays}開庁日前まで／受付: ${config.horizonDays}日先まで／定員: 1枠${config.capacityPerSlot}名`,
    '',
    row(['日付', '受付', '締切日', '前日連絡日', '空き枠（開始時刻）・備考']),
    ...days.map((day) =>
      row([withWeekday(day.date), day.open ? (day.bookable ? '可' : '不可') : '-', day.deadline ?? '-', day.reminderDay ?? '-', remarks(day, now, config)]),
    ),
  ];
  return lines.join('\n');
}

function remarks(day: CalendarDay, now: Date, config: OfficeCalendarConfig): string {
  if (!day.open) {
    const label = day.closedReason === null ? '' : CLOSED_REASON_LABELS[day.closedReason];
    return `閉庁日: ${label}${day.holidayName === null ? '' : `（${day.holidayName}）`}`;
  }
  const exceptional = config.openDays.includes(day.date) ? `臨時開庁${day.holidayName === null ? '' : `（${day.holidayName}）`} ` : '';
  const today = tokyoDateOf(now);
  if (day.date < today) return `${exceptional}過去の日付`;
  if (day.deadline !== null && today > day.deadline) return `${exceptional}受付締切済み`;
  if (day.date > addDays(today, config.horizonDays)) return `${exceptional}受付期間外`;
  if (day.slots.length === 0) return `${exceptional}空き枠なし`;
  return `${exceptional}${day.slots.length}枠: ${slotRuns(day.slots, config.slotStarts)}`;
}

/** '09:00–11:00, 13:00–16:30': runs of consecutive configured starts, shorter than listing each one. */
function slotRuns(slots: readonly TimeOfDay[], configured: readonly TimeOfDay[]): string {
  const runs: TimeOfDay[][] = [];
  let previousIndex = -2;
  for (const slot of slots) {
    const index = configured.indexOf(slot);
    const current = runs[runs.length - 1];
    if (current !== undefined && index === previousIndex + 1) current.push(slot);
    else runs.push([slot]);
    previousIndex = index;
  }
  return runs.map((run) => (run.length === 1 ? run[0] : `${run[0]}–${run[run.length - 1]}`)).join(', ');
}

function withWeekday(date: JpDate): string {
  return `${date}(${WEEKDAYS[weekdayOf(date)]})`;
}

/** Pads to a terminal width, counting CJK and full-width characters as two columns. */
function padToWidth(text: string, width: number): string {
  let used = 0;
  for (const char of text) used += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(char) ? 2 : 1;
  return text + ' '.repeat(Math.max(1, width - used));
}
