/**
 * The small set of database operations the rest of the code uses. Prisma stays here and in
 * client.ts; callers pass either the client or a transaction (`Db`).
 */
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';

export type Db = PrismaClient | Prisma.TransactionClient;

/**
 * Serialises all work on one user's conversation across transactions and instances: a
 * transaction-scoped advisory lock keyed by the user id (released at commit or rollback).
 * On PGlite, which has one connection, transactions are serialised anyway.
 */
export async function lockUser(tx: Prisma.TransactionClient, userId: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${userId}))`;
}

/** Records that a user (re)followed the account. */
export async function markFollowed(db: Db, userId: string, at: Date): Promise<void> {
  await db.lineUser.upsert({
    where: { id: userId },
    create: { id: userId, followedAt: at },
    update: { followedAt: at, unfollowedAt: null },
  });
}

/** Records that a user blocked or removed the account; no pushes go to them afterwards. */
export async function markUnfollowed(db: Db, userId: string, at: Date): Promise<void> {
  await db.lineUser.upsert({
    where: { id: userId },
    create: { id: userId, unfollowedAt: at },
    update: { unfollowedAt: at },
  });
}

/** The terms version in force at `now`: the latest published one whose effective date has come (drafts never are). */
export async function termsInForce(db: Db, now: Date) {
  const terms = await db.termsVersion.findFirst({ where: { effectiveAt: { lte: now }, status: 'published' }, orderBy: { effectiveAt: 'desc' } });
  if (!terms) throw new Error('no terms version is in force; the seed did not run');
  return terms;
}

/** Full text of a terms version by its label. */
export async function termsText(db: Db, version: string): Promise<string | undefined> {
  const terms = await db.termsVersion.findUnique({ where: { version }, select: { body: true } });
  return terms?.body;
}

/** Records consent to a terms version (once; a repeated agreement keeps the first time). */
export async function recordConsent(db: Db, userId: string, termsVersionId: number, at: Date): Promise<void> {
  await db.consent.upsert({
    where: { userId_termsVersionId: { userId, termsVersionId } },
    create: { userId, termsVersionId, agreedAt: at },
    update: {},
  });
}
