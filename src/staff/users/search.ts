/**
 * Finding a job seeker for staff, and keeping the keyed search hashes complete.
 *
 * Search: the box takes a whole name or a whole job-seeker number; the text is normalised and
 * hashed as the stored values were (src/crypto/search-hash.ts) and the bookings carrying that
 * hash point to their users. No plain text is stored or compared, so nothing partial can match.
 *
 * Start-up refresh: bookings made before the hash columns existed, or hashed under a key that
 * has since been rotated away, are hashed (again) when the service starts — decrypting each
 * value with the cipher, which still holds the old keys during a rotation. A database migration
 * cannot do it, as only the service holds the key.
 */
import type { PrismaClient } from '../../generated/prisma/client.ts';
import type { Db } from '../../db/repositories.ts';
import type { FieldCipher } from '../../crypto/field-cipher.ts';
import { FieldDecryptionError } from '../../crypto/field-cipher.ts';
import { createSearchHasher, searchQueryOf } from '../../crypto/search-hash.ts';
import type { SearchHasher, SearchQuery } from '../../crypto/search-hash.ts';

/** One user found by a search: opaque ids, counts and dates, nothing personal. */
export type FoundUser = {
  /** The random id staff pages use for this user (LineUser.staffRef). */
  ref: string;
  /** Bookings of this user whose name or number matched. */
  matchingBookings: number;
  /** Date of the most recent matching booking (YYYY-MM-DD, Japan). */
  latestDate: string;
  suspended: boolean;
  refused: boolean;
};

export type UserSearchResult = { query: SearchQuery['kind']; users: FoundUser[] };

/** At most this many users are listed for one name (namesakes); the page says when there are more. */
export const SEARCH_RESULT_LIMIT = 50;

/** Users whose bookings carry the whole name or job-seeker number typed into the search box. */
export async function searchUsers(db: Db, hasher: SearchHasher, text: string): Promise<UserSearchResult> {
  const query = searchQueryOf(text, hasher);
  if (query.kind === 'empty') return { query: 'empty', users: [] };
  const where = query.kind === 'name' ? { nameHash: query.hash } : { jobSeekerNumberHash: query.hash };
  const groups = await db.booking.groupBy({ by: ['userId'], where, _count: { _all: true }, _max: { date: true } });
  const sorted = groups.sort((a, b) => (b._max.date ?? '').localeCompare(a._max.date ?? '')).slice(0, SEARCH_RESULT_LIMIT);
  const users = await db.lineUser.findMany({
    where: { id: { in: sorted.map((g) => g.userId) } },
    select: { id: true, staffRef: true, suspendedAt: true, refusedAt: true },
  });
  const byId = new Map(users.map((u) => [u.id, u]));
  return {
    query: query.kind,
    users: sorted.flatMap((g) => {
      const user = byId.get(g.userId);
      if (!user) return [];
      return [
        {
          ref: user.staffRef,
          matchingBookings: g._count._all,
          latestDate: g._max.date ?? '',
          suspended: user.suspendedAt !== null,
          refused: user.refusedAt !== null,
        },
      ];
    }),
  };
}

/** What a refresh pass did (counts only: it is logged). */
export type HashRefreshSummary = { hashed: number; unreadable: number };

/**
 * Hashes every booking whose name or number has no hash, or one under another key, in batches.
 * Idempotent, safe to interrupt and to run on several instances at once (they write the same
 * values). A value that cannot be decrypted (a key no longer configured) is counted and left.
 */
export async function refreshSearchHashes(prisma: PrismaClient, cipher: FieldCipher, options: { batchSize?: number } = {}): Promise<HashRefreshSummary> {
  const hasher = createSearchHasher(cipher);
  const batchSize = options.batchSize ?? 200;
  const current = `${hasher.keyId}:%`;
  const summary: HashRefreshSummary = { hashed: 0, unreadable: 0 };
  const skip = new Set<string>();
  for (;;) {
    const rows = await prisma.$queryRaw<Array<{ id: string; name_enc: string | null; job_seeker_number_enc: string | null }>>`
      SELECT id, name_enc, job_seeker_number_enc FROM bookings
      WHERE (name_enc IS NOT NULL AND (name_hash IS NULL OR name_hash NOT LIKE ${current}))
         OR (job_seeker_number_enc IS NOT NULL AND (job_seeker_number_hash IS NULL OR job_seeker_number_hash NOT LIKE ${current}))
      ORDER BY id LIMIT ${batchSize + skip.size}`;
    const todo = rows.filter((row) => !skip.has(row.id));
    if (todo.length === 0) return summary;
    for (const row of todo) {
      try {
        const nameHash = row.name_enc === null ? null : hasher.name(cipher.decrypt(row.name_enc));
        const jobSeekerNumberHash = row.job_seeker_number_enc === null ? null : hasher.jobSeekerNumber(cipher.decrypt(row.job_seeker_number_enc));
        await prisma.booking.update({ where: { id: row.id }, data: { nameHash, jobSeekerNumberHash } });
        summary.hashed += 1;
        // A value with nothing hashable (not possible through the chat's validation) would be
        // selected again and again: leave it for this pass.
        if ((row.name_enc !== null && nameHash === null) || (row.job_seeker_number_enc !== null && jobSeekerNumberHash === null)) skip.add(row.id);
      } catch (error) {
        if (!(error instanceof FieldDecryptionError)) throw error;
        skip.add(row.id);
        summary.unreadable += 1;
      }
    }
  }
}
