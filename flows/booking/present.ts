/**
 * Turns the machine's `say` intents into LINE messages: copy from copy.ts, office facts from
 * the configuration, buttons whose postback data carries the question counter, and quick
 * replies or Flex bubbles where they help — always with a text fallback (`altText`).
 */
import type { messagingApi } from '@line/bot-sdk';
import { copy } from '../../src/wording/chat.ts';
import type { AskView, BookingSummary, QuestionId, Say } from './machine.ts';
import type { BookingDetails } from './types.ts';
import { encodePostback } from './postback.ts';
import { fitToOneCall, limits, postbackAction, splitText, telUri, text, truncate, withQuickReplies } from '../../src/line/messages.ts';
import type { Message, Action } from '../../src/line/messages.ts';
import { fieldErrorMessage, fieldErrorMessages, maskJobSeekerNumber, maskPhone, sensitiveTopicNotice } from '../../src/domain/booking-fields.ts';
import type { BookingField } from '../../src/domain/booking-fields.ts';
import { fillTemplate, formatConsultationTime, formatJpDate } from '../../src/text/japanese.ts';
import { refusalText, suspensionText } from '../../src/wording/pushes.ts';
import type { TermsCard } from '../../src/terms/versions.ts';

export interface PresentContext {
  officeName: string;
  officePhone: string;
  officePhoneHours: string;
  /** Idle minutes before a conversation expires, and other numbers quoted in messages. */
  idleMinutes: number;
  horizonDays: number;
  maxActiveBookings: number;
  /** PERSONAL_DATA_RETENTION_DAYS, quoted in the privacy notice. */
  retentionDays: number;
  /** The public privacy page (`<PUBLIC_BASE_URL>/privacy`), when the service has a public address. */
  privacyUrl?: string | undefined;
  /** The terms version in force's sentence on LINE notices (Art. 6(3)); copy.lineNotice when it has none. */
  lineNoticeWording?: string | null | undefined;
  /** Hours before the start until which the chat may cancel (CHAT_CANCELLATION_CUTOFF_HOURS); null or absent where the office does not allow it. */
  chatCancellationCutoffHours?: number | null;
  /** Hours a half-finished booking is kept for 「続きから」 (CONVERSATION_RESUME_HOURS). */
  resumeHours?: number;
  /** What the menu's quick replies may offer after this turn, from the runner's facts; absent: everything. */
  menu?: MenuFacts;
  /** Full text of a terms version, by label. */
  termsText(version: string): string | undefined;
  /** What a terms version's consent card shows (label, summaries, effective date, link), by version. */
  termsCard(version: string): TermsCard | undefined;
}

export type OfficeFacts = Omit<PresentContext, 'termsText' | 'termsCard'>;

/** After a turn: may the user start a booking, cancel one in the chat, and do they hold one (issue #11: offer nothing that would be refused). */
export interface MenuFacts {
  canBook: boolean;
  canCancelInChat: boolean;
  hasBookings: boolean;
}

/** CONVERSATION_RESUME_HOURS' default, for wording rendered without the configuration. */
const DEFAULT_RESUME_HOURS = 24;

function fill(template: string, ctx: OfficeFacts, values: Record<string, string> = {}): string {
  const all: Record<string, string> = {
    office: ctx.officeName,
    phone: ctx.officePhone,
    hours: ctx.officePhoneHours,
    minutes: String(ctx.idleMinutes),
    horizon: String(ctx.horizonDays),
    max: String(ctx.maxActiveBookings),
    lineNotice: ctx.lineNoticeWording || copy.lineNotice,
    resumeHours: String(ctx.resumeHours ?? DEFAULT_RESUME_HOURS),
    cutoff: String(ctx.chatCancellationCutoffHours ?? ''),
    ...values,
  };
  return fillTemplate(template, all);
}

const formatDate = (date: string) => formatJpDate(date);

/** 2026年12月2日(水) 10:00〜10:30 (sessions are 30 minutes: Art. 6(1), not configurable). */
export const formatWhen = (b: { date: string; time: string }) => formatConsultationTime({ date: b.date, startTime: b.time, slotMinutes: 30 });

