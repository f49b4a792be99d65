/**
 * `npm run rich-menu` as an office runs it: a child process (src/cli/rich-menu.ts) with real
 * Chromium and the real @line/bot-sdk clients, LINE_API_BASE_URL pointing at the fake LINE API on
 * loopback (which checks requests as LINE does). Also the apply steps in-process for LINE's
 * refusals (400 with its details, an upload failing half-way, LINE out of reach).
 */
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { messagingApi } from '@line/bot-sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RICH_MENU_NAME, RICH_MENU_SIZE, richMenuRequest } from '../../src/dev/rich-menu.ts';
import { RICH_MENU_IMAGE_MAX_BYTES, imageDimensions } from '../../src/dev/rich-menu-image.ts';
import { RichMenuApplyError, applyRichMenu } from '../../src/dev/rich-menu-apply.ts';
import { startFakeLineApi } from '../support/fake-line-api.ts';
import type { FakeLineApi } from '../support/fake-line-api.ts';
import { freePort, spawnEntry } from '../support/process.ts';

const TOKEN = 'rich-menu-test-token';
const office = { officePhone: '045-474-1221', officeName: 'ハローワーク港北' };

let fake: FakeLineApi;
let dir: string;
beforeAll(async () => {
  fake = await startFakeLineApi({ channelAccessToken: TOKEN });
  dir = await mkdtemp(path.join(tmpdir(), 'hw-rich-menu-'));
});
afterEach(() => fake.reset());
afterAll(async () => {
  await fake.close();
  await rm(dir, { recursive: true, force: true });
});

/** The command as `npm run rich-menu -- <args>` runs it, with only this environment. */
async function richMenuCommand(args: string[], env: Record<string, string> = {}) {
  const run = spawnEntry(
    'src/cli/rich-menu.ts',
    {
      LINE_CHANNEL_SECRET: 'rich-menu-test-secret',
      LINE_CHANNEL_ACCESS_TOKEN: TOKEN,
      LINE_API_BASE_URL: fake.baseURL,
      ...(process.env.CHROMIUM_PATH ? { CHROMIUM_PATH: process.env.CHROMIUM_PATH } : {}),
      ...env,
    },
    args,
  );
  const { code } = await run.exited;
  return { code, ...run.output() };
}

const client = () => new messagingApi.MessagingApiClient({ channelAccessToken: TOKEN, baseURL: fake.baseURL });
const clients = () => ({ api: client(), blob: new messagingApi.MessagingApiBlobClient({ channelAccessToken: TOKEN, baseURL: fake.baseURL }) });
const ours = () => [...fake.richMenus.values()].filter((menu) => menu.menu.name === RICH_MENU_NAME);
const noStackTrace = (text: string) => expect(text).not.toMatch(/^\s+at /m);

/** A hand-made menu of another name, as an office might have created with the Messaging API. */
async function handMadeMenu(): Promise<string> {
  const { richMenuId } = await client().createRichMenu({
    size: { width: 2500, height: 843 },
    selected: false,
    name: '年末年始のお知らせ（手作り）',
    chatBarText: 'お知らせ',
    areas: [{ bounds: { x: 0, y: 0, width: 2500, height: 843 }, action: { type: 'uri', uri: 'https://www.mhlw.go.jp/' } }],
  });
  return richMenuId;
}

