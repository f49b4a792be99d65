/**
 * Persistence of one user's dialogue: the machine's state value and context, the flow version
 * that produced them, when the conversation expires, and a version number for compare-and-
 * swap. Writes happen inside the same transaction as the effects of the turn.
 */
import { createHash } from 'node:crypto';
import type { Prisma } from '../generated/prisma/client.ts';
import { FieldDecryptionError } from '../crypto/field-cipher.ts';

export interface StoredConversation {
  flowVersion: number;
  /** `{ value, context }` as the machine produced them. */
  state: { value: unknown; context: unknown };
  expiresAt: Date;
  version: number;
}

/** Someone else changed the conversation between our read and our write. */
export class ConversationConflictError extends Error {
  override name = 'ConversationConflictError';
  readonly userId: string;
  constructor(userId: string) {
    super('conversation was changed concurrently');
    this.userId = userId;
  }
}

/**
 * The stored conversation cannot be decrypted (key missing from the configuration, or the value
 * altered). The message names a hash of the user id and the key id, never the data, so the
 * event's error log line says what to fix; the stored conversation is left as it is.
 */
export class ConversationUnreadableError extends Error {
  override name = 'ConversationUnreadableError';
  /** First 12 hex digits of sha256(user id): correlates log lines without the LINE id. */
  readonly userHash: string;
  /** Key id the sealed value names, when it could be read. */
  readonly keyId: string | null;
  readonly reason: string;
  constructor(userId: string, cause: unknown) {
    const keyId = cause instanceof FieldDecryptionError ? cause.keyId : null;
    const reason = cause instanceof FieldDecryptionError ? cause.reason : 'unreadable';
    const userHash = createHash('sha256').update(userId).digest('hex').slice(0, 12);
    super(
      `stored conversation of user ${userHash} cannot be decrypted (key id ${keyId ?? 'unknown'}, ${reason}); it is kept unchanged until a configured key opens it`,
    );
    this.userHash = userHash;
    this.keyId = keyId;
    this.reason = reason;
  }
}

/** Seals and opens the stored state (encryption at rest with the personal-fields key). */
export interface StateSealer {
  seal(json: string): string;
  open(sealed: string): string;
}

/** Opens a stored conversation row (a turn reads it with its other facts, src/dialogue/turn-facts.ts). */
export function conversationOf(
  row: { flowVersion: number; snapshot: unknown; expiresAt: Date; version: number } | null,
  userId: string,
  sealer: StateSealer,
): StoredConversation | null {
  if (!row) return null;
  const stored = row.snapshot as { sealed?: unknown };
  let json: string;
  try {
    json = sealer.open(String(stored.sealed));
  } catch (error) {
    // Never a silent restart: with a wrong or missing key the conversation must survive
    // untouched, so that it resumes once the right key is back. The turn fails instead.
    throw new ConversationUnreadableError(userId, error);
  }
  let state: StoredConversation['state'];
  try {
    state = JSON.parse(json) as StoredConversation['state'];
  } catch {
    // Decrypted but not JSON (written by a broken release): a conversation of an unknown version.
    state = { value: null, context: null };
    return { flowVersion: -1, state, expiresAt: row.expiresAt, version: row.version };
  }
  return { flowVersion: row.flowVersion, state, expiresAt: row.expiresAt, version: row.version };
}

/** Writes the new state if nobody else wrote since `previousVersion` (null: no row yet). */
export async function saveConversation(
  tx: Prisma.TransactionClient,
  userId: string,
  previousVersion: number | null,
  next: { flowVersion: number; state: StoredConversation['state']; expiresAt: Date },
  sealer: StateSealer,
): Promise<void> {
  const snapshot = { sealed: sealer.seal(JSON.stringify(next.state)) };
  if (previousVersion === null) {
    const created = await tx.conversation.createMany({
      data: [{ userId, flowVersion: next.flowVersion, snapshot, expiresAt: next.expiresAt, version: 1 }],
      skipDuplicates: true,
    });
    if (created.count !== 1) throw new ConversationConflictError(userId);
    return;
  }
  const updated = await tx.conversation.updateMany({
    where: { userId, version: previousVersion },
    data: { flowVersion: next.flowVersion, snapshot, expiresAt: next.expiresAt, version: previousVersion + 1 },
  });
  if (updated.count !== 1) throw new ConversationConflictError(userId);
}
