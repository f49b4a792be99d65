/**
 * The application clock. Every component asks it for the time, so the whole service can be
 * moved to another instant for demos and acceptance tests (CLOCK_START) and driven step by
 * step in tests (ManualClock), while the rules stay pure functions of `now`.
 */
export interface Clock {
  now(): Date;
}

/** Real time. */
export const systemClock: Clock = { now: () => new Date() };

/**
 * Starts at `start` and runs forward in real time from the moment it is created: what
 * CLOCK_START gives (refused in production by the configuration).
 */
export function clockStartingAt(start: Date, realNow: () => number = Date.now): Clock {
  const offset = start.getTime() - realNow();
  return { now: () => new Date(realNow() + offset) };
}

/** A clock that only moves when told to; for tests. */
export class ManualClock implements Clock {
  #t: number;
  constructor(start: Date | string) {
    this.#t = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.#t);
  }
  set(instant: Date | string): void {
    this.#t = new Date(instant).getTime();
  }
  advance(ms: number): void {
    this.#t += ms;
  }
  advanceMinutes(minutes: number): void {
    this.advance(minutes * 60_000);
  }
}
