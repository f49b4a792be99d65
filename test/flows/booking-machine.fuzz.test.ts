/**
 * Fuzz of the booking machine: at every question (reached by a fixed conversation), thousands
 * of random texts — any Unicode, emoji sequences, full-width digits, control and invisible
 * characters, lone surrogates, 10,000-character pastes and near misses of valid answers — and
 * random postback data, each handled as the runner handles it (one turn, createBooking's
 * outcome fed back). Whatever arrives, the machine does not throw, ends in the same state or
 * one its transitions lead to, keeps only valid values in the draft, and answers with 1 to 5
 * messages LINE accepts, never with silence.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AnyStateNode } from 'xstate';
import type { DialogueEvent, Draft } from '../../flows/booking/machine.ts';
import { decodePostback, encodePostback } from '../../flows/booking/postback.ts';
import { validateJobSeekerNumber, validateName, validatePhoneNumber, validateTopic } from '../../src/domain/booking-fields.ts';
import {
  FIRST_DATE,
  OPEN_DATES,
  TIMES,
  droppedMessages,
  eventFromPostbackData,
  initialSnapshot,
  lineProblems,
  moments,
  postbackData,
  postbackEvent,
  render,
  runTurn,
  stateNode,
  stateOf,
  textEvent,
} from './facts.ts';
import type { Snapshot } from './facts.ts';

// ---------------------------------------------------------------------------------------------
// Where the fuzz starts: every question, reached by a fixed conversation
// ---------------------------------------------------------------------------------------------

const yes = postbackEvent('yes');
const toTerms = [textEvent('予約', moments.notConsented)];
const toRegistered = [...toTerms, postbackEvent('terms.agree')];
const toName = [...toRegistered, yes, yes, yes, yes];
const toPhone = [...toName, textEvent('港北 太郎'), textEvent('12345-1234567')];
const toTopic = [...toPhone, textEvent('090-1234-5678'), yes];
const toAttendant = [...toTopic, textEvent('事務職の求人を探したい')];
const toDate = [...toAttendant, postbackEvent('attendant.none')];
const toTime = [...toDate, postbackEvent('date.pick', FIRST_DATE)];
const toSummary = [...toTime, postbackEvent('time.pick', '10:00')];
const toEditField = [...toSummary, postbackEvent('summary.edit')];

const starts: Record<string, DialogueEvent[]> = {
  idle: [],
  'idle after a booking': [...toSummary, postbackEvent('summary.confirm')],
  terms: toTerms,
  registered: toRegistered,
  myPage: [...toRegistered, yes],
  device: [...toRegistered, yes, yes],
  checklist: [...toRegistered, yes, yes, yes],
  name: toName,
  number: [...toName, textEvent('港北 太郎')],
  phone: toPhone,
  phoneRegistered: [...toPhone, textEvent('090-1234-5678')],
  topic: toTopic,
  topicSensitive: [...toTopic, textEvent('持病があるので短時間の仕事を探したい')],
  attendant: toAttendant,
  language: [...toAttendant, postbackEvent('attendant.interpreter')],
  date: toDate,
  'date, second page': [...toDate, postbackEvent('date.more')],
  time: toTime,
  summary: toSummary,
  editField: toEditField,
  'name, correcting': [...toEditField, postbackEvent('edit.name')],
  'topic, correcting': [...toEditField, postbackEvent('edit.topic')],
  'date, correcting': [...toEditField, postbackEvent('edit.datetime')],
  confirmQuit: [...toSummary, postbackEvent('nav.quit')],
};

function walk(events: DialogueEvent[]): Snapshot {
  return events.reduce((snapshot, event) => runTurn(snapshot, event).snapshot, initialSnapshot());
}

// ---------------------------------------------------------------------------------------------
// Where an event may lead, read from the machine's own transitions
// ---------------------------------------------------------------------------------------------

type StateNode = AnyStateNode;
const nodeOf = (name: string): StateNode => stateNode(name);
/** A node and the states it is nested in, innermost first (their transitions apply in this order). */
const withAncestors = (node: StateNode): StateNode[] => (node.parent ? [node, ...withAncestors(node.parent)] : [node]);
/** A node the machine never rests in: it has an eventless transition without a guard. */
const isTransient = (node: StateNode) => (node.always ?? []).some((t) => !t.guard);

/**
 * The states a turn may end in after an event of `type` in `state`: the targets of the state's
 * (and its parents', up to the root) transitions for that event, followed through eventless transitions and, when
 * a booking is asked for, through the outcome the runner feeds back. Targetless transitions stay.
 */
