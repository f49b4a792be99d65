/**
 * What the runner stores of a conversation between turns, and how it comes back: the state by
 * its name (state names are unique in the machine), the context, and the history of `questions`.
 */
import type { AnyStateNode, StateValue } from 'xstate';
import { bookingMachine, FLOW_VERSION } from './machine.ts';
import type { DialogueContext } from './types.ts';

/** The state a snapshot rests in, by name: state names are unique in the machine, so the name alone says where it is. */
export function stateNameOf(snapshot: { value: StateValue }): string {
  let value: StateValue = snapshot.value;
  while (typeof value !== 'string') value = Object.values(value)[0] ?? '';
  return value;
}

/** The state value of a state named by `stateNameOf`, or null if the machine has no such resting state. */
function stateValueOf(name: string): StateValue | null {
  const node = restingStates.get(name);
  return node ? nestedValue(node.path) : null;
}

const nestedValue = (path: string[]): StateValue => (path.length === 1 ? (path[0] ?? '') : { [path[0] ?? '']: nestedValue(path.slice(1)) });

/** Every atomic state of the machine by its name. */
const restingStates = new Map<string, AnyStateNode>();
(function collect(node: AnyStateNode) {
  for (const child of Object.values(node.states)) {
    if (child.type === 'atomic') {
      if (restingStates.has(child.key)) throw new Error(`booking machine: two states are named ${child.key}`);
      restingStates.set(child.key, child);
    }
    collect(child);
  }
})(bookingMachine.root);

export type BookingSnapshot = ReturnType<typeof bookingMachine.resolveState>;

/**
 * What is stored of a conversation: the state it rests in (by name), the context, and the
 * history of `questions` (where "いいえ、続ける" at confirmQuit resumes), as ids of state nodes —
 * XState's own persisted form of a history value, which `restoreSnapshot` would revive alike.
 */
export interface StoredDialogueState {
  value: string;
  context: DialogueContext;
  historyValue: Record<string, Array<{ id: string }>>;
}

export function storedStateOf(snapshot: BookingSnapshot): StoredDialogueState {
  const historyValue: StoredDialogueState['historyValue'] = {};
  for (const [id, nodes] of Object.entries(snapshot.historyValue)) historyValue[id] = nodes.map((node) => ({ id: node.id }));
  return { value: stateNameOf(snapshot), context: snapshot.context, historyValue };
}

/** Version 4 kept the question to resume in `context.quitFrom`; version 5 keeps it in the history of `questions`. */
function upgradeFrom4(state: { value: unknown; context: unknown }): { value: unknown; context: unknown; historyValue: unknown } {
  if (typeof state.context !== 'object' || state.context === null) return { ...state, historyValue: {} };
  const { quitFrom, ...context } = state.context as Record<string, unknown>;
  const resumeAt = typeof quitFrom === 'string' ? restingStates.get(quitFrom) : undefined;
  const historyValue = resumeAt?.parent?.key === 'questions' ? { 'booking.questions.resume': [{ id: resumeAt.id }] } : {};
  return { value: state.value, context, historyValue };
}

/**
 * A stored conversation as a snapshot of the machine, or null when it does not fit: another
 * flow version (other than 4, which is upgraded), a state that no longer exists, a history that
 * names unknown states, or a finished machine. The runner then starts again politely.
 */
export function snapshotFromStored(flowVersion: number, stored: { value: unknown; context: unknown }): BookingSnapshot | null {
  const state =
    flowVersion === FLOW_VERSION ? (stored as { value: unknown; context: unknown; historyValue?: unknown }) : flowVersion === 4 ? upgradeFrom4(stored) : null;
  if (!state) return null;
  const value = typeof state.value === 'string' ? stateValueOf(state.value) : null;
  if (value === null || typeof state.context !== 'object' || state.context === null) return null;
  try {
    const historyValue: Record<string, AnyStateNode[]> = {};
    const stored = typeof state.historyValue === 'object' && state.historyValue !== null ? (state.historyValue as Record<string, unknown>) : {};
    for (const [id, nodes] of Object.entries(stored)) {
      if (!Array.isArray(nodes)) return null;
      // getStateNodeById throws for an id the machine no longer has.
      bookingMachine.getStateNodeById(id);
      historyValue[id] = nodes.map((node: unknown) => bookingMachine.getStateNodeById(String((node as { id?: unknown } | null)?.id)));
    }
    const snapshot = bookingMachine.resolveState({ value, context: state.context as DialogueContext, historyValue });
    return snapshot.status === 'active' ? snapshot : null;
  } catch {
    return null;
  }
}
