import { describe, expect, it } from 'vitest';
import { useHarness } from '../support/harness.ts';
import { chatUser } from '../support/chat.ts';

describe('when the horizon reaches past the holiday data (2050)', () => {
  const h = useHarness({ now: '2050-12-20T10:00:00+09:00', checkLine: 'never' });

  it('offers no date of 2051 and says why in the log', async () => {
    const u = chatUser(h, 'far-future');
    await u.follow();
    await u.tap('同意する');
    for (const label of ['はい', 'はい', 'はい', '確認しました']) await u.tap(label);
    await u.say('港北 太郎');
    await u.say('12345-1234567');
    await u.say('09012345678');
    await u.tap('はい、同じです');
    await u.say('求人の相談');
    await u.tap('なし');
    const dates = u.labels().filter((l) => /月\d+日/.test(l ?? ''));
    expect(dates.length).toBeGreaterThan(0);
    expect(dates.every((l) => /^12月/.test(l ?? ''))).toBe(true);
    await u.say('2051/1/6');
    expect(u.last).not.toContain('空いている時間');
    const warnings = h.logs.filter((l) => l.includes('"level":40') && l.includes('2051'));
    expect(warnings.length).toBeGreaterThan(0);
    h.line.assertNoRejections();
  });
});
