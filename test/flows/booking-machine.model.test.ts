/**
 * Model-based tests of the booking machine with xstate/graph. The model is the machine itself,
 * driven as the runner drives it (src/dialogue/runner.ts): a finite set of representative user
 * events, each with the facts that make a difference, and — in `creating` only — the outcome of
 * createBooking, which the runner feeds back within the same turn. A `fromTransition` wrapper
 * records what each event asked for (`say` intents, effects) and which state nodes it passed
 * through, so the traversal yields every reply the bot can give to every event in every model
 * state, and every state node it passes through.
 *
 * The context holds a question counter that grows forever and free-text answers that do not
 * steer the dialogue, so snapshots are compared by an abstraction (`modelKey`): the state, the
 * draft's filled fields, and the context guards read. An idle state also remembers which exit
 * led to it, so that each exit is the target of its own shortest path. Shortest paths are then
 * replayed with xstate's own `transition()`, exactly as the runner calls it, and checked turn
 * by turn; the replay also confirms that the abstraction loses nothing the dialogue depends on.
 */
import { describe, expect, it } from 'vitest';
import { createActor, fromTransition, transition } from 'xstate';
import type { AnyTransitionDefinition, InspectionEvent } from 'xstate';
import { createTestModel, getShortestPaths, getStateNodes } from 'xstate/graph';
import type { TraversalOptions } from 'xstate/graph';
import { bookingMachine } from '../../flows/booking/machine.ts';
import type { AskView, DialogueEvent, Say } from '../../flows/booking/machine.ts';
import { decodePostback } from '../../flows/booking/postback.ts';
import {
  CLOSED_DATE,
  EXISTING_BOOKING,
  FIRST_DATE,
  droppedMessages,
  LATER_DATE,
  initialSnapshot,
  lineProblems,
  moments,
  outcomeEvent,
  plainEvent,
  postbackData,
  postbackEvent,
  render,
  resumesAt,
  stateOf,
  statesOf,
  textEvent,
} from './facts.ts';
import type { BookingOutcome, Snapshot } from './facts.ts';

// ---------------------------------------------------------------------------------------------
// The model's events
// ---------------------------------------------------------------------------------------------

const labels = new Map<DialogueEvent, string>();
function labelled(label: string, event: DialogueEvent): DialogueEvent {
  labels.set(event, label);
  return event;
}
const labelOf = (event: DialogueEvent): string => labels.get(event) ?? JSON.stringify(event);

const text = (t: string, moment: keyof typeof moments = 'ordinary') => labelled(`text ${JSON.stringify(t)} @${moment}`, textEvent(t, moments[moment]));
const tap = (action: string, value?: string, moment: keyof typeof moments = 'ordinary') =>
  labelled(`tap ${action}${value === undefined ? '' : `=${value}`} @${moment}`, postbackEvent(action, value, moments[moment]));
const plain = (type: 'FOLLOW' | 'STALE' | 'MEDIA' | 'TIMEOUT' | 'RETURNED' | 'RESTARTED', moment: keyof typeof moments = 'ordinary') =>
  labelled(`${type} @${moment}`, plainEvent(type, moments[moment]));

/**
 * What a user can do, with the facts that make a difference: consent (none, to an earlier
 * version, a version changing mid-conversation), blocks (refused, maximum bookings),
 * availability (none, the first date full, the chosen slot just taken), a valid and an
 * invalid answer for every question, every button, and the events the runner makes up.
 */
