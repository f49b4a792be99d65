/**
 * Local mode's application clock (issue #12): real time plus an offset that the time control on
 * the chat page moves forward, so a person can watch the day-before reminder arrive or a
 * no-show become recordable. It never goes back: the database may already hold records stamped
 * with a later simulated time. With DATA_DIR on disk the offset is kept in
 * `DATA_DIR/local-clock.json`, so a restart does not jump back to today.
 *
 * Local mode only: src/config.ts refuses local mode with NODE_ENV=production, and nothing else
 * builds this clock.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Clock } from '../clock.ts';

export class LocalClock implements Clock {
  #offsetMs: number;
  readonly #file: string | undefined;
  readonly #realNow: () => number;

  private constructor(offsetMs: number, file: string | undefined, realNow: () => number) {
    this.#offsetMs = offsetMs;
    this.#file = file;
    this.#realNow = realNow;
  }

  /**
   * The clock starts at CLOCK_START when given, else at real time; after a restart the kept
   * offset wins (delete `DATA_DIR/local-clock.json` to start over).
   */
  static async open(options: { dataDir: string; start?: Date | undefined; realNow?: () => number }): Promise<LocalClock> {
    const realNow = options.realNow ?? Date.now;
    const file = options.dataDir.startsWith('memory://') ? undefined : path.join(options.dataDir, 'local-clock.json');
    let kept: number | undefined;
    if (file) {
      try {
        const parsed = JSON.parse(await readFile(file, 'utf8')) as { offsetMs?: unknown };
        if (typeof parsed.offsetMs === 'number' && Number.isFinite(parsed.offsetMs)) kept = parsed.offsetMs;
      } catch {
        // No file yet (first start) or unreadable: start from CLOCK_START or real time.
      }
    }
    const fromStart = options.start ? options.start.getTime() - realNow() : 0;
    const clock = new LocalClock(kept ?? fromStart, file, realNow);
    if (kept === undefined) await clock.#save();
    return clock;
  }

  async #save(): Promise<void> {
    if (!this.#file) return;
    await mkdir(path.dirname(this.#file), { recursive: true });
    await writeFile(this.#file, `${JSON.stringify({ offsetMs: this.#offsetMs })}\n`, { mode: 0o600 });
  }

  now(): Date {
    return new Date(this.#realNow() + this.#offsetMs);
  }

  /** How far ahead of real time the clock runs, in ms. */
  get offsetMs(): number {
    return this.#offsetMs;
  }

  /** Moves the clock forward by `ms` (> 0, at most a year at once). */
  async advance(ms: number): Promise<Date> {
    if (!Number.isFinite(ms) || ms <= 0 || ms > 366 * 24 * 3600_000) throw new RangeError('the clock moves forward only, by at most a year at once');
    this.#offsetMs += ms;
    await this.#save();
    return this.now();
  }
}
