/**
 * Runs one turn of the booking dialogue for one user, inside the caller's transaction:
 * restore the stored snapshot (or start fresh, politely, if it came from another flow version
 * or has expired), gather the facts the pure machine needs, compute the transition, perform
 * the domain effects (consent, …) and persist the new snapshot. The replies are returned, not
 * sent: the caller sends them only after the transaction has committed.
 */
import { initialTransition, transition } from 'xstate';
import type { AnyMachineSnapshot } from 'xstate';
import type { Prisma } from '../generated/prisma/client.ts';
import { bookingMachine, FLOW_VERSION } from '../../flows/booking/machine.ts';
import type { DialogueEvent, Facts, Say } from '../../flows/booking/machine.ts';
import { classifyText } from '../../flows/booking/intents.ts';
import { decodePostback } from '../../flows/booking/postback.ts';
import { present } from '../../flows/booking/present.ts';
import type { PresentContext } from '../../flows/booking/present.ts';
import type { Message } from '../line/messages.ts';
import { consentState, recordConsent, termsInForce, termsText } from '../db/repositories.ts';
import { loadConversation, saveConversation } from './conversation-store.ts';
import type { StateSealer } from './conversation-store.ts';

/** What the user did, before the runner adds facts and checks postbacks for staleness. */
export type UserInput =
  | { type: 'follow' }
  | { type: 'text'; text: string }
  | { type: 'postback'; data: string }
  | { type: 'media'; kind: string };

export interface DialogueDeps {
  idleMinutes: number;
  sealer: StateSealer;
  office: Omit<PresentContext, 'termsText'>;
}

export interface TurnResult {
  messages: Message[];
  /** The state the conversation is in after the turn (for logs and tests). */
  state: unknown;
}

type Snapshot = ReturnType<typeof bookingMachine.resolveState>;

async function gatherFacts(tx: Prisma.TransactionClient, userId: string, now: Date): Promise<Facts> {
  const terms = await termsInForce(tx, now);
  const consent = await consentState(tx, userId, terms.id);
  return { now: now.toISOString(), terms: { id: terms.id, version: terms.version }, ...consent };
}

/** Restores a stored state, or null if it does not fit the current machine. */
function restore(state: { value: unknown; context: unknown }): Snapshot | null {
  try {
    const snapshot = bookingMachine.resolveState(state as Parameters<typeof bookingMachine.resolveState>[0]);
    return snapshot.status === 'active' ? snapshot : null;
  } catch {
    return null;
  }
}

function toEvent(input: UserInput, snapshot: Snapshot, facts: Facts): DialogueEvent {
  switch (input.type) {
    case 'follow':
      return { type: 'FOLLOW', facts };
    case 'text':
      return { type: 'TEXT', text: input.text, intent: classifyText(input.text), facts };
    case 'media':
      return { type: 'MEDIA', facts };
    case 'postback': {
      const postback = decodePostback(input.data);
      if (!postback || postback.question !== snapshot.context.q) return { type: 'STALE', facts };
      return { type: 'POSTBACK', action: postback.action, value: postback.value, facts };
    }
  }
}

/** Runs one user's input through the dialogue; see the module comment. */
export async function runDialogueTurn(
  tx: Prisma.TransactionClient,
  userId: string,
  input: UserInput,
  now: Date,
  deps: DialogueDeps,
): Promise<TurnResult> {
  const stored = await loadConversation(tx, userId, deps.sealer);
  const facts = await gatherFacts(tx, userId, now);
  const says: Say[] = [];
  const effects: Array<{ type: string; params?: unknown }> = [];

  const step = (snapshot: Snapshot, event: DialogueEvent): Snapshot => {
    const [next, actions] = transition(bookingMachine, snapshot, event);
    for (const action of actions) {
      if (action.type === 'say') says.push(action.params as Say);
      else effects.push({ type: action.type, params: action.params });
    }
    return next;
  };

  let snapshot: Snapshot = initialTransition(bookingMachine)[0];
  if (stored) {
    const restored = stored.flowVersion === FLOW_VERSION ? restore(stored.state) : null;
    const wasIdle = stored.state.value === 'idle';
    if (restored) {
      snapshot = restored;
      // Timeouts are events (XState does not persist timers): an expired, unfinished
      // conversation is closed before the new input is applied.
      if (!restored.matches('idle') && stored.expiresAt.getTime() <= now.getTime()) {
        snapshot = step(snapshot, { type: 'TIMEOUT', facts });
      }
    } else if (!wasIdle && input.type !== 'follow') {
      snapshot = step(snapshot, { type: 'RESTARTED', facts });
    }
  }

  snapshot = step(snapshot, toEvent(input, snapshot, facts));

  for (const effect of effects) {
    await performEffect(tx, userId, effect, now);
  }

  await saveConversation(
    tx,
    userId,
    stored?.version ?? null,
    {
      flowVersion: FLOW_VERSION,
      state: { value: snapshot.value, context: snapshot.context },
      expiresAt: new Date(now.getTime() + deps.idleMinutes * 60_000),
    },
    deps.sealer,
  );

  const version = facts.terms.version;
  const fullText = says.some((s) => s.key === 'termsFull') ? await termsText(tx, version) : undefined;
  const messages = present(says, { ...deps.office, termsText: (v) => (v === version ? fullText : undefined) }, snapshot.context.q);
  return { messages, state: snapshot.value };
}

async function performEffect(tx: Prisma.TransactionClient, userId: string, effect: { type: string; params?: unknown }, now: Date): Promise<void> {
  switch (effect.type) {
    case 'recordConsent': {
      const { termsId } = effect.params as { termsId: number };
      await recordConsent(tx, userId, termsId, now);
      return;
    }
    default:
      // assign and other built-in actions come through as well; they have no outside effect.
      return;
  }
}

export type { AnyMachineSnapshot };
