/**
 * What every turn reads but staff rarely change — the office calendar (closed and open days,
 * per-date capacity, blocked times) and the published terms versions — kept per process and
 * checked on every turn (a fingerprint read within the turn's one statement of facts,
 * src/dialogue/turn-facts.ts) instead of reading five (issue #13).
 *
 * Decision: a version check, not a time-to-live. Staff change the calendar and the terms on the
 * console of whichever instance their browser reaches, and the bot on every other instance must
 * follow at once (the console promises "the bot uses the change at once"; a TTL would let another
 * instance book a day just closed for a few seconds). The check reads, in one statement, the row
 * count and the sum of `xmin` (the id of the transaction that wrote each row) of each of the four
 * tables: any committed insert, update or delete changes the count or the sum (a rewritten row
 * gets a new transaction id; a sum, unlike the largest id, also notices a write after the 32-bit
 * transaction counter wrapped round), so a turn that finds the same version string as the
 * cached one can use the cached data, which is exactly what it would have read in that statement.
 * It works the same on PGlite and on PostgreSQL, across instances, and whoever wrote the rows
 * (console, CLI, hand-typed SQL). The tables are small (days and versions), so the scans are cheap.
 *
 * The calendar depends on the date too (it is read from 60 days back), so it is cached per Tokyo
 * date; the terms in force depend on the instant (a version can take effect without any write),
 * so the published versions are cached and the one in force is picked per turn. Terms bodies are
 * not cached: only the rare turn that shows the full text reads it.
 */
import { Prisma } from '../generated/prisma/client.ts';
import type { Config } from '../config.ts';
import { loadOfficeCalendar } from '../office-days.ts';
import type { OfficeCalendarConfig } from '../rules/index.ts';
import { tokyoDateOf } from '../rules/index.ts';
import { termsCardOf } from '../terms/versions.ts';
import type { TermsCard } from '../terms/versions.ts';

export type PublishedTerms = {
  id: number;
  version: string;
  label: string | null;
  cardSummary: string | null;
  changeSummary: string | null;
  lineNoticeWording: string | null;
  effectiveAt: Date;
};

export interface ReferenceData {
  calendar: OfficeCalendarConfig;
  /** The version in force at the turn's instant. */
  termsInForce: PublishedTerms;
  /** The consent card of a version, from the cache when published (drafts are never asked for here). */
  termsCard(version: string, publicBaseUrl: string | undefined): TermsCard | undefined;
}

export interface ReferenceCache {
  /** `version`: the fingerprint when the caller has just read it in the same transaction (no statement then on a hit). */
  load(tx: Prisma.TransactionClient, config: Config, now: Date, version?: string): Promise<ReferenceData>;
  /** Statements saved and spent, for tests and benchmarks. */
  stats(): { hits: number; misses: number };
}

/**
 * A fingerprint of the four tables that changes with any committed write to them, as an SQL
 * expression (a turn reads it within its one statement of facts, src/dialogue/turn-facts.ts).
 */
export const referenceVersionSql = Prisma.sql`concat_ws('/',
      (SELECT count(*) || '.' || coalesce(sum(xmin::text::bigint), 0) FROM office_days),
      (SELECT count(*) || '.' || coalesce(sum(xmin::text::bigint), 0) FROM office_day_capacities),
      (SELECT count(*) || '.' || coalesce(sum(xmin::text::bigint), 0) FROM office_blocked_times),
      (SELECT count(*) || '.' || coalesce(sum(xmin::text::bigint), 0) FROM terms_versions))`;

/** One statement: the fingerprint alone. */
async function versionOf(tx: Prisma.TransactionClient): Promise<string> {
  const rows = await tx.$queryRaw<{ v: string }[]>`SELECT ${referenceVersionSql} AS v`;
  return rows[0]?.v ?? '';
}

async function publishedTerms(tx: Prisma.TransactionClient): Promise<PublishedTerms[]> {
  return tx.termsVersion.findMany({
    where: { status: 'published' },
    select: { id: true, version: true, label: true, cardSummary: true, changeSummary: true, lineNoticeWording: true, effectiveAt: true },
    orderBy: { effectiveAt: 'desc' },
  });
}

function inForce(terms: PublishedTerms[], now: Date): PublishedTerms {
  // Sorted by effectiveAt descending: the first one whose effective date has come.
  const current = terms.find((t) => t.effectiveAt.getTime() <= now.getTime());
  if (!current) throw new Error('no terms version is in force; the seed did not run');
  return current;
}

function referenceData(calendar: OfficeCalendarConfig, terms: PublishedTerms[], now: Date): ReferenceData {
  return {
    calendar,
    termsInForce: inForce(terms, now),
    termsCard: (version, publicBaseUrl) => {
      const row = terms.find((t) => t.version === version);
      return row ? termsCardOf(row, publicBaseUrl) : undefined;
    },
  };
}

/** Reads everything, every turn (no cache): what a turn without a ReferenceCache does. */
export async function loadReferenceData(tx: Prisma.TransactionClient, config: Config, now: Date): Promise<ReferenceData> {
  return referenceData(await loadOfficeCalendar(tx, config, now), await publishedTerms(tx), now);
}

/** A cache for one database (one per service). */
export function createReferenceCache(): ReferenceCache {
  let cached: { version: string; date: string; config: Config; calendar: OfficeCalendarConfig; terms: PublishedTerms[] } | null = null;
  let hits = 0;
  let misses = 0;
  return {
    async load(tx, config, now, knownVersion) {
      const version = knownVersion ?? (await versionOf(tx));
      const date = tokyoDateOf(now);
      if (cached && cached.version === version && cached.date === date && cached.config === config) {
        hits += 1;
        return referenceData(cached.calendar, cached.terms, now);
      }
      misses += 1;
      const calendar = await loadOfficeCalendar(tx, config, now);
      const terms = await publishedTerms(tx);
      // Read in the same transaction as the version, but not at the same instant: the next turn's
      // check compares against this version, and a write committed in between makes it differ.
      cached = { version, date, config, calendar, terms };
      return referenceData(calendar, terms, now);
    },
    stats: () => ({ hits, misses }),
  };
}
