/**
 * Steps shared by the booking end-to-end tests (test/e2e/booking-*.test.ts): walking a chat
 * user to a given question, and looking at what the service stored for them.
 *
 * Dates assume the harness's default clock, Saturday 2026-11-28 10:00 JST: the earliest
 * bookable date is Wednesday 12-02 (two open days' notice), the horizon ends 2026-12-28.
 */
import { chatUser } from '../support/chat.ts';
import { copy } from '../../src/wording/chat.ts';
import type { Harness } from '../support/harness.ts';

export type Chat = ReturnType<typeof chatUser>;

export const FIRST_DATE = '12月2日(水)';

/** Valid answers for the four fields, as a user might type them. */
export const answers = {
  name: '港北 太郎',
  number: '12345-1234567',
  phone: '090-1234-5678',
  topic: '事務職の求人を探したい',
} as const;

/** At the first eligibility question (after agreeing, or after 「予約」 once agreed): yes to all three and the checklist, up to the name question. */
export async function answerEligibility(u: Chat): Promise<void> {
  await u.tap('はい');
  await u.tap('はい');
  await u.tap('はい');
  await u.tap('確認しました');
}

/** At the name question: the four fields (phone unchanged), up to the attendant question. */
export async function answerFields(u: Chat, name: string = answers.name): Promise<void> {
  await u.say(name);
  await u.say(answers.number);
  await u.say(answers.phone);
  await u.tap('はい、同じです');
  await u.say(answers.topic);
}

/** Follows, agrees to the terms and answers the eligibility questions and the checklist. */
export async function toNameQuestion(u: Chat): Promise<void> {
  await u.follow();
  await u.tap('同意する');
  await answerEligibility(u);
}

/** … then the four fields (phone unchanged) up to the attendant question. */
export async function toAttendantQuestion(u: Chat, name: string = answers.name): Promise<void> {
  await toNameQuestion(u);
  await answerFields(u, name);
}

/** … then no attendant, up to the date question. */
export async function toDateQuestion(u: Chat): Promise<void> {
  await toAttendantQuestion(u);
  await u.tap('なし');
}

/** … then a date and a time, up to the summary. */
export async function toSummary(u: Chat, slot: { date?: string; time?: string } = {}): Promise<void> {
  await toDateQuestion(u);
  await u.tap(slot.date ?? FIRST_DATE);
  await u.tap(slot.time ?? '10:00');
  if (!u.last.includes('ご予約内容の確認')) throw new Error(`expected the summary, got: ${u.last}`);
}

/** A whole booking; returns when it is confirmed. */
export async function book(u: Chat, slot: { date?: string; time?: string } = {}): Promise<void> {
  await toSummary(u, slot);
  await u.tap('この内容で予約する');
  if (!u.last.includes('ご予約が確定しました')) throw new Error(`expected a confirmation, got: ${u.last}`);
}

export interface StoredState {
  value: unknown;
  context: {
    q: number;
    asking: string | null;
    editing: boolean;
    draft: Record<string, unknown>;
    offeredDates: string[];
    offeredTimes: string[];
  };
}

/** The user's conversation as stored (opened with the service's sealer), or null. */
export async function storedState(h: Harness, userId: string): Promise<StoredState | null> {
  const row = await h.service.db.prisma.conversation.findUnique({ where: { userId } });
  if (!row) return null;
  const sealed = String((row.snapshot as { sealed?: unknown }).sealed);
  return JSON.parse(h.service.deps.dialogue.sealer.open(sealed)) as StoredState;
}

/** The user's confirmed bookings. */
export function confirmedBookings(h: Harness, userId: string) {
  return h.service.db.prisma.booking.findMany({ where: { userId, status: 'confirmed' }, orderBy: { startsAt: 'asc' } });
}

/** How many of the fake LINE API's accepted replies answered each of `replyTokens`. */
export function repliesPerToken(h: Harness, replyTokens: string[]): number[] {
  return replyTokens.map((token) => h.line.replies.filter((r) => r.replyToken === token).length);
}

/** The question whether the typed phone number is the registered one (the number itself masked, so only the wording is compared). */
export const phoneRegisteredQuestion = copy.questions.phoneRegistered.slice(copy.questions.phoneRegistered.indexOf('{phone}') + '{phone}'.length);

/** The name question without the privacy notice that comes before it in the same message (issue #11). */
export const nameQuestionPrompt = copy.questions.name.slice(copy.questions.name.indexOf('{privacyNotice}') + '{privacyNotice}'.length).trim();
