import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  FieldDecryptionError,
  FieldKeyError,
  LOCAL_KEY_FILE_NAME,
  createFieldCipher,
  decodeFieldKey,
  fieldKeyId,
  loadOrCreateLocalKey,
} from '../../src/crypto/field-cipher.ts';

const keyA = randomBytes(32).toString('base64');
const keyB = randomBytes(32).toString('base64');
const keyC = randomBytes(32).toString('base64');
const TOKEN_SHAPE = /^v1\.[0-9a-f]{8}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]*$/u;
const BASE64URL_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function decryptionFailure(run: () => unknown): FieldDecryptionError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(FieldDecryptionError);
    return error as FieldDecryptionError;
  }
  throw new Error('expected decryption to fail');
}

describe('createFieldCipher', () => {
  const cipher = createFieldCipher(keyA);

  it('decrypts what it encrypted, for any unicode text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), fc.string()), (plain) => {
        expect(cipher.decrypt(cipher.encrypt(plain))).toBe(plain);
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips the empty string, emoji, names and a 10,000-character text', () => {
    for (const plain of ['', '山田 太郎', '12345-1234567', '09012345678', '👨‍👩‍👧🏳️‍🌈', '\u0000\n', 'あ'.repeat(10_000)]) {
      expect(cipher.decrypt(cipher.encrypt(plain))).toBe(plain);
    }
  });

  it('writes v1.<kid>.<iv>.<tag>.<ciphertext> with the first 8 hex digits of sha256(key) as kid', () => {
    const token = cipher.encrypt('山田 太郎');
    expect(token).toMatch(TOKEN_SHAPE);
    const kid = createHash('sha256').update(Buffer.from(keyA, 'base64')).digest('hex').slice(0, 8);
    expect(token.split('.')[1]).toBe(kid);
    expect(cipher.keyId).toBe(kid);
    expect(fieldKeyId(keyA)).toBe(kid);
  });

  it('uses a fresh IV each time, so equal plain texts give different tokens', () => {
    // 2,000 crosses the IV pool's refill (341 IVs) several times: no IV is handed out twice.
    const tokens = new Set(Array.from({ length: 2_000 }, () => cipher.encrypt('09012345678')));
    expect(tokens.size).toBe(2_000);
    const ivs = new Set([...tokens].map((token) => token.split('.')[2]));
    expect(ivs.size).toBe(2_000);
    for (const token of tokens) expect(cipher.decrypt(token)).toBe('09012345678');
  });

  it('does not reveal the plain text in the token', () => {
    const token = cipher.encrypt('09012345678');
    expect(token).not.toContain('09012345678');
    expect(token).not.toContain(Buffer.from('09012345678').toString('base64url'));
  });

  it('detects any change of a single character of a token', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.nat(), fc.nat(), (plain, position, replacement) => {
        const token = cipher.encrypt(plain);
        const index = position % token.length;
        const original = token[index] ?? '';
        const alphabet = `${BASE64URL_CHARS}.`.replace(original, '');
        const changed = `${token.slice(0, index)}${alphabet[replacement % alphabet.length] ?? ''}${token.slice(index + 1)}`;
        decryptionFailure(() => cipher.decrypt(changed));
      }),
      { numRuns: 500 },
    );
  });

  it('reports a flipped bit in the ciphertext, IV or tag as tampered', () => {
    fc.assert(
      fc.property(fc.constantFrom(2, 3, 4), fc.nat(), fc.integer({ min: 0, max: 7 }), (part, byteIndex, bit) => {
        const parts = cipher.encrypt('港北 太郎 / 12345-1234567').split('.');
        const bytes = Buffer.from(parts[part] ?? '', 'base64url');
        const i = byteIndex % bytes.length;
        bytes[i] = (bytes[i] ?? 0) ^ (1 << bit);
        parts[part] = bytes.toString('base64url');
        expect(decryptionFailure(() => cipher.decrypt(parts.join('.'))).reason).toBe('tampered');
      }),
    );
  });

  it('reports ciphertext moved from one token onto another IV and tag as tampered', () => {
    const first = cipher.encrypt('09012345678').split('.');
    const second = cipher.encrypt('08087654321').split('.');
    const spliced = [...first.slice(0, 4), second[4]].join('.');
    expect(decryptionFailure(() => cipher.decrypt(spliced)).reason).toBe('tampered');
  });

  it('reports truncated, extended or non-canonical parts as malformed', () => {
    const token = cipher.encrypt('山田 太郎');
    const [v, kid, iv = '', tag = '', ct = ''] = token.split('.');
    for (const bad of [
      '',
      'v1',
      token.slice(0, -1).split('.').slice(0, 4).join('.'),
      `${token}.extra`,
      `v2.${kid}.${iv}.${tag}.${ct}`,
      // (A key id of digits only has no upper case: the case is then not a change.)
      ...(kid && kid.toUpperCase() !== kid ? [`${v}.${kid.toUpperCase()}.${iv}.${tag}.${ct}`] : []),
      `${v}.${kid}.${iv.slice(0, -2)}.${tag}.${ct}`,
      `${v}.${kid}.${iv}.${tag.slice(0, -2)}.${ct}`,
      `${v}.${kid}.${iv}=.${tag}.${ct}`,
      `${v}.${kid}.${iv}.${tag}.${ct}==`,
      `${v}.${kid}.${iv}.${tag}.${ct}+/`,
      ` ${token}`,
    ]) {
      expect(decryptionFailure(() => cipher.decrypt(bad)).reason).toBe('malformed');
    }
    expect(decryptionFailure(() => cipher.decrypt(undefined as unknown as string)).reason).toBe('malformed');
  });

  it('rejects a non-canonical base64url ending that would decode to the same bytes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 20 }), (plain) => {
        const token = cipher.encrypt(plain);
        const [v, kid, iv = '', tag = '', ct = ''] = token.split('.');
        // The last character of a 22-character tag carries 4 unused bits.
        const last = tag.at(-1) ?? 'A';
        const sibling = BASE64URL_CHARS[(BASE64URL_CHARS.indexOf(last) ^ 1) % 64] ?? 'A';
        expect(Buffer.from(`${tag.slice(0, -1)}${sibling}`, 'base64url')).toEqual(Buffer.from(tag, 'base64url'));
        decryptionFailure(() => cipher.decrypt(`${v}.${kid}.${iv}.${tag.slice(0, -1)}${sibling}.${ct}`));
      }),
    );
  });

  it('binds a token to its associated data when given', () => {
    const token = cipher.encrypt('09012345678', 'booking:42:phone');
    expect(cipher.decrypt(token, 'booking:42:phone')).toBe('09012345678');
    expect(decryptionFailure(() => cipher.decrypt(token, 'booking:43:phone')).reason).toBe('tampered');
    expect(decryptionFailure(() => cipher.decrypt(token)).reason).toBe('tampered');
    expect(decryptionFailure(() => cipher.decrypt(cipher.encrypt('x'), '')).reason).toBe('tampered');
  });

  it('reports a token under a key it does not hold as unknown-key, with that key id', () => {
    const other = createFieldCipher(keyB);
    const failure = decryptionFailure(() => cipher.decrypt(other.encrypt('山田 太郎')));
    expect(failure.reason).toBe('unknown-key');
    expect(failure.keyId).toBe(other.keyId);
    expect(failure.name).toBe('FieldDecryptionError');
  });

  it('reports a token whose key id was swapped to another known key as tampered', () => {
    const rotating = createFieldCipher(keyB, { previous: [keyA] });
    const token = rotating.encrypt('山田 太郎').split('.');
    token[1] = cipher.keyId;
    expect(decryptionFailure(() => rotating.decrypt(token.join('.'))).reason).toBe('tampered');
  });

  it('keeps plain text and tokens out of error messages', () => {
    const token = cipher.encrypt('09012345678');
    const tampered = `${token.slice(0, -2)}AA`;
    const failure = decryptionFailure(() => cipher.decrypt(tampered));
    expect(failure.message).not.toContain(tampered);
    expect(failure.message).not.toContain('09012345678');
  });

  it('refuses to encrypt a string with lone surrogates rather than silently changing it', () => {
    expect(() => cipher.encrypt('a\ud800b')).toThrow(TypeError);
  });
});

