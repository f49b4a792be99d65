/**
 * Small builders for LINE messages that respect the platform's limits, so flows describe what
 * to show and never produce a message LINE would reject with 400. Limits (LINE docs): text
 * 5000 UTF-16 units, 5 messages per call, 13 quick-reply items with labels of 20 characters,
 * postback data 300, flex altText 1500.
 */
import type { messagingApi } from '@line/bot-sdk';

export type Message = messagingApi.Message;
export type Action = messagingApi.Action;

export const limits = {
  messagesPerCall: 5,
  textLength: 5000,
  quickReplyItems: 13,
  quickReplyLabel: 20,
  postbackData: 300,
  flexAltText: 1500,
  flexButtonLabel: 40,
} as const;

/** Cuts `text` to at most `max` UTF-16 units without splitting a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = max - 1;
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return `${text.slice(0, cut)}…`;
}

/** The `tel:` address of a phone number as people write it (「045-474-1221」): its digits and a leading +. */
export function telUri(phone: string): string {
  return `tel:${phone.replace(/[^0-9+]/g, '')}`;
}

/** A button that posts `data` back and shows `label` as the user's answer. */
export function postbackAction(label: string, data: string): messagingApi.PostbackAction {
  if (data.length > limits.postbackData) throw new RangeError('postback data exceeds LINE limit');
  return { type: 'postback', label: truncate(label, limits.quickReplyLabel), data, displayText: label };
}

/** A plain text message, cut to LINE's limit. */
export function text(body: string, quickReplies?: Action[]): messagingApi.TextMessage {
  const message: messagingApi.TextMessage = { type: 'text', text: truncate(body, limits.textLength) };
  return quickReplies?.length ? withQuickReplies(message, quickReplies) : message;
}

/** Attaches up to 13 quick-reply buttons to a message. */
export function withQuickReplies<M extends Message>(message: M, actions: Action[]): M {
  const items = actions.slice(0, limits.quickReplyItems).map((action) => ({ type: 'action' as const, action }));
  return { ...message, quickReply: { items } };
}

/** Splits a long text at paragraph boundaries into chunks of at most `max` units. */
export function splitText(body: string, max = 2000): string[] {
  const chunks: string[] = [];
  let current = '';
  for (const paragraph of body.split(/\n{2,}/)) {
    const piece = current ? `${current}\n\n${paragraph}` : paragraph;
    if (piece.length <= max) {
      current = piece;
      continue;
    }
    if (current) chunks.push(current);
    current = paragraph.length <= max ? paragraph : '';
    for (let i = 0; paragraph.length > max && i < paragraph.length; i += max) chunks.push(paragraph.slice(i, i + max));
  }
  if (current) chunks.push(current);
  return chunks;
}

/**
 * Fits a reply into LINE's 5 messages per call: when there are more, consecutive plain text
 * messages are merged (the last message keeps its quick replies).
 */
export function fitToOneCall(messages: Message[]): Message[] {
  if (messages.length <= limits.messagesPerCall) return messages;
  const merged: Message[] = [];
  for (const m of messages) {
    const prev = merged.at(-1);
    if (prev?.type === 'text' && m.type === 'text' && !prev.quickReply && prev.text.length + m.text.length + 2 <= limits.textLength) {
      merged[merged.length - 1] = { ...m, text: `${prev.text}\n\n${m.text}` };
    } else {
      merged.push(m);
    }
  }
  return merged.slice(-limits.messagesPerCall);
}
