/**
 * Sign-in with rate limiting and lock-out shared by every instance: attempts are rows in
 * `staff_sign_in_attempts`, counted against the application clock. A small table rather than a
 * rate-limiter library: the limits must follow the application clock (tests move it; demos run
 * on CLOCK_START), must work on PGlite as well as PostgreSQL, and lock-out is per account and
 * per address at once — a few indexed COUNT queries do all of that.
 *
 * - Per account: after `accountFailures` failures within `windowMinutes` (since its last
 *   success), the account is locked until `lockMinutes` after the last failure. Attempts while
 *   locked are refused without checking the password and not counted (so the lock ends).
 * - Per address: after `addressFailures` failures within the window, every attempt from that
 *   address is refused until the failures age out.
 */
import type { PrismaClient } from '../generated/prisma/client.ts';
import { writeAudit } from './audit.ts';
import { normaliseLogin } from './accounts.ts';
import { unusableHashPromise, verifyPassword } from './passwords.ts';
import { createSession } from './sessions.ts';
import type { SessionPolicy } from './sessions.ts';

export type SignInLimits = { accountFailures: number; addressFailures: number; windowMinutes: number; lockMinutes: number };

export const defaultSignInLimits: SignInLimits = { accountFailures: 5, addressFailures: 20, windowMinutes: 15, lockMinutes: 15 };

export type SignInResult =
  | { ok: true; sessionId: string; staffId: string; login: string; mustChangePassword: boolean }
  | { ok: false; reason: 'invalid' | 'account-locked' | 'address-limited'; retryAfter?: Date };

/** Checks a login and password and starts a session; audits the outcome (never the password or the typed login of an unknown account). */
export async function signIn(
  prisma: PrismaClient,
  input: { login: string; password: string; address: string },
  policy: SessionPolicy,
  now: Date,
  limits: SignInLimits = defaultSignInLimits,
): Promise<SignInResult> {
  const accountKey = (normaliseLogin(input.login) ?? input.login.normalize('NFKC').trim().toLowerCase()).slice(0, 64);
  const addressKey = input.address.slice(0, 64) || 'unknown';
  const windowStart = new Date(now.getTime() - limits.windowMinutes * 60_000);
  const account = await prisma.staffAccount.findUnique({
    where: { login: accountKey },
    select: { id: true, login: true, passwordHash: true, disabledAt: true, mustChangePassword: true },
  });
  const actor = account ? { staffId: account.id, login: account.login } : null;

  const addressFailures = await prisma.staffSignInAttempt.count({ where: { addressKey, succeeded: false, at: { gt: windowStart } } });
  if (addressFailures >= limits.addressFailures) {
    await writeAudit(prisma, actor, 'console', { action: 'sign-in.refused', detail: { reason: 'address-limited' } }, now);
    return { ok: false, reason: 'address-limited' };
  }

  const lastSuccess = await prisma.staffSignInAttempt.findFirst({ where: { accountKey, succeeded: true }, orderBy: { at: 'desc' }, select: { at: true } });
  const since = lastSuccess && lastSuccess.at > windowStart ? lastSuccess.at : windowStart;
  const failures = await prisma.staffSignInAttempt.findMany({
    where: { accountKey, succeeded: false, at: { gt: since } },
    orderBy: { at: 'desc' },
    take: limits.accountFailures,
    select: { at: true },
  });
  if (failures.length >= limits.accountFailures) {
    const lockedUntil = new Date((failures[0]?.at ?? now).getTime() + limits.lockMinutes * 60_000);
    if (now < lockedUntil) {
      await writeAudit(
        prisma,
        actor,
        'console',
        { action: 'sign-in.refused', ...(account ? { targetType: 'account', targetId: account.id } : {}), detail: { reason: 'account-locked' } },
        now,
      );
      return { ok: false, reason: 'account-locked', retryAfter: lockedUntil };
    }
  }

  const valid = (await verifyPassword(input.password, account?.passwordHash ?? (await unusableHashPromise))) && account !== null && account.disabledAt === null;
  if (!valid || !account) {
    await prisma.staffSignInAttempt.create({ data: { accountKey, addressKey, at: now, succeeded: false } });
    await writeAudit(
      prisma,
      actor,
      'console',
      {
        action: 'sign-in.failed',
        ...(account ? { targetType: 'account', targetId: account.id } : {}),
        detail: { reason: !account ? 'unknown-login' : account.disabledAt ? 'disabled' : 'wrong-password' },
      },
      now,
    );
    return { ok: false, reason: 'invalid' };
  }
  return prisma.$transaction(async (tx) => {
    await tx.staffSignInAttempt.create({ data: { accountKey, addressKey, at: now, succeeded: true } });
    const sessionId = await createSession(tx, account.id, policy, now);
    await writeAudit(tx, actor, 'console', { action: 'sign-in', targetType: 'account', targetId: account.id }, now);
    return { ok: true, sessionId, staffId: account.id, login: account.login, mustChangePassword: account.mustChangePassword };
  });
}

/** Forgets attempts older than a day (housekeeping). */
export async function purgeOldSignInAttempts(prisma: PrismaClient, now: Date): Promise<number> {
  const { count } = await prisma.staffSignInAttempt.deleteMany({ where: { at: { lt: new Date(now.getTime() - 24 * 3_600_000) } } });
  return count;
}
