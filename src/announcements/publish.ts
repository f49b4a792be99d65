/**
 * Publishing: a terms version goes from draft to published and is announced to every current
 * follower; an office notice is addressed to every follower or to the users booked in a date
 * range. Both become an announcement whose recipients are computed here, once, and stored as
 * batches of at most 500 — each with its own X-Line-Retry-Key, written before anything is sent —
 * in the same transaction as the publication. Later follows and unfollows do not change the
 * list (an unfollow is still honoured at send time: see sender.ts).
 *
 * "Current follower": a user whose last follow event was not followed by an unfollow
 * (`unfollowed_at IS NULL`), including users who wrote to the account without a recorded
 * follow event (they can be reached). Users who blocked the account are never addressed.
 */
import { randomUUID } from 'node:crypto';
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';
import { addDays, isJpDate, tokyoDateOf } from '../rules/index.ts';
import type { JpDate } from '../rules/index.ts';
import { labelOf, termsPageUrl, TermsVersionError, cleanText } from '../terms/versions.ts';
import { multicastMaxRecipients } from './multicast.ts';
import { noticeBodyMaxLength, officeNoticeMessages, termsChangeMessages, variants } from './messages.ts';
import type { OfficeWording, Variant } from './messages.ts';
import type { Message } from '../line/messages.ts';
import { upcomingStatuses } from '../booking/status.ts';

export const announcementKinds = { termsChange: 'terms-change', officeNotice: 'office-notice' } as const;
export const audiences = { allFollowers: 'all-followers', bookedInRange: 'booked-in-range' } as const;
export type Audience = (typeof audiences)[keyof typeof audiences];

/** An office notice's form was not usable; `field` names the field, `message` is Japanese. */
export class AnnouncementInputError extends Error {
  override name = 'AnnouncementInputError';
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}

export type PublishOptions = {
  now: Date;
  office: OfficeWording;
  publicBaseUrl: string | undefined;
  /** Who published (a staff account id or login), for the console; no personal data of users. */
  by?: string | undefined;
  /** Recipients per multicast (tests use fewer); at most 500. */
  batchSize?: number;
};

