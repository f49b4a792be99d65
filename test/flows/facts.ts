/**
 * Fixtures for tests of the pure booking machine: the facts the runner would gather (terms,
 * consent, blocks, bookable dates), events built the way src/dialogue/runner.ts builds them,
 * one runner-like turn (effects fed back in the same turn) and a check that a turn's reply is
 * one LINE would accept. No database, no HTTP: the machine is driven directly.
 */
import { readFileSync } from 'node:fs';
import { initialTransition, transition } from 'xstate';
import type { AnyStateNode } from 'xstate';
import { bookingMachine } from '../../flows/booking/machine.ts';
import { stateNameOf } from '../../flows/booking/stored-state.ts';
import type { BookingSummary, DialogueEvent, Facts, Say } from '../../flows/booking/machine.ts';
import { classifyText } from '../../flows/booking/intents.ts';
import { decodePostback } from '../../flows/booking/postback.ts';
import { present } from '../../flows/booking/present.ts';
import type { PresentContext } from '../../flows/booking/present.ts';
import type { Message } from '../../src/line/messages.ts';
import { validateLineRequest } from '../support/fake-line-api.ts';
import type { LineErrorDetail } from '../support/fake-line-api.ts';

export type Snapshot = ReturnType<typeof bookingMachine.resolveState>;

/** The state a snapshot rests in, by name (state names are unique in the machine; the booking questions are nested). */
export const stateOf = (snapshot: Snapshot): string => stateNameOf(snapshot);

/** The names of the states a snapshot is in: the one it rests in and the states it is nested in. */
export function statesOf(snapshot: Snapshot): string[] {
  const names: string[] = [];
  let value: unknown = snapshot.value;
  while (value && typeof value === 'object') {
    const [key, inner] = Object.entries(value)[0] ?? [];
    if (key === undefined) break;
    names.push(key);
    value = inner;
  }
  if (typeof value === 'string') names.push(value);
  return names;
}

/** Where "いいえ、続ける" at confirmQuit would return to: the question the history of `questions` holds. */
export const resumesAt = (snapshot: Snapshot): string[] => Object.values(snapshot.historyValue).flatMap((nodes) => nodes.map((node) => node.key));

/** The state node of a state named as `stateOf` names it. */
export function stateNode(name: string): AnyStateNode {
  const search = (node: AnyStateNode): AnyStateNode | undefined =>
    node.key === name && node !== bookingMachine.root ? node : Object.values(node.states).map(search).find(Boolean);
  const found = search(bookingMachine.root);
  if (!found) throw new Error(`no state named ${name}`);
  return found;
}

/** Saturday 2026-11-28, 10:00 in Japan: the first bookable date is Wednesday 12-02. */
export const NOW = '2026-11-28T01:00:00.000Z';
export const TODAY = '2026-11-28';
export const HORIZON_END = '2026-12-28';

export const TERMS = { id: 1, version: '2023-11-01' } as const;
/** A version that comes into force while a user is reading the previous one. */
export const NEW_TERMS = { id: 2, version: '2027-01-01' } as const;

export const TIMES = ['10:00', '10:30', '11:00', '13:30', '14:00', '14:30', '15:00', '15:30'] as const;

/** Open weekdays from 12-02 on: ten dates, so the date question has a second page. */
export const OPEN_DATES = [
  '2026-12-02',
  '2026-12-03',
  '2026-12-04',
  '2026-12-07',
  '2026-12-08',
  '2026-12-09',
  '2026-12-10',
  '2026-12-11',
  '2026-12-14',
  '2026-12-15',
] as const;
export const FIRST_DATE = OPEN_DATES[0];
/** A date on the second page of the date question. */
export const LATER_DATE = OPEN_DATES[9];
export const CLOSED_DATE = '2026-12-05';
export const DEADLINE_DATE = '2026-11-30';

export const EXISTING_BOOKING: BookingSummary = { id: 'b-1', date: '2026-12-09', time: '13:30' };

/** The facts of an ordinary moment: terms agreed, nothing blocking, ten bookable dates. */
export function makeFacts(overrides: Partial<Facts> = {}): Facts {
  const unavailable: Facts['unavailable'] = {};
  for (const date of [
    '2026-11-28',
    '2026-11-29',
    '2026-12-05',
    '2026-12-06',
    '2026-12-12',
    '2026-12-13',
    '2026-12-19',
    '2026-12-20',
    '2026-12-26',
    '2026-12-27',
  ])
    unavailable[date] = 'closed';
  for (const date of ['2026-11-30', '2026-12-01']) unavailable[date] = 'deadline';
  for (const date of ['2026-12-16', '2026-12-17', '2026-12-18', '2026-12-21', '2026-12-22', '2026-12-23', '2026-12-24', '2026-12-25', '2026-12-28'])
    unavailable[date] = 'full';
  return {
    now: NOW,
    today: TODAY,
    terms: { ...TERMS },
    consented: true,
    consentedToEarlier: false,
    block: null,
    bookings: [],
    availability: OPEN_DATES.map((date) => ({ date, times: [...TIMES] })),
    unavailable,
    horizonEnd: HORIZON_END,
    ...overrides,
  };
}

