/**
 * Everything the bot pushes after a booking is confirmed (reminder, cancellation, no-show) and
 * what it says to a user whose bookings are refused, in one place, so the office can review and
 * change the wording without reading any logic. `{office}`, `{phone}`, `{hours}` come from the
 * configuration (OFFICE_NAME, OFFICE_PHONE, OFFICE_PHONE_HOURS); `{when}` is the consultation's
 * date and time.
 *
 * No personal data beyond the date and time goes into these messages: a push can be read on a
 * lock screen. Limits to keep in mind when editing: one text message at most 5000 characters;
 * the reminder's button label at most 20, its altText at most 1500.
 */
import type { JpDate, TimeOfDay } from '../rules/index.ts';
import { fillTemplate, formatConsultationTime } from '../text/japanese.ts';

export { formatConsultationTime };

export const lifecycleCopy = {
  /** The title the terms promise (Art. 6(3)): the reminder is 「オンライン職業相談」. */
  title: '【オンライン職業相談】',

  /**
   * The day-before reminder, a card (src/lifecycle/reminder-card.ts): the 参加する button opening
   * the meeting URL first, then the date and time, the points to check and how to cancel. The
   * altText is what the notification and the chat list show: the title the terms promise
   * (「オンライン職業相談」) and the date and time.
   */
  reminder: {
    altText: '【オンライン職業相談】{when} のご案内です。',
    join: '参加する',
    joinHint: '開始時刻になりましたら「参加する」からTeleOfficeでご参加ください。',
    whenHeading: '■日時',
    // Art. 6(3): the terms send the date and URL by e-mail; {lineNotice} is the terms version's
    // sentence that LINE repeats it (lifecycleCopy.lineNotice when the version has none).
    notice: '日時と参加用URLは、利用規約 第6条(3)のとおり、求職者マイページに登録されているメールアドレスへお送りしています。{lineNotice}',
    checksHeading: '■事前にご確認ください',
    checks: [
      '・個室など、周りに人がいない場所からご参加ください。',
      '・TeleOfficeを使える状態にして、通信環境に問題がないか確かめておいてください。',
      '・OS・ブラウザ・アプリは最新の状態にしてください（サポートが終了したOSの端末は使えません）。',
      '・ファイアウォールを有効にし、ウイルス対策ソフト（有償版相当）を最新の状態にしてください。',
      '・ファイル共有ソフトは入れないでください。相談中は不要なアプリを閉じてください。',
      '・安全かどうか分からない無料Wi-Fiは使わないでください。',
      '・相談の録画・録音や、SNSなどへの配信・公開はできません。',
    ].join('\n'),
    cancelHeading: '■キャンセル・遅れる場合',
    cancel: [
      '必ずお電話でご連絡ください。',
      '{office}',
      '電話 {phone}',
      '受付 {hours}',
      '{chatCancellation}ご連絡がないまま開始時刻を10分過ぎると、キャンセル扱いになります。ご連絡のないキャンセルが続くと、今後のご利用をお断りする場合があります。',
    ].join('\n'),
  },

  /**
   * What a terms version without its own lineNoticeWording says after the Art. 6(3) e-mail
   * sentence of the reminder (the same default as the chat's copy.lineNotice).
   */
  lineNotice: 'このLINEでもお知らせします。',

  /** Inserted into the reminder when the office allows cancelling in the chat. */
  reminderChatCancellation: 'このトークで「キャンセル」と送っても取り消せます（開始{cutoff}時間前まで）。\n',

  cancelled: [
    '【オンライン職業相談】ご予約のキャンセル',
    '次のご予約をキャンセルしました。',
    '',
    '■日時',
    '{when}',
    '',
    'あらためてご相談を希望される場合は、このトークで「予約」と送ってください。',
    'お問い合わせ：{office}',
    '電話 {phone}',
    '受付 {hours}',
  ].join('\n'),

  /** Cancelled by the office (Art. 6(4) does not cover this: the office apologises and offers a new booking). */
  cancelledByOffice: [
    '【オンライン職業相談】ご予約のキャンセル',
    '誠に申し訳ありません。{office}の都合により、次のご予約をキャンセルさせていただきました。',
    '',
    '■日時',
    '{when}',
    '',
    'ご迷惑をおかけし、申し訳ございません。',
    'あらためてご相談を希望される場合は、下の「予約する」を押すか、このトークで「予約」と送って、ご都合のよい日時をお選びください。',
    'お問い合わせ：{office}',
    '電話 {phone}',
    '受付 {hours}',
  ].join('\n'),

  /**
   * The quick reply under the office's cancellation: it sends these words, as the rich menu's
   * 予約する does, and the chat starts a booking (at most 20 characters).
   */
  bookAgainButton: '予約する',

  /** Staff moved the booking at the user's phone request. */
  rescheduled: [
    '【オンライン職業相談】ご予約日時の変更',
    'お電話でのご依頼により、ご予約の日時を次のとおり変更しました。',
    '',
    '■変更後の日時',
    '{when}',
    '',
    '（変更前：{before}）',
    '',
    '参加用URLは、前日にこのトークでお送りします。',
    '変更やキャンセルは、お電話でご連絡ください。',
    '{office}',
    '電話 {phone}',
    '受付 {hours}',
  ].join('\n'),

  /** A short message typed by staff (e.g. the counsellor will be late); {message} is their text. */
  staffMessage: [
    '【オンライン職業相談】{office}からのご連絡',
    '',
    '{message}',
    '',
    'このトークへの返信では、職員にお返事が届きません。お問い合わせはお電話でお願いします。',
    '電話 {phone}',
    '受付 {hours}',
  ].join('\n'),

  noShow: [
    '【オンライン職業相談】',
    '次のご予約は、ご連絡がないまま開始時刻を10分過ぎたため、キャンセル扱いとなりました（利用規約 第6条(4)）。',
    '',
    '■日時',
    '{when}',
    '',
    '{next}',
    'お問い合わせ：{office}',
    '電話 {phone}',
    '受付 {hours}',
  ].join('\n'),

  noShowBookAgain:
    'あらためてご相談を希望される場合は、このトークで「予約」と送って、もう一度ご予約ください。\n' +
    '予約した日時に参加できないときは、必ず事前にお電話でご連絡ください。ご連絡のないキャンセルが続くと、今後のご利用をお断りする場合があります。',

  noShowRefused:
    'ご連絡のないキャンセルが続いたため、今後のオンライン職業相談のご予約はお受けできなくなりました。\n' + 'ご利用の再開については、お電話でご相談ください。',

  /** What the bot answers when a refused user tries to book (Art. 6(4)). */
  refusal: [
    '申し訳ありませんが、現在オンライン職業相談のご予約をお受けできません。',
    'ご連絡のないキャンセルが続いたため、利用規約 第6条(4)により、ご利用をお断りしています。',
    'ご利用の再開については、{office}までお電話でご相談ください。',
    '電話 {phone}',
    '受付 {hours}',
  ].join('\n'),

  /**
   * What the bot answers a user whose online booking staff suspended (Art. 12). Polite and
   * without naming the reason: the office explains it on the phone.
   */
  suspension: [
    '申し訳ありませんが、現在オンライン職業相談のご予約はお受けできません。',
    'ご相談は、お手数ですが{office}までお電話でお問い合わせください。',
    '電話 {phone}',
    '受付 {hours}',
  ].join('\n'),
} as const;

