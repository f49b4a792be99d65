/**
 * Configuration, read once at start from the environment (and `.env` if present; the real
 * environment wins) and validated with zod. A missing or malformed value stops the process
 * with one line naming the variable and what is expected. The variable names are a contract:
 * tests, `.env.example` and the README rely on them.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { decodeFieldKey } from './crypto/field-cipher.ts';
import { defaultOfficeCalendarConfig, OfficeCalendarConfigError, parseSlotStarts, validateOfficeCalendarConfig } from './rules/index.ts';
import type { OfficeCalendarConfig } from './rules/index.ts';

const timeOfDay = /^([01]\d|2[0-3]):[0-5]\d$/;

const bool = (name: string, fallback: boolean) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return fallback;
      if (/^(1|true|yes|on)$/i.test(v)) return true;
      if (/^(0|false|no|off)$/i.test(v)) return false;
      ctx.addIssue({ code: 'custom', message: `${name} must be true or false` });
      return z.NEVER;
    });

const int = (name: string, fallback: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return fallback;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `${name} must be a whole number from ${min} to ${max}` });
        return z.NEVER;
      }
      return n;
    });

const str = (fallback: string) =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? fallback : v.trim()));

/** Slot starts through the rules module's own parser, so config and rules agree. */
function parseSlotStartsVariable(value: string, ctx: z.RefinementCtx): string[] {
  try {
    return parseSlotStarts(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'SLOT_STARTS must be "HH:mm-HH:mm/step" (e.g. 09:00-16:30/30) or a comma list of HH:mm' });
    return z.NEVER;
  }
}

const databaseUrl = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (v === undefined || v.trim() === '') return undefined;
    if (!/^postgres(ql)?:\/\/.+/.test(v.trim())) {
      ctx.addIssue({ code: 'custom', message: 'DATABASE_URL must be a postgresql://user@host:port/database URL, or unset for the embedded database' });
      return z.NEVER;
    }
    return v.trim();
  });

const origin = z
  .string()
  .optional()
  .transform((v, ctx) => {
    const value = v === undefined || v.trim() === '' ? 'https://api.line.me' : v.trim();
    try {
      const url = new URL(value);
      if (!/^https?:$/.test(url.protocol) || (url.pathname !== '/' && url.pathname !== '')) throw new Error('not an origin');
      return url.origin;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'LINE_API_BASE_URL must be an origin such as https://api.line.me (no path)' });
      return z.NEVER;
    }
  });

const optionalUrl = (name: string) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return undefined;
      try {
        const url = new URL(v.trim());
        // Meeting links reach users: https only, as the staff API requires.
        if (url.protocol !== 'https:') throw new Error('scheme');
        return url.toString();
      } catch {
        ctx.addIssue({ code: 'custom', message: `${name} must be an https:// URL` });
        return z.NEVER;
      }
    });

/**
 * Where users' browsers reach this service (issue #10): the consent card and announcements link
 * to `<PUBLIC_BASE_URL>/terms/<version>`. LINE opens only absolute https links, so https only; a
 * path prefix is kept (behind a reverse proxy). Unset: no links, the full text goes in the chat.
 */
const publicBaseUrl = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (v === undefined || v.trim() === '') return undefined;
    try {
      const url = new URL(v.trim());
      if (url.protocol !== 'https:' || url.search || url.hash || url.username || url.password) throw new Error('not a base URL');
      return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'PUBLIC_BASE_URL must be an https:// address such as https://line.example.jp (no query), or unset' });
      return z.NEVER;
    }
  });

/**
 * TRUST_PROXY: which reverse proxies may tell the client's address (X-Forwarded-For), for the
 * sign-in limits per address. Unset: none — the peer's address is the client's, as when the
 * service is reached directly. Behind a load balancer every clerk would otherwise share the
 * proxy's address, and 20 failures by anyone would lock everyone out. Accepted: a number of
 * proxy hops (1–10), or a comma-separated list of addresses, CIDR ranges and Express's names
 * `loopback`, `linklocal`, `uniquelocal`. `true` (trust any sender) is refused: anybody could then
 * choose the address their failures count against.
 */