const pb = (label: string, action: string, q: number, value?: string) => postbackAction(label, encodePostback({ action, question: q, value }));

const nav = (q: number): Action[] => [pb(copy.buttons.back, 'nav.back', q), pb(copy.buttons.quit, 'nav.quit', q)];

const flexButton = (action: messagingApi.Action, style: 'primary' | 'secondary' | 'link' = 'secondary'): messagingApi.FlexButton => ({
  type: 'button',
  style,
  height: 'sm',
  action,
});

/** The office's phone as a button (`tel:` with OFFICE_PHONE's digits). */
const callAction = (ctx: OfficeFacts): Action => ({ type: 'uri', label: copy.buttons.call, uri: telUri(ctx.officePhone) });

/**
 * The menu as quick replies, without what would be refused now: 予約する while the user may not
 * book (the maximum of bookings held, a refusal or suspension), and — for a user with a booking
 * the chat can no longer cancel — the call button instead of キャンセル方法.
 */
const menuQuickReplies = (q: number, ctx?: OfficeFacts): Action[] => {
  const menu = ctx?.menu;
  return [
    ...(menu && !menu.canBook ? [] : [pb(copy.buttons.book, 'menu.book', q)]),
    pb(copy.buttons.checkBooking, 'menu.check', q),
    menu && ctx && menu.hasBookings && !menu.canCancelInChat ? callAction(ctx) : pb(copy.buttons.cancelHelp, 'menu.cancel', q),
    pb(copy.buttons.terms, 'menu.terms', q),
  ];
};

/** The label users see for a version (e.g. 令和8年4月1日改定), from the version's own data. */
const termsLabel = (ctx: PresentContext, version: string): string => ctx.termsCard(version)?.label ?? version;

/**
 * The consent card. Its summary is the version's own (data, not copy); after a change it says
 * what changed and from when. "全文を読む" opens the public full-text page when the service knows
 * its public address (PUBLIC_BASE_URL), else sends the full text in the chat as before.
 */
function termsQuestion(view: AskView, ctx: PresentContext, brief: boolean, changed: boolean): Message[] {
  const version = view.termsVersion ?? '';
  const card = ctx.termsCard(version);
  const label = card?.label ?? version;
  const question = fill(changed ? copy.termsChangedQuestion : copy.termsQuestion, ctx, { version: label });
  const readFull: Action = card?.fullTextUrl
    ? { type: 'uri', label: copy.buttons.readFull, uri: card.fullTextUrl }
    : pb(copy.buttons.readFull, 'terms.full', view.q);
  const actions = [pb(copy.buttons.agree, 'terms.agree', view.q), pb(copy.buttons.decline, 'terms.decline', view.q), readFull];
  if (brief) return [text(fill(copy.termsPleaseChoose, ctx), actions)];
  const changes =
    changed && card?.changeSummary
      ? [fill(copy.termsChangesHeading, ctx, { date: formatJpDate(card.effectiveDate, { withYear: true }) }), card.changeSummary]
      : [];
  const title = fill(copy.termsSummaryTitle, ctx, { version: label });
  const summaryText = card?.cardSummary ?? '';
  const bubble: messagingApi.FlexBubble = {
    type: 'bubble',
    header: { type: 'box', layout: 'vertical', contents: [{ type: 'text', text: title, weight: 'bold', wrap: true }] },
    body: {
      type: 'box',
      layout: 'vertical',
      spacing: 'md',
      contents: [
        ...changes.map((line, i): messagingApi.FlexComponent => ({
          type: 'text',
          text: line,
          wrap: true,
          size: 'sm',
          ...(i === 0 ? { weight: 'bold' as const } : {}),
        })),
        ...(changes.length ? [{ type: 'separator' } as const] : []),
        ...(summaryText ? [{ type: 'text', text: summaryText, wrap: true, size: 'sm' } as const, { type: 'separator' } as const] : []),
        { type: 'text', text: question, wrap: true, size: 'sm' },
      ],
    },
    footer: {
      type: 'box',
      layout: 'vertical',
      spacing: 'sm',
      contents: actions.map((a, i) => flexButton(a, i === 0 ? 'primary' : i === 2 ? 'link' : 'secondary')),
    },
  };
  const altText = truncate([title, ...changes, summaryText, question].filter(Boolean).join('\n'), limits.flexAltText);
  return [{ type: 'flex', altText, contents: bubble }];
}

