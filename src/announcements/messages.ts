/**
 * What followers receive: the announcement of a terms change (Art. 14: that the terms change,
 * what the new content is, and from when) in two variants — with and without a booking on or
 * after the effective date — and free-form office notices. The wording is in
 * src/wording/announcements.ts with the rest of what the bot says; the content (label,
 * summaries, dates) is data of the version.
 *
 * Messages are rendered once, at publication, and stored with the announcement: the console's
 * preview and every batch show exactly the same thing. Everything stays within LINE's limits
 * (5 messages a request, 5000 characters a text, flex altText 1500).
 */
import type { messagingApi } from '@line/bot-sdk';
import { limits, splitText, text, truncate } from '../line/messages.ts';
import type { Message } from '../line/messages.ts';
import { fillTemplate, formatJpDate } from '../text/japanese.ts';
import type { JpDate } from '../rules/index.ts';
import { announcementCopy } from '../wording/announcements.ts';

/** The recipient groups of a terms change. An office notice has only `all`. */
export const variants = {
  all: 'all',
  booked: 'booked',
} as const;
export type Variant = (typeof variants)[keyof typeof variants];

export type OfficeWording = { officeName: string; officePhone: string; officePhoneHours: string };

export type TermsAnnouncementInput = {
  label: string;
  effectiveDate: JpDate;
  changeSummary: string;
  cardSummary: string;
  body: string;
  /** The public full-text page; without it the full text goes in the messages. */
  fullTextUrl: string | undefined;
};

/** The full text is sent in the chat only while it fits (1 text + up to 4 parts of 5000). */
const maxChatFullTextParts = limits.messagesPerCall - 1;

/** The terms change cannot be announced as asked; `message` is Japanese, for staff. */
export class AnnouncementContentError extends Error {
  override name = 'AnnouncementContentError';
}

const officeValues = (office: OfficeWording) => ({ office: office.officeName, phone: office.officePhone, hours: office.officePhoneHours });

/**
 * The announcement of a terms change, for one variant: the text with the change, the summary
 * and the effective date, then a card with a button to the full text (or, without a public
 * address, the full text itself in the chat, when it fits in one request).
 */
export function termsChangeMessages(terms: TermsAnnouncementInput, variant: Variant, office: OfficeWording): Message[] {
  const values = {
    ...officeValues(office),
    label: terms.label,
    date: formatJpDate(terms.effectiveDate, { withYear: true }),
    changes: terms.changeSummary,
    summary: terms.cardSummary,
  };
  const c = announcementCopy;
  const parts = [
    c.termsTitle,
    c.termsIntro,
    '',
    c.termsEffective,
    '',
    c.termsChanges,
    '',
    c.termsSummary,
    '',
    c.termsConsent,
    ...(variant === variants.booked ? ['', c.termsBookingStays] : []),
    '',
    terms.fullTextUrl ? c.termsLinkLead : c.termsFullTextLead,
    c.termsQuestions,
  ];
  const main = text(fillTemplate(parts.join('\n'), values));
  if (terms.fullTextUrl) return [main, fullTextCard(terms, terms.fullTextUrl, values)];
  const chunks = splitText(terms.body, limits.textLength);
  if (chunks.length > maxChatFullTextParts) {
    throw new AnnouncementContentError(
      `規約の全文が長すぎてLINEのメッセージに収まりません（${terms.body.length}文字）。PUBLIC_BASE_URL を設定すると、全文はWebページへのボタンで案内されます。`,
    );
  }
  return [main, ...chunks.map((chunk) => text(chunk))];
}

function fullTextCard(terms: TermsAnnouncementInput, url: string, values: Record<string, string>): messagingApi.FlexMessage {
  const title = fillTemplate(announcementCopy.fullTextCardTitle, values);
  const date = fillTemplate(announcementCopy.fullTextCardDate, values);
  return {
    type: 'flex',
    altText: truncate(`${title} ${date} ${url}`, limits.flexAltText),
    contents: {
      type: 'bubble',
      body: {
        type: 'box',
        layout: 'vertical',
        spacing: 'sm',
        contents: [
          { type: 'text', text: title, weight: 'bold', wrap: true },
          { type: 'text', text: date, size: 'sm', color: '#555555', wrap: true },
        ],
      },
      footer: {
        type: 'box',
        layout: 'vertical',
        contents: [{ type: 'button', style: 'primary', height: 'sm', action: { type: 'uri', label: announcementCopy.readFullButton, uri: url } }],
      },
    },
  };
}

/** Longest office notice text: one LINE text message with the heading. */
export const noticeBodyMaxLength = 2000;

/** An office notice (closure, maintenance of the video service, …) as followers receive it. */
export function officeNoticeMessages(body: string, office: OfficeWording): Message[] {
  return [text(`${fillTemplate(announcementCopy.noticeTitle, officeValues(office))}\n${body}`)];
}
