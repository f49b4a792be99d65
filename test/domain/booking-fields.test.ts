import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  NAME_MAX_LENGTH,
  TOPIC_DEFAULT_MAX_LENGTH,
  detectSensitiveTopics,
  fieldErrorMessage,
  fieldErrorMessages,
  formatPhoneForDisplay,
  maskJobSeekerNumber,
  maskName,
  maskPhone,
  parseTypedDate,
  parseTypedTime,
  validateJobSeekerNumber,
  validateName,
  validatePhoneNumber,
  validateTopic,
} from '../../src/domain/booking-fields.ts';

// ------------------------------------------------------------------------------------------
// Arbitraries: what LINE can deliver
// ------------------------------------------------------------------------------------------

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));
const nastyChar = fc.constantFrom(
  '\u0000',
  '\u0007',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u200b',
  '\u200c',
  '\u200d',
  '\u2060',
  '\ufeff',
  '\u00ad',
  '\u202e',
  '\u2066',
  '\u3000',
  '\u00a0',
  '\n',
  '\r',
  '\t',
  '\u2028',
  '😀',
  '👨‍👩‍👧',
  '🏳️‍🌈',
  '\u0301',
  '\u3099',
  'ｱ',
  'ﾞ',
  '１',
  '－',
  'ー',
  '―',
  '−',
  '・',
  '･',
  '＠',
  '：',
  '／',
  '①',
  '㈱',
  '\ufffd',
  '\uffff',
  '\u{e0041}',
);
/** Any string a user could paste, including lone surrogates and invisible characters. */
const anyText = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'binary-ascii' }),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: fc.oneof(fc.string({ unit: 'grapheme', maxLength: 1 }), nastyChar, loneSurrogate) }),
);
const hugeText = fc.oneof(
  fc.string({ unit: 'grapheme-ascii', minLength: 10_000, maxLength: 10_000 }),
  fc.string({ unit: fc.oneof(nastyChar, fc.constantFrom('a', '1', '-', '.', ' ')), minLength: 10_000, maxLength: 10_000 }),
);

const FULL_WIDTH_DIGITS = '０１２３４５６７８９';
const DASH_VARIANTS = ['-', 'ー', '−', '–', '—', '‐', '－', 'ｰ', '‒', '―', '─', '﹣'];
const toFullWidth = (digits: string): string => digits.replace(/\d/gu, (d) => FULL_WIDTH_DIGITS[Number(d)] ?? d);
/** The eight digits after a mobile prefix; 080-0… does not exist because 0800 is free dial. */
const mobileSubscriber = fc
  .tuple(
    fc.constantFrom('1', '2', '3', '4', '5', '6', '7', '8', '9'),
    fc.string({ unit: fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '7', '8', '9'), minLength: 7, maxLength: 7 }),
  )
  .map(([first, others]) => `${first}${others}`);
const digitString = (min: number, max: number) =>
  fc.string({ unit: fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '7', '8', '9'), minLength: min, maxLength: max });

const validators = {
  validateName: (text: string) => validateName(text),
  validateJobSeekerNumber: (text: string) => validateJobSeekerNumber(text),
  validatePhoneNumber: (text: string) => validatePhoneNumber(text),
  validateTopic: (text: string) => validateTopic(text),
};

// ------------------------------------------------------------------------------------------
// Robustness and idempotence, for every validator
// ------------------------------------------------------------------------------------------

describe.each(Object.entries(validators))('%s', (_name, validate) => {
  it('never throws, whatever text arrives', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        validate(text);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on 10,000-character pastes and answers quickly', () => {
    fc.assert(
      fc.property(hugeText, (text) => {
        const started = performance.now();
        validate(text);
        expect(performance.now() - started).toBeLessThan(500);
      }),
      { numRuns: 30 },
    );
  });

  it('returns an accepted value unchanged when it is validated again', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const first = validate(text);
        if (first.ok) expect(validate(first.value)).toEqual(first);
      }),
      { numRuns: 500 },
    );
  });

  it('accepts no value with control characters, invisible characters or lone surrogates', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const result = validate(text);
        if (!result.ok) return;
        expect(result.value).not.toMatch(/[^\P{Cc}\n]/u);
        expect(result.value.replace(/(?<=\p{Extended_Pictographic}(?:\u{FE0F}|\p{Emoji_Modifier})?)\u200d(?=\p{Extended_Pictographic})/gu, '')).not.toMatch(
          /\p{Cf}/u,
        );
        expect(result.value.isWellFormed()).toBe(true);
        expect(result.value).toBe(result.value.trim());
      }),
      { numRuns: 500 },
    );
  });

  it('answers quickly on inputs built to make regular expressions backtrack', () => {
    const adversarial = [
      'a-'.repeat(5000),
      'a.'.repeat(5000),
      '1'.repeat(10_000),
      `${' '.repeat(9999)}a`,
      `${'\t'.repeat(5000)}x\n`.repeat(2),
      'www'.repeat(3000),
      `${'a'.repeat(9000)}://`,
      '1-'.repeat(5000),
      '午後'.repeat(5000),
      `${'\n'.repeat(9999)}a`,
    ];
    for (const text of adversarial) {
      const started = performance.now();
      validate(text);
      expect(performance.now() - started).toBeLessThan(500);
    }
  });
});