function attendantText(view: AskView): string {
  const { attendant, attendantLanguage } = view.draft;
  if (attendant === 'interpreter') return fillTemplate(copy.summaryLabels.attendantInterpreter, { language: attendantLanguage ?? '' });
  if (attendant === 'assistant') return copy.summaryLabels.attendantAssistant;
  return copy.summaryLabels.attendantNone;
}

/**
 * The booking summary: a Flex bubble with the fields (phone and number masked), in one message:
 * この内容で予約する in the card, 修正する / やめる / 戻る as its quick replies (each button once).
 */
function summary(view: AskView): Message[] {
  const d = view.draft;
  const L = copy.summaryLabels;
  const rows: Array<[string, string]> = [
    [L.when, d.date && d.time ? formatWhen({ date: d.date, time: d.time }) : ''],
    [L.name, d.name ?? ''],
    [L.number, d.jobSeekerNumber ? maskJobSeekerNumber(d.jobSeekerNumber) : ''],
    [L.phone, `${d.phone ? maskPhone(d.phone) : ''}${d.phoneChanged ? L.phoneChanged : ''}`],
    [L.topic, truncate(d.topic ?? '', 300)],
    [L.attendant, attendantText(view)],
  ];
  const confirm = pb(copy.buttons.confirm, 'summary.confirm', view.q);
  const others = [pb(copy.buttons.edit, 'summary.edit', view.q), pb(copy.buttons.quit, 'nav.quit', view.q)];
  const bubble: messagingApi.FlexBubble = {
    type: 'bubble',
    header: { type: 'box', layout: 'vertical', contents: [{ type: 'text', text: L.title, weight: 'bold' }] },
    body: {
      type: 'box',
      layout: 'vertical',
      spacing: 'sm',
      contents: rows.map(([label, value]) => ({
        type: 'box',
        layout: 'vertical',
        contents: [
          { type: 'text', text: label, size: 'xs', color: '#888888' },
          { type: 'text', text: value || '-', size: 'sm', wrap: true },
        ],
      })),
    },
    footer: { type: 'box', layout: 'vertical', contents: [flexButton(confirm, 'primary')] },
  };
  const altText = truncate(`${L.title}\n${rows.map(([l, v]) => `${l}：${v}`).join('\n')}`, limits.flexAltText);
  return [withQuickReplies({ type: 'flex', altText, contents: bubble }, [...others, pb(copy.buttons.back, 'nav.back', view.q)])];
}

/**
 * The free times of one date as a Flex bubble of buttons, four to a row, in one message: 別の日にする
 * and やめる are its quick replies (a day has more free times than LINE's 13 quick replies). Asked
 * again (brief), the bubble keeps the buttons under a one-line prompt.
 */
function timeQuestion(view: AskView, ctx: OfficeFacts, brief: boolean): Message[] {
  if (view.offeredTimes.length === 0 || !view.draft.date) return [];
  const heading = brief ? copy.briefQuestions.time : fill(copy.questions.time, ctx, { date: formatDate(view.draft.date) });
  const rows: messagingApi.FlexComponent[] = [];
  for (let i = 0; i < view.offeredTimes.length; i += 4) {
    rows.push({
      type: 'box',
      layout: 'horizontal',
      spacing: 'sm',
      contents: view.offeredTimes.slice(i, i + 4).map((t) => ({ ...flexButton(pb(t, 'time.pick', view.q, t)), flex: 1 })),
    });
  }
  // Fill the last row so buttons keep the same width.
  const last = rows.at(-1);
  if (last && last.type === 'box') while (last.contents.length < 4) last.contents.push({ type: 'filler' });
  const bubble: messagingApi.FlexBubble = {
    type: 'bubble',
    body: { type: 'box', layout: 'vertical', spacing: 'sm', contents: [{ type: 'text', text: heading, wrap: true, size: 'sm' }, ...rows] },
  };
  const altText = truncate(`${heading}\n${view.offeredTimes.join(' / ')}`, limits.flexAltText);
  return [
    withQuickReplies({ type: 'flex', altText, contents: bubble }, [pb(copy.buttons.otherDate, 'nav.back', view.q), pb(copy.buttons.quit, 'nav.quit', view.q)]),
  ];
}