/** The office facts the messages name; the configuration's OFFICE_* values. */
export type OfficeContact = {
  officeName: string;
  officePhone: string;
  officePhoneHours: string;
};

/** The consultation's slot, as the messages show it. */
export type ConsultationSlot = {
  date: JpDate;
  startTime: TimeOfDay;
  /** Length of a session (the rules' slotMinutes, 30). */
  slotMinutes: number;
};

/** The day-before reminder's words (Art. 6(3)), filled in; src/lifecycle/reminder-card.ts lays them out. */
export type ReminderWords = { [K in keyof typeof lifecycleCopy.reminder]: string } & { when: string };

/** The day-before reminder (Art. 6(3)): title, date and time, the points to check, how to cancel (the meeting URL is the card's button). */
export function reminderWords(args: {
  slot: ConsultationSlot;
  office: OfficeContact;
  /** Hours before the start until which the chat cancels; undefined when chat cancellation is off. */
  chatCancellationCutoffHours?: number | undefined;
  /**
   * The sentence of the terms version in force saying that LINE repeats the e-mail of Art. 6(3)
   * (its lineNoticeWording); empty or absent: lifecycleCopy.lineNotice.
   */
  lineNotice?: string | null | undefined;
}): ReminderWords {
  const chatCancellation =
    args.chatCancellationCutoffHours === undefined
      ? ''
      : fillTemplate(lifecycleCopy.reminderChatCancellation, { cutoff: String(args.chatCancellationCutoffHours) });
  const values = {
    ...officeVars(args.office),
    when: formatConsultationTime(args.slot),
    chatCancellation,
    lineNotice: args.lineNotice || lifecycleCopy.lineNotice,
  };
  const words = Object.entries(lifecycleCopy.reminder).map(([key, template]) => [key, fillTemplate(template, values)]);
  return { ...(Object.fromEntries(words) as Omit<ReminderWords, 'when'>), when: values.when };
}

/**
 * The confirmation pushed when staff cancel a booking: at the user's request (by phone), or for
 * the office's reasons (with an apology and an invitation to book again).
 */
export function cancelledText(args: { slot: ConsultationSlot; office: OfficeContact; byOffice?: boolean }): string {
  return fillTemplate(args.byOffice ? lifecycleCopy.cancelledByOffice : lifecycleCopy.cancelled, {
    ...officeVars(args.office),
    when: formatConsultationTime(args.slot),
  });
}

/** The notice pushed when staff move a booking at the user's phone request: new time, and the old one. */
export function rescheduledText(args: { slot: ConsultationSlot; before: ConsultationSlot; office: OfficeContact }): string {
  return fillTemplate(lifecycleCopy.rescheduled, {
    ...officeVars(args.office),
    when: formatConsultationTime(args.slot),
    before: formatConsultationTime(args.before),
  });
}

/** A message typed by staff, framed with the title and the office's phone number. */
export function staffMessageText(args: { message: string; office: OfficeContact }): string {
  return fillTemplate(lifecycleCopy.staffMessage, { ...officeVars(args.office), message: args.message });
}

/** The notice pushed when staff record a no-show: it counts as a cancellation; how to book again, or that bookings are now refused. */
export function noShowText(args: { slot: ConsultationSlot; office: OfficeContact; refused: boolean }): string {
  return fillTemplate(lifecycleCopy.noShow, {
    ...officeVars(args.office),
    when: formatConsultationTime(args.slot),
    next: args.refused ? lifecycleCopy.noShowRefused : lifecycleCopy.noShowBookAgain,
  });
}

/** What the bot answers a refused user who asks to book, with the office phone number. */
export function refusalText(office: OfficeContact): string {
  return fillTemplate(lifecycleCopy.refusal, officeVars(office));
}

/** What the bot answers a user whose online booking is suspended (Art. 12) when they ask to book. */
export function suspensionText(office: OfficeContact): string {
  return fillTemplate(lifecycleCopy.suspension, officeVars(office));
}

function officeVars(office: OfficeContact): Record<string, string> {
  return { office: office.officeName, phone: office.officePhone, hours: office.officePhoneHours };
}
