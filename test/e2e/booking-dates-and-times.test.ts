/**
 * The date and time questions: typed dates and times, the reasons a date cannot be booked
 * (each followed by fresh choices), paging to later dates, and choices that became invalid
 * while the user was looking at them. Clock: Saturday 2026-11-28 10:00 JST, so 12-01 is past
 * the deadline, 12-02 is the first bookable date and the horizon ends on 12-28.
 */
import { describe, expect, it } from 'vitest';
import { useHarness } from '../support/harness.ts';
import { chatUser } from '../support/chat.ts';
import { copy } from '../../src/wording/chat.ts';
import { book, FIRST_DATE, storedState, toDateQuestion } from './booking-steps.ts';
import type { Chat } from './booking-steps.ts';

const FIRST_PAGE = ['12月2日(水)', '12月3日(木)', '12月4日(金)', '12月7日(月)', '12月8日(火)', '12月9日(水)', '12月10日(木)', '12月11日(金)'];
const SECOND_PAGE = ['12月14日(月)', '12月15日(火)', '12月16日(水)', '12月17日(木)', '12月18日(金)', '12月21日(月)', '12月22日(火)', '12月23日(水)'];
const LAST_PAGE = ['12月24日(木)', '12月25日(金)', '12月28日(月)'];
const dateLabels = (u: Chat) => u.labels().filter((l) => /^\d+月\d+日/.test(l ?? ''));

describe('choosing the date and the time', () => {
  const h = useHarness();

  it('offers the bookable dates eight at a time, with 「もっと後の日」 and 「前の日程」 to page through them', async () => {
    const u = chatUser(h, 'paging');
    await toDateQuestion(u);
    expect(dateLabels(u)).toEqual(FIRST_PAGE);
    expect(u.labels().slice(8)).toEqual(['もっと後の日', '戻る', 'やめる']);
    await u.tap('もっと後の日');
    expect(u.last).toContain(copy.questions.dateLaterPage);
    expect(dateLabels(u)).toEqual(SECOND_PAGE);
    expect(u.labels().slice(8)).toEqual(['もっと後の日', '前の日程', '戻る', 'やめる']);
    await u.tap('もっと後の日');
    // The last page: weekends and the year-end closure (12-29 on) are never offered.
    expect(dateLabels(u)).toEqual(LAST_PAGE);
    expect(u.labels()).not.toContain('もっと後の日');
    await u.tap('前の日程');
    expect(dateLabels(u)).toEqual(SECOND_PAGE);
    await u.tap('12月16日(水)');
    expect(u.last).toContain('12月16日(水) の空いている時間');
  });

  it('accepts a typed date like 12/3, 12月3日 or １２／３ and asks for the time of that day', async () => {
    const u = chatUser(h, 'typed-date');
    await toDateQuestion(u);
    for (const typed of ['12/3', '12月3日', '１２／３', '12月3日(木)']) {
      await u.say(typed);
      expect(u.last, typed).toContain('12月3日(木) の空いている時間');
      expect((await storedState(h, u.userId))?.context.draft.date).toBe('2026-12-03');
      await u.tap('別の日にする');
      expect(u.last).toContain(copy.questions.date);
    }
  });

  it('explains why a typed date cannot be booked — weekend, past the deadline, beyond the horizon, past — and offers fresh choices', async () => {
    const u = chatUser(h, 'refused-dates');
    await toDateQuestion(u);
    const cases: Array<[string, string]> = [
      ['12/5', '12月5日(土) は閉庁日のため'],
      ['12月6日', '12月6日(日) は閉庁日のため'],
      ['12/1', '12月1日(火) は予約の締切（相談日の2開庁日前まで）を過ぎています'],
      ['11/30', '11月30日(月) は予約の締切'],
      ['12/29', '12月29日(火) はまだ予約を受け付けていません（30日先までご予約いただけます）'],
      ['1/15', '1月15日(金) はまだ予約を受け付けていません'],
      ['2026/11/20', '11月20日(金) は過ぎています'],
    ];
    for (const [typed, reason] of cases) {
      const before = await storedState(h, u.userId);
      await u.say(typed);
      expect(u.lastReply, typed).toHaveLength(2);
      expect(u.lastReply[0]).toMatchObject({ type: 'text' });
      expect(u.last, typed).toContain(reason);
      expect(u.last, typed).toContain(copy.dateRefusedNext);
      // Fresh choices: the date question again with new buttons.
      expect(u.last).toContain(copy.questions.date);
      expect(dateLabels(u)).toEqual(FIRST_PAGE);
      const after = await storedState(h, u.userId);
      expect(after?.value).toBe('date');
      expect(after?.context.q).toBeGreaterThan(before?.context.q ?? Infinity);
      expect(after?.context.draft.date).toBeUndefined();
    }
    // Something that is not a date gets a hint on how to type one.
    await u.say('来週のどこか');
    expect(u.last).toContain(copy.dateFormatHelp);
    expect(u.last).toContain(copy.briefQuestions.date);
    expect((await storedState(h, u.userId))?.value).toBe('date');
  });

  it('calls a typed date of last week past, and reads 1/5 as next January (issue #11)', async () => {
    const u = chatUser(h, 'past-or-next-year');
    await toDateQuestion(u);
    // Today is Saturday 28 November 2026.
    await u.say('11/20');
    expect(u.last).toContain('11月20日(金) は過ぎています');
    expect(u.last).not.toContain('まだ予約を受け付けていません');
    await u.say('11月27日');
    expect(u.last).toContain('11月27日(金) は過ぎています');
    // Across the year boundary: next January, refused because it is beyond the 30-day horizon.
    await u.say('1/5');
    expect(u.last).toContain('1月5日(火) はまだ予約を受け付けていません');
    expect(dateLabels(u)).toEqual(FIRST_PAGE);
    expect((await storedState(h, u.userId))?.value).toBe('date');
  });

  it("understands a date typed at the time question: that date's times, or why it cannot be booked (issue #11)", async () => {
    const u = chatUser(h, 'date-at-time');
    await toDateQuestion(u);
    await u.tap(FIRST_DATE);
    expect(u.last).toContain('12月2日(水) の空いている時間');
    await u.say('12/4');
    expect(u.last).toContain('12月4日(金) の空いている時間');
    expect((await storedState(h, u.userId))?.context.draft.date).toBe('2026-12-04');
    await u.say('12月7日');
    expect(u.last).toContain('12月7日(月) の空いている時間');
    // The time grid of the new date books that date.
    await u.tap('11:00');
    expect(u.last).toContain('日時：2026年12月7日(月) 11:00〜11:30');
    await u.tap('戻る');
    // A date that cannot be booked: the reason, then the dates to choose from.
    await u.say('12月5日');
    expect(u.last).toContain('12月5日(土) は閉庁日のため');
    expect(u.last).toContain(copy.questions.date);
    expect(dateLabels(u)).toEqual(FIRST_PAGE);
    const state = await storedState(h, u.userId);
    expect(state?.value).toBe('date');
    // A time is still read as a time at the time question.
    await u.tap('12月3日(木)');
    await u.say('10時半');
    expect(u.last).toContain('日時：2026年12月3日(木) 10:30〜11:00');
  });

  it('accepts a typed time like 10時半, 10:00 or 3時 (afternoon) and refuses one that is not offered', async () => {
    const u = chatUser(h, 'typed-time');
    await toDateQuestion(u);
    await u.say('12/3');
    await u.say('10時半');
    expect(u.last).toContain('日時：2026年12月3日(木) 10:30〜11:00');
    expect((await storedState(h, u.userId))?.context.draft.time).toBe('10:30');
    await u.tap('戻る');
    await u.say('３時');
    expect(u.last).toContain('日時：2026年12月3日(木) 15:00〜15:30');
    await u.tap('戻る');
    await u.say('１１：００');
    expect(u.last).toContain('日時：2026年12月3日(木) 11:00〜11:30');
    await u.tap('戻る');
    // 8:00 and 17:00 are outside the slots; 25時 is not a time at all.
    for (const typed of ['8時', '17時', '10時15分']) {
      await u.say(typed);
      expect(u.last, typed).toContain(copy.timeTaken);
      expect(u.labels(), typed).toContain('10:00');
      expect((await storedState(h, u.userId))?.value).toBe('time');
    }
    await u.say('25時');
    expect(u.last).toContain(copy.timeFormatHelp);
    expect((await storedState(h, u.userId))?.value).toBe('time');
  });
});

