/**
 * The 利用者 and カレンダー pages in headless Chromium (Debian's chromium driven by
 * playwright-core), against the whole service on a loopback port with the real LINE SDK and the
 * fake LINE API: a clerk suspends a user and the user meets the bot's polite refusal; an admin
 * adds a closed day and the bot stops offering it. Takes the calendar page's screenshot for the
 * README (docs/screenshots/calendar.png).
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness } from '../support/harness.ts';
import type { Harness } from '../support/harness.ts';
import { createStaffAccount, STAFF_PASSWORD } from '../support/staff-console.ts';
import { chatUser } from '../support/chat.ts';
import { book, toDateQuestion } from '../e2e/booking-steps.ts';
import { launchChromium, serve } from '../support/browser.ts';

const screenshots = path.resolve(import.meta.dirname, '../../docs/screenshots');

let h: Harness;
let server: Awaited<ReturnType<typeof serve>>;
let base: string;
let browser: Browser;

beforeAll(async () => {
  // Saturday 2026-11-28 10:00 JST: Wednesday 12-02 is the earliest bookable date.
  h = await startHarness({ now: '2026-11-28T10:00:00+09:00' });
  await createStaffAccount(h.service.db.prisma, 'clerk1', 'staff', h.clock.now());
  await createStaffAccount(h.service.db.prisma, 'admin1', 'admin', h.clock.now());
  server = await serve(h.service.app);
  base = server.baseURL;
  browser = await launchChromium();
  await mkdir(screenshots, { recursive: true });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  h?.line.assertNoRejections();
  await h?.close();
});

async function signIn(login: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'ja-JP' });
  // The console runs without JavaScript; the browser's own would not matter, but prove it.
  await page.route('**/*.js', (route) => route.abort());
  await page.goto(`${base}/staff/login`);
  await page.fill('input[name="login"]', login);
  await page.fill('input[name="password"]', STAFF_PASSWORD);
  await Promise.all([page.waitForURL(/\/staff\/bookings/), page.click('button[type="submit"]')]);
  return page;
}

/** The text of the first element matching, waiting for it to appear. */
async function textOf(locator: ReturnType<Page['locator']>): Promise<string> {
  return (await locator.first().textContent({ timeout: 10_000 })) ?? '';
}

describe('利用者 and カレンダー in the browser', () => {
  it('a clerk finds a user by name and suspends them; the bot then answers their booking request politely with the phone number', async () => {
    const u = chatUser(h, 'browser-suspend');
    await book(u, { time: '14:00' });

    const page = await signIn('clerk1');
    await page.click('nav.main >> text=利用者');
    await page.fill('input[name="q"]', '港北太郎');
    await page.click('button:has-text("検索")');
    await page.click('text=利用者のページを開く');
    expect(await textOf(page.locator('h1'))).toMatch(/港北 太郎/);
    await page.check('input[name="reason"][value="art12-1"]');
    await page.fill('textarea[name="note"]', '電話で威圧的な言動があったため');
    await page.click('button:has-text("利用を停止する")');
    expect(await textOf(page.locator('.flash-success'))).toContain('停止しました');
    expect((await textOf(page.locator('.badge.danger').first())).trim()).toBe('利用停止中');
    await page.screenshot({ path: path.join(screenshots, 'user.png'), fullPage: true });

    await u.say('予約');
    expect(u.last).toContain('申し訳ありませんが、現在オンライン職業相談のご予約はお受けできません。');
    expect(u.last).toContain('お電話でお問い合わせください');
    expect(u.last).toContain('045-474-1221');

    await page.click('button:has-text("利用停止を解除する")');
    expect(await textOf(page.locator('.flash-success'))).toContain('解除しました');
    await page.close();
  }, 60_000);

  it('an admin adds a closed day and the bot stops offering it; the calendar page shows it closed', async () => {
    const before = chatUser(h, 'browser-before-close');
    await toDateQuestion(before);
    expect(before.labels()).toContain('12月3日(木)');
    await before.say('やめる');

    const page = await signIn('admin1');
    await page.click('nav.main >> text=カレンダー');
    expect((await textOf(page.locator('h1'))).trim()).toBe('カレンダー');
    await page.fill('#day-date', '2026-12-03');
    await page.check('input[name="kind"][value="closed"]');
    await page.fill('#day-note', '館内設備点検のため休業');
    await page.click('#day-form button[type="submit"]');
    expect(await textOf(page.locator('.flash-success'))).toContain('保存しました');
    expect(await textOf(page.locator('#entries'))).toContain('2026年12月3日(木)');
    expect(await textOf(page.locator('#entries'))).toContain('館内設備点検のため休業');
    const row = page.locator('table.calendar-preview tr', { hasText: '2026年12月3日(木)' });
    expect(await textOf(row)).toContain('休み（休業日（所の設定））');

    // A counsellor away on Friday afternoon, for the screenshot to show every kind of entry.
    await page.fill('#block-date', '2026-12-04');
    await page.fill('#block-from', '13:00');
    await page.fill('#block-until', '15:00');
    await page.fill('#block-note', '相談員 研修');
    await page.click('#block-form button[type="submit"]');
    expect(await textOf(page.locator('.flash-success'))).toContain('保存しました');
    await page.goto(`${base}/staff/calendar`);
    await page.screenshot({ path: path.join(screenshots, 'calendar.png'), fullPage: true });

    const after = chatUser(h, 'browser-after-close');
    await toDateQuestion(after);
    expect(after.labels()).not.toContain('12月3日(木)');
    expect(after.labels()).toContain('12月4日(金)');
    await after.tap('12月4日(金)');
    expect(after.labels()).not.toContain('13:30');
    expect(after.labels()).toContain('15:00');
    await after.say('やめる');
    await page.close();
  }, 60_000);
});