/** Every current follower's id, in a stable order. */
async function currentFollowers(tx: Prisma.TransactionClient): Promise<string[]> {
  const rows = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM line_users WHERE unfollowed_at IS NULL ORDER BY id`;
  return rows.map((row) => row.id);
}

/** Current followers with a booking still on (confirmed or late-but-announced) from `from` to `to` (Japan dates, inclusive). */
async function bookedFollowers(tx: Prisma.TransactionClient, from: JpDate, to: JpDate | null): Promise<string[]> {
  const rows = await tx.lineUser.findMany({
    where: { unfollowedAt: null, bookings: { some: { status: { in: [...upcomingStatuses] }, date: to === null ? { gte: from } : { gte: from, lte: to } } } },
    select: { id: true },
    orderBy: { id: 'asc' },
  });
  return rows.map((row) => row.id);
}

/** Stores the announcement and its batches (one retry key each, before any attempt). */
async function storeAnnouncement(
  tx: Prisma.TransactionClient,
  data: {
    kind: string;
    title: string;
    body: string | null;
    audience: Audience;
    rangeFrom: string | null;
    rangeTo: string | null;
    termsVersionId: number | null;
  },
  groups: Array<{ variant: Variant; recipients: string[]; messages: Message[] }>,
  options: PublishOptions,
) {
  const size = Math.min(options.batchSize ?? multicastMaxRecipients, multicastMaxRecipients);
  const messages: Record<string, Message[]> = {};
  for (const group of groups) messages[group.variant] = group.messages;
  const total = groups.reduce((sum, group) => sum + group.recipients.length, 0);
  const announcement = await tx.announcement.create({
    data: {
      ...data,
      messages,
      status: total === 0 ? 'done' : 'sending',
      createdBy: options.by ?? null,
      createdAt: options.now,
      completedAt: total === 0 ? options.now : null,
    },
  });
  const batches: Prisma.AnnouncementBatchCreateManyInput[] = [];
  for (const group of groups) {
    for (let i = 0; i < group.recipients.length; i += size) {
      batches.push({
        announcementId: announcement.id,
        seq: batches.length + 1,
        variant: group.variant,
        recipients: group.recipients.slice(i, i + size),
        retryKey: randomUUID(),
        nextAttemptAt: options.now,
      });
    }
  }
  // createMany in slices keeps each statement's parameter count modest.
  for (let i = 0; i < batches.length; i += 200) await tx.announcementBatch.createMany({ data: batches.slice(i, i + 200) });
  return { announcement, batches: batches.length, recipients: total };
}

/** The messages a terms version's announcement will send, per variant (for the console's preview too). */
export function termsAnnouncementMessages(
  terms: { version: string; label: string | null; effectiveAt: Date; changeSummary: string | null; cardSummary: string | null; body: string },
  options: Pick<PublishOptions, 'office' | 'publicBaseUrl'>,
): Record<Variant, Message[]> {
  const input = {
    label: labelOf(terms),
    effectiveDate: tokyoDateOf(terms.effectiveAt),
    changeSummary: terms.changeSummary ?? '',
    cardSummary: terms.cardSummary ?? '',
    body: terms.body,
    fullTextUrl: termsPageUrl(options.publicBaseUrl, terms.version),
  };
  return { all: termsChangeMessages(input, variants.all, options.office), booked: termsChangeMessages(input, variants.booked, options.office) };
}

/**
 * Publishes a draft and announces it, in one transaction: the version becomes public and will be
 * in force from its effective date; every current follower gets one announcement — those with a
 * booking on or after the effective date the variant saying their booking stays valid. Refused
 * (TermsVersionError) when the version is not a draft or its effective date is no longer in the
 * future: the change must be announced before it takes effect.
 */
export async function publishTermsVersion(prisma: PrismaClient, versionId: number, options: PublishOptions) {
  return prisma.$transaction(
    async (tx) => {
      const terms = await tx.termsVersion.findUnique({ where: { id: versionId } });
      if (!terms) throw new TermsVersionError('id', 'その版は見つかりません。一覧から選び直してください。');
      if (terms.status !== 'draft') throw new TermsVersionError('status', 'この版はすでに公開されています。');
      const effectiveDate = tokyoDateOf(terms.effectiveAt);
      if (effectiveDate <= tokyoDateOf(options.now)) {
        throw new TermsVersionError(
          'effectiveDate',
          `適用日（${effectiveDate}）が今日以前のため公開できません。この下書きを削除し、明日以降の適用日で作り直してください。`,
        );
      }
      const messages = termsAnnouncementMessages(terms, options);
      const { count } = await tx.termsVersion.updateMany({
        where: { id: versionId, status: 'draft' },
        data: { status: 'published', publishedAt: options.now },
      });
      if (count !== 1) throw new TermsVersionError('status', 'この版はすでに公開されています。');
      const followers = await currentFollowers(tx);
      const booked = new Set(await bookedFollowers(tx, effectiveDate, null));
      return storeAnnouncement(
        tx,
        {
          kind: announcementKinds.termsChange,
          title: `利用規約改定のお知らせ（${labelOf(terms)}）`,
          body: null,
          audience: audiences.allFollowers,
          rangeFrom: null,
          rangeTo: null,
          termsVersionId: terms.id,
        },
        [
          { variant: variants.all, recipients: followers.filter((id) => !booked.has(id)), messages: messages.all },
          { variant: variants.booked, recipients: followers.filter((id) => booked.has(id)), messages: messages.booked },
        ],
        options,
      );
    },
    { timeout: 120_000, maxWait: 20_000 },
  );
}

export type OfficeNoticeInput = {
  title: string;
  body: string;
  audience: string;
  rangeFrom?: string | undefined;
  rangeTo?: string | undefined;
};

/** Checks an office notice form; returns the cleaned values or throws AnnouncementInputError. */
export function validateOfficeNotice(input: OfficeNoticeInput): {
  title: string;
  body: string;
  audience: Audience;
  rangeFrom: JpDate | null;
  rangeTo: JpDate | null;
} {
  const title = cleanText(input.title).replace(/\s+/g, ' ');
  const body = cleanText(input.body);
  if (!title) throw new AnnouncementInputError('title', '件名（管理用）を入力してください。');
  if (title.length > 60) throw new AnnouncementInputError('title', '件名は60文字以内で入力してください。');
  if (!body) throw new AnnouncementInputError('body', 'お知らせの本文を入力してください。');
  if (body.length > noticeBodyMaxLength) throw new AnnouncementInputError('body', `本文は${noticeBodyMaxLength}文字以内で入力してください。`);
  if (input.audience === audiences.allFollowers) return { title, body, audience: audiences.allFollowers, rangeFrom: null, rangeTo: null };
  if (input.audience !== audiences.bookedInRange) throw new AnnouncementInputError('audience', '宛先を選んでください。');
  const from = (input.rangeFrom ?? '').trim();
  const to = (input.rangeTo ?? '').trim() || from;
  if (!isJpDate(from)) throw new AnnouncementInputError('rangeFrom', '予約日の範囲の開始日を「2026-12-09」の形で入力してください。');
  if (!isJpDate(to)) throw new AnnouncementInputError('rangeTo', '予約日の範囲の終了日を「2026-12-09」の形で入力してください。');
  if (to < from) throw new AnnouncementInputError('rangeTo', '終了日は開始日と同じか、それより後の日付にしてください。');
  if (to > addDays(from, 366)) throw new AnnouncementInputError('rangeTo', '予約日の範囲は1年以内にしてください。');
  return { title, body, audience: audiences.bookedInRange, rangeFrom: from, rangeTo: to };
}

/** How many users an office notice would reach now (for the preview). */
export async function countNoticeRecipients(prisma: PrismaClient, notice: ReturnType<typeof validateOfficeNotice>): Promise<number> {
  return prisma.$transaction(
    async (tx) =>
      (notice.audience === audiences.allFollowers ? await currentFollowers(tx) : await bookedFollowers(tx, notice.rangeFrom ?? '', notice.rangeTo)).length,
  );
}

/**
 * Sends an office notice: to every current follower, or to the current followers with a booking
 * still on in the date range (e.g. the day of a closure). Refused when nobody would receive it.
 */
export async function createOfficeNotice(prisma: PrismaClient, input: OfficeNoticeInput, options: PublishOptions) {
  const notice = validateOfficeNotice(input);
  const messages = officeNoticeMessages(notice.body, options.office);
  return prisma.$transaction(
    async (tx) => {
      const recipients =
        notice.audience === audiences.allFollowers ? await currentFollowers(tx) : await bookedFollowers(tx, notice.rangeFrom ?? '', notice.rangeTo);
      if (recipients.length === 0) {
        throw new AnnouncementInputError(
          'audience',
          notice.audience === audiences.allFollowers
            ? '友だち登録中の利用者がいないため、送る相手がいません。'
            : 'その期間にご予約中の利用者がいないため、送る相手がいません。期間を確かめてください。',
        );
      }
      return storeAnnouncement(
        tx,
        {
          kind: announcementKinds.officeNotice,
          title: notice.title,
          body: notice.body,
          audience: notice.audience,
          rangeFrom: notice.rangeFrom,
          rangeTo: notice.rangeTo,
          termsVersionId: null,
        },
        [{ variant: variants.all, recipients, messages }],
        options,
      );
    },
    { timeout: 120_000, maxWait: 20_000 },
  );
}
