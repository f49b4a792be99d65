import { describe, expect, it } from 'vitest';
import { OfficeCalendarConfigError, defaultOfficeCalendarConfig, parseSlotStarts, validateOfficeCalendarConfig } from '../../src/rules/index.ts';
import type { OfficeCalendarConfig } from '../../src/rules/index.ts';

function validate(changes: Partial<OfficeCalendarConfig>): OfficeCalendarConfig {
  return validateOfficeCalendarConfig({ ...defaultOfficeCalendarConfig, ...changes });
}

describe('office calendar configuration', () => {
  it('defaults to the domain’s numbers', () => {
    expect(validateOfficeCalendarConfig(defaultOfficeCalendarConfig)).toMatchObject({
      slotMinutes: 30,
      capacityPerSlot: 1,
      horizonDays: 30,
      deadlineOpenDays: 2,
      reminderTime: '10:00',
      noShowGraceMinutes: 10,
    });
  });

  it('reads slot starts as a range with a step or as a list', () => {
    expect(parseSlotStarts('09:00-10:30/30')).toEqual(['09:00', '09:30', '10:00', '10:30']);
    expect(parseSlotStarts(' 13:00, 09:00 ,10:00')).toEqual(['09:00', '10:00', '13:00']);
  });

  it('rejects slot starts that are not 24-hour HH:mm times', () => {
    for (const text of ['9:00', '09:00,24:00', '10:00-09:00/30', '09:00-16:30/0', '', 'morning']) {
      expect(() => parseSlotStarts(text), text).toThrow(OfficeCalendarConfigError);
    }
  });

  it('rejects slots that overlap, repeat or run past midnight', () => {
    expect(() => validate({ slotStarts: ['09:00', '09:15'] })).toThrow('09:00 and 09:15 overlap');
    expect(() => validate({ slotStarts: ['09:00', '09:00'] })).toThrow(/ascending without repeats/);
    expect(() => validate({ slotStarts: ['23:45'] })).toThrow(/past midnight/);
    expect(() => validate({ slotStarts: [] })).toThrow(/empty/);
  });

  it('rejects numbers outside what the terms and the office allow', () => {
    expect(() => validate({ slotMinutes: 45 })).toThrow('slotMinutes must be a whole number from 1 to 30 (got 45)');
    expect(() => validate({ capacityPerSlot: 0 })).toThrow(/capacityPerSlot/);
    expect(() => validate({ horizonDays: 1.5 })).toThrow(/horizonDays/);
    expect(() => validate({ deadlineOpenDays: -1 })).toThrow(/deadlineOpenDays/);
    expect(() => validate({ reminderTime: '25:00' })).toThrow(/reminderTime/);
  });

  it('rejects closed and open days that are not dates', () => {
    expect(() => validate({ closedDays: ['2026-02-30'] })).toThrow('closedDays: "2026-02-30" is not a YYYY-MM-DD date');
    expect(() => validate({ openDays: ['12/05'] })).toThrow(/openDays/);
  });

  it('throws an error whose name says what failed', () => {
    const error: unknown = (() => {
      try {
        validate({ slotMinutes: 0 });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(OfficeCalendarConfigError);
    expect((error as Error).name).toBe('OfficeCalendarConfigError');
  });
});
