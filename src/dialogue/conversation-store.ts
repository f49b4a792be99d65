/**
 * Persistence of one user's dialogue: the machine's state value and context, the flow version
 * that produced them, when the conversation expires, and a version number for compare-and-
 * swap. Writes happen inside the same transaction as the effects of the turn.
 */
import type { Prisma } from '../generated/prisma/client.ts';

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

/** Seals and opens the stored state (encryption at rest with the personal-fields key). */
export interface StateSealer {
  seal(json: string): string;
  open(sealed: string): string;
}

export async function loadConversation(tx: Prisma.TransactionClient, userId: string, sealer: StateSealer): Promise<StoredConversation | null> {
  const row = await tx.conversation.findUnique({ where: { userId } });
  if (!row) return null;
  const stored = row.snapshot as { sealed?: unknown };
  let state: StoredConversation['state'];
  try {
    state = JSON.parse(sealer.open(String(stored.sealed))) as StoredConversation['state'];
  } catch {
    // Unreadable (e.g. the key changed): treat as a conversation of an unknown version.
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
