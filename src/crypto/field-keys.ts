/**
 * The key check (issue #8): every field-encryption key a database has seen leaves a check value
 * (HMAC-SHA256 of a fixed label under the key) in `field_key_checks`. At start an instance
 * compares its keys with the stored checks and refuses to run with a key the database does not
 * know — two instances with different FIELD_ENCRYPTION_KEYs on one PostgreSQL would otherwise
 * write personal data the other cannot read.
 *
 * Rules, applied under an advisory lock so that instances starting together agree:
 * - first start (no checks yet): if personal data is already stored (a database from before
 *   key checks), one stored value must decrypt with the configured keys; then a check is stored
 *   for every configured key, the current one as the database's current key;
 * - a configured key whose id is stored with another check value is refused (another key with
 *   the same id);
 * - the current key must be the database's current key (the newest check), or the database's
 *   current key must be among FIELD_ENCRYPTION_OLD_KEYS: that is a rotation (or a deliberate
 *   switch back) by someone holding the key in use, and the instance's key becomes the
 *   database's current key. So an instance restarted with the configuration from before a
 *   rotation refuses to start instead of writing under the replaced key;
 * - checks for configured keys not yet stored are then added.
 */
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';
import { ConfigError } from '../config.ts';
import type { FieldCipher } from './field-cipher.ts';
import { FieldDecryptionError } from './field-cipher.ts';

/** Result of a successful check: what the database knew and what this start added. */
export interface FieldKeyCheckResult {
  /** Key ids whose checks were stored before this start. */
  known: string[];
  /** Key ids whose checks this start stored (first start, or a rotation's new key). */
  added: string[];
}

const rotationHint = 'every instance must use the same key; to rotate, set the new key and list the old one in FIELD_ENCRYPTION_OLD_KEYS';

/**
 * Verifies the cipher's keys against the database's key checks, storing the missing ones; throws
 * ConfigError (one line, no key material) when the current key does not belong to this database.
 */
export async function verifyFieldKeys(prisma: PrismaClient, cipher: FieldCipher, now: Date): Promise<FieldKeyCheckResult> {
  return prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('field_key_checks'))`;
    const stored = await tx.fieldKeyCheck.findMany({ orderBy: [{ createdAt: 'asc' }, { keyId: 'asc' }] });
    const byId = new Map(stored.map((row) => [row.keyId, row.fingerprint]));
    const configured = cipher.keyChecks();
    const knownIds = stored.map((row) => row.keyId).join(', ');

    for (const key of configured) {
      const fingerprint = byId.get(key.keyId);
      if (fingerprint !== undefined && fingerprint !== key.fingerprint) {
        const variable = key.current ? 'FIELD_ENCRYPTION_KEY' : 'FIELD_ENCRYPTION_OLD_KEYS';
        throw new ConfigError(
          variable,
          `${variable} holds a key with id ${key.keyId} that differs from the key of that id this database was set up with; ${rotationHint}`,
        );
      }
    }

    const current = configured.find((key) => key.current);
    if (!current) throw new Error('cipher without a current key');
    // The database's current key: the check stored (or promoted) last.
    const newest = stored.at(-1);
    let promote = false;
    if (newest && newest.keyId !== current.keyId) {
      const rotation = configured.some((key) => !key.current && key.keyId === newest.keyId && key.fingerprint === newest.fingerprint);
      if (!rotation) {
        throw new ConfigError(
          'FIELD_ENCRYPTION_KEY',
          byId.has(current.keyId)
            ? `FIELD_ENCRYPTION_KEY (key id ${current.keyId}) was replaced by key ${newest.keyId} in this database; use that key, and list ${current.keyId} in FIELD_ENCRYPTION_OLD_KEYS while values under it remain`
            : `FIELD_ENCRYPTION_KEY (key id ${current.keyId}) is not a key of this database (its current key: ${newest.keyId}; known: ${knownIds}); ${rotationHint}`,
        );
      }
      promote = true;
    }

    if (stored.length === 0) {
      // A database from before key checks: the configured keys must open what is stored.
      const sample = await storedSample(tx);
      if (sample !== null) {
        try {
          cipher.decrypt(sample);
        } catch (error) {
          if (!(error instanceof FieldDecryptionError)) throw error;
          throw new ConfigError(
            'FIELD_ENCRYPTION_KEY',
            `FIELD_ENCRYPTION_KEY (key id ${current.keyId}) does not open the personal data already stored (key id ${error.keyId ?? 'unknown'}); ${rotationHint}`,
          );
        }
      }
    }

    const missing = configured.filter((key) => !byId.has(key.keyId));
    // The current key's check must sort last, even if this instance's clock is behind (CLOCK_START).
    const stamp = new Date(Math.max(now.getTime(), (newest?.createdAt.getTime() ?? 0) + 1));
    if (missing.length > 0) {
      await tx.fieldKeyCheck.createMany({
        data: missing.map((key) => ({ keyId: key.keyId, fingerprint: key.fingerprint, createdAt: key.current ? stamp : new Date(stamp.getTime() - 1) })),
        skipDuplicates: true,
      });
    }
    if (promote && byId.has(current.keyId)) {
      await tx.fieldKeyCheck.update({ where: { keyId: current.keyId }, data: { createdAt: stamp } });
    }
    return { known: stored.map((row) => row.keyId), added: missing.map((key) => key.keyId) };
  });
}

/**
 * One encrypted value from the database (a booking field or a sealed conversation), if any.
 * Only values shaped like tokens count: anything else says nothing about the key.
 */
async function storedSample(tx: Prisma.TransactionClient): Promise<string | null> {
  const booking = await tx.booking.findFirst({ where: { nameEnc: { startsWith: 'v1.' } }, select: { nameEnc: true }, orderBy: { createdAt: 'desc' } });
  if (booking?.nameEnc) return booking.nameEnc;
  const conversations = await tx.conversation.findMany({ select: { snapshot: true }, orderBy: { updatedAt: 'desc' }, take: 20 });
  for (const conversation of conversations) {
    const sealed = (conversation.snapshot as { sealed?: unknown } | null)?.sealed;
    if (typeof sealed === 'string' && sealed.startsWith('v1.')) return sealed;
  }
  return null;
}