// ------------------------------------------------------------------------------------------
// Name
// ------------------------------------------------------------------------------------------

describe('validateName', () => {
  it.each([
    ['山田 太郎', '山田 太郎'],
    ['　山田　　太郎　', '山田 太郎'],
    ['山田\n太郎', '山田 太郎'],
    ['山田太郎', '山田太郎'],
    ['やまだ たろう', 'やまだ たろう'],
    ['ﾔﾏﾀﾞ ﾀﾛｳ', 'ヤマダ タロウ'],
    ['Ｊｏｈｎ　Ｓｍｉｔｈ', 'John Smith'],
    ['NGUYEN VAN AN', 'NGUYEN VAN AN'],
    ['Nguyễn Văn An', 'Nguyễn Văn An'],
    ["O'Brien Mary", "O'Brien Mary"],
    ['O’Brien', 'O’Brien'],
    ['Jean‐Pierre Martin', 'Jean-Pierre Martin'],
    ['ジョン・スミス', 'ジョン・スミス'],
    ['ジョン･スミス', 'ジョン・スミス'],
    ['ジャン＝ポール', 'ジャン=ポール'],
    ['J. R. Smith', 'J. R. Smith'],
    ['佐々木 ヶ子', '佐々木 ヶ子'],
    ['山田 太郎（やまだ たろう）', '山田 太郎(やまだ たろう)'],
    ['김민수', '김민수'],
    ['राम शर्मा', 'राम शर्मा'],
    ['\u200b山田\u200d太郎\ufeff', '山田太郎'],
    ['山 花', '山 花'],
    ['港北太郎', '港北太郎'],
    ['林 忍', '林 忍'],
    ['たなかはなこ', 'たなかはなこ'],
    ['Tanaka', 'Tanaka'],
    // The words people put around their name are removed (issue #11).
    ['山田花子です', '山田花子'],
    ['山田 花子です。', '山田 花子'],
    ['山田花子と申します', '山田花子'],
    ['山田花子といいます', '山田花子'],
    ['名前は山田花子です', '山田花子'],
    ['氏名：山田 花子', '山田 花子'],
    ['お名前は 山田花子', '山田花子'],
    ['私は山田花子です', '山田花子'],
    ['わたしの名前は やまだ はなこ です', 'やまだ はなこ'],
    ['山田 花子ですです', '山田 花子'],
  ])('accepts %j as %j', (input, expected) => {
    expect(validateName(input)).toEqual({ ok: true, value: expected });
  });

  it('accepts exactly 50 code points and counts an emoji-free astral kanji as one', () => {
    expect(validateName('𠮷'.repeat(NAME_MAX_LENGTH))).toEqual({ ok: true, value: '𠮷'.repeat(50) });
    expect(validateName('𠮷'.repeat(NAME_MAX_LENGTH + 1))).toEqual({ ok: false, reason: 'too-long' });
  });

  it.each([
    ['', 'empty'],
    ['   　\n\t', 'empty'],
    ['\u200b\u200b', 'empty'],
    ['あ'.repeat(51), 'too-long'],
    ['x'.repeat(10_000), 'too-long'],
    ['山田\u0000太郎', 'control-chars'],
    ['山田\u0007', 'control-chars'],
    ['https://example.com', 'has-url'],
    ['ｈｔｔｐｓ：／／ｅｘａｍｐｌｅ．ｃｏｍ', 'has-url'],
    ['www.example.org', 'has-url'],
    ['山田 example.com', 'has-url'],
    ['12345', 'digits-only'],
    ['０９０－１２３４－５６７８', 'digits-only'],
    ['12345-1234567', 'digits-only'],
    ['😀', 'no-letters'],
    ['😀 🎉', 'no-letters'],
    ['・・・', 'no-letters'],
    ['!!!', 'no-letters'],
    ['山田😀', 'invalid-chars'],
    ['山田太郎2', 'invalid-chars'],
    ['yamada@example', 'invalid-chars'],
    ['山田<script>', 'invalid-chars'],
    ['です', 'not-full-name'],
    ['名前は', 'empty'],
    // A family name alone (or a given name alone) is asked again for the full name.
    ['たなか', 'not-full-name'],
    ['タナカ', 'not-full-name'],
    ['ﾀﾅｶ', 'not-full-name'],
    ['おのえり', 'not-full-name'],
    ['田中', 'not-full-name'],
    ['山', 'not-full-name'],
    ['田中です', 'not-full-name'],
    ['山田ですです', 'not-full-name'],
  ] as const)('rejects %j as %s', (input, reason) => {
    expect(validateName(input)).toEqual({ ok: false, reason });
  });

  it('asks again only for a short one-word name: 4 kana or 2 kanji at most, without a space', () => {
    const kana = fc.string({ unit: fc.constantFrom('た', 'な', 'か', 'タ', 'ナ', 'ー'), minLength: 1, maxLength: 8 }).filter((w) => /[^ー]/u.test(w));
    const kanji = fc.string({ unit: fc.constantFrom('田', '中', '港', '北', '々'), minLength: 1, maxLength: 5 }).filter((w) => w[0] !== '々');
    fc.assert(
      fc.property(fc.oneof(kana, kanji), (word) => {
        const short = /^[\p{Script=Han}々]+$/u.test(word) ? [...word].length <= 2 : [...word].length <= 4;
        expect(validateName(word)).toEqual(short ? { ok: false, reason: 'not-full-name' } : { ok: true, value: word });
        // With a space between two parts, the same letters always go through.
        expect(validateName(`${word} ${word}`)).toEqual({ ok: true, value: `${word} ${word}` });
      }),
    );
  });

  it('accepts any name made of letters of several scripts separated by single spaces', () => {
    const word = fc.string({
      unit: fc.constantFrom('山', '田', '太', '郎', 'あ', 'ア', 'a', 'Z', 'é', '김', 'ー', '々'),
      minLength: 1,
      maxLength: 8,
    });
    fc.assert(
      fc.property(fc.array(word, { minLength: 2, maxLength: 4 }), (words) => {
        const name = words.join(' ');
        expect(validateName(` ${words.join('　 ')}\n`)).toEqual({ ok: true, value: name });
      }),
    );
  });
});

