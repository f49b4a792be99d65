/**
 * A clerk's morning in the staff console, in headless Chromium against the whole service
 * in-process (application clock, fake LINE API): sign in, find today's booking by name, set its
 * meeting URL, change another booking's time on a phone call (the user's push arrives at the
 * fake LINE API), and record a no-show once start + 10 minutes have passed. Screenshots of the
 * bookings list and a booking's details go to docs/screenshots/.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startHarness, lineUserId } from '../support/harness.ts';
import type { Harness } from '../support/harness.ts';
import { addBookingFor, createStaffAccount, STAFF_PASSWORD } from '../support/staff-console.ts';
import { launchChromium, serve } from '../support/browser.ts';
import { projectRoot } from '../support/process.ts';
import { runSchedulerOnce } from '../../src/lifecycle/outbox.ts';

const screenshots = path.join(projectRoot, 'docs/screenshots');

let h: Harness;
let browser: Browser;
let server: Awaited<ReturnType<typeof serve>>;
let page: Page;
const ids: Record<string, string> = {};
const users = {
  yamada: lineUserId('browser-yamada'),
  nguyen: lineUserId('browser-nguyen'),
  sato: lineUserId('browser-sato'),
  kato: lineUserId('browser-kato'),
};

beforeAll(async () => {
  // Tuesday 1 December 2026, 09:30 in Tokyo. A long idle timeout: the test moves the clock.
  h = await startHarness({ now: '2026-12-01T09:30:00+09:00', env: { STAFF_SESSION_IDLE_MINUTES: '240', DEFAULT_MEETING_URL: '' } });
  const now = h.clock.now();
  await createStaffAccount(h.service.db.prisma, 'tanaka', 'staff', now);
  ids.yamada = await addBookingFor(
    h.service,
    {
      userId: users.yamada,
      date: '2026-12-01',
      time: '10:00',
      name: '山田 花子',
      jobSeekerNumber: '14150-2345678',
      phone: '090-1111-2222',
      topic: '事務職に応募したいので、職務経歴書の書き方を相談したい',
    },
    now,
  );
  ids.nguyen = await addBookingFor(
    h.service,
    {
      userId: users.nguyen,
      date: '2026-12-01',
      time: '11:00',
      name: 'Nguyen Van An',
      jobSeekerNumber: '14150-3456789',
      phone: '080-3333-4444',
      topic: '介護の仕事を探しています',
      attendant: 'interpreter',
      language: 'ベトナム語',
      meetingUrl: 'https://teleoffice.example/room/1100',
    },
    now,
  );
  ids.kato = await addBookingFor(
    h.service,
    {
      userId: users.kato,
      date: '2026-12-01',
      time: '14:30',
      name: '加藤 健一',
      jobSeekerNumber: '14150-4567890',
      phone: '045-555-6666',
      topic: '雇用保険の手続きの後の求職活動について',
      phoneChanged: true,
    },
    now,
  );
  ids.sato = await addBookingFor(
    h.service,
    {
      userId: users.sato,
      date: '2026-12-03',
      time: '13:00',
      name: '佐藤 美咲',
      jobSeekerNumber: '14150-5678901',
      phone: '070-7777-8888',
      topic: '育児と両立できる短時間の仕事',
      attendant: 'assistant',
    },
    now,
  );
  server = await serve(h.service.app);
  browser = await launchChromium();
  const context = await browser.newContext({ baseURL: server.baseURL, locale: 'ja-JP', viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await h?.close();
});

function schedulerDeps() {
  const { prisma, clock, messenger, logger, dialogue } = h.service.deps;
  return { prisma, clock, messenger, logger, config: h.config, sealer: dialogue.sealer };
}

describe('a clerk in the browser', () => {
  it('signs in', async () => {
    await page.goto('/staff/bookings');
    expect(new URL(page.url()).pathname).toBe('/staff/login');
    await page.getByLabel('ログイン名').fill('tanaka');
    await page.getByLabel('パスワード').fill(STAFF_PASSWORD);
    await page.getByRole('button', { name: 'サインイン' }).click();
    await page.waitForURL('**/staff/bookings');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('予約一覧');
    expect(await page.locator('header .who').textContent()).toContain('tanaka（職員）');
    await page.screenshot({ path: path.join(screenshots, 'staff-bookings-list.png'), fullPage: true });
  });

  it("finds today's booking by name and opens it", async () => {
    await page.getByLabel('氏名').fill('山田');
    await page.getByRole('button', { name: '表示' }).click();
    const rows = page.locator('table.bookings tbody tr');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('14150-2345678');
    await page.getByRole('link', { name: '山田 花子' }).click();
    await page.waitForURL(`**/staff/bookings/${ids.yamada}`);
    expect(await page.locator('dd.name').textContent()).toBe('山田 花子');
  });

  it('sets the meeting URL', async () => {
    await page.getByLabel('URL（https://〜）').fill('https://teleoffice.example/room/1000');
    await page.getByRole('button', { name: '保存' }).click();
    await page.waitForURL(`**/staff/bookings/${ids.yamada}`);
    expect(await page.locator('.flash-success').textContent()).toContain('参加用URLを保存しました');
    expect(await page.locator('dd.url').textContent()).toBe('https://teleoffice.example/room/1000');
    await page.screenshot({ path: path.join(screenshots, 'staff-booking-details.png'), fullPage: true });
  });

  it("changes a booking's time on a phone call, and the user gets a push", async () => {
    await page.goto(`/staff/bookings/${ids.sato}`);
    await page.locator('select[name="slot"]').selectOption('2026-12-04T10:30');
    await page.getByRole('button', { name: '日時を変更' }).click();
    await page.waitForURL(`**/staff/bookings/${ids.sato}`);
    expect(await page.locator('.flash-success').textContent()).toContain('2026年12月4日(金) 10:30に変更しました');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('2026年12月4日(金) 10:30');
    await runSchedulerOnce(schedulerDeps());
    const pushed = h.line.textsTo(users.sato);
    expect(pushed).toHaveLength(1);
    expect(pushed[0]).toContain('ご予約の日時を次のとおり変更しました');
    expect(pushed[0]).toContain('2026年12月4日(金) 10:30〜11:00');
    expect(pushed[0]).toContain('変更前：2026年12月3日(木) 13:00〜13:30');
  });

  it('records a no-show only from start + 10 minutes, on the application clock', async () => {
    h.clock.set('2026-12-01T10:09:00+09:00');
    await page.goto(`/staff/bookings/${ids.yamada}`);
    const noShow = page.getByRole('button', { name: '無断キャンセル' });
    expect(await noShow.isDisabled()).toBe(true);
    h.clock.set('2026-12-01T10:10:00+09:00');
    await page.reload();
    expect(await noShow.isDisabled()).toBe(false);
    await noShow.click();
    await page.waitForURL(`**/staff/bookings/${ids.yamada}`);
    expect(await page.locator('.flash-success').textContent()).toContain('無断キャンセルを記録しました');
    expect(await page.locator('p.booking-status').textContent()).toContain('無断キャンセル');
    await runSchedulerOnce(schedulerDeps());
    expect(h.line.textsTo(users.yamada).some((t) => t.includes('ご連絡がないまま開始時刻を10分過ぎたため'))).toBe(true);
    h.line.assertNoRejections();
  });
});
