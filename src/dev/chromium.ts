/**
 * Headless Chromium as the project runs it: Debian's /usr/bin/chromium (CHROMIUM_PATH to use
 * another) driven by playwright-core, which downloads no browser. Used by `npm run rich-menu`
 * to draw the rich menu image, and by the browser tests (test/support/browser.ts).
 */
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Headless, no sandbox (containers), nothing phoning home, in Japanese (LANG=ja_JP.UTF-8, with
 * Debian's chromium-l10n) so date fields read 2026/12/01 as a clerk sees them.
 */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    // On Linux Chromium takes its UI language from the environment, not from --lang.
    env: { ...process.env, LANG: 'ja_JP.UTF-8', LANGUAGE: 'ja' },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