function dateQuestion(view: AskView, brief: boolean): Message[] {
  if (view.offeredDates.length === 0) return [];
  const items: Action[] = view.offeredDates.map((d) => pb(formatDate(d), 'date.pick', view.q, d));
  if (view.hasMoreDates) items.push(pb(copy.buttons.moreDates, 'date.more', view.q));
  if (view.datePage > 0) items.push(pb(copy.buttons.prevDates, 'date.prev', view.q));
  items.push(...nav(view.q));
  // The dates are the quick replies themselves; the text does not list them a second time.
  const intro = brief ? copy.briefQuestions.date : view.datePage > 0 ? copy.questions.dateLaterPage : copy.questions.date;
  return [text(intro, items)];
}

function question(say: Extract<Say, { key: 'ask' }>, ctx: PresentContext): Message[] {
  const { view, question: id } = say;
  const brief = say.brief ?? false;
  const prompt = (key: Exclude<QuestionId, 'terms'>) => (brief ? copy.briefQuestions[key] : copy.questions[key]);
  const yesNo = [pb(copy.buttons.yes, 'yes', view.q), pb(copy.buttons.no, 'no', view.q)];
  switch (id) {
    case 'terms':
      return termsQuestion(view, ctx, brief, say.changed ?? false);
    case 'registered':
    case 'myPage':
    case 'device':
      return [text(prompt(id), [...yesNo, ...nav(view.q)])];
    case 'checklist':
      return [text(prompt(id), [pb(copy.buttons.checked, 'yes', view.q), ...nav(view.q)])];
    case 'name':
      if (!brief) {
        const privacyLink = ctx.privacyUrl ? fillTemplate(copy.privacyLink, { url: ctx.privacyUrl }) : '';
        const privacyNotice = fill(copy.privacyNotice, ctx, { retentionDays: String(ctx.retentionDays), privacyLink });
        return [text(fill(prompt(id), ctx, { privacyNotice }), nav(view.q))];
      }
      return [text(prompt(id), nav(view.q))];
    case 'number':
    case 'phone':
    case 'topic':
    case 'language':
      return [text(prompt(id), nav(view.q))];
    case 'phoneRegistered':
      return [
        text(fill(prompt(id), ctx, { phone: view.draft.phone ? maskPhone(view.draft.phone) : '' }), [
          pb(copy.buttons.samePhone, 'yes', view.q),
          pb(copy.buttons.changedPhone, 'no', view.q),
          ...nav(view.q),
        ]),
      ];
    case 'topicSensitive':
      return [
        text(`${brief ? '' : `${sensitiveTopicNotice}\n`}${prompt(id)}`, [
          pb(copy.buttons.keepTopic, 'topic.keep', view.q),
          pb(copy.buttons.rewriteTopic, 'topic.rewrite', view.q),
          ...nav(view.q),
        ]),
      ];
    case 'attendant':
      return [
        text(prompt(id), [
          pb(copy.buttons.attendantNone, 'attendant.none', view.q),
          pb(copy.buttons.attendantInterpreter, 'attendant.interpreter', view.q),
          pb(copy.buttons.attendantAssistant, 'attendant.assistant', view.q),
          ...nav(view.q),
        ]),
      ];
    case 'date':
      return dateQuestion(view, brief);
    case 'time':
      return timeQuestion(view, ctx, brief);
    case 'summary':
      return brief
        ? [text(prompt(id), [pb(copy.buttons.confirm, 'summary.confirm', view.q), pb(copy.buttons.edit, 'summary.edit', view.q), ...nav(view.q)])]
        : summary(view);
    case 'editField':
      return [
        text(prompt(id), [
          pb(copy.buttons.editName, 'edit.name', view.q),
          pb(copy.buttons.editNumber, 'edit.number', view.q),
          pb(copy.buttons.editPhone, 'edit.phone', view.q),
          pb(copy.buttons.editTopic, 'edit.topic', view.q),
          pb(copy.buttons.editAttendant, 'edit.attendant', view.q),
          pb(copy.buttons.editDatetime, 'edit.datetime', view.q),
          pb(copy.buttons.back, 'nav.back', view.q),
        ]),
      ];
    case 'confirmQuit':
      return [text(prompt(id), [pb(copy.buttons.quitYes, 'quit.yes', view.q), pb(copy.buttons.quitNo, 'quit.no', view.q)])];
    case 'confirmCancel':
      return [
        text(fillTemplate(prompt(id), { when: view.cancelling ? formatWhen(view.cancelling) : '' }), [
          pb(copy.buttons.cancelYes, 'cancel.yes', view.q),
          pb(copy.buttons.cancelNo, 'cancel.no', view.q),
        ]),
      ];
    case 'resumeOffer':
      return [
        text(fill(prompt(id), ctx), [
          pb(copy.buttons.resumeContinue, 'resume.continue', view.q),
          pb(copy.buttons.resumeRestart, 'resume.restart', view.q),
          pb(copy.buttons.quit, 'nav.quit', view.q),
        ]),
      ];
  }
}

