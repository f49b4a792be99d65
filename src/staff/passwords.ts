/**
 * Staff passwords, hashed with Node's scrypt (memory-hard) and a random salt per password. The
 * stored form names its parameters (`scrypt$N$r$p$salt$hash`), so they can be raised later
 * without invalidating existing hashes.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import type { ScryptOptions } from 'node:crypto';

/** N = 2^15, r = 8: 32 MiB and about 0.1 s per hash on the office's machines. */
const defaultParams = { N: 2 ** 15, r: 8, p: 1 } as const;
const keyLength = 32;

/** Shortest password accepted (NIST SP 800-63B asks for at least 8; we ask for 12). */
export const minPasswordLength = 12;
/** Longest accepted: scrypt does not care, but a 1 MB "password" should not reach it. */
export const maxPasswordLength = 200;

function scryptAsync(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, keyLength, { ...options, maxmem: 128 * (options.N ?? 1) * (options.r ?? 8) * 2 }, (error, key) => {
      if (error) reject(error);
      else resolve(key);
    });
  });
}

/** Hashes a password for storage. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, defaultParams);
  return ['scrypt', defaultParams.N, defaultParams.r, defaultParams.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Whether `password` matches `stored`; false for a malformed stored value. Constant-time compare. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  if (!N || !r || !p || N > 2 ** 20 || r > 32 || p > 16) return false;
  const salt = Buffer.from(parts[4] ?? '', 'base64url');
  const expected = Buffer.from(parts[5] ?? '', 'base64url');
  if (expected.length !== keyLength) return false;
  const key = await scryptAsync(password, salt, { N, r, p });
  return timingSafeEqual(key, expected);
}

/**
 * A hash of nothing anybody can type: verified against when the login is unknown, so an
 * unknown login takes as long as a wrong password (no account enumeration by timing).
 */
export const unusableHashPromise: Promise<string> = hashPassword(randomBytes(32).toString('base64'));

/** Why a new password is refused, in Japanese for the form; null when it is acceptable. */
export function passwordProblem(password: string, login: string): string | null {
  if (password.length < minPasswordLength) return `パスワードは${minPasswordLength}文字以上にしてください。`;
  if (password.length > maxPasswordLength) return `パスワードは${maxPasswordLength}文字以内にしてください。`;
  if (password.toLowerCase().includes(login.toLowerCase())) return 'パスワードにログイン名を含めないでください。';
  if (/^(.)\1*$/.test(password)) return '同じ文字だけのパスワードは使えません。';
  return null;
}

/** A one-time password for a new or reset account: 20 characters, easy to read out. */
export function oneTimePassword(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  const bytes = randomBytes(20);
  let out = '';
  for (const byte of bytes) out += alphabet[byte % alphabet.length];
  return `${out.slice(0, 5)}-${out.slice(5, 10)}-${out.slice(10, 15)}-${out.slice(15, 20)}`;
}