const trustProxy = z
  .string()
  .optional()
  .transform((v, ctx): false | number | string[] => {
    const value = v?.trim() ?? '';
    if (value === '' || value === 'false') return false;
    if (/^\d+$/.test(value)) {
      const hops = Number(value);
      if (hops >= 1 && hops <= 10) return hops;
    } else {
      const entries = value.split(',').map((e) => e.trim());
      const ok = (entry: string) => {
        if (['loopback', 'linklocal', 'uniquelocal'].includes(entry)) return true;
        const [address, bits, ...rest] = entry.split('/');
        if (rest.length > 0 || !address || isIP(address) === 0) return false;
        if (bits === undefined) return true;
        const max = isIP(address) === 4 ? 32 : 128;
        return /^\d{1,3}$/.test(bits) && Number(bits) <= max;
      };
      if (entries.length > 0 && entries.every(ok)) return entries;
    }
    ctx.addIssue({
      code: 'custom',
      message:
        'TRUST_PROXY must be a number of proxy hops (1-10) or a comma-separated list of proxy addresses, CIDR ranges, loopback, linklocal or uniquelocal (e.g. 10.0.0.0/8), or unset',
    });
    return z.NEVER;
  });

/**
 * FIELD_ENCRYPTION_OLD_KEYS: comma-separated previous field keys (each 32 bytes, base64 or hex)
 * that stored values may still use during a rotation. The message names the position, never
 * the key.
 */
function parseOldFieldKeys(value: string | undefined, ctx: z.RefinementCtx): string[] {
  if (value === undefined || value.trim() === '') return [];
  const keys = value
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '');
  for (const [i, key] of keys.entries()) {
    try {
      decodeFieldKey(key);
    } catch {
      ctx.addIssue({ code: 'custom', message: `FIELD_ENCRYPTION_OLD_KEYS: key #${i + 1} must be 32 bytes as base64 or 64 hex digits` });
      return z.NEVER;
    }
  }
  return keys;
}

/** The public placeholders of .env.example: they let the service start locally, never in production. */
export const placeholderCredentials = {
  LINE_CHANNEL_SECRET: 'local-placeholder-secret',
  LINE_CHANNEL_ACCESS_TOKEN: 'local-placeholder-token',
} as const;

/**
 * Local mode (issue #12): both LINE credentials empty. `npm start` then serves a fake Messaging
 * API in-process, the chat emulator under /dev and a time control (src/dev/); none of it exists
 * with real credentials, and NODE_ENV=production refuses it.
 */
export function isLocalMode(config: Pick<Config, 'LINE_CHANNEL_SECRET' | 'LINE_CHANNEL_ACCESS_TOKEN'>): boolean {
  return config.LINE_CHANNEL_SECRET.trim() === '' && config.LINE_CHANNEL_ACCESS_TOKEN.trim() === '';
}

const credentialHelp = {
  LINE_CHANNEL_SECRET: 'the channel secret from the LINE Developers console',
  LINE_CHANNEL_ACCESS_TOKEN: 'a channel access token from the LINE Developers console',
} as const;

const loopbackHosts = ['127.0.0.1', '::1', 'localhost'];

/** Both LINE credentials or neither (local mode: refused in production, loopback only). */
function checkLineCredentials(config: Config): void {
  if (isLocalMode(config)) {
    if (config.NODE_ENV === 'production') {
      throw new ConfigError(
        'LINE_CHANNEL_SECRET',
        "LINE_CHANNEL_SECRET is blank: local mode (no LINE credentials; fake LINE API, chat emulator and time control) is refused when NODE_ENV=production; set your channel's own values from the LINE Developers console",
      );
    }
    // The emulator lets whoever reaches it post as any user and move the clock, and the first
    // start prints an admin's password: local mode stays on this machine.
    if (!loopbackHosts.includes(config.HOST.trim().toLowerCase())) {
      throw new ConfigError(
        'HOST',
        `HOST=${config.HOST} would open local mode (chat emulator, time control, a local admin) to the network; local mode listens on this machine only: leave HOST at 127.0.0.1, or set the LINE credentials`,
      );
    }
    return;
  }
  for (const variable of ['LINE_CHANNEL_SECRET', 'LINE_CHANNEL_ACCESS_TOKEN'] as const) {
    const value = config[variable];
    if (value.trim() !== '') continue;
    throw new ConfigError(
      variable,
      `${variable} is ${value === '' ? 'required' : 'blank'}: ${credentialHelp[variable]} (or leave both LINE credentials empty for local mode)`,
    );
  }
}

/**
 * With NODE_ENV=production, refuses what would let the service run insecurely or uselessly:
 * the placeholder or blank LINE credentials, and no FIELD_ENCRYPTION_KEY (a key file next to
 * the data is not a production key store).
 */
