/**
 * The rich menu image, drawn from text (richMenuImageHtml) by headless Chromium: no binary of
 * unknown origin in the repository, and the office's own number on the 電話する tile.
 *
 * LINE takes a PNG or JPEG of exactly the menu's size (2500 × 1686), 1 MB at most. The page is
 * screenshotted at that size with a device scale factor of 1; a PNG over the limit falls back to
 * JPEG at decreasing quality. Before the screenshot, Chromium is asked (DevTools protocol,
 * CSS.getPlatformFontsForNode) which fonts actually drew each label: if a Japanese glyph came
 * from anything but Noto Sans CJK JP (missing fonts-noto-cjk: tofu boxes or a random fallback),
 * the image is refused with a sentence saying what to install.
 */
import { access, constants } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import { chromiumPath } from './chromium.ts';
import { RICH_MENU_SIZE, richMenuImageHtml } from './rich-menu.ts';

/** LINE's limit for a rich menu image. */
export const RICH_MENU_IMAGE_MAX_BYTES = 1024 * 1024;

/** The font the page asks for (Debian's fonts-noto-cjk). */
export const RICH_MENU_FONT = 'Noto Sans CJK JP';

/** JPEG qualities tried, best first, when the PNG is over the limit. */
const JPEG_QUALITIES = [92, 85, 75, 65, 55, 45] as const;

export type RichMenuImage = {
  readonly bytes: Buffer;
  readonly contentType: 'image/png' | 'image/jpeg';
  readonly width: number;
  readonly height: number;
  /** The JPEG quality, when the PNG was over the limit. */
  readonly jpegQuality?: number;
  /** The fonts Chromium drew the labels with (family names), for the command's summary. */
  readonly fonts: readonly string[];
};

/** A failure the operator can fix; the message says how. */
export class RichMenuImageError extends Error {
  override name = 'RichMenuImageError';
}

type Office = { officePhone: string; officeName: string };

/**
 * Renders the rich menu image. `launch` starts Chromium (src/dev/chromium.ts; imported lazily by
 * the caller so that modules using only the menu definition do not load playwright-core).
 */
export async function renderRichMenuImage(office: Office, launch: () => Promise<Browser>, options: { maxBytes?: number } = {}): Promise<RichMenuImage> {
  const maxBytes = options.maxBytes ?? RICH_MENU_IMAGE_MAX_BYTES;
  await access(chromiumPath, constants.X_OK).catch(() => {
    throw new RichMenuImageError(
      `Chromium is needed to draw the rich menu image and was not found at ${chromiumPath}: install it (Debian: sudo apt-get install chromium fonts-noto-cjk) or set CHROMIUM_PATH to a Chromium or Chrome executable.`,
    );
  });
  let browser: Browser;
  try {
    browser = await launch();
  } catch (error) {
    throw new RichMenuImageError(`Chromium (${chromiumPath}) did not start, so the rich menu image could not be drawn: ${firstLine(error)}`);
  }
  try {
    const context = await browser.newContext({ viewport: { ...RICH_MENU_SIZE }, deviceScaleFactor: 1, locale: 'ja-JP' });
    const page = await context.newPage();
    await page.setContent(richMenuImageHtml(office), { waitUntil: 'load' });
    // A string, evaluated in the page (this project's TypeScript has no DOM types): once the fonts
    // are ready, the size the page laid out at.
    const laidOut = await page.evaluate<{ width: number; height: number }>(
      'document.fonts.ready.then(() => ({ width: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight }))',
    );
    if (laidOut.width !== RICH_MENU_SIZE.width || laidOut.height !== RICH_MENU_SIZE.height) {
      throw new Error(`the rich menu page is ${laidOut.width}×${laidOut.height}, not ${RICH_MENU_SIZE.width}×${RICH_MENU_SIZE.height}`);
    }
    const fonts = await fontsDrawingTheText(page);

    const clip = { x: 0, y: 0, ...RICH_MENU_SIZE };
    const png = await page.screenshot({ type: 'png', clip, animations: 'disabled' });
    let image: RichMenuImage = { bytes: png, contentType: 'image/png', ...RICH_MENU_SIZE, fonts };
    if (png.length > maxBytes) {
      const fitting = await firstJpegUnder(maxBytes, (quality) => page.screenshot({ type: 'jpeg', quality, clip, animations: 'disabled' }));
      if (fitting === undefined) {
        throw new RichMenuImageError(
          `The rich menu image is over LINE's limit of ${maxBytes} bytes even as a JPEG at quality ${JPEG_QUALITIES.at(-1)}: simplify the design in src/dev/rich-menu.ts.`,
        );
      }
      image = { bytes: fitting.bytes, contentType: 'image/jpeg', ...RICH_MENU_SIZE, jpegQuality: fitting.quality, fonts };
    }
    const size = imageDimensions(image.bytes);
    if (size?.type !== image.contentType || size.width !== RICH_MENU_SIZE.width || size.height !== RICH_MENU_SIZE.height) {
      throw new Error(
        `Chromium produced a ${size ? `${size.width}×${size.height} ${size.type}` : 'unreadable image'} instead of a ${RICH_MENU_SIZE.width}×${RICH_MENU_SIZE.height} ${image.contentType}`,
      );
    }
    return image;
  } finally {
    await browser.close();
  }
}