function destinations(state: string, type: DialogueEvent['type']): Set<string> {
  const result = new Set<string>([state]);
  const seen = new Set<StateNode>();
  const queue: StateNode[] = withAncestors(nodeOf(state)).flatMap((node) => (node.on[type] ?? []).flatMap((t) => t.target ?? []));
  for (let node = queue.pop(); node; node = queue.pop()) {
    if (seen.has(node)) continue;
    seen.add(node);
    // A (shallow) history state resumes one of its parent's children.
    if (node.type === 'history') {
      queue.push(...Object.values(node.parent?.states ?? {}));
      continue;
    }
    if (!isTransient(node) && node.key !== 'creating') result.add(node.key);
    for (const t of node.always ?? []) queue.push(...(t.target ?? []));
    if (node.key === 'creating') for (const t of [...(node.on.BOOKING_CREATED ?? []), ...(node.on.BOOKING_FAILED ?? [])]) queue.push(...(t.target ?? []));
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// What must hold after any turn
// ---------------------------------------------------------------------------------------------

const CONTROL_OR_INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}]/u;

/** Every value in the draft is one its validator accepts as it is (already normalised). */
function invalidDraftFields(draft: Draft): string[] {
  const bad: string[] = [];
  const stable = (value: string, result: { ok: boolean; value?: string }) => result.ok && result.value === value;
  if (draft.name !== undefined && !stable(draft.name, validateName(draft.name))) bad.push('name');
  if (draft.jobSeekerNumber !== undefined && !stable(draft.jobSeekerNumber, validateJobSeekerNumber(draft.jobSeekerNumber))) bad.push('jobSeekerNumber');
  if (draft.phone !== undefined && !stable(draft.phone, validatePhoneNumber(draft.phone))) bad.push('phone');
  if (draft.topic !== undefined && !stable(draft.topic, validateTopic(draft.topic))) bad.push('topic');
  if (
    draft.attendantLanguage !== undefined &&
    (draft.attendantLanguage === '' || [...draft.attendantLanguage].length > 30 || CONTROL_OR_INVISIBLE.test(draft.attendantLanguage))
  )
    bad.push('attendantLanguage');
  if (draft.date !== undefined && !(OPEN_DATES as readonly string[]).includes(draft.date)) bad.push('date');
  if (draft.time !== undefined && !(TIMES as readonly string[]).includes(draft.time)) bad.push('time');
  return bad;
}

/** Runs one turn and checks it; returns the turn for further checks. */
function checkedTurn(before: Snapshot, event: DialogueEvent) {
  const turn = runTurn(before, event);
  const after = turn.snapshot;
  const state = stateOf(before);
  const now = stateOf(after);
  expect(destinations(state, event.type).has(now), `${state} --${event.type}--> ${now} is not a transition of the machine`).toBe(true);
  expect(after.context.asking, 'the question waiting for an answer').toBe(after.matches('idle') ? null : now);
  if (now === state && turn.effects.length === 0) {
    // At the time question a typed date moves to that date's times (issue #11): only the date changes.
    const movedDate = state === 'time' && after.context.draft.date !== before.context.draft.date;
    expect(movedDate ? { ...after.context.draft, date: before.context.draft.date } : after.context.draft, 'draft of an unchanged question').toEqual(
      before.context.draft,
    );
  }
  expect(invalidDraftFields(after.context.draft)).toEqual([]);
  const messages = render(turn.says, after.context.q);
  expect(messages.length, `reply to ${event.type} in ${state}: ${JSON.stringify(turn.says.map((s) => s.key))}`).toBeGreaterThanOrEqual(1);
  expect(messages.length).toBeLessThanOrEqual(5);
  expect(lineProblems(messages)).toEqual([]);
  expect(postbackData(messages).filter((data) => decodePostback(data)?.question !== after.context.q)).toEqual([]);
  expect(droppedMessages(turn.says, after.context.q)).toEqual([]);
  return turn;
}

// ---------------------------------------------------------------------------------------------
// Random texts
// ---------------------------------------------------------------------------------------------

const toFullWidth = (s: string) => s.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)).replace(/ /g, '\u3000');

