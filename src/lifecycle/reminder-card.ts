/**
 * The day-before reminder as LINE shows it: one Flex card whose first element is the 参加する
 * button opening the meeting URL, then the date and time, the points to check and how to cancel
 * (words in src/wording/pushes.ts). Its altText — what the notification and the chat list show —
 * is the title and the date and time, nothing personal. Built from the booking each time the
 * outbox sends it, from nothing but the slot, the URL and the configuration, so a retried push
 * sends the same card.
 */
import type { messagingApi } from '@line/bot-sdk';
import { limits, truncate } from '../line/messages.ts';
import { reminderWords } from '../wording/pushes.ts';
import type { ConsultationSlot, OfficeContact } from '../wording/pushes.ts';

export function reminderCard(args: {
  slot: ConsultationSlot;
  /** https, at most 1000 characters (the staff API and DEFAULT_MEETING_URL check it). */
  meetingUrl: string;
  office: OfficeContact;
  chatCancellationCutoffHours?: number | undefined;
  /** The terms version's LINE-notice sentence (Art. 6(3)); see reminderWords. */
  lineNotice?: string | null | undefined;
}): messagingApi.FlexMessage {
  const w = reminderWords(args);
  const heading = (text: string): messagingApi.FlexText => ({ type: 'text', text, size: 'sm', weight: 'bold', wrap: true });
  const small = (text: string): messagingApi.FlexText => ({ type: 'text', text, size: 'xs', wrap: true });
  const bubble: messagingApi.FlexBubble = {
    type: 'bubble',
    body: {
      type: 'box',
      layout: 'vertical',
      spacing: 'md',
      contents: [
        { type: 'button', style: 'primary', action: { type: 'uri', label: w.join, uri: args.meetingUrl } },
        { ...small(w.joinHint), color: '#666666' },
        { type: 'separator' },
        heading(w.whenHeading),
        { type: 'text', text: w.when, size: 'md', weight: 'bold', wrap: true },
        small(w.notice),
        { type: 'separator' },
        heading(w.checksHeading),
        small(w.checks),
        { type: 'separator' },
        heading(w.cancelHeading),
        small(w.cancel),
      ],
    },
  };
  return { type: 'flex', altText: truncate(w.altText, limits.flexAltText), contents: bubble };
}