const userEvents: DialogueEvent[] = [
  plain('FOLLOW'),
  plain('FOLLOW', 'notConsented'),
  plain('STALE'),
  plain('MEDIA'),
  plain('TIMEOUT'),
  plain('RETURNED'),
  plain('RESTARTED'),
  // The menu and what can be typed at any point.
  text('予約'),
  text('予約', 'notConsented'),
  text('予約', 'consentedToEarlier'),
  text('予約', 'refused'),
  text('予約', 'suspended'),
  text('予約', 'maxActive'),
  text('予約', 'noAvailability'),
  tap('menu.book'),
  tap('menu.check', undefined, 'withBooking'),
  tap('menu.cancel', undefined, 'withBooking'),
  tap('menu.terms'),
  text('予約確認', 'withBooking'),
  text('キャンセルしたい', 'withBooking'),
  text('キャンセルしたい', 'withCancellableBooking'),
  tap('menu.cancel', undefined, 'withCancellableBooking'),
  tap('cancel.yes'),
  tap('cancel.no'),
  text('やめる'),
  text('戻る'),
  text('料金はいくらですか？'),
  text('利用規約'),
  text('個人情報を削除してほしい', 'withBooking'),
  text('はい'),
  text('いいえ'),
  // About the user's own booking (issue #11), and coming back to a half-finished booking.
  text('URLが届かない', 'withBooking'),
  text('時間を変更したい', 'withCancellableBooking'),
  text('電話番号が変わりました'),
  text('通訳が来られない'),
  text('わからない'),
  tap('booking.cancel', EXISTING_BOOKING.id, 'withCancellableBooking'),
  tap('booking.cancel', EXISTING_BOOKING.id, 'withBooking'),
  tap('resume.continue'),
  tap('resume.restart'),
  text('続きから'),
  text('最初から'),
  // Terms.
  tap('terms.agree'),
  tap('terms.agree', undefined, 'newTerms'),
  tap('terms.decline'),
  tap('terms.full'),
  // Eligibility, checklist, navigation.
  tap('yes'),
  tap('no'),
  tap('nav.back'),
  tap('nav.quit'),
  // The four fields: valid and invalid answers.
  text('港北　太郎'),
  text('https://example.com'),
  text('１２３４５ー１２３４５６７'),
  text('1234-567'),
  text('090-1234-5678'),
  text('0120-123-456'),
  text('事務職の求人を探したい'),
  text('持病があるので短時間の仕事を探したい'),
  text('🙂🙂'),
  tap('topic.keep'),
  tap('topic.rewrite'),
  // Interpreter or assistant.
  text('通訳'),
  text('介助'),
  text('介助者が同席'),
  text('なし'),
  text('通訳はいりません'),
  text('通訳はお願いできますか？'),
  text('英語'),
  tap('attendant.none'),
  tap('attendant.interpreter'),
  tap('attendant.assistant'),
  // Date and time.
  tap('date.more'),
  tap('date.prev'),
  tap('date.pick', FIRST_DATE),
  tap('date.pick', LATER_DATE),
  tap('date.pick', CLOSED_DATE),
  tap('date.pick', FIRST_DATE, 'firstDateFull'),
  text('12/3'),
  text('12月5日'),
  tap('time.pick', '10:00'),
  tap('time.pick', '10:00', 'firstSlotTaken'),
  tap('time.pick', '09:00'),
  text('13時半'),
  text('9時'),
  // Summary, correction, quitting.
  tap('summary.confirm'),
  tap('summary.confirm', undefined, 'newTerms'),
  tap('summary.confirm', undefined, 'refused'),
  tap('summary.confirm', undefined, 'suspended'),
  tap('summary.confirm', undefined, 'maxActive'),
  tap('summary.confirm', undefined, 'firstSlotTaken'),
  tap('summary.confirm', undefined, 'firstDateFull'),
  tap('summary.edit'),
  text('修正したい'),
  ...['edit.name', 'edit.number', 'edit.phone', 'edit.topic', 'edit.attendant', 'edit.datetime'].map((action) => tap(action)),
  text('電話番号'),
  text('氏名'),
  text('求職番号'),
  text('相談内容'),
  text('通訳・介助'),
  text('日時'),
  tap('quit.yes'),
  tap('quit.no'),
];

const OUTCOMES: BookingOutcome[] = ['created', 'full', 'refused', 'suspended', 'maxActive'];
const outcomeLabel = new Map<string, DialogueEvent[]>();
const outcomes = new Map<DialogueEvent, BookingOutcome>();

/** In `creating` only the outcome of createBooking arrives (the runner feeds it in the same turn). */
function eventsFor(snapshot: Snapshot): DialogueEvent[] {
  if (snapshot.matches('cancellingBooking')) return cancelOutcomes;
  if (!snapshot.matches('creating')) return userEvents;
  const draft = snapshot.context.draft;
  const key = `${draft.date}|${draft.time}`;
  let events = outcomeLabel.get(key);
  if (!events) {
    events = OUTCOMES.map((outcome) => {
      const event = labelled(`booking ${outcome}`, outcomeEvent(outcome, draft));
      outcomes.set(event, outcome);
      return event;
    });
    outcomeLabel.set(key, events);
  }
  return events;
}