/** Valid answers and their near misses, for every question. */
const PLAUSIBLE = [
  '港北 太郎',
  '港北　太郎',
  'こうほく たろう',
  'Taro Kohoku',
  "O'Brien",
  '山田-スミス 花子',
  'ﾔﾏﾀﾞ ﾀﾛｳ',
  '港北太郎1',
  '太郎😀',
  '\u202e太郎',
  '12345-1234567',
  '１２３４５ー１２３４５６７',
  '１２３４５ー１２',
  '12345 123456',
  '12345‐12345678',
  '1234-5678901',
  '123451234567',
  '12345-123456789',
  '090-1234-5678',
  '０９０ー１２３４ー５６７８',
  '090(1234)5678',
  '+81 90-1234-5678',
  '+81(0)45-474-1221',
  '045-474-1221',
  '0120-444-444',
  '090-1234-567',
  '+1 415 555 0100',
  '事務職の求人を探したい',
  '病気のため転職を考えています',
  '宗教上の理由で土曜は働けません',
  'https://example.com を見てください',
  'ｈｔｔｐｓ：／／ｅｘａｍｐｌｅ．ｃｏｍ',
  '①②③',
  '英語',
  '中国語',
  'ベトナム語',
  '手話',
  'English',
  'なし',
  '無し',
  '通訳',
  '介助',
  '付き添い',
  '12/3',
  '１２／３',
  '12/31',
  '12/32',
  '2/30',
  '12月3日',
  '12月3日(木)',
  '12月3日(金)',
  '12-3',
  '2026-12-03',
  '20261203',
  '令和8年12月3日',
  'R8.12.3',
  '明日',
  '3日',
  '12/5',
  '11/30',
  '10:00',
  '１０：００',
  '10時',
  '10時半',
  '午後2時',
  '2pm',
  '13:30',
  '25:00',
  '9:61',
  '午前12時',
  '正午',
  '1030',
  'はい',
  'いいえ',
  'はい。',
  'いいえ！',
  'yes',
  'NO',
  '同意します',
  '同意しない',
  'やめる',
  'やめる？',
  '　戻る　',
  'キャンセル',
  'キャンセルしたい',
  '予約',
  '予約確認',
  '予約したい',
  '料金は？',
  '無料ですか',
  'TeleOfficeって何ですか？',
  '何分ですか',
  '締め切りはいつまで？',
  '利用規約',
  'ヘルプ',
  'メニュー',
  '修正',
  '名前を直したい',
  '電話番号',
  '日時を変えたい',
];

/** Characters that break naive handling: controls, invisible format characters, bidi overrides, line separators. */
const NASTY_CHARS = [
  '\u0000',
  '\u0007',
  '\t',
  '\n',
  '\r',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u009f',
  '\u00ad',
  '\u200b',
  '\u200d',
  '\u200e',
  '\u2028',
  '\u2029',
  '\u202e',
  '\u2066',
  '\ufeff',
  '\ufffd',
  '\u{e0041}',
];
const EMOJI = ['😀', '👍🏽', '👨‍👩‍👧‍👦', '🇯🇵', '❤️', '🙇‍♂️', '1️⃣', '🏳️‍🌈', '🧑🏿‍💻', '☎️', '〽️', '㊗️'];

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));
const nastyChar = fc.constantFrom(...NASTY_CHARS);

/** A plausible answer, changed a little: a character inserted, padding, full width, case. */
const nearMiss = fc
  .tuple(
    fc.constantFrom(...PLAUSIBLE),
    fc.nat(),
    fc.oneof(nastyChar, fc.constantFrom(...EMOJI), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 2 }), loneSurrogate),
    fc.integer({ min: 0, max: 5 }),
  )
  .map(([text, at, extra, how]) => {
    const i = at % (text.length + 1);
    switch (how) {
      case 0:
        return text;
      case 1:
        return `${text.slice(0, i)}${extra}${text.slice(i)}`;
      case 2:
        return `  ${extra}${text}${extra}\n`;
      case 3:
        return toFullWidth(text);
      case 4:
        return text.toUpperCase();
      default:
        return `${text}${text}`;
    }
  });

const randomText = fc.oneof(
  { arbitrary: nearMiss, weight: 4 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 60 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 60 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 40 }), weight: 1 },
  { arbitrary: fc.string({ unit: fc.constantFrom(...EMOJI), minLength: 1, maxLength: 12 }), weight: 1 },
  { arbitrary: fc.string({ unit: fc.oneof(nastyChar, fc.constantFrom('a', 'あ', '1', '１', '-', 'ー', ' ', '　')), maxLength: 30 }), weight: 1 },
  { arbitrary: fc.string({ unit: fc.oneof(loneSurrogate, fc.constantFrom('太', '郎', '1')), maxLength: 10 }), weight: 1 },
  { arbitrary: fc.stringMatching(/^[0-9０-９]{1,6}[-‐ー－―\s]?[0-9０-９]{1,9}$/), weight: 1 },
  { arbitrary: fc.stringMatching(/^[0-9０-９]{1,4}[/／月.-][0-9０-９]{1,3}日?$/), weight: 1 },
);

/** Pastes of 10,000 characters (and a little more) of various kinds. */
const longText = fc.oneof(
  fc
    .constantFrom('あ', '1', '１', '😀', 'a ', '\n', '予約', 'https://x.jp/', '\u200b')
    .chain((unit) => fc.integer({ min: 10_000, max: 10_050 }).map((n) => unit.repeat(Math.ceil(n / unit.length)).slice(0, n))),
  fc.string({ unit: 'grapheme', minLength: 10_000, maxLength: 10_000 }),
  fc.string({ unit: 'binary', minLength: 10_000, maxLength: 10_000 }),
);

