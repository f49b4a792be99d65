/**
 * Issue #12's "one command to see it work", in headless Chromium: `node src/main.ts` (what `npm
 * start` runs) with no LINE credentials, on a fresh embedded database, prints the chat page's
 * URL; a job seeker books a consultation by tapping through the chat page (terms card, quick
 * replies, Flex date and time buttons, typed answers); the time control moves the application
 * clock to the day before, and the reminder with the meeting URL arrives; the local admin signs in
 * to the staff console with the one-time password npm start printed, sees the booking, and once
 * the clock has passed start + 10 minutes records the no-show, whose notice reaches the chat; the
 * fake LINE API rejected nothing. Screenshots: docs/screenshots/emulator-booking.png (the
 * booking), emulator-reminder.png (the reminder and the developer panel) and
 * emulator-console-no-show.png (the booking in the console after the outcome was recorded).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/browser.ts';
import { freePort, projectRoot, spawnEntry } from '../support/process.ts';
import { LOCAL_MEETING_URL } from '../../src/dev/local-mode.ts';

const screenshots = path.join(projectRoot, 'docs/screenshots');

let dataDir: string;
let proc: ReturnType<typeof spawnEntry>;
let browser: Browser;
let page: Page;
let chatUrl: string;
let consolePage: Page;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'hw-emulator-'));
  const port = await freePort();
  // Tuesday 1 December 2026, 09:30 in Tokyo. No LINE credentials: local mode.
  proc = spawnEntry('src/main.ts', { DATA_DIR: dataDir, PORT: String(port), CLOCK_START: '2026-12-01T09:30:00+09:00', LOG_LEVEL: 'warn' });
  for (let i = 0; i < 1200 && !proc.output().stdout.includes('/dev/chat'); i++) {
    if (proc.child.exitCode !== null) throw new Error(`the service stopped: ${proc.output().stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const match = /(http:\/\/\S+\/dev\/chat)/.exec(proc.output().stdout);
  if (!match?.[1]) throw new Error(`no chat URL printed: ${proc.output().stdout}`);
  chatUrl = match[1];
  browser = await launchChromium();
  const context = await browser.newContext({ locale: 'ja-JP', timezoneId: 'Asia/Tokyo', viewport: { width: 1280, height: 1000 } });
  page = await context.newPage();
  consolePage = await context.newPage();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  if (proc && proc.child.exitCode === null) {
    proc.child.kill('SIGTERM');
    await proc.exited;
  }
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const phone = () => page.locator('section.phone');
const botEntries = () => page.locator('#messages li.bot');

/** Runs `act` and waits until the bot has answered (its entries grew), as a person would wait. */
async function andWaitForReply(act: () => Promise<void>): Promise<void> {
  const before = await botEntries().count();
  await act();
  await expect.poll(() => botEntries().count(), { timeout: 15_000 }).toBeGreaterThan(before);
  // The whole reply arrives in one request; give the page one poll to draw it.
  await page.waitForTimeout(300);
}

/** Taps the button labelled `label` in the bot's last answer (a quick-reply chip or a Flex button). */
async function tap(label: string): Promise<void> {
  const chip = page.locator('#quick-replies .chip', { hasText: label }).filter({ hasText: new RegExp(`^${label}$`) });
  const inLast = botEntries().last().getByRole('button', { name: label, exact: true });
  const lastTwo = botEntries().nth(-2).getByRole('button', { name: label, exact: true });
  const target = (await chip.count()) > 0 ? chip.last() : (await inLast.count()) > 0 ? inLast.last() : lastTwo.last();
  await andWaitForReply(() => target.click());
}

async function say(text: string): Promise<void> {
  await page.getByLabel('メッセージ').fill(text);
  await andWaitForReply(() => page.getByLabel('メッセージ').press('Enter'));
}

