/**
 * Encryption of personal fields at rest (Art. 8 of the terms): name, job-seeker number, phone
 * number and topic are stored as AES-256-GCM tokens, never as plain text.
 *
 * Token format: `v1.<kid>.<iv>.<tag>.<ciphertext>`, each binary part base64url without padding.
 * `kid` is the first 8 hex digits of sha256(key), so a cipher holding the current key and some
 * previous keys picks the right one; `v1` and the kid are authenticated as associated data, so
 * neither can be swapped without detection. A fresh random 12-byte IV is used for every
 * encryption. With a 96-bit random IV, keep well under 2^32 encryptions per key.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, createSecretKey, hkdfSync, randomBytes, randomFillSync, type KeyObject } from 'node:crypto';
import { link, mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

const TOKEN_VERSION = 'v1';
const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Name of the key file that loadOrCreateLocalKey keeps under DATA_DIR. */
export const LOCAL_KEY_FILE_NAME = 'field-key';

/** A key that is not 32 bytes encoded as base64, base64url or 64 hex digits. Carries no key material. */
export class FieldKeyError extends Error {
  override readonly name = 'FieldKeyError';
  /** Decoded length in bytes, or null when the text was not base64 or hex at all. */
  readonly byteLength: number | null;
  /** Where the key came from (e.g. the key file path), when known. */
  readonly source: string | null;

  constructor(message: string, context: { byteLength: number | null; source?: string | null }) {
    super(message);
    this.byteLength = context.byteLength;
    this.source = context.source ?? null;
  }
}

export type FieldDecryptionFailure =
  /** Not a token of this format (wrong version, part count, encoding or sizes). */
  | 'malformed'
  /** Well formed, but encrypted under a key this cipher does not hold (rotated away?). */
  | 'unknown-key'
  /** Authentication failed: the token, or its associated data, was altered. */
  | 'tampered';

/** A token that cannot be decrypted. The message never contains the token or any plain text. */
export class FieldDecryptionError extends Error {
  override readonly name = 'FieldDecryptionError';
  readonly reason: FieldDecryptionFailure;
  /** The token's key id when it could be read. */
  readonly keyId: string | null;

  constructor(reason: FieldDecryptionFailure, keyId: string | null) {
    super(
      reason === 'malformed'
        ? 'Encrypted field is not a valid v1 token'
        : reason === 'unknown-key'
          ? `Encrypted field uses key ${keyId ?? '?'}, which is neither the current nor a previous key`
          : `Encrypted field failed authentication under key ${keyId ?? '?'} (altered token or wrong associated data)`,
    );
    this.reason = reason;
    this.keyId = keyId;
  }
}

export interface FieldCipher {
  /** Short id of the current key, as written into new tokens. */
  readonly keyId: string;
  /**
   * Encrypts a well-formed string. `associatedData` (e.g. `booking:42:phone`) binds the token to
   * its place: decrypting needs the same value, so a token copied to another row or field fails.
   */
  encrypt(plain: string, associatedData?: string): string;
  /** Throws FieldDecryptionError for malformed, unknown-key or tampered tokens. */
  decrypt(token: string, associatedData?: string): string;
  /** True when the token is not under the current key (re-encrypt it after a rotation). */
  needsReencryption(token: string): boolean;
  /** Ids of every key this cipher holds, the current one first (issue #8: rotation). */
  readonly keyIds: readonly string[];
  /**
   * A check value per key held (HMAC-SHA256 of a fixed label under the key, hex): stored in the
   * database at first start, so an instance with another key is recognised without decrypting
   * anything and without revealing the key (src/crypto/field-keys.ts).
   */
  keyChecks(): Array<{ keyId: string; fingerprint: string; current: boolean }>;
  /**
   * A separate 32-byte key for another purpose (e.g. the keyed search hashes), derived from the
   * current key with HKDF-SHA256 and `purpose` as info: one secret to keep, yet a hash key that
   * cannot decrypt and a field key that cannot be recovered from it. `keyId` is the current key's.
   */
  deriveKey(purpose: string): { keyId: string; key: Buffer };
}

export interface FieldCipherOptions {
  /** Keys that older tokens may still use; new tokens always use the current key. */
  previous?: readonly string[];
}

interface CipherKey {
  readonly id: string;
  readonly secret: KeyObject;
}

/**
 * Decodes a 32-byte key given as 64 hex digits, base64 or base64url (surrounding whitespace,
 * such as a trailing newline in an env file, is ignored).
 */
