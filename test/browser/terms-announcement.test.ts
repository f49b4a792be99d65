/**
 * 利用規約 and お知らせ in headless Chromium (Debian's chromium driven by playwright-core), with
 * JavaScript refused, against the whole service on a loopback port and a sender delivering to the
 * fake LINE API through the real SDK: an admin creates a version, previews the announcement and
 * the consent card, publishes, and watches the progress page (it refreshes itself) reach 100 %.
 * Screenshots for the README: docs/screenshots/terms-draft-form.png, terms-preview.png,
 * announcement-progress.png, terms-public-page.png, privacy-page.png.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, lineUserId } from '../support/harness.ts';
import type { Harness } from '../support/harness.ts';
import { launchChromium, serve } from '../support/browser.ts';
import { addBookingFor, createStaffAccount, STAFF_PASSWORD } from '../support/staff-console.ts';
import { startAnnouncementSender, defaultSenderOptions } from '../../src/announcements/sender.ts';
import { createLineMulticaster } from '../../src/announcements/multicast.ts';

const screenshots = path.resolve(import.meta.dirname, '../../docs/screenshots');
const FOLLOWERS = 1200;

describe('an admin announces a terms change in the browser', () => {
  let h: Harness;
  let web: Awaited<ReturnType<typeof serve>>;
  let browser: Browser;
  let sender: { stop(): Promise<void> } | undefined;

  beforeAll(async () => {
    h = await startHarness({ now: '2026-11-28T10:00:00+09:00', env: { PUBLIC_BASE_URL: 'https://line.example.jp' } });
    await createStaffAccount(h.service.db.prisma, 'admin1', 'admin', h.clock.now());
    await h.service.db.prisma.lineUser.createMany({
      data: Array.from({ length: FOLLOWERS }, (_, i) => ({ id: lineUserId(`browser-${i}`), followedAt: h.clock.now() })),
    });
    await addBookingFor(h.service, { userId: lineUserId('browser-0'), date: '2026-12-15', time: '10:00', name: '港北 花子' }, h.clock.now());
    web = await serve(h.service.app);
    browser = await launchChromium();
    await mkdir(screenshots, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await sender?.stop();
    await browser?.close();
    await web?.close();
    h?.line.assertNoRejections();
    await h?.close();
  });

  it('creates a version, previews it, publishes it and sees the progress reach 100 %', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'ja-JP' });
    await page.route('**/*.js', (route) => route.abort()); // the console needs no JavaScript
    await page.goto(`${web.baseURL}/staff/login`);
    await page.fill('input[name="login"]', 'admin1');
    await page.fill('input[name="password"]', STAFF_PASSWORD);
    await Promise.all([page.waitForURL(/\/staff\/bookings/), page.click('button[type="submit"]')]);

    await page.click('nav.main >> text=利用規約');
    await page.waitForURL(/\/staff\/terms$/);
    expect(await page.textContent('table.list')).toContain('令和5年11月1日改定');
    await Promise.all([page.waitForURL(/\/staff\/terms\/new$/), page.click('text=新しい版を作る')]);
    await page.fill('input[name="label"]', '令和8年12月15日改定');
    await page.fill('input[name="effectiveDate"]', '2026-12-15');
    await page.fill(
      'textarea[name="changeSummary"]',
      '・キャンセルの連絡を、お電話に加えてこのLINEでもできるようにします（第6条(4)）。\n・相談の録画・録音の禁止を明記しました（第13条）。',
    );
    await page.fill(
      'textarea[name="cardSummary"]',
      '・利用料は無料です（通信料・機器は利用者のご負担）\n・1回30分以内、ビデオ通話アプリ「TeleOffice」を使います\n・予約は相談日の2開庁日前までに確定が必要です\n・キャンセルはお電話またはこのLINEで',
    );
    await page.fill(
      'textarea[name="body"]',
      'オンライン職業相談利用規約\n\n第1条（目的）\nこの規約は、ハローワーク港北が行うオンライン職業相談の利用について定めます。\n\n第6条（予約）\n(4) キャンセルはお電話またはこのLINEでご連絡ください。',
    );
    // The LINE-notice sentence of Art. 6(3) (issue #11): optional, the default shown as a placeholder.
    const lineNotice = page.locator('input[name="lineNoticeWording"]');
    expect(await lineNotice.getAttribute('placeholder')).toBe('このLINEでもお知らせします。');
    await lineNotice.fill('同じご案内を、このLINEでもお送りします。');
    await page.screenshot({ path: path.join(screenshots, 'terms-draft-form.png'), fullPage: true });
    await Promise.all([page.waitForURL(/\/staff\/terms\/\d+$/), page.click('button:has-text("下書きを保存する")')]);

    const preview = await page.textContent('main');
    expect(preview).toContain('下書きを保存しました');
    expect(preview).toContain('利用規約改定のお知らせ');
    expect(preview).toContain('2026年12月15日(火)から');
    expect(preview).toContain('そのまま有効');
    expect(preview).toContain('主な変更点');
    expect(preview).toContain(`友だち登録中の ${FOLLOWERS} 人`);
    expect(await page.textContent('dl.facts')).toContain('LINEでのお知らせの一文同じご案内を、このLINEでもお送りします。');
    await page.screenshot({ path: path.join(screenshots, 'terms-preview.png'), fullPage: true });

    sender = startAnnouncementSender(
      {
        prisma: h.service.db.prisma,
        clock: h.clock,
        logger: h.service.deps.logger,
        multicaster: createLineMulticaster({ channelAccessToken: h.config.LINE_CHANNEL_ACCESS_TOKEN, baseURL: h.config.LINE_API_BASE_URL }),
      },
      200,
      { ...defaultSenderOptions, concurrency: 1, requestsPerSecond: 1 },
    );
    await Promise.all([page.waitForURL(/\/staff\/announcements\/[0-9a-f-]{36}$/), page.click('button:has-text("公開してお知らせを送る")')]);
    expect(await page.textContent('main')).toContain('送信中');
    // The page refreshes itself every 3 seconds (a Refresh header, no script) until the end.
    await page.locator('h1 .badge.ok', { hasText: '完了' }).waitFor({ timeout: 30_000 });
    const done = await page.textContent('main');
    expect(done).toContain('100%');
    expect(done).toContain(`送信済み${FOLLOWERS} 人`);
    await page.screenshot({ path: path.join(screenshots, 'announcement-progress.png'), fullPage: true });

    const reached = new Set(h.line.multicasts.flatMap((m) => m.to));
    expect(reached.size).toBe(FOLLOWERS);
    expect(Math.max(...h.line.multicasts.map((m) => m.to.length))).toBeLessThanOrEqual(500);

    // What the button in the chat opens (served by the service; PUBLIC_BASE_URL is its public address).
    const reader = await browser.newPage({ viewport: { width: 420, height: 900 }, locale: 'ja-JP' });
    await reader.goto(`${web.baseURL}/terms/2026-12-15`);
    expect(await reader.textContent('main')).toContain('適用予定');
    await reader.screenshot({ path: path.join(screenshots, 'terms-public-page.png'), fullPage: true });
    // The privacy notice the name question links to (issue #11).
    await reader.goto(`${web.baseURL}/privacy`);
    expect(await reader.textContent('main')).toContain('相談日から90日後に削除します');
    await reader.screenshot({ path: path.join(screenshots, 'privacy-page.png'), fullPage: true });
  }, 90_000);
});