/** Named moments the model's events carry: each one changes what one guard of the machine sees. */
export const moments = {
  ordinary: makeFacts(),
  notConsented: makeFacts({ consented: false }),
  /** Agreed to an earlier terms version: asked again, told that the terms changed. */
  consentedToEarlier: makeFacts({ consented: false, consentedToEarlier: true }),
  /** Another terms version came into force (the user has not agreed to it). */
  newTerms: makeFacts({ terms: { ...NEW_TERMS }, consented: false, consentedToEarlier: true }),
  refused: makeFacts({ block: 'refused' }),
  /** Staff suspended the user's online booking (Art. 12). */
  suspended: makeFacts({ block: 'suspended' }),
  maxActive: makeFacts({ block: 'maxActive', bookings: [EXISTING_BOOKING] }),
  withBooking: makeFacts({ bookings: [EXISTING_BOOKING] }),
  /** The office allows cancelling in the chat and the booking is before the cut-off. */
  withCancellableBooking: makeFacts({ bookings: [{ ...EXISTING_BOOKING, cancellableInChat: true }] }),
  noAvailability: makeFacts({ availability: [] }),
  /** 10:00 of the first date was just taken by someone else. */
  firstSlotTaken: makeFacts({
    availability: OPEN_DATES.map((date) => ({ date, times: date === FIRST_DATE ? TIMES.filter((t) => t !== '10:00') : [...TIMES] })),
  }),
  /** The first date filled up. */
  firstDateFull: makeFacts({
    availability: OPEN_DATES.filter((d) => d !== FIRST_DATE).map((date) => ({ date, times: [...TIMES] })),
    unavailable: { ...makeFacts().unavailable, [FIRST_DATE]: 'full' },
  }),
} satisfies Record<string, Facts>;

export type MomentName = keyof typeof moments;

/** A typed message, classified as the runner classifies it. */
export const textEvent = (text: string, facts: Facts = moments.ordinary): DialogueEvent => ({ type: 'TEXT', text, intent: classifyText(text), facts });

/** A tap on a current button. */
export const postbackEvent = (action: string, value?: string, facts: Facts = moments.ordinary): DialogueEvent => ({ type: 'POSTBACK', action, value, facts });

export const plainEvent = (type: 'FOLLOW' | 'STALE' | 'MEDIA' | 'TIMEOUT' | 'RETURNED' | 'RESTARTED', facts: Facts = moments.ordinary): DialogueEvent => ({
  type,
  facts,
});

/** Postback data as the runner reads it: undecodable or from another question is STALE. */
export function eventFromPostbackData(data: string, snapshot: Snapshot, facts: Facts = moments.ordinary): DialogueEvent {
  const postback = decodePostback(data);
  if (!postback || postback.question !== snapshot.context.q) return { type: 'STALE', facts };
  return { type: 'POSTBACK', action: postback.action, value: postback.value, facts };
}

/** How the runner's createBooking turns out, fed back as BOOKING_CREATED or BOOKING_FAILED. */
export type BookingOutcome = 'created' | 'full' | 'refused' | 'suspended' | 'maxActive';

export function outcomeEvent(outcome: BookingOutcome, draft: { date?: string | undefined; time?: string | undefined }): DialogueEvent {
  if (outcome === 'created') {
    const booking = { id: 'b-new', date: draft.date ?? FIRST_DATE, time: draft.time ?? '10:00' };
    return { type: 'BOOKING_CREATED', booking, facts: makeFacts({ block: 'maxActive', bookings: [booking] }) };
  }
  if (outcome === 'full') {
    // The place was taken a moment ago: the chosen time is no longer free.
    const availability = moments.ordinary.availability
      .map((d) => ({ date: d.date, times: d.date === draft.date ? d.times.filter((t) => t !== draft.time) : d.times }))
      .filter((d) => d.times.length > 0);
    return { type: 'BOOKING_FAILED', reason: 'full', facts: makeFacts({ availability }) };
  }
  if (outcome === 'refused') return { type: 'BOOKING_FAILED', reason: 'refused', facts: moments.refused };
  if (outcome === 'suspended') return { type: 'BOOKING_FAILED', reason: 'suspended', facts: moments.suspended };
  return { type: 'BOOKING_FAILED', reason: 'maxActive', facts: moments.maxActive };
}

export const initialSnapshot = (): Snapshot => initialTransition(bookingMachine)[0];

export interface Turn {
  snapshot: Snapshot;
  says: Say[];
  /** The effects asked for, by name (say excluded). */
  effects: string[];
}