export function decodeFieldKey(encoded: string, source?: string): Buffer {
  const text = encoded.trim();
  let bytes: Buffer | null = null;
  if (/^[0-9a-fA-F]{64}$/u.test(text)) bytes = Buffer.from(text, 'hex');
  else if (/^[A-Za-z0-9+/]+={0,2}$/u.test(text) || /^[A-Za-z0-9_-]+$/u.test(text)) {
    bytes = Buffer.from(text.replace(/=+$/u, ''), text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
  }
  if (bytes === null) {
    throw new FieldKeyError(
      `Field encryption key${source ? ` (${source})` : ''} must be ${KEY_BYTES} bytes as base64 or 64 hex digits; generate one with: openssl rand -base64 32`,
      { byteLength: null, source: source ?? null },
    );
  }
  if (bytes.length !== KEY_BYTES) {
    throw new FieldKeyError(
      `Field encryption key${source ? ` (${source})` : ''} must be ${KEY_BYTES} bytes, got ${bytes.length}; generate one with: openssl rand -base64 32`,
      { byteLength: bytes.length, source: source ?? null },
    );
  }
  return bytes;
}

/** First 8 hex digits of sha256(key bytes): identifies a key in tokens without revealing it. */
export function fieldKeyId(encodedKey: string): string {
  return keyIdOfBytes(decodeFieldKey(encodedKey));
}

function keyIdOfBytes(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 8);
}

function toCipherKey(encoded: string, source: string): CipherKey {
  const bytes = decodeFieldKey(encoded, source);
  return { id: keyIdOfBytes(bytes), secret: createSecretKey(bytes) };
}

/** base64url that decodes and re-encodes to exactly the same text, so no token character can change silently. */
function decodeCanonicalBase64url(part: string): Buffer | null {
  if (!/^[A-Za-z0-9_-]*$/u.test(part)) return null;
  const bytes = Buffer.from(part, 'base64url');
  return bytes.toString('base64url') === part ? bytes : null;
}

function additionalData(keyId: string, associatedData: string | undefined): Buffer {
  const header = Buffer.from(`${TOKEN_VERSION}.${keyId}`, 'utf8');
  if (associatedData === undefined) return header;
  return Buffer.concat([header, Buffer.from([0]), Buffer.from(associatedData, 'utf8')]);
}

/** Label under which key checks are computed; changing it would orphan every stored check. */
const KEY_CHECK_LABEL = 'hello-work-kohoku field key check v1';

function keyCheckOf(secret: KeyObject): string {
  return createHmac('sha256', secret).update(KEY_CHECK_LABEL, 'utf8').digest('hex');
}