describe('key rotation', () => {
  it('decrypts tokens under previous keys and writes new tokens under the current key', () => {
    const old = createFieldCipher(keyA);
    const oldToken = old.encrypt('山田 太郎');
    const rotated = createFieldCipher(keyB, { previous: [keyA, keyC] });
    expect(rotated.decrypt(oldToken)).toBe('山田 太郎');
    expect(rotated.needsReencryption(oldToken)).toBe(true);
    const newToken = rotated.encrypt(rotated.decrypt(oldToken));
    expect(newToken.split('.')[1]).toBe(fieldKeyId(keyB));
    expect(rotated.needsReencryption(newToken)).toBe(false);
    expect(decryptionFailure(() => old.decrypt(newToken)).reason).toBe('unknown-key');
  });

  it('tolerates the current key repeated among the previous keys', () => {
    const cipher = createFieldCipher(keyA, { previous: [keyA, keyA] });
    expect(cipher.decrypt(cipher.encrypt('x'))).toBe('x');
  });

  it('throws on a malformed token when asked whether it needs re-encryption', () => {
    expect(() => createFieldCipher(keyA).needsReencryption('nope')).toThrow(FieldDecryptionError);
  });
});

describe('field keys', () => {
  const bytes = randomBytes(32);

  it.each([
    ['base64', bytes.toString('base64')],
    ['base64 without padding', bytes.toString('base64').replace(/=+$/u, '')],
    ['base64url', bytes.toString('base64url')],
    ['lower-case hex', bytes.toString('hex')],
    ['upper-case hex', bytes.toString('hex').toUpperCase()],
    ['base64 with a trailing newline', `${bytes.toString('base64')}\n`],
  ])('accepts a 32-byte key as %s', (_format, encoded) => {
    expect(decodeFieldKey(encoded)).toEqual(bytes);
    const token = createFieldCipher(bytes.toString('base64')).encrypt('x');
    expect(createFieldCipher(encoded).decrypt(token)).toBe('x');
  });

  it.each([
    ['16 bytes', randomBytes(16).toString('base64'), 16],
    ['31 bytes', randomBytes(31).toString('base64'), 31],
    ['33 bytes', randomBytes(33).toString('base64'), 33],
    ['62 hex digits (read as base64)', randomBytes(31).toString('hex'), 46],
    ['48 bytes', randomBytes(48).toString('base64'), 48],
  ])('refuses a key of %s with FieldKeyError', (_what, encoded, byteLengthSeen) => {
    const attempt = () => createFieldCipher(encoded);
    expect(attempt).toThrow(FieldKeyError);
    try {
      attempt();
    } catch (error) {
      const keyError = error as FieldKeyError;
      expect(keyError.name).toBe('FieldKeyError');
      expect(keyError.byteLength).toBe(byteLengthSeen);
      expect(keyError.message).toContain('32 bytes');
      expect(keyError.message).not.toContain(encoded);
    }
  });

  it.each(['', '   ', 'not a key!', 'パスワード', 'abc$def'])('refuses %j, which is not base64 or hex', (encoded) => {
    expect(() => createFieldCipher(encoded)).toThrow(FieldKeyError);
  });

  it('names the previous key that is wrong', () => {
    expect(() => createFieldCipher(keyA, { previous: [keyB, 'short'] })).toThrow(/previous key #2/u);
  });

  it('never accepts a key string that does not decode to 32 bytes', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        try {
          expect(decodeFieldKey(text)).toHaveLength(32);
        } catch (error) {
          expect(error).toBeInstanceOf(FieldKeyError);
        }
      }),
    );
  });
});

