/**
 * A stored conversation that the configured keys cannot open (the key was lost from the
 * configuration, or an instance runs with another key) must never be silently restarted or
 * overwritten: the turn fails with the usual apology, the error is logged without the data, and
 * once the right key is back the user carries on where they were.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useHarness } from '../support/harness.ts';
import { chatUser } from '../support/chat.ts';
import { copy } from '../../src/wording/chat.ts';
import { systemErrorText } from '../../flows/booking/present.ts';
import { createFieldCipher } from '../../src/crypto/field-cipher.ts';

describe('a conversation sealed under a key the service does not hold', () => {
  const h = useHarness({ persistent: true });

  it('fails the turn with the apology, logs the key id without the data, keeps the conversation and resumes once the key is back', async () => {
    const prisma = () => h.service.db.prisma;
    const u = chatUser(h, 'undecryptable');
    await u.follow();
    const before = await prisma().conversation.findUniqueOrThrow({ where: { userId: u.userId } });

    // The same conversation, sealed under another key (what an instance with a different
    // FIELD_ENCRYPTION_KEY would have written).
    const otherKey = randomBytes(32).toString('base64');
    const other = createFieldCipher(otherKey);
    const plain = h.service.deps.dialogue.sealer.open(String((before.snapshot as { sealed: string }).sealed));
    const foreignSnapshot = { sealed: other.encrypt(plain) };
    await prisma().conversation.update({ where: { userId: u.userId }, data: { snapshot: foreignSnapshot } });
    const foreign = await prisma().conversation.findUniqueOrThrow({ where: { userId: u.userId } });

    const logsBefore = h.logs.length;
    await u.say('同意する');
    expect(u.last).toBe(systemErrorText(h.service.deps.dialogue.office));
    expect(u.transcript.join('\n')).not.toContain(copy.restarted);

    // Nothing overwritten, nothing consented.
    const after = await prisma().conversation.findUniqueOrThrow({ where: { userId: u.userId } });
    expect(after.snapshot).toEqual(foreignSnapshot);
    expect(after.version).toBe(foreign.version);
    expect(await prisma().consent.count({ where: { userId: u.userId } })).toBe(0);

    // One error line naming the key id and a hash of the user, never the data or the LINE id.
    const lines = h.logs.slice(logsBefore).map((l) => JSON.parse(l) as { level: number; error?: { type: string; message: string } });
    const errors = lines.filter((l) => l.level >= 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.error?.type).toBe('ConversationUnreadableError');
    expect(errors[0]?.error?.message).toContain(other.keyId);
    const newLogs = h.logs.slice(logsBefore).join('\n');
    expect(newLogs).not.toContain(u.userId);
    expect(newLogs).not.toContain(plain);
    expect(newLogs).not.toContain('同意する');

    // The right key is back (listed as a previous key): the user carries on at the terms.
    h.service.deps.dialogue.sealer = {
      seal: (json) => h.service.deps.dialogue.cipher.encrypt(json),
      open: (sealed) => createFieldCipher(h.config.FIELD_ENCRYPTION_KEY ?? '', { previous: [otherKey] }).decrypt(sealed),
    };
    await u.say('同意する');
    expect(u.last).not.toBe(systemErrorText(h.service.deps.dialogue.office));
    expect(await prisma().consent.count({ where: { userId: u.userId } })).toBe(1);
    expect(u.transcript.join('\n')).not.toContain(copy.restarted);
  });
});
