/**
 * Staff accounts and their API tokens: the operations behind the create-admin command and the
 * admin's account pages. Every change is written to the audit log in the same transaction.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { AuditActor, AuditChannel } from './audit.ts';
import { writeAudit } from './audit.ts';
import { hashPassword, oneTimePassword, passwordProblem } from './passwords.ts';

/** The two roles: admin may do everything staff may, plus accounts, calendar, terms and the audit log. */
export const roles = ['staff', 'admin'] as const;
export type Role = (typeof roles)[number];

/** Whether an account with `role` may use something that needs `required`. */
export function roleAllows(role: string, required: Role): boolean {
  return role === 'admin' || (role === 'staff' && required === 'staff');
}

/** Sign-in names: 3–32 of a–z, 0–9, dot, hyphen, underscore (compared in lower case). */
export const loginPattern = /^[a-z0-9][a-z0-9._-]{2,31}$/;

/** Normalises a typed login; null when it cannot be one. */
export function normaliseLogin(typed: string): string | null {
  const login = typed.normalize('NFKC').trim().toLowerCase();
  return loginPattern.test(login) ? login : null;
}

/** An account operation that cannot be done; `message` is Japanese, for the page or the console. */
export class AccountError extends Error {
  override name = 'AccountError';
}

export type StaffAccountView = { id: string; login: string; role: string; disabledAt: Date | null; mustChangePassword: boolean; createdAt: Date };

/**
 * Creates an account. Without a password, a one-time password is generated and returned (to be
 * handed over in person); the holder must change it at first sign-in.
 */
export async function createAccount(
  prisma: PrismaClient,
  input: { login: string; role: Role; password?: string },
  who: { actor: AuditActor; via: AuditChannel },
  now: Date,
): Promise<{ account: StaffAccountView; oneTimePassword: string | null }> {
  const login = normaliseLogin(input.login);
  if (!login) throw new AccountError('ログイン名は3〜32文字の半角英小文字・数字・「.」「-」「_」で入力してください。');
  if (!(roles as readonly string[]).includes(input.role)) throw new AccountError('役割は「職員」か「管理者」を選んでください。');
  if (input.password !== undefined) {
    const problem = passwordProblem(input.password, login);
    if (problem) throw new AccountError(problem);
  }
  const generated = input.password === undefined ? oneTimePassword() : null;
  const passwordHash = await hashPassword(input.password ?? generated ?? '');
  return prisma.$transaction(async (tx) => {
    const existing = await tx.staffAccount.findUnique({ where: { login }, select: { id: true } });
    if (existing) throw new AccountError(`ログイン名「${login}」は既に使われています。別の名前にしてください。`);
    const account = await tx.staffAccount.create({
      data: { login, role: input.role, passwordHash, mustChangePassword: generated !== null, createdAt: now, passwordChangedAt: now },
      select: accountSelect,
    });
    await writeAudit(tx, who.actor, who.via, { action: 'account.create', targetType: 'account', targetId: account.id, detail: { role: input.role } }, now);
    return { account, oneTimePassword: generated };
  });
}

const accountSelect = { id: true, login: true, role: true, disabledAt: true, mustChangePassword: true, createdAt: true } as const;

/** Every account, admins first, for the accounts page. */
export async function listAccounts(prisma: PrismaClient): Promise<StaffAccountView[]> {
  return prisma.staffAccount.findMany({ select: accountSelect, orderBy: [{ disabledAt: { sort: 'asc', nulls: 'first' } }, { login: 'asc' }] });
}

/** One account by id or by login. */
export async function findAccount(prisma: PrismaClient, by: { id: string } | { login: string }): Promise<StaffAccountView | null> {
  if ('id' in by) return prisma.staffAccount.findUnique({ where: { id: by.id }, select: accountSelect });
  const login = normaliseLogin(by.login);
  return login ? prisma.staffAccount.findUnique({ where: { login }, select: accountSelect }) : null;
}

/**
 * Disables (or re-enables) an account. Disabling ends its sessions and its API tokens stop
 * working at once. An admin cannot disable themselves, and the last enabled admin cannot be
 * disabled (nobody could manage accounts any more).
 */
export async function setAccountDisabled(
  prisma: PrismaClient,
  accountId: string,
  disabled: boolean,
  who: { actor: AuditActor; via: AuditChannel },
  now: Date,
): Promise<{ changed: boolean }> {
  return prisma.$transaction(async (tx) => {
    const account = await tx.staffAccount.findUnique({ where: { id: accountId }, select: { id: true, role: true, disabledAt: true } });
    if (!account) throw new AccountError('そのアカウントは見つかりません。一覧から選び直してください。');
    if (disabled && who.actor?.staffId === accountId) throw new AccountError('自分のアカウントは無効にできません。別の管理者に依頼してください。');
    if ((account.disabledAt !== null) === disabled) return { changed: false };
    if (disabled && account.role === 'admin') {
      const admins = await tx.staffAccount.count({ where: { role: 'admin', disabledAt: null } });
      if (admins <= 1) throw new AccountError('最後の管理者は無効にできません。先に別の管理者を作成してください。');
    }
    await tx.staffAccount.update({ where: { id: accountId }, data: { disabledAt: disabled ? now : null } });
    if (disabled) await tx.staffSession.deleteMany({ where: { staffId: accountId } });
    await writeAudit(tx, who.actor, who.via, { action: disabled ? 'account.disable' : 'account.enable', targetType: 'account', targetId: accountId }, now);
    return { changed: true };
  });
}

/**
 * Resets an account's password to a new one-time password (returned, shown once): its sessions
 * end, and the holder must choose a new password at the next sign-in.
 */