/** The re-prompt for a rejected field value (reasons come from the validators). */
function fieldError(field: BookingField, reason: string): string {
  const messages: Record<string, string> = fieldErrorMessages[field];
  return fieldErrorMessage(field, (reason in messages ? reason : Object.keys(messages)[0]) as never);
}

// ---------------------------------------------------------------------------------------------
// The user's own booking (issue #11): its card, the URL, a change of time, phone or attendant
// ---------------------------------------------------------------------------------------------

function attendantOf(details: BookingDetails): string {
  if (details.attendant === 'interpreter') return fillTemplate(copy.summaryLabels.attendantInterpreter, { language: details.attendantLanguage ?? '' });
  if (details.attendant === 'assistant') return copy.summaryLabels.attendantAssistant;
  return copy.summaryLabels.attendantNone;
}

/** Where the meeting URL stands: ready (open it below), the day it is sent, or being prepared. */
function urlLine(details: BookingDetails): string {
  if (details.meetingUrl) return copy.myBooking.urlReady;
  if (details.urlDay) return fillTemplate(copy.myBooking.urlComes, { date: formatDate(details.urlDay) });
  return copy.myBooking.urlPending;
}

/** Why the card has no キャンセルする: the office cancels by phone, or the chat's cut-off has passed. */
function cancelNote(booking: BookingSummary, ctx: OfficeFacts): string | null {
  if (booking.cancellableInChat) return null;
  return ctx.chatCancellationCutoffHours === null || ctx.chatCancellationCutoffHours === undefined
    ? fill(copy.myBooking.cancelByPhone, ctx)
    : fill(copy.myBooking.cancelChatClosed, ctx);
}

const openUrlAction = (url: string): Action => ({ type: 'uri', label: copy.buttons.openMeetingUrl, uri: url });

/**
 * One upcoming booking as a Flex bubble: date and time, the meeting URL or when it comes, who
 * attends, and buttons to open the URL, cancel in the chat (while allowed) and call the office.
 * Never a name, a job-seeker number or a phone number.
 */
