/**
 * `npm run rich-menu [-- --apply] [--out FILE]`: the bot's rich menu (issue #12; definition in
 * src/dev/rich-menu.ts, the same the chat emulator draws).
 *
 * - Without --apply: prints the menu (its six areas and what each tap does), draws the image
 *   and writes it to FILE (default rich-menu.png in the system's temporary directory) for the
 *   office to look at. Nothing is sent to LINE.
 * - With --apply: the same, then, with LINE_CHANNEL_ACCESS_TOKEN, validates the menu with LINE,
 *   creates it, uploads the image, makes it the channel's default and deletes the earlier menus
 *   this command created (same name); prints the new id. Refused in local mode (no credentials).
 *   LINE_API_BASE_URL, when set, is used for both api.line.me and api-data.line.me (tests point
 *   it at the fake LINE API).
 *
 * The image is drawn by headless Chromium (Debian's chromium, fonts-noto-cjk) through
 * playwright-core. playwright-core is a runtime dependency, not a dev one, for this command: an
 * office runs it on the server, where `npm ci --omit=dev` may have left dev tools out; it is a
 * driver only (no browser download), so the cost is small.
 *
 * Expected failures (no Chromium or font, LINE refusing the token or the menu, no network) end
 * with one sentence saying what to do and exit code 1; a usage error exits 2.
 */
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { messagingApi } from '@line/bot-sdk';
import { isLocalMode, placeholderCredentials } from '../config.ts';
import { loadConfigOrExit } from '../entry.ts';
import { RICH_MENU_SIZE, richMenuItems, richMenuRequest } from '../dev/rich-menu.ts';
import { RichMenuImageError, renderRichMenuImage } from '../dev/rich-menu-image.ts';
import { RichMenuApplyError, applyRichMenu } from '../dev/rich-menu-apply.ts';

const usage = 'usage: npm run rich-menu [-- [--apply] [--out FILE]]';
const out = (line: string) => process.stdout.write(`${line}\n`);
const fail = (line: string, code = 1): never => {
  process.stderr.write(`${line}\n`);
  process.exit(code);
};

let apply = false;
let outFile: string | undefined;
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i += 1) {
  const arg = args[i];
  if (arg === '--apply') apply = true;
  else if (arg === '--out' && args[i + 1] !== undefined && !args[i + 1]?.startsWith('--')) outFile = args[(i += 1)];
  else if (arg === '--help' || arg === '-h') {
    out(usage);
    process.exit(0);
  } else fail(usage, 2);
}

const config = loadConfigOrExit();
if (apply) {
  if (isLocalMode(config)) {
    fail(
      "Cannot apply the rich menu: LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN are empty (local mode, where the chat emulator shows the menu). Put the channel's credentials from the LINE Developers console in .env, or run `npm run rich-menu` without --apply to only draw the image.",
    );
  }
  if (config.LINE_CHANNEL_ACCESS_TOKEN.trim() === placeholderCredentials.LINE_CHANNEL_ACCESS_TOKEN) {
    fail(
      "Cannot apply the rich menu: LINE_CHANNEL_ACCESS_TOKEN is the public placeholder from .env.example. Put the channel's own channel access token from the LINE Developers console in .env.",
    );
  }
}

const office = { officePhone: config.OFFICE_PHONE, officeName: config.OFFICE_NAME };
const request = richMenuRequest(office);
const items = richMenuItems(office);
out(`Rich menu 「${request.name}」: ${request.size.width}×${request.size.height} px, chat bar 「${request.chatBarText}」, ${request.areas.length} areas:`);
request.areas.forEach((area, i) => {
  const { x, y, width, height } = area.bounds;
  const action = area.action;
  const does = action.type === 'uri' ? `opens ${action.uri}` : `sends 「${action.text}」`;
  out(`  ${i + 1}. ${items[i]?.label ?? '?'}  (x ${x}–${x + width}, y ${y}–${y + height})  ${does}`);
});

let image;
try {
  const { launchChromium } = await import('../dev/chromium.ts');
  image = await renderRichMenuImage(office, launchChromium);
} catch (error) {
  if (error instanceof RichMenuImageError) fail(error.message);
  throw error;
}
const extension = image.contentType === 'image/png' ? '.png' : '.jpg';
const file = path.resolve(outFile ?? path.join(tmpdir(), `rich-menu${extension}`));
try {
  await writeFile(file, image.bytes);
} catch (error) {
  fail(`Could not write the image to ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)}): choose another place with --out FILE.`);
}
const kind = image.contentType === 'image/png' ? 'PNG' : `JPEG at quality ${image.jpegQuality} (the PNG was over LINE's 1 MB)`;
out(`Image: ${file} (${kind}, ${image.width}×${image.height}, ${Math.round(image.bytes.length / 1024)} KB, labels drawn with ${image.fonts.join(', ')})`);
if (image.width !== RICH_MENU_SIZE.width || image.height !== RICH_MENU_SIZE.height) fail("The image does not have the menu's size.");

if (!apply) {
  out('Nothing was sent to LINE. To create this menu on the channel and make it the default: npm run rich-menu -- --apply');
  process.exit(0);
}

// LINE_API_BASE_URL replaces api.line.me; when it is set to something else (the fake LINE API in
// tests), the image upload goes there too instead of to api-data.line.me.
const overridden = config.LINE_API_BASE_URL !== 'https://api.line.me';
const clients = {
  api: new messagingApi.MessagingApiClient({ channelAccessToken: config.LINE_CHANNEL_ACCESS_TOKEN, baseURL: config.LINE_API_BASE_URL }),
  blob: new messagingApi.MessagingApiBlobClient({
    channelAccessToken: config.LINE_CHANNEL_ACCESS_TOKEN,
    ...(overridden ? { baseURL: config.LINE_API_BASE_URL } : {}),
  }),
};
try {
  const result = await applyRichMenu(clients, request, image, (line) => out(`  ${line}`));
  if (result.deleted.length > 0) out(`Replaced ${result.deleted.length} earlier menu(s) made by this command.`);
  if (result.othersLeftAlone > 0) out(`Left alone ${result.othersLeftAlone} rich menu(s) with other names (made by hand).`);
  for (const { richMenuId, reason } of result.notDeleted) {
    process.stderr.write(`Warning: the earlier menu ${richMenuId} was not deleted. ${reason}\n`);
  }
  out(`Done: the default rich menu is ${result.richMenuId}.`);
} catch (error) {
  if (error instanceof RichMenuApplyError) fail(error.message);
  throw error;
}
