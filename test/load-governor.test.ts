/**
 * The load governor (src/events/load-governor.ts): while the event loop is late, the dispatcher
 * applies fewer users at once (halving, never below one), and more again one step per calm
 * window; the dispatcher never runs more than the governor allows and starts waiting users as
 * soon as it allows more. No timing is asserted: the delay samples are injected.
 */
import { describe, expect, it } from 'vitest';
import { nextLimit, startLoadGovernor } from '../src/events/load-governor.ts';
import type { LoadGovernor } from '../src/events/load-governor.ts';
import { createEventDispatcher } from '../src/events/dispatcher.ts';
import { createLogger } from '../src/logger.ts';

describe('nextLimit', () => {
  it('halves when late, adds one when calm, keeps in between, within 1 … max', () => {
    expect(nextLimit(8, 8, 120, 50)).toBe(4);
    expect(nextLimit(4, 8, 51, 50)).toBe(2);
    expect(nextLimit(1, 8, 500, 50)).toBe(1);
    expect(nextLimit(2, 8, 10, 50)).toBe(3);
    expect(nextLimit(8, 8, 0, 50)).toBe(8);
    expect(nextLimit(3, 8, 30, 50)).toBe(3);
  });
});

describe('startLoadGovernor', () => {
  it('follows the sampled delay window by window and tells when it raised the limit', async () => {
    const samples = [200, 200, 200, 0, 0, 30, 0];
    let raised = 0;
    const governor = startLoadGovernor({ max: 8, allowanceMs: 50, windowMs: 5, sampleDelayMs: () => samples.shift() ?? 0 });
    governor.onRaise(() => (raised += 1));
    const seen: number[] = [];
    while (samples.length > 0) {
      await new Promise((r) => setTimeout(r, 5));
      if (seen.at(-1) !== governor.limit()) seen.push(governor.limit());
    }
    await new Promise((r) => setTimeout(r, 20));
    governor.stop();
    // 8 → 4 → 2 → 1, then up by one per calm window.
    expect(seen.slice(0, 3)).toEqual([4, 2, 1]);
    expect(governor.limit()).toBeGreaterThan(1);
    expect(raised).toBeGreaterThanOrEqual(2);
  });

  it('samples the real event loop when none is injected, and stops', () => {
    const governor = startLoadGovernor({ max: 4, allowanceMs: 50 });
    expect(governor.limit()).toBe(4);
    governor.stop();
  });
});

describe('the dispatcher under a governor', () => {
  it('never runs more users than allowed, and starts the waiting ones when the limit rises', async () => {
    let limit = 1;
    const listeners: (() => void)[] = [];
    const governor: LoadGovernor = { limit: () => limit, onRaise: (l) => listeners.push(l), stop: () => {} };
    let inFlight = 0;
    let most = 0;
    const release: (() => void)[] = [];
    const done: string[] = [];
    const dispatcher = createEventDispatcher({
      concurrency: 6,
      governor,
      logger: createLogger({ level: 'silent' }),
      step: async (userId) => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise<void>((resolve) => release.push(resolve));
        inFlight -= 1;
        done.push(userId);
        return 'done';
      },
    });
    for (let i = 0; i < 6; i++) dispatcher.enqueue(`U${i}`);
    await new Promise((r) => setTimeout(r, 20));
    expect(inFlight).toBe(1);
    limit = 4;
    for (const l of listeners) l();
    await new Promise((r) => setTimeout(r, 20));
    expect(inFlight).toBe(4);
    limit = 2;
    // Lowering does not stop work in flight; it only starts nothing new until below the limit.
    release.splice(0).forEach((r) => r());
    await new Promise((r) => setTimeout(r, 20));
    expect(inFlight).toBe(2);
    while (done.length < 6) {
      release.splice(0).forEach((r) => r());
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(most).toBe(4);
    expect(done.sort()).toEqual(['U0', 'U1', 'U2', 'U3', 'U4', 'U5']);
    expect(await dispatcher.drain(1000)).toBe(true);
  });
});