function bookingCard(booking: BookingSummary, title: string, ctx: OfficeFacts, q: number): { bubble: messagingApi.FlexBubble; alt: string } {
  const L = copy.myBooking;
  const d = booking.details;
  const rows: Array<[string, string]> = [
    [L.when, formatWhen(booking)],
    ...(d
      ? ([
          [L.url, urlLine(d)],
          [L.attendant, attendantOf(d)],
        ] as Array<[string, string]>)
      : []),
  ];
  const note = cancelNote(booking, ctx);
  const actions: Action[] = [
    ...(d?.meetingUrl ? [openUrlAction(d.meetingUrl)] : []),
    ...(booking.cancellableInChat ? [pb(copy.buttons.cancelBooking, 'booking.cancel', q, booking.id)] : []),
    callAction(ctx),
  ];
  const bubble: messagingApi.FlexBubble = {
    type: 'bubble',
    header: { type: 'box', layout: 'vertical', contents: [{ type: 'text', text: title, weight: 'bold' }] },
    body: {
      type: 'box',
      layout: 'vertical',
      spacing: 'sm',
      contents: [
        ...rows.map(([label, value]): messagingApi.FlexComponent => ({
          type: 'box',
          layout: 'vertical',
          contents: [
            { type: 'text', text: label, size: 'xs', color: '#888888' },
            { type: 'text', text: value, size: 'sm', wrap: true },
          ],
        })),
        ...(note ? [{ type: 'separator' } as const, { type: 'text', text: note, size: 'xs', wrap: true } as const] : []),
      ],
    },
    footer: { type: 'box', layout: 'vertical', spacing: 'sm', contents: actions.map((a, i) => flexButton(a, i === 0 ? 'primary' : 'secondary')) },
  };
  const alt = [title, ...rows.map(([l, v]) => `${l}：${v}`), ...(note ? [note] : [])].join('\n');
  return { bubble, alt };
}

/** 予約確認: a card per upcoming booking (a carousel for several), or that there is none. */
function myBookings(bookings: BookingSummary[], ctx: OfficeFacts, q: number): Message[] {
  if (bookings.length === 0) return [text(copy.noBookings, menuQuickReplies(q, ctx))];
  const cards = bookings
    .slice(0, 12)
    .map((b, i) => bookingCard(b, bookings.length === 1 ? copy.myBooking.title : fillTemplate(copy.myBooking.titleNth, { n: String(i + 1) }), ctx, q));
  const [only] = cards;
  const contents: messagingApi.FlexContainer = cards.length === 1 && only ? only.bubble : { type: 'carousel', contents: cards.map((c) => c.bubble) };
  const altText = truncate(cards.map((c) => c.alt).join('\n\n'), limits.flexAltText);
  return [withQuickReplies<Message>({ type: 'flex', altText, contents }, menuQuickReplies(q, ctx))];
}

/** A short answer with buttons under it (a Flex bubble, so the buttons stay visible when a question follows). */
function answerCard(body: string, actions: Action[]): Message {
  const bubble: messagingApi.FlexBubble = {
    type: 'bubble',
    body: { type: 'box', layout: 'vertical', contents: [{ type: 'text', text: body, wrap: true, size: 'sm' }] },
    footer: { type: 'box', layout: 'vertical', spacing: 'sm', contents: actions.map((a, i) => flexButton(a, i === 0 ? 'primary' : 'secondary')) },
  };
  return { type: 'flex', altText: truncate(body, limits.flexAltText), contents: bubble };
}

/** 「URLが届かない」: the next booking's URL again, or when it comes; no booking, then how to book. */
function urlStatus(bookings: BookingSummary[], ctx: OfficeFacts, q: number): Message[] {
  const [next] = bookings;
  if (!next) return [text(copy.urlStatus.noBooking, menuQuickReplies(q, ctx))];
  const when = formatWhen(next);
  const d = next.details;
  if (d?.meetingUrl) return [answerCard(fill(copy.urlStatus.ready, ctx, { when, url: d.meetingUrl }), [openUrlAction(d.meetingUrl), callAction(ctx)])];
  if (d?.urlDay) return [answerCard(fill(copy.urlStatus.comes, ctx, { when, date: formatDate(d.urlDay) }), [callAction(ctx)])];
  return [answerCard(fill(copy.urlStatus.pending, ctx, { when }), [callAction(ctx)])];
}

/** 「時間を変更したい」: cancel and book again — in the chat while allowed, else by phone. */
function changeBooking(bookings: BookingSummary[], ctx: OfficeFacts, q: number): Message[] {
  const next = bookings.find((b) => b.cancellableInChat) ?? bookings[0];
  if (!next) return [text(copy.noBookings, menuQuickReplies(q, ctx))];
  const when = formatWhen(next);
  if (next.cancellableInChat)
    return [answerCard(fill(copy.changeBooking.inChat, ctx, { when }), [pb(copy.buttons.cancelBooking, 'booking.cancel', q, next.id), callAction(ctx)])];
  return [answerCard(fill(copy.changeBooking.byPhone, ctx, { when }), [callAction(ctx)])];
}

