/**
 * Turns the machine's `say` intents into LINE messages: copy from copy.ts, office facts from
 * the configuration, and buttons whose postback data carries the question counter.
 */
import type { messagingApi } from '@line/bot-sdk';
import { copy } from './copy.ts';
import type { Say } from './machine.ts';
import { encodePostback } from './postback.ts';
import { fitToOneCall, postbackAction, splitText, text, truncate, limits } from '../../src/line/messages.ts';
import type { Message } from '../../src/line/messages.ts';

export interface PresentContext {
  officeName: string;
  officePhone: string;
  officePhoneHours: string;
  /** Full text of a terms version, by label. */
  termsText(version: string): string | undefined;
}

function fill(template: string, ctx: PresentContext, values: Record<string, string> = {}): string {
  const all: Record<string, string> = { office: ctx.officeName, phone: ctx.officePhone, hours: ctx.officePhoneHours, ...values };
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => all[key] ?? whole);
}

const button = (label: string, action: string, q: number, style: 'primary' | 'secondary' | 'link' = 'secondary'): messagingApi.FlexButton => ({
  type: 'button',
  style,
  height: 'sm',
  action: postbackAction(label, encodePostback({ action, question: q })),
});

const menuQuickReplies = (q: number) => [
  postbackAction(copy.buttons.book, encodePostback({ action: 'menu.book', question: q })),
  postbackAction(copy.buttons.checkBooking, encodePostback({ action: 'menu.check', question: q })),
  postbackAction(copy.buttons.cancelHelp, encodePostback({ action: 'menu.cancel', question: q })),
  postbackAction(copy.buttons.terms, encodePostback({ action: 'menu.terms', question: q })),
];

function termsQuestion(say: Extract<Say, { key: 'ask' }>, ctx: PresentContext): Message[] {
  const version = say.termsVersion ?? '';
  const question = fill(say.changed ? copy.termsChangedQuestion : copy.termsQuestion, ctx, { version });
  const actions = [
    postbackAction(copy.buttons.agree, encodePostback({ action: 'terms.agree', question: say.q })),
    postbackAction(copy.buttons.decline, encodePostback({ action: 'terms.decline', question: say.q })),
    postbackAction(copy.buttons.readFull, encodePostback({ action: 'terms.full', question: say.q })),
  ];
  if (say.brief) return [text(fill(copy.termsPleaseChoose, ctx), actions)];
  const bubble: messagingApi.FlexBubble = {
    type: 'bubble',
    header: { type: 'box', layout: 'vertical', contents: [{ type: 'text', text: copy.termsSummaryTitle, weight: 'bold', wrap: true }] },
    body: {
      type: 'box',
      layout: 'vertical',
      spacing: 'md',
      contents: [
        { type: 'text', text: copy.termsSummary, wrap: true, size: 'sm' },
        { type: 'separator' },
        { type: 'text', text: question, wrap: true, size: 'sm' },
      ],
    },
    footer: {
      type: 'box',
      layout: 'vertical',
      spacing: 'sm',
      contents: [
        button(copy.buttons.agree, 'terms.agree', say.q, 'primary'),
        button(copy.buttons.decline, 'terms.decline', say.q),
        button(copy.buttons.readFull, 'terms.full', say.q, 'link'),
      ],
    },
  };
  const altText = truncate(`${copy.termsSummaryTitle}\n${copy.termsSummary}\n${question}`, limits.flexAltText);
  return [{ type: 'flex', altText, contents: bubble }];
}

/** Renders one intent. `q` is the conversation's current question counter (for menus). */
function render(say: Say, ctx: PresentContext, q: number): Message[] {
  switch (say.key) {
    case 'ask':
      return termsQuestion(say, ctx);
    case 'termsFull': {
      const body = ctx.termsText(say.version) ?? '';
      const chunks = splitText(body, 2500);
      return [text(fill(copy.termsFullIntro, ctx, { version: say.version })), ...chunks.map((chunk) => text(chunk))];
    }
    case 'consentRecorded':
      return [text(fill(copy.consentRecorded, ctx, { version: say.version }))];
    case 'help':
      return [text(fill(copy.help, ctx), menuQuickReplies(q))];
    case 'nextSteps':
      return [text(fill(copy.nextSteps, ctx), menuQuickReplies(q))];
    default:
      return [text(fill(copy[say.key], ctx))];
  }
}

/** Renders all intents of one turn into at most 5 LINE messages. */
export function present(says: Say[], ctx: PresentContext, q: number): Message[] {
  return fitToOneCall(says.flatMap((say) => render(say, ctx, q)));
}

export const systemErrorText = (office: Omit<PresentContext, 'termsText'>): string => fill(copy.systemError, { ...office, termsText: () => undefined });