describe('maskName', () => {
  it('keeps the first character and the spaces and masks the rest', () => {
    expect(maskName('山田 太郎')).toBe('山* **');
    expect(maskName('John Smith')).toBe('J*** *****');
    expect(maskName('𠮷田')).toBe('𠮷*');
    expect(maskName('')).toBe('');
  });
});

// ------------------------------------------------------------------------------------------
// Job-seeker number
// ------------------------------------------------------------------------------------------

describe('validateJobSeekerNumber', () => {
  it.each([
    ['12345-1234567', '12345-1234567'],
    ['12345-123456', '12345-123456'],
    ['12345-12345678', '12345-12345678'],
    ['１２３４５－１２３４５６７', '12345-1234567'],
    ['12345ー1234567', '12345-1234567'],
    ['12345ｰ1234567', '12345-1234567'],
    ['12345−1234567', '12345-1234567'],
    ['12345–1234567', '12345-1234567'],
    ['12345—1234567', '12345-1234567'],
    ['12345‐1234567', '12345-1234567'],
    ['12345‒1234567', '12345-1234567'],
    ['12345―1234567', '12345-1234567'],
    ['12345─1234567', '12345-1234567'],
    ['12345 - 1234567', '12345-1234567'],
    ['　12345　1234567　', '12345-1234567'],
    ['12345 12 345 67', '12345-1234567'],
    ['12345123456', '12345-123456'],
    ['123451234567', '12345-1234567'],
    ['1234512345678', '12345-12345678'],
    ['１２３４５１２３４５６７', '12345-1234567'],
    ['\u200b12345-1234567\u200b', '12345-1234567'],
    // One number among words: the words are removed (issue #11).
    ['求職番号12345-1234567', '12345-1234567'],
    ['求職番号14010-1234567', '14010-1234567'],
    ['番号は14010-1234567です', '14010-1234567'],
    ['求職番号は１４０１０－１２３４５６７です。', '14010-1234567'],
    ['14010 1234567 です', '14010-1234567'],
  ])('accepts %j as %j', (input, expected) => {
    expect(validateJobSeekerNumber(input)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['', 'empty'],
    ['  　', 'empty'],
    ['abc', 'invalid-chars'],
    ['12345-123456a', 'invalid-chars'],
    ['12345-1234567と14010-1234567', 'invalid-chars'],
    ['番号は12345-123456aです', 'invalid-chars'],
    ['電話は090-1234-5678です', 'bad-format'],
    ['12345/1234567', 'invalid-chars'],
    ['１２３４５＿１２３４５６７', 'invalid-chars'],
    ['1234-1234567', 'wrong-length'],
    ['123456-1234567', 'wrong-length'],
    ['12345-12345', 'wrong-length'],
    ['12345-123456789', 'wrong-length'],
    ['1234-51234567', 'wrong-length'],
    ['1234512345', 'wrong-length'],
    ['12345123456789', 'wrong-length'],
    ['1'.repeat(10_000), 'wrong-length'],
    ['12345--1234567', 'bad-format'],
    ['-12345-1234567', 'bad-format'],
    ['12345-1234567-', 'bad-format'],
    ['12-345-1234567', 'bad-format'],
    ['-', 'bad-format'],
  ] as const)('rejects %j as %s', (input, reason) => {
    expect(validateJobSeekerNumber(input)).toEqual({ ok: false, reason });
  });

  it('normalises any typing of a valid number: full-width, spaces and any dash', () => {
    fc.assert(
      fc.property(
        digitString(5, 5),
        digitString(6, 8),
        fc.option(fc.constantFrom(...DASH_VARIANTS), { nil: undefined }),
        fc.boolean(),
        fc.boolean(),
        (office, serial, dash, wideOffice, wideSerial) => {
          const typed = `${wideOffice ? toFullWidth(office) : office}${dash ?? ''}${wideSerial ? toFullWidth(serial) : serial}`;
          expect(validateJobSeekerNumber(typed)).toEqual({ ok: true, value: `${office}-${serial}` });
        },
      ),
    );
  });

  it('accepts only values of the form NNNNN-NNNNNN to NNNNN-NNNNNNNN', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const result = validateJobSeekerNumber(text);
        if (result.ok) expect(result.value).toMatch(/^\d{5}-\d{6,8}$/u);
      }),
    );
  });
});