function refuseUnsafeProductionConfig(config: Config): void {
  if (config.NODE_ENV !== 'production') return;
  for (const variable of ['LINE_CHANNEL_SECRET', 'LINE_CHANNEL_ACCESS_TOKEN'] as const) {
    const value = config[variable].trim();
    if (value === '' || value === placeholderCredentials[variable]) {
      throw new ConfigError(
        variable,
        `${variable} is ${value === '' ? 'blank' : 'the public placeholder from .env.example'}; NODE_ENV=production needs your channel's own value from the LINE Developers console`,
      );
    }
  }
  if (!config.FIELD_ENCRYPTION_KEY) {
    throw new ConfigError(
      'FIELD_ENCRYPTION_KEY',
      'FIELD_ENCRYPTION_KEY is required when NODE_ENV=production: 32 random bytes in base64 (openssl rand -base64 32), kept outside the data directory',
    );
  }
}

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).optional().default('development'),
  // Both empty: local mode (see isLocalMode); one without the other is refused in loadConfig.
  LINE_CHANNEL_SECRET: z.string().optional().default(''),
  LINE_CHANNEL_ACCESS_TOKEN: z.string().optional().default(''),
  LINE_API_BASE_URL: origin,
  DATABASE_URL: databaseUrl,
  DATA_DIR: str('./data'),
  PORT: int('PORT', 3000, 1, 65535),
  HOST: str('127.0.0.1'),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      message: 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
    })
    .optional()
    .default('info'),
  OFFICE_NAME: str('ハローワーク港北（港北公共職業安定所）'),
  OFFICE_PHONE: str('045-474-1221'),
  OFFICE_PHONE_HOURS: str('平日 8:30〜17:15、土日祝・年末年始を除く'),
  SLOT_STARTS: str('09:00-16:30/30').transform(parseSlotStartsVariable),
  SLOT_CAPACITY: int('SLOT_CAPACITY', 1, 1, 50),
  BOOKING_HORIZON_DAYS: int('BOOKING_HORIZON_DAYS', 30, 1, 365),
  BOOKING_DEADLINE_OPEN_DAYS: int('BOOKING_DEADLINE_OPEN_DAYS', 2, 0, 20),
  REMINDER_TIME: str('10:00').refine((v) => timeOfDay.test(v), 'REMINDER_TIME must be HH:mm (24-hour), e.g. 10:00'),
  CONVERSATION_IDLE_MINUTES: int('CONVERSATION_IDLE_MINUTES', 30, 1, 24 * 60),
  // A half-finished booking may be resumed (「続きから」) this long after the last message; at most
  // a week, as the retention job deletes conversations a week after they expired.
  CONVERSATION_RESUME_HOURS: int('CONVERSATION_RESUME_HOURS', 24, 1, 24 * 7),
  MAX_ACTIVE_BOOKINGS: int('MAX_ACTIVE_BOOKINGS', 1, 1, 10),
  FIELD_ENCRYPTION_KEY: z
    .string()
    .optional()
    .transform((v) => (v && v.trim() ? v.trim() : undefined)),
  // Keys and retention (issue #8): previous field keys during a rotation, and how long a
  // booking's personal fields are kept after the consultation.
  FIELD_ENCRYPTION_OLD_KEYS: z.string().optional().transform(parseOldFieldKeys),
  PERSONAL_DATA_RETENTION_DAYS: int('PERSONAL_DATA_RETENTION_DAYS', 90, 1, 3650),
  DEFAULT_MEETING_URL: optionalUrl('DEFAULT_MEETING_URL'),
  NO_SHOW_REFUSAL_THRESHOLD: int('NO_SHOW_REFUSAL_THRESHOLD', 2, 1, 100),
  CHAT_CANCELLATION_ENABLED: bool('CHAT_CANCELLATION_ENABLED', false),
  CHAT_CANCELLATION_CUTOFF_HOURS: int('CHAT_CANCELLATION_CUTOFF_HOURS', 24, 0, 24 * 14),
  // Reliability and back-pressure (see docs/reliability.md).
  DATABASE_POOL_SIZE: int('DATABASE_POOL_SIZE', 10, 2, 200),
  /** Distinct statements kept prepared on each PostgreSQL connection; 0 turns it off (src/db/client.ts). */
  DATABASE_PREPARED_STATEMENTS: int('DATABASE_PREPARED_STATEMENTS', 100, 0, 10_000),
  /** Users whose events are applied at once; unset → the pool size less two (one on PGlite). */
  EVENT_CONCURRENCY: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return undefined;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 200) {
        ctx.addIssue({ code: 'custom', message: 'EVENT_CONCURRENCY must be a whole number from 1 to 200' });
        return z.NEVER;
      }
      return n;
    }),
  SHUTDOWN_GRACE_SECONDS: int('SHUTDOWN_GRACE_SECONDS', 10, 1, 300),
  RUN_SCHEDULER: bool('RUN_SCHEDULER', true),
  SCHEDULER_INTERVAL_SECONDS: int('SCHEDULER_INTERVAL_SECONDS', 30, 1, 3600),
  /** Reminder/notice pushes in flight at once per scheduler (issue #13); see src/lifecycle/outbox.ts. */
  PUSH_CONCURRENCY: int('PUSH_CONCURRENCY', 10, 1, 100),
  /** Push requests started per second by one scheduler; LINE allows 2,000/s per channel in all. */
  PUSH_REQUESTS_PER_SECOND: int('PUSH_REQUESTS_PER_SECOND', 500, 1, 2000),
  // Terms changes and announcements (issue #10).
  PUBLIC_BASE_URL: publicBaseUrl,
  TRUST_PROXY: trustProxy,
  ANNOUNCEMENT_CONCURRENCY: int('ANNOUNCEMENT_CONCURRENCY', 4, 1, 50),
  ANNOUNCEMENT_REQUESTS_PER_SECOND: int('ANNOUNCEMENT_REQUESTS_PER_SECOND', 100, 1, 200),
  // Staff console (src/staff/): session cookie and lifetimes. The shared STAFF_API_TOKEN is gone:
  // the JSON API takes per-person tokens issued by an admin.
  STAFF_COOKIE_SECURE: bool('STAFF_COOKIE_SECURE', false),
  STAFF_SESSION_IDLE_MINUTES: int('STAFF_SESSION_IDLE_MINUTES', 30, 1, 24 * 60),
  STAFF_SESSION_MAX_HOURS: int('STAFF_SESSION_MAX_HOURS', 10, 1, 24 * 7),
  CLOCK_START: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return undefined;
      const t = Date.parse(v);
      if (!/^\d{4}-\d{2}-\d{2}T/.test(v) || Number.isNaN(t)) {
        ctx.addIssue({ code: 'custom', message: 'CLOCK_START must be an ISO 8601 instant, e.g. 2026-12-01T09:55:00+09:00' });
        return z.NEVER;
      }
      return new Date(t);
    }),
});

