/**
 * Configuration of keys, retention and production credentials (issue #8): previous keys for a
 * rotation, the retention period, and what NODE_ENV=production refuses.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, placeholderCredentials } from '../src/config.ts';

const base = { LINE_CHANNEL_SECRET: 's', LINE_CHANNEL_ACCESS_TOKEN: 't' };
const key = () => randomBytes(32).toString('base64');
const errorOf = (env: Record<string, string>): ConfigError => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('FIELD_ENCRYPTION_OLD_KEYS', () => {
  it('is a comma-separated list of keys, spaces and empty items ignored, empty by default', () => {
    const [a, b] = [key(), Buffer.alloc(32, 3).toString('hex')];
    expect(loadConfig(base).FIELD_ENCRYPTION_OLD_KEYS).toEqual([]);
    expect(loadConfig({ ...base, FIELD_ENCRYPTION_OLD_KEYS: ` ${a} ,, ${b} ` }).FIELD_ENCRYPTION_OLD_KEYS).toEqual([a, b]);
  });

  it('names the position of a malformed key, never the key', () => {
    const bad = 'c2hvcnQ=';
    const error = errorOf({ ...base, FIELD_ENCRYPTION_OLD_KEYS: `${key()},${bad}` });
    expect(error.variable).toBe('FIELD_ENCRYPTION_OLD_KEYS');
    expect(error.message).toBe('FIELD_ENCRYPTION_OLD_KEYS: key #2 must be 32 bytes as base64 or 64 hex digits');
    expect(error.message).not.toContain(bad);
  });
});

describe('PERSONAL_DATA_RETENTION_DAYS', () => {
  it('defaults to 90 days and accepts 1 to 3650', () => {
    expect(loadConfig(base).PERSONAL_DATA_RETENTION_DAYS).toBe(90);
    expect(loadConfig({ ...base, PERSONAL_DATA_RETENTION_DAYS: '365' }).PERSONAL_DATA_RETENTION_DAYS).toBe(365);
    for (const value of ['0', '-1', '3651', '90.5', 'ninety']) {
      expect(errorOf({ ...base, PERSONAL_DATA_RETENTION_DAYS: value }).message).toBe('PERSONAL_DATA_RETENTION_DAYS must be a whole number from 1 to 3650');
    }
  });
});

describe('NODE_ENV=production', () => {
  const production = { LINE_CHANNEL_SECRET: 'a'.repeat(32), LINE_CHANNEL_ACCESS_TOKEN: 'b'.repeat(40), FIELD_ENCRYPTION_KEY: key(), NODE_ENV: 'production' };

  it("starts with the channel's own credentials and a key", () => {
    expect(loadConfig(production).NODE_ENV).toBe('production');
  });

  it('refuses the placeholders of .env.example and blank credentials', () => {
    const placeholder = errorOf({ ...production, LINE_CHANNEL_SECRET: placeholderCredentials.LINE_CHANNEL_SECRET });
    expect(placeholder.variable).toBe('LINE_CHANNEL_SECRET');
    expect(placeholder.message).toContain('public placeholder');
    expect(errorOf({ ...production, LINE_CHANNEL_ACCESS_TOKEN: placeholderCredentials.LINE_CHANNEL_ACCESS_TOKEN })).toMatchObject({
      variable: 'LINE_CHANNEL_ACCESS_TOKEN',
    });
    const blank = errorOf({ ...production, LINE_CHANNEL_SECRET: ' \t ' });
    expect(blank.variable).toBe('LINE_CHANNEL_SECRET');
    expect(blank.message).toContain('blank');
    expect(errorOf({ ...production, LINE_CHANNEL_ACCESS_TOKEN: '' }).variable).toBe('LINE_CHANNEL_ACCESS_TOKEN');
  });

  it('refuses to run without FIELD_ENCRYPTION_KEY', () => {
    const { FIELD_ENCRYPTION_KEY: _omitted, ...withoutKey } = production;
    const missing = errorOf(withoutKey);
    expect(missing.variable).toBe('FIELD_ENCRYPTION_KEY');
    expect(missing.message).toContain('required when NODE_ENV=production');
    expect(errorOf({ ...withoutKey, FIELD_ENCRYPTION_KEY: '   ' }).variable).toBe('FIELD_ENCRYPTION_KEY');
  });

  it('leaves development and tests free to use the placeholders and a local key file', () => {
    expect(loadConfig({ ...placeholderCredentials }).LINE_CHANNEL_SECRET).toBe(placeholderCredentials.LINE_CHANNEL_SECRET);
    expect(loadConfig({ ...placeholderCredentials, NODE_ENV: 'test' }).FIELD_ENCRYPTION_KEY).toBeUndefined();
  });
});