describe('maskJobSeekerNumber', () => {
  it('keeps the office part and the last three digits', () => {
    expect(maskJobSeekerNumber('12345-1234567')).toBe('12345-****567');
    expect(maskJobSeekerNumber('12345-123456')).toBe('12345-***456');
    expect(maskJobSeekerNumber('12345-12345678')).toBe('12345-*****678');
  });

  it('masks all but the last three characters of anything unexpected', () => {
    expect(maskJobSeekerNumber('1234567890')).toBe('*******890');
    expect(maskJobSeekerNumber('12')).toBe('**');
  });

  it('never shows the full serial of a valid number', () => {
    fc.assert(
      fc.property(digitString(5, 5), digitString(6, 8), (office, serial) => {
        const masked = maskJobSeekerNumber(`${office}-${serial}`);
        expect(masked).toBe(`${office}-${'*'.repeat(serial.length - 3)}${serial.slice(-3)}`);
      }),
    );
  });
});

// ------------------------------------------------------------------------------------------
// Phone number
// ------------------------------------------------------------------------------------------

describe('validatePhoneNumber', () => {
  it.each([
    ['09012345678', '09012345678'],
    ['090-1234-5678', '09012345678'],
    ['080 1234 5678', '08012345678'],
    ['070-1234-5678', '07012345678'],
    ['060-1234-5678', '06012345678'],
    ['050-1234-5678', '05012345678'],
    ['０９０－１２３４－５６７８', '09012345678'],
    ['０９０ー１２３４ー５６７８', '09012345678'],
    ['090(1234)5678', '09012345678'],
    ['（０９０）１２３４－５６７８', '09012345678'],
    ['090.1234.5678', '09012345678'],
    ['+81 90-1234-5678', '09012345678'],
    ['+819012345678', '09012345678'],
    ['＋８１　９０　１２３４　５６７８', '09012345678'],
    ['+81 (0)90 1234 5678', '09012345678'],
    ['045-123-4567', '0451234567'],
    ['(045)123-4567', '0451234567'],
    ['+81-45-123-4567', '0451234567'],
    ['03-1234-5678', '0312345678'],
    ['06-1234-5678', '0612345678'],
    ['0466-12-3456', '0466123456'],
    ['01267-2-3456', '0126723456'],
    ['\u200b090\u200d1234\u20605678', '09012345678'],
  ])('accepts %j as %j', (input, expected) => {
    expect(validatePhoneNumber(input)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['', 'empty'],
    ['　 ', 'empty'],
    ['---', 'empty'],
    ['090-1234-567８a', 'invalid-chars'],
    ['tel:09012345678', 'invalid-chars'],
    ['電話 090-1234-5678', 'invalid-chars'],
    ['090+12345678', 'invalid-chars'],
    ['+1 212 555 1234', 'foreign-number'],
    ['+84 90 123 4567', 'foreign-number'],
    ['0120-123-456', 'service-number'],
    ['0570-123-456', 'service-number'],
    ['0800-123-4567', 'service-number'],
    ['08001234567', 'service-number'],
    ['0990-123-456', 'service-number'],
    ['020-1234-5678', 'service-number'],
    ['090-1234-567', 'wrong-length'],
    ['090-1234-56789', 'wrong-length'],
    ['045-123-456', 'wrong-length'],
    ['045-1234-5678', 'wrong-length'],
    ['050-123-4567', 'wrong-length'],
    ['9012345678', 'bad-format'],
    ['12345678', 'bad-format'],
    ['0012345678', 'bad-format'],
    ['010-81-90-1234-5678', 'bad-format'],
    ['0', 'bad-format'],
  ] as const)('rejects %j as %s', (input, reason) => {
    expect(validatePhoneNumber(input)).toEqual({ ok: false, reason });
  });

  it('normalises any typing of a mobile number to its eleven digits', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('050', '060', '070', '080', '090'),
        mobileSubscriber,
        fc.constantFrom(...DASH_VARIANTS, ' ', '', '　', '.'),
        fc.boolean(),
        fc.boolean(),
        (prefix, rest, separator, international, wide) => {
          const start = international ? `+81 ${prefix.slice(1)}` : prefix;
          const typed = `${start}${separator}${rest.slice(0, 4)}${separator}${rest.slice(4)}`;
          expect(validatePhoneNumber(wide ? toFullWidth(typed) : typed)).toEqual({ ok: true, value: `${prefix}${rest}` });
        },
      ),
    );
  });

  it('accepts only ten or eleven digits starting with 0', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const result = validatePhoneNumber(text);
        if (result.ok) expect(result.value).toMatch(/^0\d{9,10}$/u);
      }),
    );
  });
});