interface ParsedToken {
  keyId: string;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

function parseToken(token: unknown): ParsedToken {
  if (typeof token !== 'string') throw new FieldDecryptionError('malformed', null);
  const parts = token.split('.');
  if (parts.length !== 5 || parts[0] !== TOKEN_VERSION) throw new FieldDecryptionError('malformed', null);
  const [, keyId = '', ivText = '', tagText = '', ciphertextText = ''] = parts;
  if (!/^[0-9a-f]{8}$/u.test(keyId)) throw new FieldDecryptionError('malformed', null);
  const iv = decodeCanonicalBase64url(ivText);
  const tag = decodeCanonicalBase64url(tagText);
  const ciphertext = decodeCanonicalBase64url(ciphertextText);
  if (iv?.length !== IV_BYTES || tag?.length !== TAG_BYTES || ciphertext === null) {
    throw new FieldDecryptionError('malformed', keyId);
  }
  return { keyId, iv, tag, ciphertext };
}

/**
 * A fresh random IV: 96 bits from the operating system's CSPRNG, used once. They are taken from a
 * pool refilled 4 KiB at a time, because one randomBytes call per IV was 1.6 % of a dialogue
 * turn's CPU (issue #13, CPU profile); the bytes are the same CSPRNG's, each handed out once.
 */
const ivPool = Buffer.alloc(IV_BYTES * 341);
let ivPoolOffset = ivPool.length;
function randomIv(): Buffer {
  if (ivPoolOffset + IV_BYTES > ivPool.length) {
    randomFillSync(ivPool);
    ivPoolOffset = 0;
  }
  const iv = Buffer.from(ivPool.subarray(ivPoolOffset, ivPoolOffset + IV_BYTES));
  ivPoolOffset += IV_BYTES;
  return iv;
}

/**
 * A cipher for personal fields under `currentKey` (32 bytes as base64 or hex), also able to
 * decrypt tokens made under `options.previous` keys during a rotation. Throws FieldKeyError
 * for a key of the wrong size.
 */
export function createFieldCipher(currentKey: string, options: FieldCipherOptions = {}): FieldCipher {
  const current = toCipherKey(currentKey, 'the current key');
  const keys: CipherKey[] = [current];
  (options.previous ?? []).forEach((encoded, i) => {
    const key = toCipherKey(encoded, `previous key #${i + 1}`);
    if (!keys.some((known) => known.id === key.id && known.secret.equals(key.secret))) keys.push(key);
  });

  return {
    keyId: current.id,

    encrypt(plain: string, associatedData?: string): string {
      if (typeof plain !== 'string' || !plain.isWellFormed()) {
        throw new TypeError('Only well-formed strings can be encrypted (lone UTF-16 surrogates would be lost)');
      }
      const iv = randomIv();
      const cipher = createCipheriv(ALGORITHM, current.secret, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(additionalData(current.id, associatedData));
      const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [TOKEN_VERSION, current.id, iv.toString('base64url'), tag.toString('base64url'), ciphertext.toString('base64url')].join('.');
    },

    decrypt(token: string, associatedData?: string): string {
      const { keyId, iv, tag, ciphertext } = parseToken(token);
      const candidates = keys.filter((key) => key.id === keyId);
      if (candidates.length === 0) throw new FieldDecryptionError('unknown-key', keyId);
      for (const key of candidates) {
        try {
          const decipher = createDecipheriv(ALGORITHM, key.secret, iv, { authTagLength: TAG_BYTES });
          decipher.setAAD(additionalData(keyId, associatedData));
          decipher.setAuthTag(tag);
          return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
        } catch {
          // Authentication failed under this key; a kid collision could mean another key fits.
        }
      }
      throw new FieldDecryptionError('tampered', keyId);
    },

    needsReencryption(token: string): boolean {
      return parseToken(token).keyId !== current.id;
    },

    keyIds: keys.map((key) => key.id),

    keyChecks() {
      return keys.map((key) => ({ keyId: key.id, fingerprint: keyCheckOf(key.secret), current: key === current }));
    },

    deriveKey(purpose: string): { keyId: string; key: Buffer } {
      return { keyId: current.id, key: Buffer.from(hkdfSync('sha256', current.secret.export(), Buffer.alloc(0), `hello-work-kohoku:${purpose}`, KEY_BYTES)) };
    },
  };
}

export interface LocalKey {
  /** The key as stored (base64), ready for createFieldCipher. */
  key: string;
  /** True when this call created the file: the caller should warn that a local key is in use. */
  created: boolean;
  /** Path of the key file. */
  path: string;
  /** True when group or others may read the file (mode & 0o077): the caller should warn. */
  permissionsTooOpen: boolean;
}

function errorCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

async function readLocalKey(file: string): Promise<LocalKey | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return null;
    throw error;
  }
  // A corrupt key file must stop the service: silently replacing it would make every stored field unreadable.
  decodeFieldKey(text, file);
  const { mode } = await stat(file);
  return { key: text.trim(), created: false, path: file, permissionsTooOpen: process.platform !== 'win32' && (mode & 0o077) !== 0 };
}

/**
 * The embedded default's key: reads `<dataDir>/field-key`, or creates it (random 32 bytes,
 * base64, mode 0600, directory created 0700) when missing. Creation is atomic (a complete temp
 * file hard-linked into place), so two processes starting together end up with the same key.
 * Throws FieldKeyError if the file exists but does not hold a valid key. Does not log.
 */
export async function loadOrCreateLocalKey(dataDir: string): Promise<LocalKey> {
  const file = path.join(dataDir, LOCAL_KEY_FILE_NAME);
  const existing = await readLocalKey(file);
  if (existing) return existing;

  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(KEY_BYTES).toString('base64');
  const temp = path.join(dataDir, `.${LOCAL_KEY_FILE_NAME}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  await writeFile(temp, `${key}\n`, { mode: 0o600, flag: 'wx' });
  try {
    await link(temp, file);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'EEXIST') {
      const winner = await readLocalKey(file);
      if (winner) return winner;
    }
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw error;
    // File systems without hard links: exclusive create (a concurrent reader may briefly see it empty).
    await writeFile(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  return { key, created: true, path: file, permissionsTooOpen: false };
}
