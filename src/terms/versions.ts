/**
 * Versions of the terms of use (Art. 14): drafts written by an admin, published with an
 * effective date in the future, and the facts the consent card and the public page need.
 *
 * A version's `version` is its effective date in Japan (YYYY-MM-DD): it names the public page
 * (`/terms/2026-04-01`), and one date cannot hold two versions. The version in force at an
 * instant is the published one with the latest effective date not after it
 * (src/db/repositories.ts `termsInForce`); drafts are never in force and never public.
 */
import type { Db } from '../db/repositories.ts';
import { addDays, isJpDate, tokyoDateOf, tokyoInstant } from '../rules/index.ts';
import type { JpDate } from '../rules/index.ts';

/** What the consent card of a version shows; all of it is data of the version. */
export type TermsCard = {
  version: string;
  label: string;
  cardSummary: string;
  changeSummary: string | null;
  effectiveDate: JpDate;
  /** Absolute https URL of the public full-text page, when PUBLIC_BASE_URL is set. */
  fullTextUrl: string | undefined;
};

/** Limits that keep every message built from a version within LINE's (flex bubble, altText). */
export const termsLimits = {
  label: 40,
  title: 60,
  body: 100_000,
  changeSummary: 600,
  cardSummary: 800,
  lineNoticeWording: 120,
} as const;

export const defaultTermsTitle = 'オンライン職業相談利用規約';

/** A draft could not be created or published; `field` names the form field, `message` is Japanese. */
export class TermsVersionError extends Error {
  override name = 'TermsVersionError';
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}

export type TermsDraftInput = {
  label: string;
  effectiveDate: string;
  body: string;
  changeSummary: string;
  cardSummary: string;
  title?: string;
  /**
   * Art. 6(3) sends the date and URL by e-mail; the sentence saying this service also sends them
   * in LINE (confirmation, reminder, FAQ). Empty: the default (copy.lineNotice), stored as null.
   */
  lineNoticeWording?: string;
};

/** A draft as validated: the optional LINE-notice sentence is null when left empty. */
export type ValidTermsDraft = Required<Omit<TermsDraftInput, 'lineNoticeWording'>> & { lineNoticeWording: string | null };

/** Line breaks normalised, control characters (other than newline and tab) removed, trimmed. */
export function cleanText(value: string): string {
  return (
    value
      .replace(/\r\n?/g, '\n')
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b-\u001f\u007f\u200b-\u200f\u2028\u2029\ufeff]/g, '')
      .trim()
  );
}

/**
 * Checks a draft: every field present and within its limit, the effective date a real date at
 * least tomorrow (Japan) — the change must be announced before it takes effect — and not a date
 * that already has a version. Returns the cleaned values or throws TermsVersionError.
 */
export async function validateTermsDraft(db: Db, input: TermsDraftInput, now: Date): Promise<ValidTermsDraft> {
  const label = cleanText(input.label).replace(/\s+/g, ' ');
  const title = cleanText(input.title ?? '') || defaultTermsTitle;
  const body = cleanText(input.body);
  const changeSummary = cleanText(input.changeSummary);
  const cardSummary = cleanText(input.cardSummary);
  // One sentence of a message: line breaks and runs of spaces become one space.
  const lineNoticeWording = cleanText(input.lineNoticeWording ?? '').replace(/\s+/g, ' ') || null;
  const effectiveDate = input.effectiveDate.trim();
  if (!label) throw new TermsVersionError('label', '改定の表示名（例：令和8年4月1日改定）を入力してください。');
  if (label.length > termsLimits.label) throw new TermsVersionError('label', `改定の表示名は${termsLimits.label}文字以内で入力してください。`);
  if (title.length > termsLimits.title) throw new TermsVersionError('title', `題名は${termsLimits.title}文字以内で入力してください。`);
  if (!isJpDate(effectiveDate)) throw new TermsVersionError('effectiveDate', '適用日を「2026-04-01」の形で入力してください。');
  const earliest = addDays(tokyoDateOf(now), 1);
  if (effectiveDate < earliest)
    throw new TermsVersionError('effectiveDate', `適用日は明日（${earliest}）以降の日付にしてください。改定は適用日より前に利用者へ知らせる必要があります。`);
  if (!body) throw new TermsVersionError('body', '規約の全文を入力してください。');
  if (body.length > termsLimits.body) throw new TermsVersionError('body', `規約の全文は${termsLimits.body}文字以内にしてください。`);
  if (!changeSummary) throw new TermsVersionError('changeSummary', '変更点の要約を入力してください（お知らせと同意確認に表示されます）。');
  if (changeSummary.length > termsLimits.changeSummary)
    throw new TermsVersionError('changeSummary', `変更点の要約は${termsLimits.changeSummary}文字以内にしてください。`);
  if (!cardSummary) throw new TermsVersionError('cardSummary', '規約の要約を入力してください（同意確認のカードに表示されます）。');
  if (cardSummary.length > termsLimits.cardSummary)
    throw new TermsVersionError('cardSummary', `規約の要約は${termsLimits.cardSummary}文字以内にしてください。`);
  if (lineNoticeWording !== null && lineNoticeWording.length > termsLimits.lineNoticeWording)
    throw new TermsVersionError('lineNoticeWording', `LINEでのお知らせの一文は${termsLimits.lineNoticeWording}文字以内にしてください（空欄なら既定の文）。`);
  if (lineNoticeWording !== null && /[{}]/.test(lineNoticeWording))
    throw new TermsVersionError('lineNoticeWording', 'LINEでのお知らせの一文に「{」「}」は使えません。');
  const clash = await db.termsVersion.findUnique({ where: { version: effectiveDate }, select: { id: true } });
  if (clash) throw new TermsVersionError('effectiveDate', `${effectiveDate}に適用される版がすでにあります。別の適用日にするか、その版を使ってください。`);
  return { label, title, body, changeSummary, cardSummary, lineNoticeWording, effectiveDate };
}