describe('formatPhoneForDisplay and maskPhone', () => {
  it.each([
    ['09012345678', '090-1234-5678', '090-****-5678'],
    ['05012345678', '050-1234-5678', '050-****-5678'],
    ['0451234567', '045-123-4567', '045-***-4567'],
    ['0312345678', '03-1234-5678', '03-****-5678'],
    ['0612345678', '06-1234-5678', '06-****-5678'],
  ])('shows %s as %s and masks it as %s', (digits, display, masked) => {
    expect(formatPhoneForDisplay(digits)).toBe(display);
    expect(maskPhone(digits)).toBe(masked);
  });

  it('returns unexpected text unchanged for display and masks all but its last four characters', () => {
    expect(formatPhoneForDisplay('12345')).toBe('12345');
    expect(maskPhone('12345')).toBe('*2345');
    expect(maskPhone('1234')).toBe('****');
  });

  it('never shows the middle digits of an accepted number', () => {
    fc.assert(
      fc.property(fc.constantFrom('090', '080', '070', '050'), mobileSubscriber, (prefix, rest) => {
        const digits = `${prefix}${rest}`;
        expect(validatePhoneNumber(formatPhoneForDisplay(digits))).toEqual({ ok: true, value: digits });
        expect(maskPhone(digits)).toBe(`${prefix}-****-${rest.slice(4)}`);
      }),
    );
  });
});

// ------------------------------------------------------------------------------------------
// Topic
// ------------------------------------------------------------------------------------------