// Each step is a person's whole task (a booking is ~15 taps, each a webhook turn); on a loaded
// 2-core CI machine that takes longer than the suite's 30 s default.
describe('a job seeker in the chat emulator', { timeout: 180_000 }, () => {
  it('opens the chat page printed by npm start', async () => {
    await page.goto(chatUrl);
    await expect.poll(() => page.locator('#clock-now').textContent()).toContain('2026年12月1日(火) 09:3');
    expect(await phone().locator('.rich-menu .menu-item').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringContaining('予約する'), expect.stringContaining('利用規約')]),
    );
  });

  it('adds the account as a friend and books a consultation by tapping and typing', async () => {
    await andWaitForReply(() => page.getByRole('button', { name: '友だち追加' }).click());
    await expect.poll(() => botEntries().last().textContent()).toContain('同意');
    await tap('同意する');
    await tap('はい');
    await tap('はい');
    await tap('はい');
    await tap('確認しました');
    await say('港北 太郎');
    await say('12345-1234567');
    await say('090-1234-5678');
    await tap('はい、同じです');
    await say('事務職の求人を探したい');
    await tap('なし');
    // The first date offered, then 10:00 on it.
    const dateButton = botEntries()
      .last()
      .getByRole('button', { name: /^\d+月\d+日\(.\)$/ })
      .first();
    const firstDate =
      (await dateButton.count()) > 0
        ? dateButton
        : page
            .locator('#quick-replies .chip')
            .filter({ hasText: /^\d+月\d+日\(.\)$/ })
            .first();
    const dateLabel = (await firstDate.textContent()) ?? '';
    expect(dateLabel).toBe('12月3日(木)');
    await andWaitForReply(() => firstDate.click());
    await tap('10:00');
    // One message: the summary card, its other buttons as quick replies.
    expect(await botEntries().last().textContent()).toContain('ご予約内容の確認');
    await tap('この内容で予約する');
    expect(await botEntries().last().textContent()).toContain('ご予約が確定しました');
    expect(await botEntries().last().textContent()).toContain('12月3日(木)');
    await page.screenshot({ path: path.join(screenshots, 'emulator-booking.png') });
  });

  it('moves the clock to the day before and sees the reminder with the meeting URL arrive', async () => {
    await page.getByLabel('この日時まで').fill('2026-12-02T10:01');
    await andWaitForReply(() => page.getByRole('button', { name: '進める', exact: true }).click());
    await expect.poll(() => page.locator('#clock-now').textContent()).toContain('2026年12月2日(水) 10:0');
    const reminder = botEntries().last();
    // A card: 参加する opens the meeting URL, then the date and time.
    const join = reminder.getByRole('button', { name: '参加する', exact: true });
    expect(await join.getAttribute('title')).toBe(LOCAL_MEETING_URL);
    expect(await reminder.textContent()).toContain('12月3日(木) 10:00');
    expect(await reminder.getAttribute('title')).toBe('プッシュメッセージ');
    // A tall window, so that the whole reminder shows in the screenshot.
    await page.setViewportSize({ width: 1280, height: 1900 });
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(screenshots, 'emulator-reminder.png') });
  });

  it('taps 予約確認 on the rich menu and a sticker, which reach the bot as a typed message and a sticker would', async () => {
    await page.setViewportSize({ width: 1280, height: 1000 });
    await andWaitForReply(() =>
      page
        .locator('#rich-menu')
        .getByRole('button', { name: /予約確認/ })
        .click(),
    );
    expect(await page.locator('#messages li.user').last().textContent()).toContain('予約確認');
    expect(await botEntries().last().textContent()).toContain('12月3日(木)');
    await page.getByRole('button', { name: 'スタンプ・画像' }).click();
    await andWaitForReply(() => page.getByRole('button', { name: 'スタンプ「ありがとう」' }).click());
    expect(await page.locator('#messages li.user .sticker-shown').last().textContent()).toBe('ありがとう');
  });

  it('lets the local admin sign in to the console with the printed one-time password and find the booking', async () => {
    const printed = /one-time password (\S+)/.exec(proc.output().stdout);
    const consoleUrl = /(http:\/\/\S+\/staff\S*)/.exec(proc.output().stdout)?.[1];
    if (!printed?.[1] || !consoleUrl) throw new Error(`no console URL or one-time password printed: ${proc.output().stdout}`);
    // The morning of the consultation, five minutes after its start. (Signing in first and then
    // moving the clock a day would end the console session as idle, as it should.)
    await page.getByLabel('この日時まで').fill('2026-12-03T10:05');
    await page.getByRole('button', { name: '進める', exact: true }).click();
    await expect.poll(() => page.locator('#clock-now').textContent()).toContain('2026年12月3日(木) 10:0');
    await consolePage.goto(consoleUrl);
    expect(new URL(consolePage.url()).pathname).toBe('/staff/login');
    await consolePage.getByLabel('ログイン名').fill('admin');
    await consolePage.getByLabel('パスワード').fill(printed[1]);
    await consolePage.getByRole('button', { name: 'サインイン' }).click();
    // A one-time password must be replaced before anything else.
    await consolePage.waitForURL('**/staff/account/password');
    await consolePage.getByLabel('新しいパスワード（12文字以上）').fill('kohoku-console-2026-desk');
    await consolePage.getByLabel('確認のためもう一度').fill('kohoku-console-2026-desk');
    await consolePage.getByRole('button', { name: '変更する' }).click();
    await consolePage.waitForURL((url) => !url.pathname.endsWith('/account/password'));
    await consolePage.goto(new URL('/staff/bookings?from=2026-12-03&to=2026-12-03&status=all', chatUrl).toString());
    const rows = consolePage.locator('table.bookings tbody tr');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('港北 太郎');
    expect(await rows.first().textContent()).toContain('12345-1234567');
    await consolePage.getByRole('link', { name: '港北 太郎' }).click();
    await consolePage.waitForURL('**/staff/bookings/*');
    expect(await consolePage.locator('p.booking-status').textContent()).toContain('予約済み');
    // Attendance can be recorded from the start; a no-show only from start + 10 minutes.
    expect(await consolePage.getByRole('button', { name: '出席' }).isDisabled()).toBe(false);
    expect(await consolePage.getByRole('button', { name: '無断キャンセル' }).isDisabled()).toBe(true);
  });

  it('records the no-show in the console once the clock passes start + 10 minutes, and the notice reaches the chat', async () => {
    const noShow = consolePage.getByRole('button', { name: '無断キャンセル' });
    await page.getByLabel('この日時まで').fill('2026-12-03T10:10');
    await page.getByRole('button', { name: '進める', exact: true }).click();
    await expect.poll(() => page.locator('#clock-now').textContent()).toContain('2026年12月3日(木) 10:1');
    await consolePage.reload();
    expect(await noShow.isDisabled()).toBe(false);
    await andWaitForReply(async () => {
      await noShow.click();
      await consolePage.waitForURL('**/staff/bookings/*');
    });
    expect(await consolePage.locator('.flash-success').textContent()).toContain('無断キャンセルを記録しました');
    expect(await consolePage.locator('p.booking-status').textContent()).toContain('無断キャンセル');
    await consolePage.screenshot({ path: path.join(screenshots, 'emulator-console-no-show.png'), fullPage: true });
    expect(await botEntries().last().textContent()).toContain('ご連絡がないまま開始時刻を10分過ぎたため');
    expect(await botEntries().last().getAttribute('title')).toBe('プッシュメッセージ');
  });

  it('shows the webhook events and API requests in the developer panel, and the fake rejected nothing', async () => {
    expect(await page.locator('#rejected-count').textContent()).toBe('0');
    expect(await page.locator('#panel .panel-entry.rejected').count()).toBe(0);
    expect(await page.locator('#panel .panel-entry.webhook').count()).toBeGreaterThanOrEqual(15);
    expect(await page.locator('#panel .panel-entry.api', { hasText: 'POST /v2/bot/message/push' }).count()).toBeGreaterThanOrEqual(1);
    const state = (await (await fetch(new URL('/dev/api/state', chatUrl))).json()) as { rejected: number };
    expect(state.rejected).toBe(0);
  });
});
