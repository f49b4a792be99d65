/**
 * Validation and normalisation of the free-text fields a job seeker types in LINE
 * (Art. 6(2) of the terms: name, job-seeker number, phone number, consultation topic)
 * plus the typed date and time of the slot step.
 *
 * Everything here is pure: text in, a discriminated result out, never an exception for
 * any string (LINE delivers full-width digits, ideographic spaces, emoji, zero-width and
 * control characters, and 10,000-character pastes). Accepted values are normalised so that
 * validating a stored value again returns it unchanged.
 */
import { fieldErrorMessages } from '../wording/fields.ts';

export { fieldErrorMessages, sensitiveTopicNotice } from '../wording/fields.ts';

/** The outcome of validating one field: the normalised value, or a machine reason the dialogue maps to a re-prompt. */
export type FieldResult<T, R extends string> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: R };

export type NameError = 'empty' | 'too-long' | 'control-chars' | 'has-url' | 'digits-only' | 'no-letters' | 'invalid-chars' | 'not-full-name';

export type JobSeekerNumberError = 'empty' | 'invalid-chars' | 'wrong-length' | 'bad-format';

export type PhoneNumberError = 'empty' | 'invalid-chars' | 'foreign-number' | 'service-number' | 'wrong-length' | 'bad-format';

export type TopicError = 'empty' | 'too-long' | 'has-url' | 'no-letters';

/** Areas of "special care-required personal information" a topic may touch (個人情報保護法 第2条第3項, 公正な採用選考). */
export type SensitiveCategory = 'health' | 'disability' | 'beliefs' | 'origin' | 'criminal-record';

export type TopicResult =
  | {
      readonly ok: true;
      readonly value: string;
      /** True when the text seems to mention sensitive matters: warn gently, do not block. */
      readonly sensitiveHint: boolean;
      readonly sensitiveCategories: readonly SensitiveCategory[];
    }
  | { readonly ok: false; readonly reason: TopicError };

/** Longest accepted full name, in code points after normalisation. */
export const NAME_MAX_LENGTH = 50;

/** Default longest consultation topic, in code points after normalisation (configurable per call). */
export const TOPIC_DEFAULT_MAX_LENGTH = 400;

export type BookingField = keyof typeof fieldErrorMessages;

/** The re-prompt for one failed field, with placeholders such as `{maxLength}` filled in. */
export function fieldErrorMessage<F extends BookingField>(field: F, reason: keyof (typeof fieldErrorMessages)[F], params: { maxLength?: number } = {}): string {
  const messages: Record<PropertyKey, string> = fieldErrorMessages[field];
  const template = messages[reason] ?? '';
  const maxLength = params.maxLength ?? (field === 'name' ? NAME_MAX_LENGTH : TOPIC_DEFAULT_MAX_LENGTH);
  return template.replaceAll('{maxLength}', String(maxLength));
}

// ---------------------------------------------------------------------------------------------
// Shared text handling
// ---------------------------------------------------------------------------------------------

/** Invisible format characters: zero-width spaces/joiners, BOM, soft hyphen, bidi overrides, tags. */
const FORMAT_CHARS = /\p{Cf}/gu;
const LONE_SURROGATES = /\p{Cs}/gu;
const CONTROL_CHAR = /\p{Cc}/u;
const WHITESPACE_RUN = /\s+/gu;
const WHITESPACE = /\s/gu;
/** Every dash a Japanese IME or a paste may produce, including the katakana prolonged sound mark. */
const DASHES = /[\u002D\u2010-\u2015\u2043\u2212\u2500\u2501\u2E3A\u2E3B\u30FC\uFE58\uFE63\uFF0D\uFF70]/gu;

/**
 * URL-like text. Checked on an NFKC, lower-cased copy without format characters, so
 * `ｈｔｔｐｓ：／／` and `ht\u200Btp://` are caught. Bare domains only with TLDs that are rarely part
 * of ordinary words (so "ASP.NET" or "Node.js" in a topic is not a URL).
 */