describe('validateTopic', () => {
  it.each([
    ['事務職の求人を探したい', '事務職の求人を探したい'],
    ['  履歴書の書き方  ', '履歴書の書き方'],
    ['履歴書\r\n職務経歴書', '履歴書\n職務経歴書'],
    ['a\rb\u2028c\u2029d\u0085e', 'a\nb\nc\nd\ne'],
    ['一行目\n\n\n\n\n二行目', '一行目\n\n二行目'],
    ['一行目   \n二行目\u3000', '一行目\n二行目'],
    ['①事務 ②面接', '①事務 ②面接'],
    ['ﾊﾛｰﾜｰｸ', 'ﾊﾛｰﾜｰｸ'],
    ['項目\t内容', '項目 内容'],
    ['面接\u0000対策\u0007', '面接対策'],
    ['面\u200b接\u202e対策', '面接対策'],
    ['よろしくお願いします😊', 'よろしくお願いします😊'],
    ['家族👨‍👩‍👧のために', '家族👨‍👩‍👧のために'],
    ['ASP.NET と Node.js の仕事', 'ASP.NET と Node.js の仕事'],
    ['e\u0301', 'é'],
    ['特になし', '特になし'],
    ['1', '1'],
  ])('accepts %j as %j', (input, expected) => {
    expect(validateTopic(input)).toMatchObject({ ok: true, value: expected, sensitiveHint: false });
  });

  it('accepts up to 400 code points by default, counting an emoji as one', () => {
    expect(validateTopic('😊'.repeat(399) + 'あ')).toMatchObject({ ok: true });
    expect(validateTopic('あ'.repeat(TOPIC_DEFAULT_MAX_LENGTH + 1))).toEqual({ ok: false, reason: 'too-long' });
  });

  it('takes a configurable maximum length', () => {
    expect(validateTopic('あ'.repeat(100), { maxLength: 100 })).toMatchObject({ ok: true });
    expect(validateTopic('あ'.repeat(101), { maxLength: 100 })).toEqual({ ok: false, reason: 'too-long' });
    expect(validateTopic('あ'.repeat(1000), { maxLength: 1000 })).toMatchObject({ ok: true });
  });

  it('refuses a maximum length that is not a positive integer, as a programming error', () => {
    expect(() => validateTopic('a', { maxLength: 0 })).toThrow(RangeError);
    expect(() => validateTopic('a', { maxLength: 1.5 })).toThrow(RangeError);
  });

  it.each([
    ['', 'empty'],
    [' \n\t\u3000\u200b', 'empty'],
    ['\u0000\u0001', 'empty'],
    ['x'.repeat(10_000), 'too-long'],
    ['https://example.com を見てください', 'has-url'],
    ['ｈｔｔｐ：／／ｅｘａｍｐｌｅ．ｊｐ', 'has-url'],
    ['h\u200btps://example.com', 'has-url'],
    ['詳細は www.example.org にあります', 'has-url'],
    ['bit.ly/abc を見て', 'has-url'],
    ['line.me/R/ti/p/@abc', 'has-url'],
    ['example.co.jp の求人', 'has-url'],
    ['mailto:a@b', 'has-url'],
    ['😊😊😊', 'no-letters'],
    ['？？？', 'no-letters'],
    ['…', 'no-letters'],
  ] as const)('rejects %j as %s', (input, reason) => {
    expect(validateTopic(input)).toEqual({ ok: false, reason });
  });

  it.each([
    ['うつ病で通院しています', ['health']],
    ['持病があり短時間勤務を希望', ['health']],
    ['妊娠中でもできる仕事', ['health']],
    ['障害者雇用の求人について', ['disability']],
    ['療育手帳を持っています', ['disability']],
    ['ADHDの診断書があります', ['health', 'disability']],
    ['宗教上の理由で土曜は働けない', ['beliefs']],
    ['本籍 について聞かれた', ['origin']],
    ['同和 地区', ['origin']],
    ['前科があっても応募できますか', ['criminal-record']],
    ['I have a criminal  record', ['criminal-record']],
    ['I have depression', ['health']],
    ['前\u200b科', ['criminal-record']],
  ] as const)('accepts %j with a sensitive hint for %j', (input, categories) => {
    expect(validateTopic(input)).toMatchObject({ ok: true, sensitiveHint: true, sensitiveCategories: categories });
  });

  it.each([
    '病院の受付の仕事を探しています',
    '中小企業診断士の資格を活かしたい',
    'U ターンで出身地に戻って働きたい',
    'システムの障害対応の経験があります',
    'archive and data entry work',
    'がんばって働きたい',
  ])('gives no sensitive hint for ordinary job talk such as %j', (input) => {
    expect(validateTopic(input)).toMatchObject({ ok: true, sensitiveHint: false, sensitiveCategories: [] });
    expect(detectSensitiveTopics(input)).toEqual([]);
  });

  it('keeps line breaks but never more than one blank line in a row', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const result = validateTopic(text);
        if (result.ok) {
          expect(result.value).not.toMatch(/\n{3}/u);
          expect(result.value).not.toMatch(/\r/u);
          expect([...result.value].length).toBeLessThanOrEqual(TOPIC_DEFAULT_MAX_LENGTH);
        }
      }),
    );
  });
});

// ------------------------------------------------------------------------------------------
// Japanese messages
// ------------------------------------------------------------------------------------------

describe('fieldErrorMessages', () => {
  it('has a Japanese sentence for every reason of every field', () => {
    for (const messages of Object.values(fieldErrorMessages)) {
      for (const message of Object.values(messages)) {
        expect(message).toMatch(/[ぁ-んァ-ヶ一-龠]/u);
        expect(message).toMatch(/。$/u);
        expect(message.length).toBeLessThan(160);
      }
    }
  });

  it('gives the example job-seeker number format in the format re-prompt', () => {
    expect(fieldErrorMessages.jobSeekerNumber['bad-format']).toBe('求職番号は「12345-1234567」のように、5桁・ハイフン・6〜8桁の数字で入力してください。');
  });

  it('fills the configured maximum into the topic length message', () => {
    expect(fieldErrorMessage('topic', 'too-long', { maxLength: 200 })).toBe('ご相談内容が長すぎます。200文字以内にまとめて入力してください。');
    expect(fieldErrorMessage('topic', 'too-long')).toContain('400文字以内');
    expect(fieldErrorMessage('phone', 'wrong-length')).toBe(fieldErrorMessages.phone['wrong-length']);
  });

  it('has a message for every reason a validator returns', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const results = [
          ['name', validateName(text)],
          ['jobSeekerNumber', validateJobSeekerNumber(text)],
          ['phone', validatePhoneNumber(text)],
          ['topic', validateTopic(text)],
        ] as const;
        for (const [field, result] of results) {
          if (!result.ok) expect(fieldErrorMessage(field, result.reason as never)).not.toBe('');
        }
      }),
    );
  });
});