// ---------------------------------------------------------------------------------------------
// Random postback data
// ---------------------------------------------------------------------------------------------

const ACTIONS = [
  'menu.book',
  'menu.check',
  'menu.cancel',
  'menu.terms',
  'terms.agree',
  'terms.decline',
  'terms.full',
  'yes',
  'no',
  'nav.back',
  'nav.quit',
  'topic.keep',
  'topic.rewrite',
  'attendant.none',
  'attendant.interpreter',
  'attendant.assistant',
  'date.more',
  'date.prev',
  'date.pick',
  'time.pick',
  'summary.confirm',
  'summary.edit',
  'edit.name',
  'edit.number',
  'edit.phone',
  'edit.topic',
  'edit.attendant',
  'edit.datetime',
  'quit.yes',
  'quit.no',
];

/** Postback data: current and old question counters, known and unknown actions, odd values, and garbage. */
const postbackDataFor = (q: number) =>
  fc.oneof(
    {
      arbitrary: fc
        .record({
          action: fc.oneof(fc.constantFrom(...ACTIONS), fc.stringMatching(/^[a-z][a-z0-9.-]{0,12}$/)),
          question: fc.oneof(fc.constant(q), fc.constant(q - 1), fc.nat({ max: q + 3 })),
          value: fc.option(
            fc.oneof(
              fc.constantFrom(...OPEN_DATES, ...TIMES, '2026-12-05', '2026-11-28', '2027-02-30', '24:00', '', '../', '2026-1-1'),
              fc.string({ unit: 'binary', maxLength: 20 }),
            ),
            { nil: undefined },
          ),
        })
        .map(encodePostback),
      weight: 4,
    },
    { arbitrary: fc.string({ unit: 'binary', maxLength: 320 }), weight: 1 },
    {
      arbitrary: fc.constantFrom(
        '',
        'a=',
        'a=yes',
        `a=yes&q=${q}&q=${q + 1}`,
        `a=YES&q=${q}`,
        `q=${q}`,
        `a=yes&q=${q}.5`,
        `a=yes&q=-1`,
        `a=yes&q=${'9'.repeat(30)}`,
        'x'.repeat(301),
      ),
      weight: 1,
    },
  );

// ---------------------------------------------------------------------------------------------
// The properties
// ---------------------------------------------------------------------------------------------

/** Runs per question; FUZZ_SCALE=20 for a long hunt. */
const scale = Number(process.env.FUZZ_SCALE ?? 1);
const RUNS = { texts: Math.round(220 * scale), long: Math.round(4 * scale), postbacks: Math.round(80 * scale) };

describe('fuzzing the booking machine at every question', () => {
  const snapshots = Object.entries(starts).map(([name, events]) => [name, walk(events)] as const);

  it('reaches each starting question by its fixed conversation', () => {
    const reached = Object.fromEntries(snapshots.map(([name, s]) => [name, stateOf(s)]));
    expect(reached).toMatchObject({
      idle: 'idle',
      'idle after a booking': 'idle',
      'date, second page': 'date',
      'name, correcting': 'name',
      'date, correcting': 'date',
      confirmQuit: 'confirmQuit',
    });
    for (const [name, value] of Object.entries(reached)) if (!name.includes(' ')) expect(value, name).toBe(name);
    expect(snapshots.find(([name]) => name === 'date, second page')?.[1].context.datePage).toBe(1);
    expect(snapshots.find(([name]) => name === 'name, correcting')?.[1].context.editing).toBe(true);
  });

  it.each(snapshots)('answers any typed text at %s sensibly', (_, before) => {
    fc.assert(
      fc.property(randomText, (text) => {
        checkedTurn(before, textEvent(text));
      }),
      { numRuns: RUNS.texts },
    );
  });

  it.each(snapshots)('answers a 10,000-character paste at %s sensibly', (_, before) => {
    fc.assert(
      fc.property(longText, (text) => {
        const turn = checkedTurn(before, textEvent(text));
        // Nothing that long is kept as an answer.
        expect(Object.values(turn.snapshot.context.draft).filter((v) => typeof v === 'string' && v.length > 800)).toEqual([]);
      }),
      { numRuns: RUNS.long },
    );
  });

  it.each(snapshots)('answers any postback data at %s sensibly, stale data without any change', (_, before) => {
    fc.assert(
      fc.property(postbackDataFor(before.context.q), (data) => {
        const event = eventFromPostbackData(data, before);
        const turn = checkedTurn(before, event);
        if (event.type === 'STALE') {
          expect(turn.snapshot.value).toEqual(before.value);
          expect(turn.snapshot.context).toEqual(before.context);
        }
      }),
      { numRuns: RUNS.postbacks },
    );
  });
});