describe('loadOrCreateLocalKey', () => {
  const dirs: string[] = [];
  const tempDir = async (): Promise<string> => {
    const dir = await mkdtemp(path.join(tmpdir(), 'field-key-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('creates a random 32-byte base64 key readable only by its owner, then reads the same key back', async () => {
    const dataDir = path.join(await tempDir(), 'nested', 'data');
    const first = await loadOrCreateLocalKey(dataDir);
    expect(first.created).toBe(true);
    expect(first.path).toBe(path.join(dataDir, LOCAL_KEY_FILE_NAME));
    expect(decodeFieldKey(first.key)).toHaveLength(32);
    expect((await stat(first.path)).mode & 0o777).toBe(0o600);
    expect(await readdir(dataDir)).toEqual([LOCAL_KEY_FILE_NAME]);

    const second = await loadOrCreateLocalKey(dataDir);
    expect(second).toEqual({ ...first, created: false });
    const cipher = createFieldCipher(second.key);
    expect(createFieldCipher(first.key).decrypt(cipher.encrypt('山田'))).toBe('山田');
  });

  it('gives every one of several concurrent callers the same key and creates it once', async () => {
    const dataDir = await tempDir();
    const results = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateLocalKey(dataDir)));
    expect(new Set(results.map((result) => result.key)).size).toBe(1);
    expect(results.filter((result) => result.created)).toHaveLength(1);
    expect(await readdir(dataDir)).toEqual([LOCAL_KEY_FILE_NAME]);
  });

  it('uses an existing key file as it is, trimming the newline', async () => {
    const dataDir = await tempDir();
    const key = randomBytes(32).toString('hex');
    await writeFile(path.join(dataDir, LOCAL_KEY_FILE_NAME), `${key}\n`, { mode: 0o600 });
    expect(await loadOrCreateLocalKey(dataDir)).toMatchObject({ key, created: false, permissionsTooOpen: false });
  });

  it('reports a key file that group or others can read', async () => {
    const dataDir = await tempDir();
    const file = path.join(dataDir, LOCAL_KEY_FILE_NAME);
    await writeFile(file, randomBytes(32).toString('base64'));
    await chmod(file, 0o644);
    expect(await loadOrCreateLocalKey(dataDir)).toMatchObject({ created: false, permissionsTooOpen: true });
  });

  it('refuses a corrupt key file instead of replacing it, so stored data is never orphaned', async () => {
    const dataDir = await tempDir();
    const file = path.join(dataDir, LOCAL_KEY_FILE_NAME);
    await writeFile(file, 'corrupt', { mode: 0o600 });
    await expect(loadOrCreateLocalKey(dataDir)).rejects.toBeInstanceOf(FieldKeyError);
    await expect(loadOrCreateLocalKey(dataDir)).rejects.toMatchObject({ source: file });
    expect(await readFile(file, 'utf8')).toBe('corrupt');
  });
});
