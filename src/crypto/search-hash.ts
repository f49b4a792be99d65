/**
 * Keyed search hashes: staff find a user by their exact name or job-seeker number although
 * neither is stored in plain text. Beside each encrypted value a booking keeps
 * HMAC-SHA256(normalised value) under a key derived from the field key (HKDF, purpose
 * "search-hash"), written as `<keyId>:<hex>`. Without the key the hashes cannot be tested
 * against a list of likely names (a plain hash could), and the key id shows which rows must be
 * hashed again after a key rotation (`refreshSearchHashes` does it at start-up).
 *
 * A keyed hash only ever matches the whole value: partial or fuzzy search is impossible by
 * design, and the console says so.
 *
 * Normalisation (decided here, the same for storing and searching):
 * - name: Unicode NFKC (full-width letters and half-width kana fold), control, format and
 *   zero-width characters removed, every space (ASCII, ideographic) and the middle dots
 *   ・･· removed, Latin letters lower-cased. So 「山田 太郎」 with a half- or full-width space
 *   matches 「山田太郎」, and half-width 「ﾔﾏﾀﾞ ﾀﾛｳ」 matches 「ヤマダタロウ」; a kanji and a kana
 *   spelling of one name do not match each other.
 * - job-seeker number: read the way the chat reads it (any dash, full-width digits, 11–13 digits
 *   without a hyphen) and hashed in its canonical form `12345-1234567`; anything else is not a
 *   job-seeker number and is searched as a name.
 */
import { createHmac } from 'node:crypto';
import type { FieldCipher } from './field-cipher.ts';
import { validateJobSeekerNumber } from '../domain/booking-fields.ts';

/** The purpose string of the derived key; changing it would orphan every stored hash. */
const PURPOSE = 'search-hash';

/** Hashes normalised names and job-seeker numbers under the current field key. */
export interface SearchHasher {
  /** Id of the field key the hashes are made under (the prefix of every hash). */
  readonly keyId: string;
  /** The stored form for a name, or null when nothing searchable is left after normalising. */
  name(name: string): string | null;
  /** The stored form for a job-seeker number, or null when the text is not one. */
  jobSeekerNumber(number: string): string | null;
}

/** A hasher under the cipher's current key. */
export function createSearchHasher(cipher: FieldCipher): SearchHasher {
  const { keyId, key } = cipher.deriveKey(PURPOSE);
  const hash = (kind: string, value: string) => `${keyId}:${createHmac('sha256', key).update(`${kind}\u0000${value}`, 'utf8').digest('hex')}`;
  return {
    keyId,
    name(name) {
      const normal = normaliseName(name);
      return normal === '' ? null : hash('name', normal);
    },
    jobSeekerNumber(number) {
      const normal = canonicalJobSeekerNumber(number);
      return normal === null ? null : hash('job-seeker-number', normal);
    },
  };
}

/** The name as it is hashed (see the module comment). */
export function normaliseName(name: string): string {
  return name
    .normalize('NFKC')
    .replace(/[\p{Cc}\p{Cf}\p{Z}\s・･·]/gu, '')
    .toLowerCase();
}

/** The canonical `12345-1234567` form, or null when the text is not a job-seeker number. */
export function canonicalJobSeekerNumber(text: string): string | null {
  const result = validateJobSeekerNumber(text);
  return result.ok ? result.value : null;
}

/** What staff typed into the one search box, as the hash to look for. */
export type SearchQuery = { kind: 'jobSeekerNumber' | 'name'; hash: string } | { kind: 'empty' };

/** Reads a search box: a job-seeker number if it is one, else a name. */
export function searchQueryOf(text: string, hasher: SearchHasher): SearchQuery {
  const number = hasher.jobSeekerNumber(text);
  if (number !== null) return { kind: 'jobSeekerNumber', hash: number };
  const name = hasher.name(text.slice(0, 200));
  return name === null ? { kind: 'empty' } : { kind: 'name', hash: name };
}