describe('npm run rich-menu', () => {
  it('without --apply prints the six areas, writes the image and sends nothing to LINE', async () => {
    const out = path.join(dir, 'preview.png');
    const r = await richMenuCommand(['--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const label of ['予約する', '予約確認', 'キャンセル・変更', 'よくある質問', '電話する', '利用規約']) expect(r.stdout).toContain(label);
    expect(r.stdout).toContain('opens tel:0454741221');
    expect(r.stdout).toContain(`Image: ${out} (PNG, 2500×1686`);
    expect(r.stdout).toContain('Nothing was sent to LINE');
    const png = await readFile(out);
    expect(imageDimensions(png)).toEqual({ type: 'image/png', ...RICH_MENU_SIZE });
    expect(fake.requests).toEqual([]);
  }, 120_000);

  it('--apply makes the menu the default with its image; a second run replaces it and leaves a hand-made menu alone', async () => {
    const handMade = await handMadeMenu();

    const first = await richMenuCommand(['--apply', '--out', path.join(dir, 'applied.png')]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(ours()).toHaveLength(1);
    const created = ours()[0]!;
    expect(first.stdout).toContain(`Done: the default rich menu is ${created.richMenuId}.`);
    expect(first.stdout).toContain('Left alone 1 rich menu(s) with other names');
    expect(fake.defaultRichMenuId).toBe(created.richMenuId);
    // The menu LINE received: six areas tiling 2500×1686 exactly, the actions of the definition.
    const areas = created.menu.areas ?? [];
    expect(areas).toHaveLength(6);
    expect(areas).toEqual(richMenuRequest({ officePhone: '045-474-1221' }).areas);
    const rects = areas.map((a) => a.bounds!);
    expect(rects.reduce((sum, b) => sum + b.width! * b.height!, 0)).toBe(2500 * 1686);
    for (const [i, a] of rects.entries()) {
      expect(a.x! + a.width!).toBeLessThanOrEqual(2500);
      expect(a.y! + a.height!).toBeLessThanOrEqual(1686);
      for (const b of rects.slice(i + 1)) {
        const overlap = a.x! < b.x! + b.width! && b.x! < a.x! + a.width! && a.y! < b.y! + b.height! && b.y! < a.y! + a.height!;
        expect(overlap).toBe(false);
      }
    }
    // Its image: a PNG of the menu's size within LINE's limit, uploaded to the content endpoint.
    expect(created.image).toMatchObject({ contentType: 'image/png', width: 2500, height: 1686 });
    expect(created.image!.bytes).toBeLessThanOrEqual(RICH_MENU_IMAGE_MAX_BYTES);
    expect(fake.requests.map((r) => r.endpoint)).toEqual([
      'richMenuCreate',
      'richMenuValidate',
      'richMenuList',
      'richMenuCreate',
      'richMenuImage',
      'richMenuSetDefault',
    ]);
    fake.assertNoRejections();

    const second = await richMenuCommand(['--apply']);
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('Replaced 1 earlier menu(s) made by this command.');
    expect(ours()).toHaveLength(1);
    const replacement = ours()[0]!;
    expect(replacement.richMenuId).not.toBe(created.richMenuId);
    expect(fake.richMenus.has(created.richMenuId)).toBe(false);
    expect(fake.richMenus.has(handMade)).toBe(true);
    expect(fake.defaultRichMenuId).toBe(replacement.richMenuId);
    expect(second.stdout).toContain(`Done: the default rich menu is ${replacement.richMenuId}.`);
    fake.assertNoRejections();
  }, 180_000);

  it('says what to do when LINE refuses the access token (401), without a stack trace, and exits 1', async () => {
    const r = await richMenuCommand(['--apply', '--out', path.join(dir, 'refused.png')], { LINE_CHANNEL_ACCESS_TOKEN: 'an-expired-token' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^While checking the menu with LINE, LINE answered 401 «Authentication failed\..*»\. LINE did not accept the channel access token\. .*LINE_CHANNEL_ACCESS_TOKEN/,
    );
    expect(r.stderr).toContain('LINE Developers console');
    noStackTrace(r.stderr);
    expect(fake.richMenus.size).toBe(0);
    expect(fake.defaultRichMenuId).toBeUndefined();
  }, 120_000);

  it('refuses --apply in local mode (no LINE credentials) before drawing anything', async () => {
    const r = await richMenuCommand(['--apply'], { LINE_CHANNEL_SECRET: '', LINE_CHANNEL_ACCESS_TOKEN: '' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Cannot apply the rich menu: LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN are empty (local mode');
    expect(r.stdout).toBe('');
    expect(fake.requests).toEqual([]);
  }, 60_000);

  it('refuses --apply with the placeholder token of .env.example', async () => {
    const r = await richMenuCommand(['--apply'], { LINE_CHANNEL_SECRET: 'local-placeholder-secret', LINE_CHANNEL_ACCESS_TOKEN: 'local-placeholder-token' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('LINE_CHANNEL_ACCESS_TOKEN is the public placeholder from .env.example');
    expect(fake.requests).toEqual([]);
  }, 60_000);

  it('says where to get Chromium when it is missing', async () => {
    const r = await richMenuCommand([], { CHROMIUM_PATH: path.join(dir, 'no-chromium-here') });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`was not found at ${path.join(dir, 'no-chromium-here')}: install it (Debian: sudo apt-get install chromium fonts-noto-cjk)`);
    noStackTrace(r.stderr);
  }, 60_000);

  it('rejects unknown arguments with the usage line (exit 2)', async () => {
    const r = await richMenuCommand(['--aply']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('usage: npm run rich-menu');
  }, 60_000);
});

describe('applying the menu when LINE refuses', () => {
  // Any PNG of the menu's size passes LINE's checks; the pixels do not matter here.
  const image = {
    bytes: Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452000009c400000696', 'hex'), Buffer.alloc(64)]),
    contentType: 'image/png' as const,
  };

  it('a 400 with details: the message names LINE message, the property and where the menu is defined; nothing is created', async () => {
    const invalid = { ...richMenuRequest(office), chatBarText: 'オンライン相談の予約とお問い合わせ' }; // over 14 characters
    const failure = await applyRichMenu(clients(), invalid, image).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RichMenuApplyError);
    const { message, status } = failure as RichMenuApplyError;
    expect(status).toBe(400);
    expect(message).toMatch(/^While checking the menu with LINE, LINE answered 400 «The request body has 1 error\(s\) — chatBarText: .+»\. /);
    expect(message).toContain('src/dev/rich-menu.ts');
    expect(fake.richMenus.size).toBe(0);
  });

  it('an image refused half-way: the half-made menu is deleted and the earlier default stays', async () => {
    const before = await applyRichMenu(clients(), richMenuRequest(office), image);
    expect(fake.defaultRichMenuId).toBe(before.richMenuId);
    fake.failNext(413, 1, { only: 'richMenuImage', body: { message: 'The image file size must be 1 MB or less' } });
    const failure = await applyRichMenu(clients(), richMenuRequest(office), image).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RichMenuApplyError);
    expect((failure as Error).message).toMatch(
      /^While uploading the image, LINE answered 413 «The image file size must be 1 MB or less»\. .*default rich menu was not changed/,
    );
    expect([...fake.richMenus.keys()]).toEqual([before.richMenuId]);
    expect(fake.defaultRichMenuId).toBe(before.richMenuId);
  });

  it('LINE out of reach: says to check the network', async () => {
    const port = await freePort(); // nothing listens there
    const baseURL = `http://127.0.0.1:${port}`;
    const unreachable = {
      api: new messagingApi.MessagingApiClient({ channelAccessToken: TOKEN, baseURL }),
      blob: new messagingApi.MessagingApiBlobClient({ channelAccessToken: TOKEN, baseURL }),
    };
    const failure = await applyRichMenu(unreachable, richMenuRequest(office), image).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RichMenuApplyError);
    expect((failure as Error).message).toMatch(/^While checking the menu with LINE, LINE could not be reached \(ECONNREFUSED\): check the network connection/);
  });
});
