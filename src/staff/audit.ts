/**
 * The append-only audit log (`staff_audit_log`): every sign-in and failure, every view of
 * personal details, every change — who, what, on which id, when. Nothing else: the target is an
 * opaque id (booking UUID, LINE user id, account id), details are codes and dates, never a name,
 * number, phone or message text. The database refuses UPDATE and DELETE on the table.
 */
import type { Db } from '../db/repositories.ts';

/** Who acted: a staff account (console or API), or the command line. */
export type AuditActor = { staffId: string; login: string } | null;

export type AuditEntry = {
  action: string;
  targetType?: 'booking' | 'user' | 'account' | 'api-token' | 'office-day' | 'terms' | 'announcement' | 'list' | (string & {});
  targetId?: string | null;
  /** Codes, dates and counts only; checked below against obvious personal data. */
  detail?: Record<string, string | number | boolean | null>;
};

/** Where an action came from. */
export type AuditChannel = 'console' | 'api' | 'cli';

/** A detail value that looks like personal data (digits of a phone or job-seeker number, or free text). */
function suspicious(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(value)) return false; // an id
  return value.length > 80 || /(^|[^0-9A-Za-z])(\d{5}-?\d{6,8}|0\d{1,4}-?\d{1,4}-?\d{3,4})($|[^0-9A-Za-z])/.test(value);
}

/** Appends one entry. Throws (so the caller's transaction rolls back) if a detail looks personal. */
export async function writeAudit(db: Db, actor: AuditActor, via: AuditChannel, entry: AuditEntry, now: Date): Promise<void> {
  for (const [key, value] of Object.entries(entry.detail ?? {})) {
    if (suspicious(value)) throw new Error(`audit detail "${key}" looks like personal data; log codes and ids only`);
  }
  await db.staffAuditLog.create({
    data: {
      at: now,
      staffId: actor?.staffId ?? null,
      staffLogin: actor?.login ?? null,
      action: entry.action,
      targetType: entry.targetType ?? null,
      targetId: entry.targetId ?? null,
      via,
      detail: entry.detail ?? undefined,
    },
  });
}

/** Filters of the audit log page. */
export type AuditQuery = { from?: Date; to?: Date; action?: string; staffId?: string; targetId?: string; beforeId?: number; limit: number };

/** Entries, newest first, for the admin's audit log page (paged by id). */
export async function listAudit(db: Db, query: AuditQuery) {
  return db.staffAuditLog.findMany({
    where: {
      ...(query.from || query.to ? { at: { ...(query.from ? { gte: query.from } : {}), ...(query.to ? { lt: query.to } : {}) } } : {}),
      ...(query.action ? { action: query.action } : {}),
      ...(query.staffId ? { staffId: query.staffId } : {}),
      ...(query.targetId ? { targetId: query.targetId } : {}),
      ...(query.beforeId ? { id: { lt: query.beforeId } } : {}),
    },
    orderBy: { id: 'desc' },
    take: query.limit,
  });
}
