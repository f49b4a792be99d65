/**
 * What the runner stores of a conversation and how it comes back: the state by its name, the
 * context, and the history of the booking questions (where 「いいえ、続ける」 at confirmQuit
 * resumes). Stored as JSON, as the conversation store seals it. Conversations stored by flow
 * version 4 (the question to resume kept in `context.quitFrom`) are upgraded; anything else
 * that does not fit gives null, and the runner starts again politely.
 */
import { describe, expect, it } from 'vitest';
import { FLOW_VERSION } from '../../flows/booking/machine.ts';
import type { DialogueEvent } from '../../flows/booking/machine.ts';
import { snapshotFromStored, storedStateOf } from '../../flows/booking/stored-state.ts';
import { FIRST_DATE, initialSnapshot, moments, postbackEvent, runTurn, stateOf, textEvent } from './facts.ts';
import type { Snapshot } from './facts.ts';

const yes = postbackEvent('yes');
const toName = [textEvent('予約', moments.notConsented), postbackEvent('terms.agree'), yes, yes, yes, yes];
const toPhone = [...toName, textEvent('港北 太郎'), textEvent('12345-1234567')];
const toTopic = [...toPhone, textEvent('090-1234-5678'), yes];
const toDate = [...toTopic, textEvent('事務職の求人を探したい'), postbackEvent('attendant.none')];
const toSummary = [...toDate, postbackEvent('date.pick', FIRST_DATE), postbackEvent('time.pick', '10:00')];

/** Each turn as the runner takes it: restored from what was stored after the previous one. */
function walkThroughStorage(events: DialogueEvent[]): Snapshot {
  return events.reduce((snapshot, event) => {
    const next = runTurn(snapshot, event).snapshot;
    const restored = snapshotFromStored(FLOW_VERSION, JSON.parse(JSON.stringify(storedStateOf(next))) as { value: unknown; context: unknown });
    if (!restored) throw new Error(`not restored after ${event.type} at ${stateOf(next)}`);
    expect(restored.value).toEqual(next.value);
    expect(restored.context).toEqual(next.context);
    expect(storedStateOf(restored)).toEqual(storedStateOf(next));
    return restored;
  }, initialSnapshot());
}

describe('a conversation stored between turns', () => {
  it('is stored by the name of its state, with the context and the question to resume', () => {
    const atConfirmQuit = runTurn(walkThroughStorage(toPhone), textEvent('やめる')).snapshot;
    const stored = storedStateOf(atConfirmQuit);
    expect(stored.value).toBe('confirmQuit');
    expect(stored.context.draft.name).toBe('港北 太郎');
    expect(stored.historyValue).toEqual({ 'booking.questions.resume': [{ id: 'booking.questions.phone' }] });
  });

  it.each([
    ['name', toName],
    ['phone', toPhone],
    ['topic', toTopic],
    ['date', toDate],
    ['summary', toSummary],
  ])('resumes at %s after 「やめる」 then 「いいえ、続ける」, each turn restored from storage', (question, events) => {
    const quitting = walkThroughStorage([...events, textEvent('やめる')]);
    // Nothing entered yet at the name question: quitting there does not ask.
    if (question === 'name') {
      expect(stateOf(quitting)).toBe('idle');
      return;
    }
    expect(stateOf(quitting)).toBe('confirmQuit');
    const turn = runTurn(quitting, postbackEvent('quit.no'));
    expect(stateOf(turn.snapshot)).toBe(question);
    expect(turn.says.map((say) => (say.key === 'ask' ? say.question : say.key))).toEqual([question]);
    expect(turn.snapshot.context.draft).toEqual(quitting.context.draft);
  });

  it('upgrades a conversation stored by flow version 4 at a question', () => {
    const atPhone = walkThroughStorage(toPhone);
    const { historyValue: _unused, ...v5 } = storedStateOf(atPhone);
    const v4 = { ...v5, context: { ...v5.context, quitFrom: null } };
    const restored = snapshotFromStored(4, v4);
    expect(restored && stateOf(restored)).toBe('phone');
    expect(restored?.context).toEqual(atPhone.context);
    expect(restored && stateOf(runTurn(restored, textEvent('090-1234-5678')).snapshot)).toBe('phoneRegistered');
  });

  it('upgrades a conversation stored by flow version 4 at confirmQuit: 「いいえ、続ける」 returns to the question in quitFrom', () => {
    const atConfirmQuit = runTurn(walkThroughStorage(toTopic), textEvent('やめる')).snapshot;
    const { historyValue: _unused, ...v5 } = storedStateOf(atConfirmQuit);
    const v4 = { value: 'confirmQuit', context: { ...v5.context, quitFrom: 'topic' } };
    const restored = snapshotFromStored(4, JSON.parse(JSON.stringify(v4)) as typeof v4);
    expect(restored && stateOf(restored)).toBe('confirmQuit');
    expect(restored?.context).not.toHaveProperty('quitFrom');
    const turn = restored ? runTurn(restored, textEvent('いいえ')) : null;
    expect(turn && stateOf(turn.snapshot)).toBe('topic');
  });

  it('gives null for what does not fit, so that the runner starts again', () => {
    const stored = storedStateOf(walkThroughStorage(toPhone));
    expect(snapshotFromStored(FLOW_VERSION, stored)).not.toBeNull();
    expect(snapshotFromStored(3, stored)).toBeNull();
    expect(snapshotFromStored(FLOW_VERSION + 1, stored)).toBeNull();
    expect(snapshotFromStored(FLOW_VERSION, { ...stored, value: 'noSuchState' })).toBeNull();
    // A state the machine never rests in (the parent of the questions, a history state).
    expect(snapshotFromStored(FLOW_VERSION, { ...stored, value: 'questions' })).toBeNull();
    expect(snapshotFromStored(FLOW_VERSION, { ...stored, value: 'resume' })).toBeNull();
    expect(snapshotFromStored(FLOW_VERSION, { ...stored, value: { questions: 'phone' } })).toBeNull();
    expect(snapshotFromStored(FLOW_VERSION, { ...stored, context: null })).toBeNull();
    expect(
      snapshotFromStored(FLOW_VERSION, { ...stored, historyValue: { 'booking.questions.resume': [{ id: 'booking.questions.gone' }] } } as typeof stored),
    ).toBeNull();
    expect(snapshotFromStored(FLOW_VERSION, { ...stored, historyValue: { 'booking.gone': [] } } as typeof stored)).toBeNull();
    expect(snapshotFromStored(FLOW_VERSION, { ...stored, historyValue: { 'booking.questions.resume': 'phone' } } as unknown as typeof stored)).toBeNull();
    expect(snapshotFromStored(4, { value: null, context: null })).toBeNull();
  });
});