const URL_PATTERN =
  /[a-z][a-z0-9+.-]{0,30}:\/\/|\bwww\.|\b(?:mailto|javascript):|\b[a-z0-9][a-z0-9-]{0,62}\.(?:com|jp|ly|me|gl|xyz|top|link|site|info|biz|shop|online|club|tokyo|app|page|cn|ru)\b|\b[a-z0-9][a-z0-9-]{0,62}\.[a-z]{2,10}\/[a-z0-9_~%?#=&/-]/u;

function countCodePoints(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

/** A lower-cased NFKC copy without invisible characters, used only for detection. */
function foldForDetection(text: string): string {
  return text.replace(FORMAT_CHARS, '').replace(LONE_SURROGATES, '').normalize('NFKC').toLowerCase();
}

function containsUrl(text: string): boolean {
  return URL_PATTERN.test(foldForDetection(text));
}

/** NFKC with invisible characters removed first, so removal cannot leave a non-normalised sequence behind. */
function nfkcVisible(text: string): string {
  return text.replace(FORMAT_CHARS, '').normalize('NFKC');
}

// ---------------------------------------------------------------------------------------------
// Name
// ---------------------------------------------------------------------------------------------

/** Letters of any script, combining marks, spaces and the punctuation real names use. */
const NAME_CHARS = /^[\p{L}\p{M}\u3007 .'\u2019\u00B7\u30FB\-=\u30A0()]+$/u;
const NAME_HYPHENS = /[\u2010-\u2015\u2212]/gu;
const DIGITS_AND_SEPARATORS = /^[\d\s().+-]+$/u;
const HAS_DIGIT = /\d/u;
const HAS_LETTER = /\p{L}/u;

/**
 * Words people put around their name when they answer 「氏名を入力してください」: 「名前は」
 * 「氏名：」「私は」 before it, 「です」「と申します」「といいます」 after it. They are removed, so
 * 「山田花子です」 is stored as 山田花子. No name starts or ends with these words.
 */
const NAME_LEAD = /^(?:(?:私|わたし|僕|ぼく)(?:の)?)?(?:お?名前|氏名|フルネーム)(?:は|:|\s)*|^(?:私|わたし|僕|ぼく)は\s*/u;
const NAME_TAIL = /(?<=\p{L})\s*(?:です|でございます|と申します|ともうします|と言います|といいます)?[。!]*$/u;

/** One pass of the name's normalisation (see validateName); repeated until nothing changes. */
function normaliseNameOnce(text: string): string {
  const value = nfkcVisible(text).replace(WHITESPACE_RUN, ' ').trim().replace(NAME_HYPHENS, '-');
  // A text this long is too long with or without the words around it (and is not scanned twice).
  if (value.length > NAME_MAX_LENGTH * 4) return value;
  return value.replace(NAME_LEAD, '').replace(NAME_TAIL, '').trim();
}

const KANA_ONLY = /^[\p{Script=Hiragana}\p{Script=Katakana}\u30FC]+$/u;
const KANJI_ONLY = /^[\p{Script=Han}\u3005\u3007\u30F6]+$/u;

/**
 * Decision (issue #11): a name typed as one word that is too short to be a family name and a
 * given name together is asked again, with 「姓と名の間にスペースを入れて」: kana only and at
 * most 4 characters (たなか, タナカ, おのえり), or kanji only and at most 2 characters (田中, 山).
 * Real full names of that length (林忍, おの えり) go through as soon as a space separates the
 * two parts, so nobody is turned away; 3 kanji or more (港北太郎, 林忠志) and 5 kana or more
 * (たなかはなこ) are accepted without a space, as are Latin and other scripts (no rule is
 * reliable there).
 */
function lacksGivenName(value: string): boolean {
  if (value.includes(' ')) return false;
  const length = countCodePoints(value);
  return (KANA_ONLY.test(value) && length <= 4) || (KANJI_ONLY.test(value) && length <= 2);
}

/**
 * The job seeker's full name as registered with Hello Work: NFKC (full-width latin → ASCII,
 * half-width kana → full-width), whitespace runs (incl. U+3000 and newlines) → one space,
 * hyphen variants → '-', the words around it removed (「名前は」「です」, see NAME_LEAD).
 * Kanji, kana, latin and other scripts, middle dots, hyphens, apostrophes, '=' and
 * parentheses (for a reading) are accepted; a family name alone is not (see lacksGivenName).
 */
export function validateName(text: string): FieldResult<string, NameError> {
  let value = normaliseNameOnce(text);
  // Until nothing changes, so that validating the stored value again returns it unchanged
  // (「山田ですです」, or a removal that leaves new spaces at an end). Each pass shortens it.
  for (let previous = text; value !== previous && value !== '';) [previous, value] = [value, normaliseNameOnce(value)];
  if (value === '') return { ok: false, reason: 'empty' };
  if (countCodePoints(value) > NAME_MAX_LENGTH) return { ok: false, reason: 'too-long' };
  if (CONTROL_CHAR.test(value)) return { ok: false, reason: 'control-chars' };
  if (containsUrl(value)) return { ok: false, reason: 'has-url' };
  if (HAS_DIGIT.test(value) && DIGITS_AND_SEPARATORS.test(value)) return { ok: false, reason: 'digits-only' };
  if (!HAS_LETTER.test(value)) return { ok: false, reason: 'no-letters' };
  if (!NAME_CHARS.test(value)) return { ok: false, reason: 'invalid-chars' };
  if (lacksGivenName(value)) return { ok: false, reason: 'not-full-name' };
  return { ok: true, value };
}

/** Masks all but the first character of a name, for places other than the user's own summary. */
export function maskName(name: string): string {
  let first = true;
  let masked = '';
  for (const ch of name) {
    if (ch === ' ') masked += ch;
    else if (first) {
      masked += ch;
      first = false;
    } else masked += '*';
  }
  return masked;
}

// ---------------------------------------------------------------------------------------------
// Job-seeker number
// ---------------------------------------------------------------------------------------------

/** Digits, dashes and spaces only, after NFKC: the shape, whatever the digit counts. */
function compactDigitsAndDashes(text: string): string {
  return nfkcVisible(text).replace(WHITESPACE, '').replace(DASHES, '-');
}

/**
 * 求職番号: 5 digits (the office), a hyphen, 6–8 digits. Full-width digits, spaces anywhere
 * and any dash variant are accepted, as are 11–13 digits typed without a hyphen (split after
 * the 5th). Stored as `NNNNN-NNNNNN`…`NNNNN-NNNNNNNN`.
 */
export function validateJobSeekerNumber(text: string): FieldResult<string, JobSeekerNumberError> {
  const compact = numberInWords(compactDigitsAndDashes(text));
  if (compact === '') return { ok: false, reason: 'empty' };
  if (!/^[0-9-]+$/u.test(compact)) return { ok: false, reason: 'invalid-chars' };
  const withHyphen = /^(\d+)-(\d+)$/u.exec(compact);
  if (withHyphen) {
    const office = withHyphen[1] ?? '';
    const serial = withHyphen[2] ?? '';
    if (office.length !== 5 || serial.length < 6 || serial.length > 8) return { ok: false, reason: 'wrong-length' };
    return { ok: true, value: `${office}-${serial}` };
  }
  if (/^\d+$/u.test(compact)) {
    if (compact.length < 11 || compact.length > 13) return { ok: false, reason: 'wrong-length' };
    return { ok: true, value: `${compact.slice(0, 5)}-${compact.slice(5)}` };
  }
  return { ok: false, reason: 'bad-format' };
}

/** Longest answer in which a job-seeker number is looked for among words. */
const NUMBER_IN_WORDS_MAX = 60;

/**
 * 「求職番号14010-1234567」「番号は14010-1234567です」: when the answer holds exactly one group
 * of digits (with dashes inside it) and the words around it are not digits or Latin letters
 * (which may be a mistyped number: 「12345-123456a」), the group alone is the answer. Anything
 * else is returned unchanged and judged as typed.
 */
function numberInWords(compact: string): string {
  if (/^[0-9-]*$/u.test(compact) || countCodePoints(compact) > NUMBER_IN_WORDS_MAX) return compact;
  const groups = compact.match(/\d+(?:-\d+)*/gu) ?? [];
  if (groups.length !== 1) return compact;
  const group = groups[0] ?? '';
  const words = compact.replace(group, '');
  return /[\p{Nd}a-z]/iu.test(words) ? compact : group;
}

/** `12345-1234567` → `12345-****567`: the office part and the last three digits stay readable. */
export function maskJobSeekerNumber(jobSeekerNumber: string): string {
  const match = /^(\d{5})-(\d{6,8})$/u.exec(jobSeekerNumber);
  if (match) {
    const serial = match[2] ?? '';
    return `${match[1] ?? ''}-${'*'.repeat(serial.length - 3)}${serial.slice(-3)}`;
  }
  return maskAllButLast(jobSeekerNumber, 3);
}

function maskAllButLast(text: string, keep: number): string {
  const chars = [...text];
  return chars.map((ch, i) => (i < chars.length - keep || chars.length <= keep ? '*' : ch)).join('');
}

// ---------------------------------------------------------------------------------------------
// Phone number
// ---------------------------------------------------------------------------------------------

const SERVICE_PREFIX = /^(?:0120|0570|0800|0180|0990|020)/u; // free dial, navi dial, info services, M2M
const MOBILE_OR_IP = /^0[5-9]0/u; // 050 IP phone, 060/070/080/090 mobile: 11 digits
const LANDLINE = /^0[1-9][1-9]/u; // geographic numbers: 10 digits including the area code

/**
 * The phone number registered with Hello Work: mobile (060/070/080/090), IP phone (050) or a
 * landline (0 + area code, 10 digits, e.g. 045 Yokohama). Full-width digits, dashes, spaces,
 * dots and parentheses are accepted, and a leading +81 (or +81(0)) becomes 0. Free-dial and
 * similar service numbers are refused. Stored as digits only.
 */
export function validatePhoneNumber(text: string): FieldResult<string, PhoneNumberError> {
  const compact = compactDigitsAndDashes(text).replace(/[-().]/gu, '');
  if (compact === '') return { ok: false, reason: 'empty' };
  if (!/^\+?\d+$/u.test(compact)) return { ok: false, reason: 'invalid-chars' };
  let digits = compact;
  if (compact.startsWith('+')) {
    if (!compact.startsWith('+81')) return { ok: false, reason: 'foreign-number' };
    digits = `0${compact.slice(3).replace(/^0/u, '')}`;
  }
  if (SERVICE_PREFIX.test(digits)) return { ok: false, reason: 'service-number' };
  if (MOBILE_OR_IP.test(digits)) {
    return digits.length === 11 ? { ok: true, value: digits } : { ok: false, reason: 'wrong-length' };
  }
  if (LANDLINE.test(digits)) {
    return digits.length === 10 ? { ok: true, value: digits } : { ok: false, reason: 'wrong-length' };
  }
  return { ok: false, reason: 'bad-format' };
}

/** Digit groups for display. Landlines: 03/06 as 2-4-4, every other area as 3-3-4 (area tables are not worth it). */
function phoneGroups(digits: string): string[] | null {
  if (/^0[5-9]0\d{8}$/u.test(digits)) return [digits.slice(0, 3), digits.slice(3, 7), digits.slice(7)];
  if (/^0[36]\d{8}$/u.test(digits)) return [digits.slice(0, 2), digits.slice(2, 6), digits.slice(6)];
  if (/^0[1-9][1-9]\d{7}$/u.test(digits)) return [digits.slice(0, 3), digits.slice(3, 6), digits.slice(6)];
  return null;
}

/** `09012345678` → `090-1234-5678`, `0451234567` → `045-123-4567`; anything else is returned as given. */
export function formatPhoneForDisplay(digits: string): string {
  return phoneGroups(digits)?.join('-') ?? digits;
}

/** `09012345678` → `090-****-5678`: the prefix and the last four digits stay readable. */
export function maskPhone(digits: string): string {
  const groups = phoneGroups(digits);
  if (!groups) return maskAllButLast(digits, 4);
  return groups.map((group, i) => (i === 0 || i === groups.length - 1 ? group : '*'.repeat(group.length))).join('-');
}

// ---------------------------------------------------------------------------------------------
// Topic
// ---------------------------------------------------------------------------------------------

const EMOJI_BEFORE_JOINER = /\p{Extended_Pictographic}(?:\u{FE0F}|\p{Emoji_Modifier})?$/u;
const EMOJI_AFTER_JOINER = /^\p{Extended_Pictographic}/u;

/** Format characters go, except a zero-width joiner inside an emoji sequence (👨‍👩‍👧 stays one emoji). */
function stripFormatCharsKeepingEmojiJoiners(text: string): string {
  return text.replace(FORMAT_CHARS, (ch: string, offset: number) =>
    ch === '\u200D' && EMOJI_BEFORE_JOINER.test(text.slice(Math.max(0, offset - 4), offset)) && EMOJI_AFTER_JOINER.test(text.slice(offset + 1, offset + 3))
      ? ch
      : '',
  );
}

/**
 * Topic normalisation keeps the user's wording: NFC (not NFKC, which would turn ①② into 12),
 * line breaks kept (CR/LF variants → \n, at most one blank line in a row), tabs → spaces,
 * other control and invisible characters removed, trailing spaces on each line trimmed.
 */
function normaliseTopic(text: string): string {
  const cleaned = stripFormatCharsKeepingEmojiJoiners(text)
    .replace(LONE_SURROGATES, '')
    .replace(/\r\n|[\r\u0085\u2028\u2029]/gu, '\n')
    .replace(/\t/gu, ' ')
    .replace(/[^\P{Cc}\n]/gu, '')
    .normalize('NFC');
  return cleaned
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .replace(/\n{3,}/gu, '\n\n')
    .trim();
}

/**
 * A deliberately small keyword list (要配慮個人情報 and the 厚生労働省 「公正な採用選考」 items).
 * Japanese words match anywhere (spaces ignored); ASCII words match at the start of a word.
 * Words common in ordinary job talk are left out or made specific (「病院」, 「診断士」,
 * 「出身地」 for U-turn job hunting, 「障害対応」 in IT), because a hint that fires on everything is ignored.
 */
const SENSITIVE_WORDS: Readonly<Record<SensitiveCategory, readonly string[]>> = {
  health: [
    '病気',
    '持病',
    '病歴',
    '病名',
    '既往',
    'うつ病',
    '鬱',
    '精神疾患',
    '精神科',
    '心療内科',
    'メンタル',
    '通院',
    '入院',
    '服薬',
    '投薬',
    '診断書',
    '癌',
    'がん治療',
    '難病',
    '妊娠',
    '不妊',
    'エイズ',
    '適応障害',
    'パニック障害',
    '双極性',
    '統合失調',
    '依存症',
    'hiv',
    'disease',
    'illness',
    'depression',
    'cancer',
    'pregnan',
  ],
  disability: [
    '障害者',
    '障害があ',
    '障害を持',
    '障がい',
    '障碍',
    '身体障',
    '知的障',
    '精神障',
    '発達障',
    '療育手帳',
    '福祉手帳',
    '自閉',
    'アスペルガー',
    'adhd',
    'disabilit',
    'disabled',
  ],
  beliefs: ['宗教', '信仰', '信者', '信条', '入信', '思想', '政党', '労働組合', 'religio', 'political party'],
  origin: ['本籍', '出生地', '同和', '部落', '被差別', '家柄', '戸籍', '人種', '民族', 'ethnic'],
  'criminal-record': [
    '前科',
    '前歴',
    '犯罪歴',
    '犯歴',
    '逮捕',
    '服役',
    '刑務所',
    '執行猶予',
    '少年院',
    '保護観察',
    '有罪',
    'criminal record',
    'prison',
    'arrest',
    'convict',
  ],
};

const SENSITIVE_MATCHERS: readonly { category: SensitiveCategory; japanese: readonly string[]; ascii: RegExp | null }[] = (
  Object.entries(SENSITIVE_WORDS) as [SensitiveCategory, readonly string[]][]
).map(([category, words]) => {
  const asciiWords = words.filter((word) => /^[a-z ]+$/u.test(word));
  return {
    category,
    japanese: words.filter((word) => !asciiWords.includes(word)),
    ascii: asciiWords.length > 0 ? new RegExp(`\\b(?:${asciiWords.join('|')})`, 'u') : null,
  };
});

/** Categories of sensitive personal information the text seems to mention (a hint, not a judgement). */
export function detectSensitiveTopics(text: string): SensitiveCategory[] {
  const folded = foldForDetection(text);
  const compact = folded.replace(WHITESPACE, '');
  const spaced = folded.replace(WHITESPACE_RUN, ' ');
  return SENSITIVE_MATCHERS.filter(({ japanese, ascii }) => japanese.some((word) => compact.includes(word)) || (ascii?.test(spaced) ?? false)).map(
    ({ category }) => category,
  );
}

/**
 * 相談内容: free text, 1..maxLength code points after normalisation. URLs are rejected (no
 * clickable links reach staff or other systems: phishing, and nothing to consult about).
 * Mentions of health, disability, beliefs, origin or a criminal record set sensitiveHint so
 * the bot can suggest leaving them out; the text is still accepted.
 */
export function validateTopic(text: string, options: { maxLength?: number } = {}): TopicResult {
  const maxLength = options.maxLength ?? TOPIC_DEFAULT_MAX_LENGTH;
  if (!Number.isSafeInteger(maxLength) || maxLength < 1) throw new RangeError(`maxLength must be a positive integer, got ${maxLength}`);
  const value = normaliseTopic(text);
  if (value === '') return { ok: false, reason: 'empty' };
  if (countCodePoints(value) > maxLength) return { ok: false, reason: 'too-long' };
  if (containsUrl(value)) return { ok: false, reason: 'has-url' };
  if (!/[\p{L}\p{N}]/u.test(value)) return { ok: false, reason: 'no-letters' };
  const sensitiveCategories = detectSensitiveTopics(value);
  return { ok: true, value, sensitiveHint: sensitiveCategories.length > 0, sensitiveCategories };
}

// ---------------------------------------------------------------------------------------------
// Typed date and time
// ---------------------------------------------------------------------------------------------

const WEEKDAYS = '日月火水木金土';
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/u;
/** Longest text worth reading as a date or a time; anything longer is not one. */
const MAX_DATE_TIME_TEXT = 40;

function isRealDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function formatIsoDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function weekdayOf(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay();
}

function addDays(year: number, month: number, day: number, days: number): [number, number, number] {
  const date = new Date(Date.UTC(year, month - 1, day + days));
  return [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
}

function compactForDateTime(text: string): string {
  return nfkcVisible(text).replace(WHITESPACE, '').replace(DASHES, '-').toLowerCase();
}

/**
 * A date typed by the user → `YYYY-MM-DD` (Asia/Tokyo calendar date), or null when it is not
 * a real date. Accepts `12/3`, `１２／３`, `12-3`, `12.3`, `12月3日`, `3日`, `2026-12-03`,
 * `2026/12/3`, `2026年12月3日`, `20261203`, `R8.12.3`, `令和8年12月3日`, `今日`, `明日`, `明後日`,
 * optionally followed by a weekday such as `(木)` or `木曜日`, which must match the date.
 * Without a year (or a month), the next such date, or a clearly nearer past one (see
 * nearestToToday). Whether the date is bookable is not decided here.
 */
export function parseTypedDate(text: string, todayJpDate: string): string | null {
  const today = ISO_DATE.exec(todayJpDate);
  const [ty, tm, td] = [Number(today?.[1]), Number(today?.[2]), Number(today?.[3])];
  if (!today || !isRealDate(ty, tm, td)) throw new RangeError(`todayJpDate must be YYYY-MM-DD, got ${todayJpDate}`);
  if (text.length > MAX_DATE_TIME_TEXT * 4) return null;
  let s = compactForDateTime(text);
  if (s.length > MAX_DATE_TIME_TEXT) return null;

  let weekday: number | null = null;
  const weekdayMatch = /(?:\(([日月火水木金土])(?:曜日?)?\)|([日月火水木金土])曜日?)$/u.exec(s);
  if (weekdayMatch) {
    weekday = WEEKDAYS.indexOf(weekdayMatch[1] ?? weekdayMatch[2] ?? '');
    s = s.slice(0, weekdayMatch.index);
  }

  const date = readDate(s, ty, tm, td);
  if (!date) return null;
  const [y, m, d] = date;
  if (!isRealDate(y, m, d)) return null;
  if (weekday !== null && weekdayOf(y, m, d) !== weekday) return null;
  return formatIsoDate(y, m, d);
}

const RELATIVE_DAYS: ReadonlyMap<string, number> = new Map([
  ['今日', 0],
  ['きょう', 0],
  ['本日', 0],
  ['明日', 1],
  ['あした', 1],
  ['あす', 1],
  ['明後日', 2],
  ['あさって', 2],
]);

function readDate(s: string, ty: number, tm: number, td: number): [number, number, number] | null {
  const offset = RELATIVE_DAYS.get(s);
  if (offset !== undefined) return addDays(ty, tm, td, offset);

  let match = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/u.exec(s) ?? /^(\d{4})(\d{2})(\d{2})$/u.exec(s);
  if (match) return [Number(match[1]), Number(match[2]), Number(match[3])];

  match = /^(?:r|令和)(元|\d{1,2})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/u.exec(s);
  if (match) {
    const eraYear = match[1] === '元' ? 1 : Number(match[1]);
    return eraYear >= 1 ? [2018 + eraYear, Number(match[2]), Number(match[3])] : null;
  }

  match = /^(\d{1,2})[-/.月](\d{1,2})日?$/u.exec(s);
  if (match) {
    const [m, d] = [Number(match[1]), Number(match[2])];
    return nearestToToday(
      [ty - 1, ty, ty + 1].map((y): [number, number, number] => [y, m, d]),
      ty,
      tm,
      td,
    );
  }

  match = /^(\d{1,2})日$/u.exec(s);
  if (match) {
    const d = Number(match[1]);
    const months = [-1, 0, 1].map((k): [number, number, number] => {
      const index = ty * 12 + (tm - 1) + k;
      return [Math.floor(index / 12), (index % 12) + 1, d];
    });
    return nearestToToday(months, ty, tm, td);
  }
  return null;
}

/**
 * Decision (issue #11): a date typed without a year (「11/20」) or without a month (「20日」)
 * means the next date of that shape on or after today, unless the last one before today is
 * clearly nearer — less than half as far back as the next one is ahead — and then it means
 * that past date, which the bot refuses as past. So on 28 November 「11/20」 is eight days
 * ago (past, and the bot says so, instead of reading November next year and refusing it as
 * "not open yet"), 「1/5」 is next January (38 days ahead against 327 back), 「20日」 is 20
 * November (8 back against 22 ahead), and on 20 December 「5日」 is 5 January (16 ahead against
 * 15 back: people mostly type a day to book ahead). A month/day up to 243 days ahead is always
 * read as ahead; one up to 121 days back, as past.
 */
function nearestToToday(candidates: [number, number, number][], ty: number, tm: number, td: number): [number, number, number] | null {
  const today = Date.UTC(ty, tm - 1, td);
  let ahead: { date: [number, number, number]; distance: number } | null = null;
  let back: { date: [number, number, number]; distance: number } | null = null;
  for (const [y, m, d] of candidates) {
    if (!isRealDate(y, m, d)) continue;
    const distance = Date.UTC(y, m - 1, d) - today;
    if (distance >= 0 && (ahead === null || distance < ahead.distance)) ahead = { date: [y, m, d], distance };
    if (distance < 0 && (back === null || -distance < back.distance)) back = { date: [y, m, d], distance: -distance };
  }
  if (back && (ahead === null || back.distance * 2 < ahead.distance)) return back.date;
  return ahead?.date ?? null;
}

/** Options for parseTypedTime. */
export interface TypedTimeOptions {
  /**
   * Hours below this, typed without 午前/午後/am/pm, are read as afternoon (e.g. 8: `3時` → 15:00),
   * as people say 「3時」 for 15:00 when the office is only open in the daytime. Default: none.
   */
  afternoonForHoursBelow?: number;
}

/**
 * A time typed by the user → `HH:mm`, or null. Accepts `10:00`, `１０：３０`, `10時`, `１０時`,
 * `10時30分`, `10時半`, `10じ`, `1030`, `930`, `午前10時`, `午後2時`, `2pm`, `pm2:00`, `正午`,
 * optionally followed by から/〜/頃/ごろ. 午後12時 and 午後0時 are noon; 午前12時 is ambiguous → null.
 */
export function parseTypedTime(text: string, options: TypedTimeOptions = {}): string | null {
  if (text.length > MAX_DATE_TIME_TEXT * 4) return null;
  let s = compactForDateTime(text).replace(/(?:から|[〜~]|ごろ|頃|くらい|ぐらい)+$/u, '');
  if (s.length > MAX_DATE_TIME_TEXT) return null;
  if (s === '正午') return '12:00';

  let meridiem: 'am' | 'pm' | null = null;
  const prefix = /^(午前|午後|a\.?m\.?|p\.?m\.?)/u.exec(s);
  if (prefix) {
    meridiem = (prefix[1] ?? '').startsWith('午前') || (prefix[1] ?? '').startsWith('a') ? 'am' : 'pm';
    s = s.slice(prefix[0].length);
  } else {
    const suffix = /(a\.?m\.?|p\.?m\.?)$/u.exec(s);
    if (suffix) {
      meridiem = (suffix[1] ?? '').startsWith('a') ? 'am' : 'pm';
      s = s.slice(0, suffix.index);
    }
  }

  const clock =
    /^(\d{1,2}):(\d{2})$/u.exec(s) ??
    /^(\d{1,2})(?:時|じ)(?:(\d{1,2})(?:分|ふん|ぷん)?|(半|はん))?$/u.exec(s) ??
    /^(\d{1,2})(\d{2})$/u.exec(s) ??
    /^(\d{1,2})$/u.exec(s);
  if (!clock) return null;
  let hour = Number(clock[1]);
  const minute = clock[3] !== undefined ? 30 : Number(clock[2] ?? 0);
  if (minute > 59) return null;

  if (meridiem === 'pm') {
    if (hour > 12) return null;
    if (hour < 12) hour += 12;
  } else if (meridiem === 'am') {
    if (hour > 11) return null;
  } else if (options.afternoonForHoursBelow !== undefined && hour >= 1 && hour < options.afternoonForHoursBelow && hour < 12) {
    hour += 12;
  }
  if (hour > 23) return null;
  return `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
}
