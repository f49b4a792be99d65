/**
 * Headless Chromium for browser tests: Debian's /usr/bin/chromium driven by playwright-core (no
 * browser download; src/dev/chromium.ts), and the in-process service listening on a loopback port.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';

// One launcher for the tests and `npm run rich-menu`, which draws the menu image with it.
export { chromiumPath, launchChromium } from '../../src/dev/chromium.ts';

/** Serves an express app on 127.0.0.1 at a free port; `close()` stops it. */
export async function serve(app: Express): Promise<{ baseURL: string; close(): Promise<void> }> {
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