const bookingLines = (bookings: BookingSummary[]) => bookings.map((b) => `・${formatWhen(b)}`).join('\n');

/** Renders one intent. `q` is the conversation's current question counter (for menus). */
function render(say: Say, ctx: PresentContext, q: number): Message[] {
  switch (say.key) {
    case 'ask':
      return question(say, ctx);
    case 'termsFull': {
      const url = ctx.termsCard(say.version)?.fullTextUrl;
      if (url) return [termsLink(ctx, say.version, url)];
      const chunks = splitText(ctx.termsText(say.version) ?? '', 2500);
      return [text(fill(copy.termsFullIntro, ctx, { version: termsLabel(ctx, say.version) })), ...chunks.map((chunk) => text(chunk))];
    }
    case 'consentRecorded':
      return [text(fill(copy.consentRecorded, ctx, { version: termsLabel(ctx, say.version) }))];
    case 'fieldError':
      return [text(fieldError(say.field, say.reason), nav(q))];
    case 'faq':
      return [text(fill(copy.faq[say.topic], ctx))];
    case 'bookings':
      return myBookings(say.bookings, ctx, q);
    case 'urlStatus':
      return urlStatus(say.bookings, ctx, q);
    case 'changeBooking':
      return changeBooking(say.bookings, ctx, q);
    case 'phoneChangedInfo':
    case 'attendantChangeInfo':
    case 'numberHelp':
      return [answerCard(fill(copy[say.key], ctx), [callAction(ctx)])];
    case 'erasureRequested':
      return [text(`${fill(copy.erasureRequested, ctx)}${say.bookings.length ? `\n\n${copy.erasureKeepsUpcoming}\n${bookingLines(say.bookings)}` : ''}`)];
    case 'cancellationInfo':
      return [
        text(
          `${fill(copy.cancellationInfo, ctx)}${say.bookings.length ? `\n\n${copy.bookingsTitle}\n${bookingLines(say.bookings)}` : ''}`,
          menuQuickReplies(q, ctx),
        ),
      ];
    case 'existingBooking':
      return [text(`${fill(copy.existingBooking, ctx)}\n${bookingLines(say.bookings)}`, menuQuickReplies(q, ctx))];
    case 'dateRefused':
      return [text(`${fill(copy.dateRefused[say.reason], ctx, { date: formatDate(say.date) })}${copy.dateRefusedNext}`)];
    case 'bookingConfirmed':
      return [text(fill(copy.bookingConfirmed, ctx, { when: formatWhen(say.booking) }), menuQuickReplies(q, ctx))];
    case 'bookingCancelled':
      return [text(fill(copy.bookingCancelled, ctx, { when: formatWhen(say.booking) }), menuQuickReplies(q, ctx))];
    case 'help':
      return [text(fill(copy.help, ctx), menuQuickReplies(q, ctx))];
    case 'mediaIdle':
      return [text(fill(copy.mediaIdle, ctx), menuQuickReplies(q, ctx))];
    case 'declined':
    case 'quitDone':
    case 'notRegistered':
    case 'noMyPage':
    case 'noDevice':
    case 'noAvailability':
      return [text(fill(copy[say.key], ctx), menuQuickReplies(q, ctx))];
    case 'refused':
      // The same words as the no-show notice that announced the refusal.
      return [text(refusalText(ctx), menuQuickReplies(q, ctx))];
    case 'suspended':
      return [text(suspensionText(ctx), menuQuickReplies(q, ctx))];
    default:
      return [text(fill(copy[say.key], ctx))];
  }
}

/** The full terms as a link to their public page (`<PUBLIC_BASE_URL>/terms/<version>`): one short card. */
function termsLink(ctx: PresentContext, version: string, url: string): Message {
  const line = fill(copy.termsLink, ctx, { version: termsLabel(ctx, version) });
  const bubble: messagingApi.FlexBubble = {
    type: 'bubble',
    body: { type: 'box', layout: 'vertical', contents: [{ type: 'text', text: line, wrap: true, size: 'sm' }] },
    footer: { type: 'box', layout: 'vertical', contents: [flexButton({ type: 'uri', label: copy.buttons.readFull, uri: url }, 'primary')] },
  };
  return { type: 'flex', altText: truncate(line, limits.flexAltText), contents: bubble };
}