const isOutcome = (event: DialogueEvent) => event.type === 'BOOKING_CREATED' || event.type === 'BOOKING_FAILED';
const isCancelOutcome = (event: DialogueEvent) => event.type === 'BOOKING_CANCELLED' || event.type === 'CANCEL_FAILED';

/** How the runner's cancelBooking turns out: cancelled, or the cut-off passed meanwhile. */
const cancelOutcomes: DialogueEvent[] = [
  labelled('cancel done', { type: 'BOOKING_CANCELLED', booking: EXISTING_BOOKING, facts: moments.ordinary }),
  labelled('cancel closed', { type: 'CANCEL_FAILED', facts: moments.withBooking }),
];

/**
 * The actions of the buttons the user has in front of them: those of the current question (or
 * the menu when idle). A tap on any other button carries another question's counter, and the
 * runner turns it into STALE, which is one of the model's events; so is a timeout.
 */
function offeredActions(snapshot: Snapshot): Set<string> {
  const c = snapshot.context;
  const view: AskView = {
    q: c.q,
    termsVersion: c.termsVersion,
    draft: c.draft,
    editing: c.editing,
    datePage: c.datePage,
    offeredDates: c.offeredDates,
    hasMoreDates: c.hasMoreDates,
    offeredTimes: c.offeredTimes,
    cancelling: c.cancelling,
  };
  // Idle, the menu and the cards of 予約確認 (whose キャンセルする names a booking the chat may cancel).
  const says: Say[] =
    c.asking === null
      ? [{ key: 'help' }, { key: 'bookings', bookings: [{ ...EXISTING_BOOKING, cancellableInChat: true }] }]
      : [
          { key: 'ask', question: c.asking, view },
          { key: 'ask', question: c.asking, view, brief: true },
        ];
  return new Set(postbackData(render(says, c.q)).map((data) => decodePostback(data)?.action ?? ''));
}

