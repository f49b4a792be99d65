/**
 * The rich menu image as `npm run rich-menu` draws it: Debian's Chromium (playwright-core)
 * renders the menu's HTML at 2500 × 1686; the labels must really be drawn with Noto Sans CJK JP,
 * the PNG must fit LINE's 1 MB (else JPEG), and every tile must carry text on its colour.
 * docs/screenshots/rich-menu.png (README "Rich menu") is written by this test from the image.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, launchChromium } from '../../src/dev/chromium.ts';
import { RICH_MENU_SIZE, richMenuRequest } from '../../src/dev/rich-menu.ts';
import { RICH_MENU_FONT, RICH_MENU_IMAGE_MAX_BYTES, RichMenuImageError, imageDimensions, renderRichMenuImage } from '../../src/dev/rich-menu-image.ts';
import type { RichMenuImage } from '../../src/dev/rich-menu-image.ts';
import { projectRoot } from '../support/process.ts';
import { decodePng, pixelAt } from './rich-menu-png.ts';

const office = { officePhone: '045-474-1221', officeName: 'ハローワーク港北（港北公共職業安定所）' };
const SCREENSHOT = path.join(projectRoot, 'docs/screenshots/rich-menu.png');

let image: RichMenuImage;
beforeAll(async () => {
  image = await renderRichMenuImage(office, launchChromium);
  // For the README, only while it stays small enough to keep in the repository.
  if (image.contentType === 'image/png' && image.bytes.length < 300 * 1024) await writeFile(SCREENSHOT, image.bytes);
}, 180_000);

describe('the rich menu image', () => {
  it('is a PNG of exactly the menu size, within LINE 1 MB, its labels drawn with Noto Sans CJK JP', () => {
    expect(image.contentType).toBe('image/png');
    expect(imageDimensions(image.bytes)).toEqual({ type: 'image/png', ...RICH_MENU_SIZE });
    expect(image.bytes.length).toBeLessThanOrEqual(RICH_MENU_IMAGE_MAX_BYTES);
    expect(image.fonts).toEqual([RICH_MENU_FONT]);
  });

  it('shows every tile in its colour with text on it, in the place of its tap area', () => {
    const png = decodePng(image.bytes);
    expect([png.width, png.height]).toEqual([2500, 1686]);
    const areas = richMenuRequest(office).areas;
    const tiles = areas.map(({ bounds }) => {
      // Inside the tile, clear of the gaps and rounded corners between tiles.
      const inset = 60;
      const counts = new Map<string, number>();
      const samples: [number, number, number][] = [];
      for (let y = bounds.y + inset; y < bounds.y + bounds.height - inset; y += 2) {
        for (let x = bounds.x + inset; x < bounds.x + bounds.width - inset; x += 2) {
          const rgb = pixelAt(png, x, y);
          samples.push(rgb);
          const key = rgb.join(',');
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
      }
      const background =
        [...counts.entries()]
          .sort((a, b) => b[1] - a[1])[0]?.[0]
          .split(',')
          .map(Number) ?? [];
      const ink = samples.filter((rgb) => rgb.some((v, i) => Math.abs(v - (background[i] ?? 0)) > 96)).length / samples.length;
      return { background, ink };
    });
    // 予約する on LINE green, the others on white.
    expect(tiles.map((t) => t.background)).toEqual([
      [6, 199, 85],
      [255, 255, 255],
      [255, 255, 255],
      [255, 255, 255],
      [255, 255, 255],
      [255, 255, 255],
    ]);
    for (const tile of tiles) {
      expect(tile.ink).toBeGreaterThan(0.02); // a label and a hint, not an empty tile
      expect(tile.ink).toBeLessThan(0.4);
    }
  });

  it('falls back to a JPEG of the same size when the PNG is over the limit', async () => {
    const limit = image.bytes.length - 1;
    const jpeg = await renderRichMenuImage(office, launchChromium, { maxBytes: limit });
    expect(jpeg.contentType).toBe('image/jpeg');
    expect(jpeg.jpegQuality).toBeGreaterThanOrEqual(45);
    expect(jpeg.bytes.length).toBeLessThanOrEqual(limit);
    expect(imageDimensions(jpeg.bytes)).toEqual({ type: 'image/jpeg', ...RICH_MENU_SIZE });
  }, 120_000);

  describe('without the Japanese font', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'hw-rich-menu-fonts-'));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    // Chromium sees only DejaVu (as on a server without fonts-noto-cjk).
    it.skipIf(!existsSync('/usr/share/fonts/truetype/dejavu'))(
      'refuses to draw the image and says to install fonts-noto-cjk',
      async () => {
        const config = path.join(dir, 'fonts.conf');
        await writeFile(
          config,
          `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig><dir>/usr/share/fonts/truetype/dejavu</dir><cachedir>${dir}/cache</cachedir></fontconfig>\n`,
        );
        const launch = () =>
          chromium.launch({
            executablePath: chromiumPath,
            headless: true,
            env: { ...process.env, FONTCONFIG_FILE: config, LANG: 'ja_JP.UTF-8' },
            args: ['--no-sandbox', '--disable-gpu'],
          });
        const failure = await renderRichMenuImage(office, launch).then(
          () => undefined,
          (error: unknown) => error,
        );
        expect(failure).toBeInstanceOf(RichMenuImageError);
        expect((failure as Error).message).toMatch(/instead of Noto Sans CJK JP.*apt-get install fonts-noto-cjk/);
      },
      120_000,
    );
  });
});