async function firstJpegUnder(maxBytes: number, shoot: (quality: number) => Promise<Buffer>): Promise<{ bytes: Buffer; quality: number } | undefined> {
  for (const quality of JPEG_QUALITIES) {
    const bytes = await shoot(quality);
    if (bytes.length <= maxBytes) return { bytes, quality };
  }
  return undefined;
}

type PlatformFont = { familyName: string; postScriptName?: string; isCustomFont: boolean; glyphCount: number };

/**
 * The family names of the fonts that drew the labels and hints, from Chromium itself; throws
 * RichMenuImageError when any glyph came from another font than RICH_MENU_FONT. (document.fonts.check
 * cannot tell: it answers true for a local family that is not installed.)
 */
async function fontsDrawingTheText(page: import('playwright-core').Page): Promise<string[]> {
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('DOM.enable');
    await cdp.send('CSS.enable');
    const { root } = await cdp.send('DOM.getDocument', { depth: -1 });
    const { nodeIds } = await cdp.send('DOM.querySelectorAll', { nodeId: root.nodeId, selector: '.label, .hint' });
    if (nodeIds.length === 0) throw new Error('the rich menu page has no labels');
    const used = new Map<string, number>();
    for (const nodeId of nodeIds) {
      const { fonts } = (await cdp.send('CSS.getPlatformFontsForNode', { nodeId })) as { fonts: PlatformFont[] };
      if (fonts.length === 0) throw new Error('Chromium reported no font for a rich menu label');
      for (const font of fonts) used.set(font.familyName, (used.get(font.familyName) ?? 0) + font.glyphCount);
    }
    const others = [...used.keys()].filter((family) => family !== RICH_MENU_FONT);
    if (others.length > 0) {
      throw new RichMenuImageError(
        `The rich menu's Japanese labels were drawn with ${others.join(', ')} instead of ${RICH_MENU_FONT}, so the image would not look as designed (or show empty boxes): install the font (Debian: sudo apt-get install fonts-noto-cjk) and run the command again.`,
      );
    }
    return [...used.keys()];
  } finally {
    await cdp.detach().catch(() => undefined);
  }
}

/** Width and height from a PNG's IHDR or a JPEG's first SOFn segment; undefined if neither. */
export function imageDimensions(bytes: Buffer): { type: 'image/png' | 'image/jpeg'; width: number; height: number } | undefined {
  const pngSignature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (bytes.length >= 24 && bytes.subarray(0, 8).equals(pngSignature) && bytes.toString('latin1', 12, 16) === 'IHDR') {
    return { type: 'image/png', width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
  }
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  let offset = 2;
  while (offset + 9 <= bytes.length && bytes[offset] === 0xff) {
    const marker = bytes[offset + 1] ?? 0;
    // SOF0..SOF15 but DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { type: 'image/jpeg', width: bytes.readUInt16BE(offset + 7), height: bytes.readUInt16BE(offset + 5) };
    }
    offset += 2 + bytes.readUInt16BE(offset + 2);
  }
  return undefined;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (
    text
      .split('\n')
      .find((line) => line.trim() !== '')
      ?.trim() ?? 'unknown error'
  );
}