/**
 * One turn as the runner performs it: the event, then — when the machine asked for
 * createBooking — the booking's outcome fed back in the same turn.
 */
export function runTurn(snapshot: Snapshot, event: DialogueEvent, outcome: BookingOutcome = 'created'): Turn {
  const says: Say[] = [];
  const effects: string[] = [];
  const step = (from: Snapshot, ev: DialogueEvent): Snapshot => {
    const [next, actions] = transition(bookingMachine, from, ev);
    let current = next;
    for (const action of actions) {
      if (action.type === 'say') says.push(action.params as Say);
      else {
        effects.push(action.type);
        if (action.type === 'createBooking') current = step(current, outcomeEvent(outcome, current.context.draft));
      }
    }
    return current;
  };
  return { snapshot: step(snapshot, event), says, effects };
}

/** The office as configured by default, and the real terms text (long enough to be split). */
const termsBody = readFileSync(new URL('../../src/content/terms/2023-11-01.txt', import.meta.url), 'utf8');
export const office: PresentContext = {
  officeName: 'ハローワーク港北（港北公共職業安定所）',
  officePhone: '045-474-1221',
  officePhoneHours: '平日 8:30〜17:15、土日祝・年末年始を除く',
  idleMinutes: 30,
  horizonDays: 30,
  maxActiveBookings: 1,
  retentionDays: 90,
  // The longest address a privacy link could have, so every name question is checked at LINE's limits.
  privacyUrl: `https://${'a'.repeat(200)}.example.jp/privacy`,
  termsText: (version) => (version === TERMS.version || version === NEW_TERMS.version ? termsBody : undefined),
  // Each version's card data, as the runner reads it from terms_versions; the longest allowed
  // summaries, so every card the model reaches is checked at LINE's size limits.
  termsCard: (version) =>
    version === TERMS.version
      ? {
          version,
          label: '令和5年11月1日改定',
          cardSummary: '・利用料は無料です'.padEnd(800, '。'),
          changeSummary: null,
          effectiveDate: '2023-11-01',
          fullTextUrl: undefined,
        }
      : version === NEW_TERMS.version
        ? {
            version,
            label: '令和9年1月1日改定',
            cardSummary: '・利用料は無料です'.padEnd(800, '。'),
            changeSummary: '・キャンセルの連絡方法を変更'.padEnd(600, '。'),
            effectiveDate: '2027-01-01',
            fullTextUrl: `https://line.example.jp/terms/${version}`,
          }
        : undefined,
};

/** A turn's reply as the runner renders it (`q` is the question counter after the turn). */
export const render = (says: Say[], q: number): Message[] => present(says, office, q);

/**
 * What a turn's reply leaves out: present() fits a turn into LINE's 5 messages by merging
 * texts, and must not drop any message of a single intent while doing so.
 */
export function droppedMessages(says: Say[], q: number): string[] {
  // A notice may open the question's message (present.ts joins them): what counts is that every
  // sentence and every button of each intent, rendered alone, is still in the reply.
  const reply = render(says, q);
  const texts = reply.flatMap(wordsIn);
  const buttons = new Set(reply.flatMap(buttonsIn));
  return says
    .flatMap((say) => render([say], q))
    .flatMap((m) => [
      ...wordsIn(m)
        .filter((w) => !texts.some((t) => t.includes(w)))
        .map((w) => w.slice(0, 40)),
      ...buttonsIn(m).filter((b) => !buttons.has(b)),
    ]);
}

/** The texts a person reads in a message (a text message's text, a Flex message's text components). */
function wordsIn(message: Message): string[] {
  if (message.type === 'text') return [message.text];
  const found: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      if (record.type === 'text' && typeof record.text === 'string') found.push(record.text);
      Object.values(record).forEach(visit);
    }
  };
  visit(message);
  return found;
}

/** The buttons of a message (Flex buttons and quick replies), as label and what they do. */
function buttonsIn(message: Message): string[] {
  const found: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      if (typeof record.label === 'string' && typeof record.type === 'string')
        found.push(`${record.label}:${typeof record.data === 'string' ? record.data : typeof record.uri === 'string' ? record.uri : ''}`);
      Object.values(record).forEach(visit);
    }
  };
  visit(message);
  return found;
}

/** What LINE would object to in a reply with these messages (empty when it would accept it). */
export const lineProblems = (messages: Message[]): LineErrorDetail[] => validateLineRequest('reply', { replyToken: 'x', messages });

/** Every postback button in a reply, decoded (quick replies and Flex buttons alike). */
export function postbackData(messages: Message[]): string[] {
  const found: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      if (record.type === 'postback' && typeof record.data === 'string') found.push(record.data);
      Object.values(record).forEach(visit);
    }
  };
  visit(messages);
  return found;
}
