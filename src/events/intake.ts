/**
 * The webhook's accept path with group commit: the events of requests that arrive while a
 * statement is already storing earlier ones wait in memory and are then stored together, in one
 * INSERT, so under load the number of statements per accepted request falls towards zero instead
 * of each request holding a connection of its own (issue #13: at 900 requests/s the accept path's
 * one statement per request was what queued, behind the turns). At low load nothing waits: a
 * request that finds no statement in flight is stored at once, as before.
 *
 * Each request still gets its own answer: it resolves when the statement holding its events has
 * committed (so a 200 always means "stored"), with the users of its own new events, and if that
 * statement fails every request in it fails (LINE redelivers them; storing is idempotent).
 */
import type { PrismaClient } from '../generated/prisma/client.ts';
import { recordArrivals } from './line-events.ts';
import { userIdOf } from './webhook-input.ts';
import type { LineEvent } from './webhook-input.ts';

/** Rows in one statement at most: the statement stays short, and one huge body goes alone. */
export const maxRowsPerStatement = 500;

interface Waiting {
  events: LineEvent[];
  now: Date;
  resolve: (users: string[]) => void;
  reject: (error: unknown) => void;
}

export interface EventIntake {
  /** Stores the events (a repeated id is skipped) and returns the users with new pending events. */
  record(events: LineEvent[], now: Date): Promise<string[]>;
  /** Statements run so far (for the tests and the benchmark). */
  readonly statements: number;
}

export function createEventIntake(prisma: PrismaClient, options: { maxRows?: number } = {}): EventIntake {
  const maxRows = options.maxRows ?? maxRowsPerStatement;
  const queue: Waiting[] = [];
  let inFlight = false;
  let statements = 0;

  async function drain(): Promise<void> {
    inFlight = true;
    try {
      while (queue.length > 0) {
        const batch: Waiting[] = [queue.shift()!];
        let rows = batch[0]!.events.length;
        while (queue.length > 0 && rows + queue[0]!.events.length <= maxRows) {
          const next = queue.shift()!;
          rows += next.events.length;
          batch.push(next);
        }
        statements += 1;
        try {
          const fresh = new Set(await recordArrivals(prisma, batch.flatMap(stamped)));
          for (const waiting of batch) waiting.resolve(usersOf(waiting.events, fresh));
        } catch (error) {
          for (const waiting of batch) waiting.reject(error);
        }
      }
    } finally {
      inFlight = false;
    }
  }

  return {
    record(events, now) {
      if (events.length === 0) return Promise.resolve([]);
      return new Promise<string[]>((resolve, reject) => {
        queue.push({ events, now, resolve, reject });
        if (!inFlight) void drain();
      });
    },
    get statements() {
      return statements;
    },
  };
}

/** Each request's events with the moment that request arrived (stored as received_at). */
function stamped(waiting: Waiting): { event: LineEvent; now: Date }[] {
  return waiting.events.map((event) => ({ event, now: waiting.now }));
}

/**
 * A request's users among the statement's new ones, in the order they first appear. A user new
 * in two requests of one statement (two bodies for one user) is given to both: being asked twice
 * to look at a user's pending events is harmless, missing one is not.
 */
function usersOf(events: LineEvent[], fresh: Set<string>): string[] {
  return [...new Set(events.map(userIdOf).filter((userId): userId is string => userId !== null && fresh.has(userId)))];
}