// ------------------------------------------------------------------------------------------
// Typed date and time
// ------------------------------------------------------------------------------------------

describe('parseTypedDate', () => {
  const today = '2026-11-20'; // a Friday

  it.each([
    ['12/3', '2026-12-03'],
    ['１２／３', '2026-12-03'],
    ['12月3日', '2026-12-03'],
    ['１２月３日', '2026-12-03'],
    ['12月3', '2026-12-03'],
    ['12 月 3 日', '2026-12-03'],
    ['2026-12-03', '2026-12-03'],
    ['2026/12/3', '2026-12-03'],
    ['2026.12.3', '2026-12-03'],
    ['2026年12月3日', '2026-12-03'],
    ['20261203', '2026-12-03'],
    ['12-3', '2026-12-03'],
    ['12ー3', '2026-12-03'],
    ['12.3', '2026-12-03'],
    ['12月3日(木)', '2026-12-03'],
    ['12月3日（木）', '2026-12-03'],
    ['12/3(木曜日)', '2026-12-03'],
    ['12月3日木曜日', '2026-12-03'],
    ['12/3 木曜', '2026-12-03'],
    ['R8.12.3', '2026-12-03'],
    ['r8/12/3', '2026-12-03'],
    ['令和8年12月3日', '2026-12-03'],
    ['11/20', '2026-11-20'],
    ['今日', '2026-11-20'],
    ['明日', '2026-11-21'],
    ['あした', '2026-11-21'],
    ['明後日', '2026-11-22'],
    ['25日', '2026-11-25'],
    ['3日', '2026-12-03'],
    ['\u200b12/3\u200b', '2026-12-03'],
  ])('reads %j as %s', (input, expected) => {
    expect(parseTypedDate(input, today)).toBe(expected);
  });

  it('reads a month and day long past as next year, and one just past as past (issue #11)', () => {
    expect(parseTypedDate('1/5', today)).toBe('2027-01-05');
    expect(parseTypedDate('1月5日(火)', today)).toBe('2027-01-05');
    expect(parseTypedDate('11/19', today)).toBe('2026-11-19');
    // Today is 28 November: 11/20 is eight days ago; 1/5 is next January, across the year.
    expect(parseTypedDate('11/20', '2026-11-28')).toBe('2026-11-20');
    expect(parseTypedDate('1/5', '2026-11-28')).toBe('2027-01-05');
    expect(parseTypedDate('20日', '2026-11-28')).toBe('2026-11-20');
    expect(parseTypedDate('12/30', '2027-01-02')).toBe('2026-12-30');
    expect(parseTypedDate('31日', today)).toBe('2026-10-31');
  });

  it('reads a day alone in December as January once it has passed', () => {
    expect(parseTypedDate('5日', '2026-12-20')).toBe('2027-01-05');
    expect(parseTypedDate('大晦日', '2026-12-20')).toBeNull();
  });

  it('keeps an explicit year even when the date is in the past', () => {
    expect(parseTypedDate('2025/1/5', today)).toBe('2025-01-05');
  });

  it('reads 29 February only in a leap year', () => {
    expect(parseTypedDate('2/29', '2027-12-01')).toBe('2028-02-29');
    expect(parseTypedDate('2/29', '2026-11-20')).toBeNull();
    expect(parseTypedDate('2027-02-29', today)).toBeNull();
  });

  it.each([
    '',
    '13/1',
    '0/5',
    '12/0',
    '11/31',
    '12月32日',
    '2026-13-01',
    'abc',
    '10:00',
    '12/3(水)',
    '明日(月)',
    'R0.1.1',
    '12//3',
    '2026/12',
    'constructor',
    '__proto__',
    '12/3/4/5',
    '１２３',
    '水曜日',
  ])('returns null for %j', (input) => {
    expect(parseTypedDate(input, today)).toBeNull();
  });

  it('refuses a malformed today, as a programming error', () => {
    expect(() => parseTypedDate('12/3', '2026-1-1')).toThrow(RangeError);
    expect(() => parseTypedDate('12/3', '2026-02-30')).toThrow(RangeError);
  });

  it('never throws and returns only real dates, whatever the text', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, hugeText), (text) => {
        const result = parseTypedDate(text, today);
        if (result !== null) expect(new Date(`${result}T00:00:00Z`).toISOString().slice(0, 10)).toBe(result);
      }),
      { numRuns: 300 },
    );
  });

  it('reads any month/day up to 243 days ahead as that date ahead', () => {
    const dayMs = 86_400_000;
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2020, 0, 1) / dayMs, max: Date.UTC(2040, 0, 1) / dayMs }),
        fc.integer({ min: 0, max: 243 }),
        fc.constantFrom('M/D', 'M月D日', 'MM-DD', 'full'),
        (todayDays, ahead, style) => {
          const todayIso = new Date(todayDays * dayMs).toISOString().slice(0, 10);
          const target = new Date((todayDays + ahead) * dayMs);
          const [m, d] = [target.getUTCMonth() + 1, target.getUTCDate()];
          const typed =
            style === 'M/D'
              ? `${m}/${d}`
              : style === 'M月D日'
                ? toFullWidth(`${m}月${d}日`)
                : style === 'MM-DD'
                  ? `${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`
                  : target.toISOString().slice(0, 10).replaceAll('-', '/');
          expect(parseTypedDate(typed, todayIso)).toBe(target.toISOString().slice(0, 10));
        },
      ),
    );
  });

  it('reads any month/day up to 121 days back as that past date (the bot then calls it past)', () => {
    const dayMs = 86_400_000;
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2020, 0, 1) / dayMs, max: Date.UTC(2040, 0, 1) / dayMs }), fc.integer({ min: 1, max: 121 }), (todayDays, back) => {
        const todayIso = new Date(todayDays * dayMs).toISOString().slice(0, 10);
        const target = new Date((todayDays - back) * dayMs);
        // 29 February is read in the nearest leap year, which may not be this one.
        fc.pre(!(target.getUTCMonth() === 1 && target.getUTCDate() === 29));
        expect(parseTypedDate(`${target.getUTCMonth() + 1}/${target.getUTCDate()}`, todayIso)).toBe(target.toISOString().slice(0, 10));
      }),
    );
  });
});

