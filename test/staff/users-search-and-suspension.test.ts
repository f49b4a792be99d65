/**
 * The users part of the staff console, below the pages: finding a user by the keyed hash of
 * their whole name or job-seeker number, keeping the hashes complete (start-up refresh, key
 * rotation, erasure), and suspension (Art. 12) as the user meets it in the chat, end to end
 * through signed webhooks, the real LINE SDK and the fake LINE API.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useHarness, FIELD_KEY } from '../support/harness.ts';
import { chatUser } from '../support/chat.ts';
import { book, toSummary } from '../e2e/booking-steps.ts';
import { createFieldCipher } from '../../src/crypto/field-cipher.ts';
import { canonicalJobSeekerNumber, createSearchHasher, normaliseName, searchQueryOf } from '../../src/crypto/search-hash.ts';
import { refreshSearchHashes, searchUsers } from '../../src/staff/users/search.ts';
import { liftSuspension, suspendUser, SuspensionInputError } from '../../src/staff/users/suspension.ts';
import { BookingError } from '../../src/booking/status.ts';

describe('normalising names and numbers for the keyed hash', () => {
  it('folds widths, spaces and middle dots, and lower-cases Latin letters', () => {
    expect(normaliseName('港北　太郎')).toBe('港北太郎');
    expect(normaliseName(' 港北 太郎 ')).toBe('港北太郎');
    expect(normaliseName('ﾔﾏﾀﾞ ﾀﾛｳ')).toBe('ヤマダタロウ');
    expect(normaliseName('Ｊｏｈｎ・Ｓｍｉｔｈ')).toBe('johnsmith');
    expect(normaliseName('港北\u200b太郎')).toBe('港北太郎');
  });

  it('reads job-seeker numbers the way the chat does and hashes the canonical form', () => {
    expect(canonicalJobSeekerNumber('１２３４５ー１２３４５６７')).toBe('12345-1234567');
    expect(canonicalJobSeekerNumber('123451234567')).toBe('12345-1234567');
    expect(canonicalJobSeekerNumber('港北太郎')).toBeNull();
    const hasher = createSearchHasher(createFieldCipher(FIELD_KEY));
    expect(hasher.jobSeekerNumber('12345−1234567')).toBe(hasher.jobSeekerNumber('12345-1234567'));
    expect(searchQueryOf('12345-1234567', hasher).kind).toBe('jobSeekerNumber');
    expect(searchQueryOf('港北 太郎', hasher).kind).toBe('name');
    expect(searchQueryOf('  \u3000 ', hasher).kind).toBe('empty');
  });

  it('gives different hashes under different keys, and never the value itself', () => {
    const a = createSearchHasher(createFieldCipher(FIELD_KEY));
    const b = createSearchHasher(createFieldCipher(randomBytes(32).toString('base64')));
    expect(a.name('港北太郎')).not.toBe(b.name('港北太郎'));
    expect(a.name('港北太郎')).toMatch(new RegExp(`^${a.keyId}:[0-9a-f]{64}$`));
    // A name and a job-seeker number are hashed apart even if the text were the same.
    expect(a.name('12345-1234567')).not.toBe(a.jobSeekerNumber('12345-1234567'));
  });
});

describe('finding users and suspending them', () => {
  const h = useHarness({ now: '2026-11-28T10:00:00+09:00' });
  const prisma = () => h.service.db.prisma;
  const hasher = () => createSearchHasher(h.service.deps.dialogue.cipher);

  it('finds a user by the whole name or number however it is typed, and nothing by a part', async () => {
    const u = chatUser(h, 'search-1');
    await book(u);
    const ref = (await prisma().lineUser.findUniqueOrThrow({ where: { id: u.userId } })).staffRef;
    expect(ref).toMatch(/^[0-9a-f]{32}$/);
    expect(ref).not.toContain(u.userId.slice(1, 9));
    for (const typed of ['港北 太郎', '港北太郎', '港北　太郎', '12345-1234567', '１２３４５－１２３４５６７', '123451234567']) {
      const result = await searchUsers(prisma(), hasher(), typed);
      expect(
        result.users.map((x) => x.ref),
        typed,
      ).toEqual([ref]);
    }
    for (const partial of ['港北', '太郎', '12345', '1234567', '港北 太']) {
      expect((await searchUsers(prisma(), hasher(), partial)).users, partial).toEqual([]);
    }
    // Nothing of the name or number is stored in plain text.
    const [row] = await prisma().$queryRaw<Array<Record<string, unknown>>>`SELECT * FROM bookings WHERE user_id = ${u.userId}`;
    const stored = JSON.stringify(row);
    expect(stored).not.toContain('港北');
    expect(stored).not.toContain('1234567');
  });

  it('hashes older bookings at start-up, and again under a new key after a rotation', async () => {
    const u = chatUser(h, 'search-refresh');
    await book(u, { time: '11:00' });
    await prisma().booking.updateMany({ where: { userId: u.userId }, data: { nameHash: null, jobSeekerNumberHash: null } });
    expect((await searchUsers(prisma(), hasher(), '12345-1234567')).users).toHaveLength(1);
    const filled = await refreshSearchHashes(prisma(), h.service.deps.dialogue.cipher);
    expect(filled).toEqual({ hashed: 1, unreadable: 0 });
    expect((await searchUsers(prisma(), hasher(), '12345-1234567')).users).toHaveLength(2);
    expect(await refreshSearchHashes(prisma(), h.service.deps.dialogue.cipher)).toEqual({ hashed: 0, unreadable: 0 });

    const rotated = createFieldCipher(randomBytes(32).toString('base64'), { previous: [FIELD_KEY] });
    const all = await prisma().booking.count({ where: { nameEnc: { not: null } } });
    expect(await refreshSearchHashes(prisma(), rotated, { batchSize: 1 })).toEqual({ hashed: all, unreadable: 0 });
    expect((await searchUsers(prisma(), createSearchHasher(rotated), '港北太郎')).users).toHaveLength(2);
    // Back to the harness's key for the other tests.
    await refreshSearchHashes(prisma(), h.service.deps.dialogue.cipher);
  });

  it('leaves values it cannot decrypt and says how many', async () => {
    const stranger = createFieldCipher(randomBytes(32).toString('base64'));
    const rows = await prisma().booking.count({ where: { nameEnc: { not: null } } });
    expect(await refreshSearchHashes(prisma(), stranger)).toEqual({ hashed: 0, unreadable: rows });
  });

  it('clears a hash in the database as soon as its encrypted value is erased', async () => {
    const u = chatUser(h, 'search-erase');
    await book(u, { time: '13:00' });
    await prisma().booking.updateMany({ where: { userId: u.userId }, data: { nameEnc: null, jobSeekerNumberEnc: null } });
    const row = await prisma().booking.findFirstOrThrow({ where: { userId: u.userId } });
    expect(row.nameHash).toBeNull();
    expect(row.jobSeekerNumberHash).toBeNull();
  });

  it('tells a suspended user politely to phone the office, at the menu and at the last step, and books again once lifted', async () => {
    const cipher = h.service.deps.dialogue.cipher;
    const u = chatUser(h, 'suspend-1');
    await toSummary(u, { time: '14:00' });
    await suspendUser(prisma(), { userId: u.userId, reason: 'art12-1', note: '電話で威圧的な言動', now: h.clock.now() }, cipher);

    await u.tap('この内容で予約する');
    expect(u.last).toContain('現在オンライン職業相談のご予約はお受けできません');
    expect(u.last).toContain('お電話でお問い合わせください');
    expect(u.last).toContain('045-474-1221');
    expect(u.last).not.toContain('第12条');
    expect(await prisma().booking.count({ where: { userId: u.userId } })).toBe(0);

    await u.say('予約');
    expect(u.last).toContain('現在オンライン職業相談のご予約はお受けできません');
    expect(u.last).not.toContain('お名前');

    const stored = await prisma().lineUser.findUniqueOrThrow({ where: { id: u.userId } });
    expect(stored.suspensionReason).toBe('art12-1');
    expect(stored.suspensionNoteEnc).not.toContain('威圧');
    expect(cipher.decrypt(stored.suspensionNoteEnc ?? '')).toBe('電話で威圧的な言動');

    expect(await liftSuspension(prisma(), { userId: u.userId, now: h.clock.now() })).toMatchObject({ changed: true, suspended: false });
    expect(await liftSuspension(prisma(), { userId: u.userId, now: h.clock.now() })).toMatchObject({ changed: false });
    await u.say('予約');
    expect(u.last).not.toContain('お受けできません');
    await u.say('やめる');
    // Nothing about the suspension reaches the service log.
    expect(h.logs.join('\n')).not.toContain('威圧');
  });

  it('answers a suspended user who is also refused with the suspension, and keeps upcoming bookings', async () => {
    const u = chatUser(h, 'suspend-2');
    await book(u, { time: '15:00' });
    await prisma().lineUser.update({ where: { id: u.userId }, data: { refusedAt: h.clock.now(), refusalReason: 'no-shows' } });
    await suspendUser(prisma(), { userId: u.userId, reason: 'art12-4', note: '', now: h.clock.now() }, h.service.deps.dialogue.cipher);
    await u.say('予約');
    expect(u.last).toContain('お電話でお問い合わせください');
    expect(u.last).not.toContain('ご連絡のないキャンセルが続いた');
    expect(await prisma().booking.count({ where: { userId: u.userId, status: 'confirmed' } })).toBe(1);
  });

  it('refuses a reason outside Art. 12, an over-long note and an unknown user', async () => {
    const u = chatUser(h, 'suspend-3');
    await u.follow();
    const cipher = h.service.deps.dialogue.cipher;
    await expect(suspendUser(prisma(), { userId: u.userId, reason: 'rude', note: '', now: h.clock.now() }, cipher)).rejects.toBeInstanceOf(
      SuspensionInputError,
    );
    await expect(suspendUser(prisma(), { userId: u.userId, reason: 'art12-2', note: 'x'.repeat(501), now: h.clock.now() }, cipher)).rejects.toBeInstanceOf(
      SuspensionInputError,
    );
    await expect(suspendUser(prisma(), { userId: 'U0000', reason: 'art12-2', note: '', now: h.clock.now() }, cipher)).rejects.toSatisfy(
      (e) => e instanceof BookingError && e.code === 'user-not-found',
    );
    expect((await prisma().lineUser.findUniqueOrThrow({ where: { id: u.userId } })).suspendedAt).toBeNull();
  });
});