/**
 * Notices that open the question asked after them in the same turn, in the question's message:
 * the welcome before the terms, the consent line and the start of the booking before the first
 * question, a note that a button is out of date or that a sticker is no answer, a date or time not
 * understood. And the link to the full terms, followed by the terms question again, becomes one
 * card. One message per question (issue #11).
 */
const leads = new Set<Say['key']>([
  'welcome',
  'consentRecorded',
  'startBooking',
  'staleButton',
  'needTextOrButton',
  'dateFormatHelp',
  'timeFormatHelp',
  'termsFull',
]);

/** The labels of a message's Flex buttons. */
function labelsIn(message: Message): Set<string> {
  const found = new Set<string>();
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (o.type === 'button' && o.action && typeof (o.action as { label?: unknown }).label === 'string') found.add((o.action as { label: string }).label);
      Object.values(o).forEach(walk);
    }
  };
  walk(message);
  return found;
}

/**
 * One message from two: `first`'s words before `second`'s, `second`'s quick replies (less any button
 * already in the card). Null when they cannot be joined (two cards, or a card without a body).
 */
function joined(first: Message, second: Message): Message | null {
  const quick = second.quickReply ?? first.quickReply;
  const lines = (m: Message): string | null => (m.type === 'text' ? m.text : null);
  let merged: Message;
  if (first.type === 'text' && second.type === 'text') {
    if (first.text.length + 1 + second.text.length > limits.textLength) return null;
    merged = text(`${first.text}\n${second.text}`);
  } else {
    const card = first.type === 'flex' ? first : second.type === 'flex' ? second : null;
    const words = lines(first.type === 'flex' ? second : first);
    if (!card || words === null || card.contents.type !== 'bubble' || !card.contents.body) return null;
    const line: messagingApi.FlexText = { type: 'text', text: words, wrap: true, size: 'sm' };
    const { body, header } = card.contents;
    const altText = truncate(card === first ? `${card.altText}\n${words}` : `${words}\n${card.altText}`, limits.flexAltText);
    // Words before a card open it: above its title when it has one.
    const bubble: messagingApi.FlexBubble =
      card === first
        ? { ...card.contents, body: { ...body, contents: [...body.contents, line] } }
        : header
          ? { ...card.contents, header: { ...header, contents: [line, ...header.contents] } }
          : { ...card.contents, body: { ...body, contents: [line, ...body.contents] } };
    merged = { type: 'flex', altText, contents: bubble };
  }
  if (!quick) return merged;
  const shown = labelsIn(merged);
  const items = (quick.items ?? []).filter((item) => !(item.action && 'label' in item.action && item.action.label && shown.has(item.action.label)));
  return items.length ? { ...merged, quickReply: { items } } : merged;
}

/** Renders all intents of one turn into at most 5 LINE messages. */
export function present(says: Say[], ctx: PresentContext, q: number): Message[] {
  const messages: Message[] = [];
  let opening: Message | null = null;
  for (const [i, say] of says.entries()) {
    const rendered = render(say, ctx, q);
    const nextIsQuestion = says.slice(i + 1).find((s) => !leads.has(s.key))?.key === 'ask';
    if (leads.has(say.key) && rendered.length === 1 && nextIsQuestion) {
      const [lead] = rendered as [Message];
      opening = opening ? (joined(opening, lead) ?? (messages.push(opening), lead)) : lead;
      continue;
    }
    if (opening) {
      const [first, ...rest] = rendered;
      const together = first ? joined(opening, first) : null;
      messages.push(...(together ? [together, ...rest] : [opening, ...rendered]));
      opening = null;
    } else {
      messages.push(...rendered);
    }
  }
  if (opening) messages.push(opening);
  return fitToOneCall(messages);
}

export const systemErrorText = (office: OfficeFacts): string => fill(copy.systemError, office);

export type { BookingField };