describe('parseTypedTime', () => {
  it.each([
    ['10:00', '10:00'],
    ['9:30', '09:30'],
    ['09:30', '09:30'],
    ['１０：３０', '10:30'],
    ['10：30', '10:30'],
    ['10時', '10:00'],
    ['１０時', '10:00'],
    ['10時30分', '10:30'],
    ['10時30', '10:30'],
    ['10時5分', '10:05'],
    ['10時半', '10:30'],
    ['10じ', '10:00'],
    ['10じはん', '10:30'],
    ['午前10時', '10:00'],
    ['午後2時', '14:00'],
    ['午後2時半', '14:30'],
    ['午後12時', '12:00'],
    ['午後0時', '12:00'],
    ['2pm', '14:00'],
    ['2 PM', '14:00'],
    ['PM2:30', '14:30'],
    ['p.m. 2:30', '14:30'],
    ['10am', '10:00'],
    ['正午', '12:00'],
    ['1030', '10:30'],
    ['930', '09:30'],
    ['10', '10:00'],
    ['10時から', '10:00'],
    ['10:00〜', '10:00'],
    ['10時ごろ', '10:00'],
    ['14:30', '14:30'],
    ['3時', '03:00'],
  ])('reads %j as %s', (input, expected) => {
    expect(parseTypedTime(input)).toBe(expected);
  });

  it('reads small hours typed without 午前/午後 as afternoon when asked to', () => {
    expect(parseTypedTime('3時', { afternoonForHoursBelow: 8 })).toBe('15:00');
    expect(parseTypedTime('3:30', { afternoonForHoursBelow: 8 })).toBe('15:30');
    expect(parseTypedTime('午前3時', { afternoonForHoursBelow: 8 })).toBe('03:00');
    expect(parseTypedTime('9時', { afternoonForHoursBelow: 8 })).toBe('09:00');
    expect(parseTypedTime('0時', { afternoonForHoursBelow: 8 })).toBe('00:00');
  });

  it.each([
    '',
    '24:00',
    '25時',
    '10:60',
    '10時60分',
    '午前12時',
    '午後13時',
    '13pm',
    'abc',
    '10:0',
    '12/3',
    '10:00:00',
    '午後',
    '1時間',
    '10時30分です?',
    '12345',
  ])('returns null for %j', (input) => {
    expect(parseTypedTime(input)).toBeNull();
  });

  it('never throws and returns only HH:mm times, whatever the text', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, hugeText), (text) => {
        const result = parseTypedTime(text);
        if (result !== null) expect(result).toMatch(/^(?:[01]\d|2[0-3]):[0-5]\d$/u);
      }),
      { numRuns: 300 },
    );
  });

  it('reads every time of day written as H:mm, H時m分 or full-width', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), fc.boolean(), (h, m, kanji) => {
        const expected = `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
        const typed = kanji ? `${h}時${m}分` : `${h}:${String(m).padStart(2, '0')}`;
        expect(parseTypedTime(typed)).toBe(expected);
        expect(parseTypedTime(toFullWidth(typed))).toBe(expected);
      }),
    );
  });
});
