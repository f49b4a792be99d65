/**
 * Every encrypted value stored in the database, found by its shape rather than by a list of
 * columns: a field token (`v1.<kid>.<iv>.<tag>.<ciphertext>`, see field-cipher.ts) as the
 * whole value of a text column, or as a string anywhere inside a JSON column (the sealed
 * conversation `{ sealed }`, sealed replies, …). So a column added later that stores tokens is
 * covered by `keys check` and `keys reencrypt` without anyone remembering to register it.
 *
 * Used by `npm run keys` (src/cli/keys.ts):
 * - `keyUsage`: how many values each key id encrypts, per column;
 * - `reencryptStoredTokens`: rewrites every value not under the current key, in batches; each
 *   row is updated only if it still holds what was read (compare-and-swap), so it runs safely
 *   beside the service, can be interrupted at any point and re-run.
 */
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { FieldCipher } from './field-cipher.ts';

/** A column that can hold tokens: text, or JSON with tokens among its strings. */
export interface TokenColumn {
  table: string;
  column: string;
  kind: 'text' | 'json' | 'jsonb';
  /** The table's primary key columns (rows are addressed by them). */
  primaryKey: string[];
}

/** Any token inside a text (PostgreSQL ARE). */
const tokenPattern = String.raw`v1\.([0-9a-f]{8})\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*`;
/** A whole value that is exactly one token (JavaScript). */
const wholeToken = /^v1\.([0-9a-f]{8})\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/u;

const quote = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;

/** Text and JSON columns of the application's tables that have a primary key. */
export async function candidateColumns(prisma: PrismaClient): Promise<TokenColumn[]> {
  const columns = await prisma.$queryRaw<Array<{ table: string; column: string; type: string }>>`
    SELECT c.table_name AS "table", c.column_name AS "column", c.data_type AS "type"
    FROM information_schema.columns c
    JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
    WHERE c.table_schema = current_schema()
      AND c.data_type IN ('text', 'character varying', 'json', 'jsonb')
      AND c.table_name <> '_prisma_migrations'
    ORDER BY c.table_name, c.ordinal_position`;
  const keys = await prisma.$queryRaw<Array<{ table: string; column: string }>>`
    SELECT tc.table_name AS "table", kcu.column_name AS "column"
    FROM information_schema.table_constraints tc
    JOIN information_schema.key_column_usage kcu
      ON kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema AND kcu.table_name = tc.table_name
    WHERE tc.table_schema = current_schema() AND tc.constraint_type = 'PRIMARY KEY'
    ORDER BY tc.table_name, kcu.ordinal_position`;
  const primaryKeys = new Map<string, string[]>();
  for (const key of keys) primaryKeys.set(key.table, [...(primaryKeys.get(key.table) ?? []), key.column]);
  return columns.flatMap(({ table, column, type }) => {
    const primaryKey = primaryKeys.get(table);
    if (!primaryKey) return [];
    const kind = type === 'json' || type === 'jsonb' ? type : 'text';
    return [{ table, column, kind, primaryKey }];
  });
}

/** Values per key id in one column. */
export interface ColumnKeyUsage {
  table: string;
  column: string;
  /** key id → number of tokens under it */
  keyIds: Record<string, number>;
}

/** How many tokens each key id encrypts, per column that holds any. */
export async function keyUsage(prisma: PrismaClient): Promise<ColumnKeyUsage[]> {
  const usage: ColumnKeyUsage[] = [];
  for (const c of await candidateColumns(prisma)) {
    const rows = await prisma.$queryRawUnsafe<Array<{ kid: string; n: bigint | number }>>(
      `SELECT m.g[1] AS kid, count(*) AS n FROM ${quote(c.table)} t, regexp_matches(t.${quote(c.column)}::text, $1, 'g') AS m(g) GROUP BY 1 ORDER BY 1`,
      tokenPattern,
    );
    if (rows.length === 0) continue;
    usage.push({ table: c.table, column: c.column, keyIds: Object.fromEntries(rows.map((r) => [r.kid, Number(r.n)])) });
  }
  return usage;
}