/** Creates a draft version (not in force, not public, nobody told) for an admin to preview and publish. */
export async function createTermsDraft(db: Db, input: TermsDraftInput, now: Date) {
  const draft = await validateTermsDraft(db, input, now);
  return db.termsVersion.create({
    data: {
      version: draft.effectiveDate,
      title: draft.title,
      label: draft.label,
      body: draft.body,
      changeSummary: draft.changeSummary,
      cardSummary: draft.cardSummary,
      lineNoticeWording: draft.lineNoticeWording,
      effectiveAt: tokyoInstant(draft.effectiveDate, '00:00'),
      status: 'draft',
      createdAt: now,
    },
  });
}

/** Deletes a draft (a published version is never deleted: consents point to it). */
export async function deleteTermsDraft(db: Db, id: number): Promise<boolean> {
  const { count } = await db.termsVersion.deleteMany({ where: { id, status: 'draft' } });
  return count === 1;
}

/** Every version, newest effective date first, without the full text. */
export async function listTermsVersions(db: Db) {
  return db.termsVersion.findMany({
    orderBy: { effectiveAt: 'desc' },
    select: { id: true, version: true, label: true, title: true, effectiveAt: true, status: true, publishedAt: true, changeSummary: true, createdAt: true },
  });
}

/** A published version by its name (the effective date), for the public page; drafts are not found. */
export async function publishedTermsVersion(db: Db, version: string) {
  return db.termsVersion.findFirst({ where: { version, status: 'published' } });
}

/** The label users see: the version's own, or for a row without one its date. */
export function labelOf(terms: { label: string | null; version: string }): string {
  return terms.label ?? `${terms.version}版`;
}

/** The public full-text page of a version, when the service knows its public address. */
export function termsPageUrl(publicBaseUrl: string | undefined, version: string): string | undefined {
  return publicBaseUrl ? `${publicBaseUrl.replace(/\/+$/, '')}/terms/${encodeURIComponent(version)}` : undefined;
}

/** The consent card's facts for a version (published or a draft being previewed). */
export function termsCardOf(
  terms: { version: string; label: string | null; cardSummary: string | null; changeSummary: string | null; effectiveAt: Date },
  publicBaseUrl: string | undefined,
): TermsCard {
  return {
    version: terms.version,
    label: labelOf(terms),
    cardSummary: terms.cardSummary ?? '',
    changeSummary: terms.changeSummary,
    effectiveDate: tokyoDateOf(terms.effectiveAt),
    fullTextUrl: termsPageUrl(publicBaseUrl, terms.version),
  };
}

/** The consent card's facts for a version by name; undefined if there is no such version. */
export async function termsCardFor(db: Db, version: string, publicBaseUrl: string | undefined): Promise<TermsCard | undefined> {
  const terms = await db.termsVersion.findUnique({
    where: { version },
    select: { version: true, label: true, cardSummary: true, changeSummary: true, effectiveAt: true },
  });
  return terms ? termsCardOf(terms, publicBaseUrl) : undefined;
}
