/**
 * Server-side staff sessions in the database (PGlite or PostgreSQL, so several instances share
 * them). The browser holds a random 256-bit id in an HttpOnly cookie; the table holds its
 * SHA-256, the account, a CSRF synchronizer token, the times that bound the session (idle
 * timeout, absolute lifetime) and the flash messages for the next page.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';

export type SessionPolicy = { idleMinutes: number; maxHours: number };

/** A message shown once on the next page. Japanese, no personal data. */
export type Flash = { kind: 'success' | 'error' | 'info'; text: string };

/** The signed-in person behind a request. */
export type StaffSessionView = {
  idHash: string;
  staffId: string;
  login: string;
  role: string;
  csrfToken: string;
  mustChangePassword: boolean;
  flash: Flash[];
};

export function hashSessionId(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}

/** Starts a session for an account; returns the id for the cookie (only its hash is stored). */
export async function createSession(db: PrismaClient | Prisma.TransactionClient, staffId: string, policy: SessionPolicy, now: Date): Promise<string> {
  const id = randomBytes(32).toString('base64url');
  await db.staffSession.create({
    data: {
      idHash: hashSessionId(id),
      staffId,
      csrfToken: randomBytes(32).toString('base64url'),
      createdAt: now,
      lastSeenAt: now,
      expiresAt: new Date(now.getTime() + policy.maxHours * 3_600_000),
    },
  });
  return id;
}

/**
 * The live session for a cookie value, or null: unknown, idle for longer than the idle
 * timeout, past its absolute lifetime, or its account disabled. An expired session is deleted.
 * A live one is touched (at most once a minute, to spare the database).
 */
export async function loadSession(prisma: PrismaClient, cookieValue: string | undefined, policy: SessionPolicy, now: Date): Promise<StaffSessionView | null> {
  if (!cookieValue || cookieValue.length > 100) return null;
  const idHash = hashSessionId(cookieValue);
  const row = await prisma.staffSession.findUnique({
    where: { idHash },
    select: {
      idHash: true,
      staffId: true,
      csrfToken: true,
      lastSeenAt: true,
      expiresAt: true,
      flash: true,
      staff: { select: { login: true, role: true, disabledAt: true, mustChangePassword: true } },
    },
  });
  if (!row) return null;
  const idleUntil = row.lastSeenAt.getTime() + policy.idleMinutes * 60_000;
  if (now.getTime() >= row.expiresAt.getTime() || now.getTime() >= idleUntil || row.staff.disabledAt !== null) {
    await prisma.staffSession.deleteMany({ where: { idHash } });
    return null;
  }
  if (now.getTime() - row.lastSeenAt.getTime() >= 60_000) {
    await prisma.staffSession.updateMany({ where: { idHash }, data: { lastSeenAt: now } });
  }
  return {
    idHash,
    staffId: row.staffId,
    login: row.staff.login,
    role: row.staff.role,
    csrfToken: row.csrfToken,
    mustChangePassword: row.staff.mustChangePassword,
    flash: Array.isArray(row.flash) ? (row.flash as Flash[]) : [],
  };
}

/** Ends a session (sign-out). */
export async function destroySession(prisma: PrismaClient, idHash: string): Promise<void> {
  await prisma.staffSession.deleteMany({ where: { idHash } });
}

/** Adds a flash message for the next page of this session. */
export async function pushFlash(prisma: PrismaClient, idHash: string, flash: Flash): Promise<void> {
  const row = await prisma.staffSession.findUnique({ where: { idHash }, select: { flash: true } });
  const list = Array.isArray(row?.flash) ? (row.flash as Flash[]) : [];
  await prisma.staffSession.updateMany({ where: { idHash }, data: { flash: [...list, flash].slice(-5) } });
}

/** Takes the flash messages (they are shown once). */
export async function takeFlash(prisma: PrismaClient, session: StaffSessionView): Promise<Flash[]> {
  if (session.flash.length === 0) return [];
  await prisma.staffSession.updateMany({ where: { idHash: session.idHash }, data: { flash: [] } });
  return session.flash;
}

/** Whether a submitted CSRF token is the session's (constant time). */
export function csrfTokenMatches(session: StaffSessionView, submitted: unknown): boolean {
  if (typeof submitted !== 'string' || submitted.length !== session.csrfToken.length) return false;
  return timingSafeEqual(Buffer.from(submitted), Buffer.from(session.csrfToken));
}

/** Deletes sessions past their absolute lifetime (housekeeping; loadSession refuses them anyway). */
export async function purgeExpiredSessions(prisma: PrismaClient, now: Date): Promise<number> {
  const { count } = await prisma.staffSession.deleteMany({ where: { expiresAt: { lte: now } } });
  return count;
}
