/**
 * Previews for the console: LINE messages turned into a simple, escaped view model that a
 * template can show as the user will see them (text bubbles, cards with their buttons, the
 * notification text), and the consent card of a terms version rendered by the booking dialogue's
 * own presenter — so what staff preview is what the bot sends.
 */
import { initialTransition } from 'xstate';
import type { messagingApi } from '@line/bot-sdk';
import { bookingMachine } from '../../flows/booking/machine.ts';
import type { AskView } from '../../flows/booking/machine.ts';
import { present } from '../../flows/booking/present.ts';
import type { OfficeFacts } from '../../flows/booking/present.ts';
import type { Message } from '../line/messages.ts';
import { termsCardOf } from '../terms/versions.ts';

export type PreviewLine = { text: string; bold: boolean; small: boolean };
export type PreviewButton = { label: string; uri: string | undefined; primary: boolean };
export type PreviewMessage =
  | { kind: 'text'; text: string; quickReplies: string[] }
  | { kind: 'card'; notification: string; header: PreviewLine[]; body: Array<PreviewLine | { separator: true }>; buttons: PreviewButton[] }
  | { kind: 'other'; type: string };

function buttonOf(action: messagingApi.Action | undefined, primary: boolean): PreviewButton | undefined {
  if (!action) return undefined;
  return { label: action.label ?? '', uri: action.type === 'uri' ? action.uri : undefined, primary };
}

/** The text and buttons of a flex box, depth first, in reading order. */
function walkBox(node: unknown, lines: Array<PreviewLine | { separator: true }>, buttons: PreviewButton[]): void {
  if (!node || typeof node !== 'object') return;
  const component = node as {
    type?: string;
    text?: string;
    weight?: string;
    size?: string;
    contents?: unknown[];
    action?: messagingApi.Action;
    style?: string;
  };
  if (component.type === 'text' && typeof component.text === 'string')
    lines.push({ text: component.text, bold: component.weight === 'bold', small: component.size === 'sm' || component.size === 'xs' });
  else if (component.type === 'separator') lines.push({ separator: true });
  else if (component.type === 'button') {
    const button = buttonOf(component.action, component.style === 'primary');
    if (button) buttons.push(button);
  }
  for (const child of component.contents ?? []) walkBox(child, lines, buttons);
}

/** Messages as a template can show them (every string is escaped by the template engine). */
export function previewOf(messages: Message[]): PreviewMessage[] {
  return messages.map((message): PreviewMessage => {
    const quickReplies = (message.quickReply?.items ?? []).map((item) => item.action?.label ?? '');
    if (message.type === 'text') return { kind: 'text', text: message.text, quickReplies };
    if (message.type === 'flex' && message.contents.type === 'bubble') {
      const bubble = message.contents;
      const header: Array<PreviewLine | { separator: true }> = [];
      const body: Array<PreviewLine | { separator: true }> = [];
      const buttons: PreviewButton[] = [];
      walkBox(bubble.header, header, buttons);
      walkBox(bubble.body, body, buttons);
      walkBox(bubble.footer, [], buttons);
      return { kind: 'card', notification: message.altText, header: header.filter((line): line is PreviewLine => !('separator' in line)), body, buttons };
    }
    return { kind: 'other', type: message.type };
  });
}

/**
 * The consent card of a version as a user who agreed to an earlier version sees it from the
 * effective date (`changed`), or as a new user sees it.
 */
export function consentCardMessages(
  terms: { version: string; label: string | null; cardSummary: string | null; changeSummary: string | null; effectiveAt: Date },
  office: OfficeFacts,
  publicBaseUrl: string | undefined,
  changed: boolean,
): Message[] {
  const context = initialTransition(bookingMachine)[0].context;
  const view: AskView = {
    q: 1,
    termsVersion: terms.version,
    draft: context.draft,
    editing: context.editing,
    datePage: context.datePage,
    offeredDates: context.offeredDates,
    hasMoreDates: context.hasMoreDates,
    offeredTimes: context.offeredTimes,
    cancelling: context.cancelling,
  };
  const card = termsCardOf(terms, publicBaseUrl);
  return present(
    [{ key: 'ask', question: 'terms', view, changed }],
    { ...office, termsText: () => undefined, termsCard: (v) => (v === terms.version ? card : undefined) },
    1,
  );
}