export async function resetPassword(
  prisma: PrismaClient,
  accountId: string,
  who: { actor: AuditActor; via: AuditChannel },
  now: Date,
): Promise<{ oneTimePassword: string; login: string }> {
  const password = oneTimePassword();
  const passwordHash = await hashPassword(password);
  return prisma.$transaction(async (tx) => {
    const account = await tx.staffAccount.findUnique({ where: { id: accountId }, select: { login: true } });
    if (!account) throw new AccountError('そのアカウントは見つかりません。一覧から選び直してください。');
    await tx.staffAccount.update({ where: { id: accountId }, data: { passwordHash, mustChangePassword: true, passwordChangedAt: now } });
    await tx.staffSession.deleteMany({ where: { staffId: accountId } });
    await writeAudit(tx, who.actor, who.via, { action: 'account.reset-password', targetType: 'account', targetId: accountId }, now);
    return { oneTimePassword: password, login: account.login };
  });
}

/** The holder sets their own new password (after a one-time password, or any time). Other sessions end. */
export async function changeOwnPassword(
  prisma: PrismaClient,
  account: { staffId: string; login: string },
  newPassword: string,
  keepSessionHash: string | null,
  via: AuditChannel,
  now: Date,
): Promise<void> {
  const problem = passwordProblem(newPassword, account.login);
  if (problem) throw new AccountError(problem);
  const passwordHash = await hashPassword(newPassword);
  await prisma.$transaction(async (tx) => {
    await tx.staffAccount.update({ where: { id: account.staffId }, data: { passwordHash, mustChangePassword: false, passwordChangedAt: now } });
    await tx.staffSession.deleteMany({ where: { staffId: account.staffId, ...(keepSessionHash ? { NOT: { idHash: keepSessionHash } } : {}) } });
    await writeAudit(tx, account, via, { action: 'account.change-password', targetType: 'account', targetId: account.staffId }, now);
  });
}

// ---------------------------------------------------------------------------------------------
// API tokens
// ---------------------------------------------------------------------------------------------

/** Prefix that makes a leaked token recognisable (secret scanners, logs). */
const tokenPrefix = 'hwk_';

export function hashApiToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Issues a token for an account; the token itself is returned once and never stored. */
export async function issueApiToken(
  prisma: PrismaClient,
  accountId: string,
  label: string,
  who: { actor: AuditActor; via: AuditChannel },
  now: Date,
): Promise<{ tokenId: string; token: string }> {
  const cleanLabel = label
    .normalize('NFKC')
    .replace(/[\p{C}]/gu, '')
    .trim();
  if (cleanLabel.length < 1 || cleanLabel.length > 40) throw new AccountError('用途（ラベル）を1〜40文字で入力してください。');
  const token = `${tokenPrefix}${randomBytes(32).toString('base64url')}`;
  return prisma.$transaction(async (tx) => {
    const account = await tx.staffAccount.findUnique({ where: { id: accountId }, select: { disabledAt: true } });
    if (!account) throw new AccountError('そのアカウントは見つかりません。一覧から選び直してください。');
    if (account.disabledAt) throw new AccountError('無効なアカウントにはトークンを発行できません。');
    const row = await tx.staffApiToken.create({
      data: { staffId: accountId, tokenHash: hashApiToken(token), label: cleanLabel, createdAt: now },
      select: { id: true },
    });
    await writeAudit(tx, who.actor, who.via, { action: 'api-token.issue', targetType: 'account', targetId: accountId, detail: { tokenId: row.id } }, now);
    return { tokenId: row.id, token };
  });
}

/** Revokes a token; it stops working at once. */
export async function revokeApiToken(prisma: PrismaClient, tokenId: string, who: { actor: AuditActor; via: AuditChannel }, now: Date): Promise<void> {
  await prisma.$transaction(async (tx) => {
    const row = await tx.staffApiToken.findUnique({ where: { id: tokenId }, select: { staffId: true, revokedAt: true } });
    if (!row) throw new AccountError('そのトークンは見つかりません。');
    if (row.revokedAt) return;
    await tx.staffApiToken.update({ where: { id: tokenId }, data: { revokedAt: now } });
    await writeAudit(tx, who.actor, who.via, { action: 'api-token.revoke', targetType: 'account', targetId: row.staffId, detail: { tokenId } }, now);
  });
}

/** Tokens of an account, for its page (never the token itself). */
export async function listApiTokens(prisma: PrismaClient, accountId: string) {
  return prisma.staffApiToken.findMany({
    where: { staffId: accountId },
    orderBy: { createdAt: 'desc' },
    select: { id: true, label: true, createdAt: true, lastUsedAt: true, revokedAt: true },
  });
}

/** The enabled account a bearer token acts as, or null (unknown, revoked, account disabled). */
export async function accountForApiToken(prisma: PrismaClient, token: string, now: Date): Promise<{ staffId: string; login: string; role: string } | null> {
  if (!token.startsWith(tokenPrefix) || token.length > 100) return null;
  const row = await prisma.staffApiToken.findUnique({
    where: { tokenHash: hashApiToken(token) },
    select: { id: true, revokedAt: true, lastUsedAt: true, staff: { select: { id: true, login: true, role: true, disabledAt: true } } },
  });
  if (!row || row.revokedAt || row.staff.disabledAt) return null;
  // Last use, at most once a minute (a busy integration should not write on every request).
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > 60_000) {
    await prisma.staffApiToken.update({ where: { id: row.id }, data: { lastUsedAt: now } });
  }
  return { staffId: row.staff.id, login: row.staff.login, role: row.staff.role };
}