const offered = new WeakMap<Snapshot, Set<string>>();
/** The runner's rules: taps on current buttons, outcomes only in `creating`, timeouts only for an unfinished conversation. */
function runnerWouldSend(snapshot: Snapshot, event: DialogueEvent): boolean {
  if (snapshot.matches('creating')) return isOutcome(event);
  if (snapshot.matches('cancellingBooking')) return isCancelOutcome(event);
  if (isOutcome(event)) return false;
  if (event.type === 'TIMEOUT' || event.type === 'RETURNED') return !snapshot.matches('idle');
  if (event.type === 'POSTBACK') {
    let actions = offered.get(snapshot);
    if (!actions) {
      actions = offeredActions(snapshot);
      offered.set(snapshot, actions);
    }
    return actions.has(event.action);
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// The model: the machine, one event at a time, recording what each event asked for
// ---------------------------------------------------------------------------------------------

/** What one event did: the machine's next snapshot and what it asked the runner to do. */
interface Step {
  machine: Snapshot;
  says: Say[];
  /** Effects other than `say`, by name. */
  effects: string[];
  /** The state nodes the machine entered on the way, transient ones included. */
  visited: string[];
  /** The transitions of the machine's definition that were taken. */
  taken: AnyTransitionDefinition[];
}

type Action = { type: string; params?: unknown };
const saysOf = (actions: Action[]): Say[] => actions.filter((a) => a.type === 'say').map((a) => a.params as Say);
const effectsOf = (actions: Action[]): string[] => actions.filter((a) => a.type !== 'say').map((a) => a.type);

// One actor scope for the whole traversal. Like xstate's `transition()`, it collects actions
// instead of executing them; its inspector also records the microsteps, so that transient
// states (`startBooking`, `confirming`, `resume`, ...) count as reached. `transition()` builds a
// new actor per call, which makes a traversal of ~50,000 transitions several times slower; the
// replays below use `transition()` itself and must agree with this.
let collected: Action[] = [];
let entered: string[] = [];
let taken: AnyTransitionDefinition[] = [];
const host = createActor(bookingMachine, {
  inspect: (event: InspectionEvent) => {
    if (event.type !== '@xstate.microstep') return;
    entered.push(...statesOf(event.snapshot as Snapshot));
    taken.push(...event._transitions);
  },
});
const scope = {
  self: host,
  system: host.system,
  id: '',
  sessionId: '',
  logger: () => {},
  defer: () => {},
  stopChild: () => {},
  emit: () => {},
  actionExecutor: (action: Action) => collected.push(action),
} as unknown as Parameters<typeof bookingMachine.transition>[2];

function applyEvent(machine: Snapshot, event: DialogueEvent): Step {
  collected = [];
  entered = [];
  taken = [];
  const next = bookingMachine.transition(machine, event, scope);
  return { machine: next, says: saysOf(collected), effects: effectsOf(collected), visited: entered, taken };
}

/** Say keys that end a conversation: the bot is idle again. */
const EXITS = [
  'bookingConfirmed',
  'declined',
  'notRegistered',
  'noMyPage',
  'noDevice',
  'quitDone',
  'refused',
  'suspended',
  'existingBooking',
  'noAvailability',
  'expired',
  'draftExpired',
  'restarted',
] as const;
type Exit = (typeof EXITS)[number];
const exitIn = (says: Say[]): Exit | null =>
  [...says]
    .reverse()
    .map((s) => s.key)
    .find((k): k is Exit => (EXITS as readonly string[]).includes(k)) ?? null;

/** The snapshot as the model sees it: what guards and questions read, not the typed values. */
function modelKey(s: Snapshot, exit: Exit | null): string {
  const c = s.context;
  const value = stateOf(s);
  return JSON.stringify([
    value,
    c.asking,
    c.editing,
    c.consentedVersion,
    // The fields entered (`hasDraft` counts keys, even of fields set to undefined).
    Object.keys(c.draft).sort(),
    // The slot matters where availability is checked, and the moments change only the first
    // date (full) and its 10:00 (taken).
    c.draft.date === undefined
      ? null
      : `${c.draft.date === FIRST_DATE ? 'first' : 'other'} ${c.draft.time === undefined ? 'no time' : c.draft.date === FIRST_DATE && c.draft.time === '10:00' ? '10:00' : 'time'}`,
    c.slotBeforeEdit !== null,
    value === 'confirmQuit' || value === 'resumeOffer' ? resumesAt(s) : null,
    value === 'terms' ? c.termsVersion : null,
    value === 'date' ? [c.datePage, c.offeredDates.length, c.hasMoreDates] : null,
    value === 'time' ? c.offeredTimes.length : null,
    value === 'idle' ? exit : null,
  ]);
}

const stepKeys = new WeakMap<Step, string>();
function stepKey(step: Step): string {
  let key = stepKeys.get(step);
  if (key === undefined) {
    key = modelKey(step.machine, exitIn(step.says));
    stepKeys.set(step, key);
  }
  return key;
}

interface Edge {
  from: Step;
  event: DialogueEvent;
  to: Step;
}

/** Every transition the traversal took, once per model state and event. */
const transitions = new Map<string, Edge>();
const conversation = fromTransition(
  (step: Step, event: DialogueEvent): Step => {
    const key = `${stepKey(step)}\u0000${labelOf(event)}`;
    let edge = transitions.get(key);
    if (!edge) {
      edge = { from: step, event, to: applyEvent(step.machine, event) };
      transitions.set(key, edge);
    }
    return edge.to;
  },
  { machine: initialSnapshot(), says: [], effects: [], visited: ['idle'], taken: [] } satisfies Step,
);

type ModelSnapshot = ReturnType<typeof conversation.transition>;

const traversal: TraversalOptions<ModelSnapshot, DialogueEvent, undefined> = {
  events: (snapshot) => eventsFor(snapshot.context.machine),
  filterEvents: (snapshot, event) => runnerWouldSend(snapshot.context.machine, event),
  serializeState: (snapshot) => stepKey(snapshot.context),
  serializeEvent: labelOf,
};

const started = performance.now();
const paths = getShortestPaths(conversation, traversal);
const traversalMs = performance.now() - started;
const edges = [...transitions.values()];
const states = [...new Map(edges.map((edge) => [stepKey(edge.from), edge.from])).values()];
const describeEdge = (edge: Edge) => `${stateOf(edge.from.machine)} --${labelOf(edge.event)}--> ${stateOf(edge.to.machine)}`;

// ---------------------------------------------------------------------------------------------
// Replaying paths as conversations, with xstate's transition() as the runner calls it
// ---------------------------------------------------------------------------------------------

interface Turn {
  /** The user's event, plus createBooking's outcome when the machine asked for a booking. */
  events: DialogueEvent[];
  says: Say[];
  effects: string[];
  before: Snapshot;
  after: Snapshot;
}

interface Replayed {
  snapshot: Snapshot;
  turns: Turn[];
  /** The model key after each event, to compare with the path's. */
  keys: string[];
}

/** Shortest paths form a tree: replays are shared between paths with the same prefix. */
const replays = new Map<string, Replayed>();

function replay(events: DialogueEvent[]): Replayed {
  let current: Replayed = { snapshot: initialSnapshot(), turns: [], keys: [] };
  let prefix = '';
  for (const event of events) {
    prefix = `${prefix}\u0000${labelOf(event)}`;
    const known = replays.get(prefix);
    if (known) {
      current = known;
      continue;
    }
    // The runner reports the booking it made from the draft at hand.
    const outcome = outcomes.get(event);
    const [snapshot, actions] = transition(bookingMachine, current.snapshot, outcome ? outcomeEvent(outcome, current.snapshot.context.draft) : event);
    const says = saysOf(actions);
    const effects = effectsOf(actions);
    const last = current.turns.at(-1);
    // An outcome belongs to the turn that asked for createBooking.
    const turns =
      isOutcome(event) && last
        ? [
            ...current.turns.slice(0, -1),
            { ...last, events: [...last.events, event], says: [...last.says, ...says], effects: [...last.effects, ...effects], after: snapshot },
          ]
        : [...current.turns, { events: [event], says, effects, before: current.snapshot, after: snapshot }];
    current = { snapshot, turns, keys: [...current.keys, modelKey(snapshot, exitIn(says))] };
    replays.set(prefix, current);
  }
  return current;
}

/** The events of a path, without the `xstate.init` step the generator puts first. */
const eventsOf = (path: (typeof paths)[number]): DialogueEvent[] => path.steps.slice(1).map((step) => step.event);

const replayed = paths.map((path) => ({ path, conversation: replay(eventsOf(path)) }));
/** Distinct turns over all paths (a prefix shared by many paths is one turn). */
const pathTurns = [...new Set(replayed.flatMap(({ conversation: c }) => c.turns))];
/** The runner never ends a turn in `creating`: it feeds the outcome first. */
const completeTurns = pathTurns.filter((turn) => !turn.after.matches('creating') && !turn.after.matches('cancellingBooking'));
const describeTurn = (turn: Turn) => `${stateOf(turn.before)} --${turn.events.map(labelOf).join(' + ')}--> ${stateOf(turn.after)}`;

const checkedReplies = new Map<string, string | null>();
/** What is wrong with a turn's reply: silence, more than 5 messages, anything LINE rejects, stale buttons. */
function problemsWithReply(says: Say[], q: number): string | null {
  const signature = JSON.stringify([q, says]);
  let problem = checkedReplies.get(signature);
  if (problem === undefined) {
    problem = replyProblem(says, q);
    checkedReplies.set(signature, problem);
  }
  return problem;
}

function replyProblem(says: Say[], q: number): string | null {
  const messages = render(says, q);
  if (messages.length < 1 || messages.length > 5) return `${messages.length} messages for ${JSON.stringify(says.map((s) => s.key))}`;
  const problems = lineProblems(messages);
  if (problems.length > 0) return JSON.stringify(problems);
  const stale = postbackData(messages).filter((data) => decodePostback(data)?.question !== q);
  if (stale.length > 0) return `buttons stale on arrival (q is ${q}): ${stale.join(', ')}`;
  const dropped = droppedMessages(says, q);
  if (dropped.length > 0) return `messages left out: ${JSON.stringify(dropped)}`;
  return null;
}

console.log(
  `booking model: ${states.length} model states, ${edges.length} transitions, ${paths.length} shortest paths (${completeTurns.length} distinct turns replayed), ` +
    `${userEvents.length} user events + ${OUTCOMES.length} booking outcomes; traversal ${Math.round(traversalMs)} ms`,
);

// ---------------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------------

describe('the booking machine as a model', () => {
  it('is pure enough for createTestModel (no invoke, no delayed transitions)', () => {
    expect(() => createTestModel(bookingMachine)).not.toThrow();
  });

  it('reaches every state node of the machine, transient ones included', () => {
    const ids = getStateNodes(bookingMachine).map((node) => node.key);
    // A history state is never rested in: it is reached when a transition that was taken targets it.
    const histories = edges.flatMap((edge) => edge.to.taken.flatMap((t) => (t.target ?? []).filter((node) => node.type === 'history').map((node) => node.key)));
    const reached = new Set(['idle', ...edges.flatMap((edge) => edge.to.visited), ...histories]);
    expect(ids.length).toBeGreaterThan(20);
    expect(ids.filter((id) => !reached.has(id))).toEqual([]);
    expect([...reached].filter((id) => !ids.includes(id))).toEqual([]);
  });

  it('takes every transition written for a question (none is shadowed by another)', () => {
    const taken = new Set(edges.flatMap((edge) => edge.to.taken));
    // The commands every question shares (quit, back, "my booking?", erase my data, FAQ) are
    // written once, on the parent of the booking questions, so each of them must be taken too.
    const defined = getStateNodes(bookingMachine)
      .concat(bookingMachine.root)
      .flatMap((node) =>
        [...node.transitions.values(), node.always ?? []].flatMap((list) =>
          list.map((t, i) => ({ t, name: `${node.key} ${t.eventType || 'always'} #${i + 1}${t.target ? ` → ${t.target.map((n) => n.key).join(',')}` : ''}` })),
        ),
      );
    // 193 since the shared commands are written once and the question to resume is a history
    // state (417 when every question had its own copy of them, for texts and taps, and a hand-kept map).
    expect(defined.length).toBeGreaterThan(180);
    const untaken = defined.filter(({ t }) => !taken.has(t));
    // A tap on a button the question never shows comes only from forged data (see the fuzz).
    const forgedOnly = ({ t }: (typeof defined)[number]) => t.eventType === 'POSTBACK' && !t.guard && !t.target;
    expect(untaken.filter((d) => !forgedOnly(d)).map(({ name }) => name)).toEqual([]);
  });

  it('replays every shortest path through the same model states (the abstraction loses nothing)', () => {
    const diverged = replayed.filter(({ path, conversation: c }) => {
      const expected = path.steps.slice(1).map((step) => traversal.serializeState?.(step.state, undefined) ?? '');
      return JSON.stringify(c.keys) !== JSON.stringify(expected);
    });
    expect(paths.length).toBe(states.length);
    expect(diverged.map(({ path }) => eventsOf(path).map(labelOf).join(' → ')).slice(0, 3)).toEqual([]);
  });

  it('reaches a confirmed booking: BOOKING_CREATED in the confirming turn leaves the bot idle with the confirmation', () => {
    const booked = replayed.filter(({ conversation: c }) => {
      const turn = c.turns.at(-1);
      return turn?.events.at(-1)?.type === 'BOOKING_CREATED' && turn.after.matches('idle');
    });
    expect(booked.length).toBeGreaterThan(0);
    for (const { conversation: c } of booked) {
      const turn = c.turns.at(-1);
      expect(turn?.effects).toEqual(['createBooking']);
      expect(turn?.says.at(-1)?.key).toBe('bookingConfirmed');
      expect(Object.keys(turn?.before.context.draft ?? {})).toEqual(
        expect.arrayContaining(['name', 'jobSeekerNumber', 'phone', 'phoneChanged', 'topic', 'attendant', 'date', 'time']),
      );
      const reply = render(turn?.says ?? [], turn?.after.context.q ?? 0)
        .map((m) => (m.type === 'text' ? m.text : ''))
        .join('\n');
      expect(reply).toContain('ご予約が確定しました');
      expect(reply).toContain('045-474-1221');
    }
  });

  it.each(EXITS)('has a path to the exit "%s", which leaves the bot idle with nothing half-written', (exit) => {
    const found = replayed.find(({ path, conversation: c }) => path.state.context.machine.matches('idle') && exitIn(c.turns.at(-1)?.says ?? []) === exit);
    expect(found, `no path ends with ${exit}`).toBeDefined();
    const turn = found?.conversation.turns.at(-1);
    expect(turn?.after.matches('idle')).toBe(true);
    expect(turn?.after.context.draft).toEqual({});
    expect(problemsWithReply(turn?.says ?? [], turn?.after.context.q ?? 0)).toBeNull();
  });

  it('answers every turn of every shortest path with 1 to 5 messages LINE accepts, buttons current', () => {
    const failures = completeTurns.flatMap((turn) => {
      const problem = problemsWithReply(turn.says, turn.after.context.q);
      return problem ? [`${describeTurn(turn)}: ${problem}`] : [];
    });
    expect(completeTurns.length).toBeGreaterThan(500);
    expect([...new Set(failures)].slice(0, 40)).toEqual([]);
  });

  it('answers every event in every model state with 1 to 5 messages LINE accepts, buttons current', () => {
    const failures: string[] = [];
    for (const edge of edges) {
      // A turn that asked for a booking continues with its outcome (checked from `creating`).
      if (edge.to.machine.matches('creating') || edge.to.machine.matches('cancellingBooking')) continue;
      // TIMEOUT never stands alone (the runner applies the user's input right after it); at the
      // terms question, where nothing was entered, it rightly says nothing.
      if ((edge.event.type === 'TIMEOUT' || edge.event.type === 'RETURNED') && edge.to.machine.matches('terms') && edge.to.says.length === 0) continue;
      const problem = problemsWithReply(edge.to.says, edge.to.machine.context.q);
      if (problem) failures.push(`${describeEdge(edge)}: ${problem}`);
    }
    expect([...new Set(failures)].slice(0, 40)).toEqual([]);
  });

  it('answers the first message after an expiry or a restart with the notice and the answer together', () => {
    // The runner applies TIMEOUT (or RESTARTED) and then the user's message in one turn.
    const failures: string[] = [];
    let checked = 0;
    for (const edge of edges) {
      const notice = edge.from.says.find((say) => say.key === 'expired' || say.key === 'draftExpired' || say.key === 'restarted');
      if (!notice || !edge.from.machine.matches('idle') || edge.event.type === 'POSTBACK' || edge.to.machine.matches('creating')) continue;
      checked += 1;
      const says = [notice, ...edge.to.says];
      const problem = problemsWithReply(says, edge.to.machine.context.q);
      if (problem || says.length < 2) failures.push(`${notice.key} + ${describeEdge(edge)}: ${problem ?? 'nothing but the notice'}`);
    }
    expect(checked).toBeGreaterThan(50);
    expect([...new Set(failures)].slice(0, 20)).toEqual([]);
  });

  it('re-asks the current question in one message on a stale button or a sticker, without touching the draft', () => {
    const failures: string[] = [];
    for (const edge of edges) {
      if (edge.event.type !== 'STALE' && edge.event.type !== 'MEDIA') continue;
      const { from, to } = edge;
      const asking = from.machine.context.asking;
      const [notice, again, ...more] = to.says;
      const unchanged =
        JSON.stringify(to.machine.value) === JSON.stringify(from.machine.value) && JSON.stringify(to.machine.context) === JSON.stringify(from.machine.context);
      const messages = render(to.says, to.machine.context.q).length;
      // Nothing asked: a stale button gets the note and the menu; a sticker a short answer with the menu's buttons.
      const idle =
        edge.event.type === 'STALE'
          ? notice?.key === 'staleButton' && again?.key === 'help' && more.length === 0 && messages === 2
          : notice?.key === 'mediaIdle' && again === undefined && messages === 1;
      // A question: the note opens the question, asked briefly, in one message.
      const question =
        notice?.key === (edge.event.type === 'STALE' ? 'staleButton' : 'needTextOrButton') &&
        again?.key === 'ask' &&
        again.question === asking &&
        again.brief === true &&
        more.length === 0 &&
        messages === 1;
      const ok = unchanged && (asking === null ? idle : question);
      if (!ok) failures.push(`${describeEdge(edge)}: ${JSON.stringify(to.says.map((s) => s.key))}`);
    }
    expect(states.filter((s) => s.machine.context.asking !== null).length).toBeGreaterThan(500);
    expect([...new Set(failures)].slice(0, 40)).toEqual([]);
  });

  it('asks for createBooking exactly when it enters creating, silently, and records consent only from the terms', () => {
    const failures: string[] = [];
    for (const edge of edges) {
      const { from, to } = edge;
      const bookings = to.effects.filter((e) => e === 'createBooking').length;
      if (bookings !== (to.machine.matches('creating') ? 1 : 0)) failures.push(`${describeEdge(edge)}: ${bookings} createBooking`);
      if (to.machine.matches('creating') && to.says.length > 0) failures.push(`${describeEdge(edge)}: says something before the booking's outcome`);
      if (to.effects.includes('recordConsent') && !from.machine.matches('terms'))
        failures.push(`${describeEdge(edge)}: consent recorded outside the terms question`);
    }
    expect(failures).toEqual([]);
  });

  it('shows the summary and books only with every field and a complete date and time', () => {
    const FIELDS = ['name', 'jobSeekerNumber', 'phone', 'phoneChanged', 'topic', 'attendant', 'date', 'time'] as const;
    const incomplete = edges.filter(({ to }) => {
      if (!to.machine.matches({ questions: 'summary' }) && !to.machine.matches('creating')) return false;
      const draft = to.machine.context.draft;
      return FIELDS.some((field) => draft[field] === undefined) || (draft.attendant === 'interpreter' && !draft.attendantLanguage);
    });
    expect([...new Set(incomplete.map((edge) => `${describeEdge(edge)} with ${JSON.stringify(edge.to.machine.context.draft)}`))].slice(0, 5)).toEqual([]);
  });

  it('renders every question it asks (never an empty question)', () => {
    const empty = edges.flatMap((edge) =>
      edge.to.says
        .filter((say) => say.key === 'ask' && render([say], edge.to.machine.context.q).length === 0)
        .map((say) => `${describeEdge(edge)}: ${say.key === 'ask' ? say.question : ''}`),
    );
    // The date and time questions render nothing without choices; the machine leaves them at once.
    expect([...new Set(empty)].filter((e) => !/: (date|time)$/.test(e))).toEqual([]);
  });

  it('keeps nothing half-written once the conversation is idle again', () => {
    const leftovers = edges.filter(
      ({ to }) =>
        to.machine.matches('idle') && (Object.keys(to.machine.context.draft).length > 0 || to.machine.context.editing || to.machine.context.asking !== null),
    );
    expect(leftovers.map(describeEdge).slice(0, 10)).toEqual([]);
  });

  it('lets every model state get back to idle (no conversation is stuck)', () => {
    const into = new Map<string, string[]>();
    for (const edge of edges) {
      const to = stepKey(edge.to);
      into.set(to, [...(into.get(to) ?? []), stepKey(edge.from)]);
    }
    const canFinish = new Set(states.filter((s) => s.machine.matches('idle')).map(stepKey));
    const queue = [...canFinish];
    for (let key = queue.shift(); key !== undefined; key = queue.shift()) {
      for (const from of into.get(key) ?? []) {
        if (canFinish.has(from)) continue;
        canFinish.add(from);
        queue.push(from);
      }
    }
    expect(states.map(stepKey).filter((key) => !canFinish.has(key))).toEqual([]);
  });

  it('books by the happy path of taps and typed answers, a path of the model', () => {
    const happy = [
      text('予約', 'notConsented'),
      tap('terms.agree'),
      tap('yes'),
      tap('yes'),
      tap('yes'),
      tap('yes'),
      text('港北　太郎'),
      text('１２３４５ー１２３４５６７'),
      text('090-1234-5678'),
      tap('yes'),
      text('事務職の求人を探したい'),
      tap('attendant.none'),
      text('12/3'),
      text('13時半'),
      tap('summary.confirm'),
    ];
    // Every step is a transition of the model...
    let key = stepKey({ machine: initialSnapshot(), says: [], effects: [], visited: [], taken: [] });
    for (const event of happy) {
      const edge = transitions.get(`${key}\u0000${labelOf(event)}`);
      expect(edge, `${key} --${labelOf(event)}-->`).toBeDefined();
      key = edge ? stepKey(edge.to) : '';
    }
    expect((JSON.parse(key) as unknown[])[0]).toBe('creating');
    // ...and replayed as the runner would, it books the slot typed.
    const conversation = replay(happy);
    const draft = conversation.snapshot.context.draft;
    expect(draft).toEqual({
      name: '港北 太郎',
      jobSeekerNumber: '12345-1234567',
      phone: '09012345678',
      phoneChanged: false,
      topic: '事務職の求人を探したい',
      attendant: 'none',
      attendantLanguage: undefined,
      date: '2026-12-03',
      time: '13:30',
    });
    const booked = replay([...happy, outcomeEvent('created', draft)]);
    expect(booked.snapshot.matches('idle')).toBe(true);
    expect(booked.turns.at(-1)?.says).toEqual([{ key: 'bookingConfirmed', booking: { id: 'b-new', date: '2026-12-03', time: '13:30' } }]);
  });
});
