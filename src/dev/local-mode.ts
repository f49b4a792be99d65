/**
 * Local mode (issue #12): `npm start` with both LINE credentials empty. The service runs as in
 * production — same webhook route, dialogue, database, scheduler and staff console — except
 * that the Messaging API it talks to is the fake one (src/dev/fake-line-api.ts) on a loopback
 * port inside this process, the application clock can be moved forward (src/dev/local-clock.ts)
 * and the chat emulator is mounted at /dev (src/dev/emulator.ts). On first start a local admin
 * is created and its one-time password printed once.
 *
 * src/config.ts refuses local mode when NODE_ENV=production; with real credentials main.ts never
 * calls this, so /dev does not exist (404).
 */
import { randomBytes } from 'node:crypto';
import express from 'express';
import type { Express } from 'express';
import type { Config } from '../config.ts';
import { isLocalMode } from '../config.ts';
import type { Logger } from '../logger.ts';
import { startService } from '../service.ts';
import type { Service } from '../service.ts';
import { createAccount } from '../staff/accounts.ts';
import { formatJpDate } from '../text/japanese.ts';
import { tokyoDateOf, tokyoTimeOf } from '../rules/index.ts';
import { startFakeLineApi } from './fake-line-api.ts';
import type { FakeLineApi } from './fake-line-api.ts';
import { LocalClock } from './local-clock.ts';
import { createEmulator } from './emulator.ts';
import type { Emulator } from './emulator.ts';

export const LOCAL_ADMIN_LOGIN = 'admin';

/**
 * Reminders need a meeting URL (staff set one per booking, or DEFAULT_MEETING_URL). So that the
 * day-before reminder can be watched without the console, local mode uses this placeholder
 * (a reserved .example address) when DEFAULT_MEETING_URL is unset.
 */
export const LOCAL_MEETING_URL = 'https://teleoffice.example/room/local-mode';

export interface LocalMode {
  /** The service's app with the emulator mounted at /dev. */
  app: Express;
  service: Service;
  fake: FakeLineApi;
  clock: LocalClock;
  emulator: Emulator;
  /** The local admin's one-time password when it was created by this start, else null. */
  adminOneTimePassword: string | null;
  /** Tells the emulator where the service listens; returns the text to print for a person. */
  listening(baseUrl: string): string;
  close(): Promise<void>;
}

export async function startLocalMode(config: Config, overrides: { logger?: Logger } = {}): Promise<LocalMode> {
  if (!isLocalMode(config) || config.NODE_ENV === 'production')
    throw new Error('local mode needs both LINE credentials empty and NODE_ENV other than production');
  // Fresh credentials per start: only this process and its fake know them.
  const channelAccessToken = randomBytes(24).toString('base64url');
  const channelSecret = randomBytes(16).toString('hex');
  const fake = await startFakeLineApi({ channelAccessToken, replyTokens: 'issued' });
  const clock = await LocalClock.open({ dataDir: config.DATA_DIR, start: config.CLOCK_START });
  const localConfig: Config = {
    ...config,
    LINE_CHANNEL_SECRET: channelSecret,
    LINE_CHANNEL_ACCESS_TOKEN: channelAccessToken,
    LINE_API_BASE_URL: fake.baseURL,
    DEFAULT_MEETING_URL: config.DEFAULT_MEETING_URL ?? LOCAL_MEETING_URL,
  };
  let service: Service;
  try {
    service = await startService(localConfig, { clock, ...(overrides.logger ? { logger: overrides.logger } : {}) });
  } catch (error) {
    await fake.close();
    throw error;
  }

  let adminOneTimePassword: string | null = null;
  if ((await service.db.prisma.staffAccount.count()) === 0) {
    const created = await createAccount(service.db.prisma, { login: LOCAL_ADMIN_LOGIN, role: 'admin' }, { actor: null, via: 'cli' }, clock.now());
    adminOneTimePassword = created.oneTimePassword;
  }

  const emulator = createEmulator({
    fake,
    clock,
    config: localConfig,
    channelSecret,
    logger: service.deps.logger,
    kickScheduler: () => service.deps.kickScheduler?.(),
  });
  const app = express();
  app.disable('x-powered-by');
  app.use('/dev', emulator.router);
  app.use(service.app);

  return {
    app,
    service,
    fake,
    clock,
    emulator,
    adminOneTimePassword,
    listening(baseUrl) {
      emulator.setBaseUrl(baseUrl);
      // The terms' full-text page (全文を読む) is served here too; the emulator opens links in this
      // browser, so unless PUBLIC_BASE_URL says otherwise the links point at this address (http on
      // loopback: PUBLIC_BASE_URL itself must be https, for LINE).
      localConfig.PUBLIC_BASE_URL ??= baseUrl;
      return banner(baseUrl, clock, adminOneTimePassword, localConfig.DEFAULT_MEETING_URL === LOCAL_MEETING_URL);
    },
    async close() {
      emulator.close();
      await service.close();
      await fake.close();
    },
  };
}

function banner(baseUrl: string, clock: LocalClock, oneTimePassword: string | null, placeholderMeetingUrl: boolean): string {
  const now = clock.now();
  const lines = [
    '',
    '  Local mode: no LINE credentials, so nothing is sent to LINE (ローカルモード)',
    '',
    `  Chat with the bot (チャット画面):      ${baseUrl}/dev/chat`,
    `  Staff console (職員コンソール):         ${baseUrl}/staff/login`,
    ...(oneTimePassword
      ? [
          `    first sign-in: login "${LOCAL_ADMIN_LOGIN}", one-time password ${oneTimePassword}`,
          '    (shown only now; you choose your own password at the first sign-in)',
        ]
      : [`    sign in as "${LOCAL_ADMIN_LOGIN}" (created at the first start; lost it? npm run staff -- reset-password ${LOCAL_ADMIN_LOGIN})`]),
    `  Application clock (アプリの時計):       ${formatJpDate(tokyoDateOf(now), { withYear: true })} ${tokyoTimeOf(now)} Tokyo — move it forward on the chat page`,
    ...(placeholderMeetingUrl ? [`  Reminders carry ${LOCAL_MEETING_URL} unless DEFAULT_MEETING_URL or the console sets one`] : []),
    '',
    '  To connect a real LINE channel, see README.md, "Connecting a real LINE channel".',
    '',
  ];
  const width = 96;
  return [`┌${'─'.repeat(width)}`, ...lines.map((l) => `│${l}`), `└${'─'.repeat(width)}`, ''].join('\n');
}