/** What a re-encryption run did. */
export interface ReencryptionSummary {
  /** Tokens rewritten under the current key. */
  reencrypted: number;
  /** Rows updated. */
  rows: number;
  /** Rows that changed between our read and our write (left for the next run; a new write uses the current key anyway). */
  changedMeanwhile: number;
  /** Tokens no configured key opens, left as they are (key id → count). */
  unreadable: Record<string, number>;
  /** Per column, tokens rewritten. */
  perColumn: Record<string, number>;
  /** False when stopped early by `maxBatches` (run again to finish). */
  complete: boolean;
}

/**
 * Rewrites every stored token that is not under the cipher's current key, `batchSize` rows at
 * a time, each row in its own compare-and-swap UPDATE. Tokens the cipher cannot open are counted
 * and left alone. `maxBatches` stops early (tests use it to show that an interrupted run
 * resumes).
 */
export async function reencryptStoredTokens(
  prisma: PrismaClient,
  cipher: FieldCipher,
  options: { batchSize?: number; maxBatches?: number } = {},
): Promise<ReencryptionSummary> {
  const batchSize = options.batchSize ?? 200;
  let batchesLeft = options.maxBatches ?? Number.POSITIVE_INFINITY;
  const summary: ReencryptionSummary = { reencrypted: 0, rows: 0, changedMeanwhile: 0, unreadable: {}, perColumn: {}, complete: true };
  // Tokens under any key but the current one.
  const staleToken = String.raw`v1\.(?!${cipher.keyId}\.)[0-9a-f]{8}\.`;

  const rewrite = (token: string): string => {
    const match = wholeToken.exec(token);
    if (!match || match[1] === cipher.keyId) return token;
    try {
      return cipher.encrypt(cipher.decrypt(token));
    } catch {
      summary.unreadable[match[1] ?? '?'] = (summary.unreadable[match[1] ?? '?'] ?? 0) + 1;
      return token;
    }
  };

  for (const c of await candidateColumns(prisma)) {
    const rowKey = `ROW(${c.primaryKey.map((k) => `t.${quote(k)}`).join(', ')})::text`;
    const label = `${c.table}.${c.column}`;
    let after = '';
    for (;;) {
      if (batchesLeft <= 0) {
        summary.complete = false;
        return summary;
      }
      const rows = await prisma.$queryRawUnsafe<Array<{ rk: string; v: string; pk: string[] }>>(
        `SELECT ${rowKey} AS rk, t.${quote(c.column)}::text AS v, ARRAY[${c.primaryKey.map((k) => `t.${quote(k)}::text`).join(', ')}] AS pk
         FROM ${quote(c.table)} t
         WHERE t.${quote(c.column)}::text ~ $1 AND ${rowKey} > $2
         ORDER BY 1 LIMIT ${batchSize}`,
        staleToken,
        after,
      );
      if (rows.length === 0) break;
      batchesLeft -= 1;
      for (const row of rows) {
        after = row.rk;
        let next: string;
        let count = 0;
        if (c.kind === 'text') {
          next = rewrite(row.v);
          count = next === row.v ? 0 : 1;
        } else {
          const walk = (node: unknown): unknown => {
            if (typeof node === 'string') {
              const rewritten = rewrite(node);
              if (rewritten !== node) count += 1;
              return rewritten;
            }
            if (Array.isArray(node)) return node.map(walk);
            if (node && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v)]));
            return node;
          };
          next = JSON.stringify(walk(JSON.parse(row.v)));
        }
        if (count === 0) continue;
        const cast = c.kind === 'text' ? '' : `::${c.kind}`;
        const where = c.primaryKey.map((k, i) => `${quote(k)}::text = $${i + 3}`).join(' AND ');
        const updated = await prisma.$executeRawUnsafe(
          `UPDATE ${quote(c.table)} SET ${quote(c.column)} = $1${cast} WHERE ${quote(c.column)}::text = $2 AND ${where}`,
          next,
          row.v,
          ...row.pk,
        );
        if (updated === 1) {
          summary.rows += 1;
          summary.reencrypted += count;
          summary.perColumn[label] = (summary.perColumn[label] ?? 0) + count;
        } else {
          summary.changedMeanwhile += 1;
        }
      }
      if (rows.length < batchSize) break;
    }
  }
  return summary;
}
