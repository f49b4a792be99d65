import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

const base = { LINE_CHANNEL_SECRET: 's', LINE_CHANNEL_ACCESS_TOKEN: 't' };

const errorOf = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return { variable: error.variable, message: error.message };
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('configuration', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig(base);
    expect(c).toMatchObject({
      LINE_API_BASE_URL: 'https://api.line.me',
      DATA_DIR: './data',
      PORT: 3000,
      HOST: '127.0.0.1',
      OFFICE_PHONE: '045-474-1221',
      SLOT_CAPACITY: 1,
      BOOKING_HORIZON_DAYS: 30,
      REMINDER_TIME: '10:00',
      CONVERSATION_IDLE_MINUTES: 30,
      CONVERSATION_RESUME_HOURS: 24,
    });
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.SLOT_STARTS).toHaveLength(16);
    expect(c.SLOT_STARTS[0]).toBe('09:00');
    expect(c.SLOT_STARTS.at(-1)).toBe('16:30');
  });

  it('names the variable and what is expected when a value is missing or malformed', () => {
    // Both LINE credentials empty is local mode (issue #12); one without the other is refused.
    expect(errorOf({ LINE_CHANNEL_ACCESS_TOKEN: 't' })).toMatchObject({ variable: 'LINE_CHANNEL_SECRET' });
    expect(errorOf({ LINE_CHANNEL_SECRET: 's' }).message).toContain('LINE_CHANNEL_ACCESS_TOKEN is required');
    expect(errorOf({ ...base, PORT: '70000' })).toEqual({ variable: 'PORT', message: 'PORT must be a whole number from 1 to 65535' });
    expect(errorOf({ ...base, DATABASE_URL: 'mysql://x' }).variable).toBe('DATABASE_URL');
    expect(errorOf({ ...base, LINE_API_BASE_URL: 'https://api.line.me/v2' }).variable).toBe('LINE_API_BASE_URL');
    expect(errorOf({ ...base, REMINDER_TIME: '25:00' }).variable).toBe('REMINDER_TIME');
    expect(errorOf({ ...base, SLOT_STARTS: 'morning' }).variable).toBe('SLOT_STARTS');
    expect(errorOf({ ...base, CHAT_CANCELLATION_ENABLED: 'maybe' }).variable).toBe('CHAT_CANCELLATION_ENABLED');
    // A draft is kept at most a week: the retention job deletes conversations a week after they expired.
    expect(errorOf({ ...base, CONVERSATION_RESUME_HOURS: '169' }).variable).toBe('CONVERSATION_RESUME_HOURS');
    expect(errorOf({ ...base, CLOCK_START: 'tomorrow' }).variable).toBe('CLOCK_START');
  });

  it('reads slot starts as a range with a step or as a list', () => {
    expect(loadConfig({ ...base, SLOT_STARTS: '13:00-14:30/45' }).SLOT_STARTS).toEqual(['13:00', '13:45', '14:30']);
    // 30-minute sessions every 20 minutes would book one counsellor twice.
    expect(errorOf({ ...base, SLOT_STARTS: '13:00-14:00/20' }).variable).toBe('SLOT_STARTS');
    expect(loadConfig({ ...base, SLOT_STARTS: '10:00, 09:00' }).SLOT_STARTS).toEqual(['09:00', '10:00']);
    expect(errorOf({ ...base, SLOT_STARTS: '09:00,09:00' }).message).toContain('repeats');
  });

  it('refuses CLOCK_START in production', () => {
    expect(errorOf({ ...base, NODE_ENV: 'production', CLOCK_START: '2026-12-01T09:00:00+09:00' }).variable).toBe('CLOCK_START');
    expect(loadConfig({ ...base, CLOCK_START: '2026-12-01T09:00:00+09:00' }).CLOCK_START?.toISOString()).toBe('2026-12-01T00:00:00.000Z');
  });
});