describe('choices that became invalid while the user was looking at them', () => {
  // One start time a day, so one booking fills a whole date.
  const h = useHarness({ env: { SLOT_STARTS: '10:00,10:30' } });

  it('answers a tap on a time just taken by someone else with an explanation and the times still free', async () => {
    const slow = chatUser(h, 'slow-time');
    await toDateQuestion(slow);
    await slow.tap(FIRST_DATE);
    expect(slow.labels()).toContain('10:00');
    await book(chatUser(h, 'fast-time'), { time: '10:00' });
    await slow.tap('10:00');
    expect(slow.last).toContain(copy.timeTaken);
    expect(slow.labels()).not.toContain('10:00');
    expect(slow.labels()).toContain('10:30');
    expect((await storedState(h, slow.userId))?.context.draft.time).toBeUndefined();
  });

  it('answers a date that filled up meanwhile, tapped or typed, with an explanation and fresh dates', async () => {
    const slow = chatUser(h, 'slow-date');
    await toDateQuestion(slow);
    expect(dateLabels(slow)).toContain('12月3日(木)');
    const dataOf3rd = slow.dataOf('12月3日(木)');
    // Someone else takes both times of 12-03.
    await book(chatUser(h, 'fast-date-1'), { date: '12月3日(木)', time: '10:00' });
    await book(chatUser(h, 'fast-date-2'), { date: '12月3日(木)', time: '10:30' });
    await slow.postback(dataOf3rd);
    expect(slow.last).toContain('12月3日(木) は空いている時間がありません');
    expect(dateLabels(slow)).not.toContain('12月3日(木)');
    await slow.say('12/3');
    expect(slow.last).toContain('12月3日(木) は空いている時間がありません');
    expect(dateLabels(slow)[0]).toBe(FIRST_DATE);
    expect((await storedState(h, slow.userId))?.value).toBe('date');
  });

  it('sends the user back to the dates when the date filled up while they were choosing a time', async () => {
    const slow = chatUser(h, 'slow-day');
    await toDateQuestion(slow);
    await slow.tap('12月4日(金)');
    await book(chatUser(h, 'fast-day-1'), { date: '12月4日(金)', time: '10:00' });
    await book(chatUser(h, 'fast-day-2'), { date: '12月4日(金)', time: '10:30' });
    await slow.tap('10:30');
    expect(slow.last).toContain(copy.timeTaken);
    expect(slow.last).toContain(copy.dateFull);
    expect(dateLabels(slow)).not.toContain('12月4日(金)');
    expect((await storedState(h, slow.userId))?.value).toBe('date');
  });
});