export type Config = z.output<typeof schema>;

/** The configuration is unusable; `variable` names the culprit. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly variable: string;
  constructor(variable: string, message: string) {
    super(message);
    this.variable = variable;
  }
}

/** Validates an environment (normally process.env) into a typed Config, or throws ConfigError. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const result = schema.safeParse(env);
  if (!result.success) {
    const issue = result.error.issues[0];
    const variable = String(issue?.path[0] ?? 'configuration');
    const message = issue?.message && issue.message.includes(variable) ? issue.message : `${variable}: ${issue?.message ?? 'invalid'}`;
    throw new ConfigError(variable, message);
  }
  const config = result.data;
  if (config.CLOCK_START && config.NODE_ENV === 'production') {
    throw new ConfigError('CLOCK_START', 'CLOCK_START is for demos and tests and is refused when NODE_ENV=production');
  }
  checkLineCredentials(config);
  refuseUnsafeProductionConfig(config);
  try {
    validateOfficeCalendarConfig(officeCalendarOf(config));
  } catch (error) {
    if (error instanceof OfficeCalendarConfigError) throw new ConfigError('SLOT_STARTS', `SLOT_STARTS: ${error.message}`);
    throw error;
  }
  return config;
}

/**
 * The rules' calendar configuration from ours, plus the office's own closed and open days
 * (from the database, see src/office-days.ts).
 */
export function officeCalendarOf(
  config: Config,
  officeDays: { closedDays: string[]; openDays: string[] } = { closedDays: [], openDays: [] },
): OfficeCalendarConfig {
  return {
    ...defaultOfficeCalendarConfig,
    slotStarts: config.SLOT_STARTS,
    capacityPerSlot: config.SLOT_CAPACITY,
    horizonDays: config.BOOKING_HORIZON_DAYS,
    deadlineOpenDays: config.BOOKING_DEADLINE_OPEN_DAYS,
    reminderTime: config.REMINDER_TIME,
    closedDays: officeDays.closedDays,
    openDays: officeDays.openDays,
  };
}
