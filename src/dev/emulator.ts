/**
 * The local chat emulator (issue #12), mounted at /dev in local mode only (src/dev/local-mode.ts;
 * with real LINE credentials nothing here exists and /dev answers 404).
 *
 * A person chats with the bot as a LINE user would: every text, tap, sticker, image, follow and
 * block becomes a webhook event, signed with the channel secret and POSTed to the service's own
 * /webhook over HTTP, so the emulator exercises exactly the production path. What the bot sends
 * (replies, pushes, multicasts) reaches the in-process fake LINE API, which validates it as LINE
 * would (a bad message is refused with 400 and LINE's error text), and the page shows what was
 * accepted. The page polls /dev/api/state once a second.
 *
 * Also here: several simulated users, the time control (moves local mode's application clock
 * forward, then runs the scheduler at once) and the developer panel (raw webhook events,
 * Messaging API requests and what the fake refused).
 *
 * A developer tool, not a staff page: it uses a small script (static file, CSP `script-src
 * 'self'`), holds the chat in memory only (gone at restart; the bot's own records stay in the
 * database), and logs nothing of what is typed. Its JSON endpoints take only
 * `application/json` from the same origin, so another site's form cannot drive them.
 */
import { createHmac, randomBytes } from 'node:crypto';
import path from 'node:path';
import express from 'express';
import type { NextFunction, Request, Response, Router } from 'express';
import helmet from 'helmet';
import { z } from 'zod';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { describeError } from '../logger.ts';
import { formatJpDate } from '../text/japanese.ts';
import { tokyoDateOf, tokyoTimeOf } from '../rules/index.ts';
import type { FakeLineApi, RecordedRequest } from './fake-line-api.ts';
import { lineUserId } from './fake-line-api.ts';
import type { LocalClock } from './local-clock.ts';
import { richMenuItems } from './rich-menu.ts';
import { userEventEnvelope } from './webhook-event.ts';

export type SimulatedUser = { id: string; name: string; followed: boolean | null };

/** One line of a user's chat: what they sent, what the bot sent them, or a note (follow, block, call). */
type ChatEntry = { seq: number; userId: string; from: 'user' | 'bot' | 'note'; at: string; message: unknown; via?: string };

/** One line of the developer panel. */
type PanelEntry = {
  seq: number;
  kind: 'webhook' | 'api';
  at: string;
  title: string;
  status: number;
  rejected: boolean;
  /** LINE's error text for a refused request (message and details). */
  error?: string;
  request: unknown;
  response?: unknown;
};

export interface EmulatorDeps {
  fake: FakeLineApi;
  clock: LocalClock;
  config: Config;
  channelSecret: string;
  logger: Logger;
  /** Runs the scheduler now (after the clock moved). */
  kickScheduler: () => void;
}

export interface Emulator {
  router: Router;
  users: SimulatedUser[];
  /** Where the service listens, e.g. http://127.0.0.1:3000; the emulator posts its webhooks there. */
  setBaseUrl(url: string): void;
  close(): void;
}

const MAX_ENTRIES = 3000;
const publicDir = path.join(import.meta.dirname, 'public');

/** Stickers to send, drawn as labelled badges (LINE's sticker images are not ours to ship). */
const stickers = [
  { packageId: '446', stickerId: '1988', label: 'よろしく' },
  { packageId: '446', stickerId: '1989', label: 'ありがとう' },
  { packageId: '446', stickerId: '2002', label: 'OK！' },
];

const eventInput = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), userId: z.string(), text: z.string().min(1, 'メッセージが空です。').max(5000, 'メッセージは5000文字までです。') }),
  z.object({ type: z.literal('postback'), userId: z.string(), data: z.string().max(300), displayText: z.string().max(300).optional() }),
  z.object({
    type: z.literal('sticker'),
    userId: z.string(),
    index: z
      .number()
      .int()
      .min(0)
      .max(stickers.length - 1),
  }),
  z.object({ type: z.literal('image'), userId: z.string() }),
  z.object({ type: z.literal('follow'), userId: z.string() }),
  z.object({ type: z.literal('unfollow'), userId: z.string() }),
  z.object({ type: z.literal('call'), userId: z.string(), uri: z.string().max(1000) }),
]);

const clockInput = z.union([
  z.object({
    minutes: z
      .number()
      .int()
      .min(1)
      .max(366 * 24 * 60),
  }),
  z.object({ to: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, '日時は YYYY-MM-DDTHH:mm で指定してください。') }),
]);

export function createEmulator(deps: EmulatorDeps): Emulator {
  const { fake, clock, config, logger } = deps;
  const users: SimulatedUser[] = ['港北 太郎', '山田 花子', 'グエン ヴァン アン'].map((name, i) => ({
    id: lineUserId(`local-user-${i + 1}`),
    name,
    followed: null,
  }));
  for (const user of users) fake.setProfile(user.id, { displayName: user.name });
  const botUserId = lineUserId('local-bot');
  const chat: ChatEntry[] = [];
  const panel: PanelEntry[] = [];
  let seq = 0;
  let deliveryCursor = 0;
  let baseUrl: string | undefined;
  let messageIds = 0;

  const keep = <T>(list: T[], entry: T) => {
    list.push(entry);
    if (list.length > MAX_ENTRIES) list.splice(0, list.length - MAX_ENTRIES);
  };
  const appNow = () => clock.now().toISOString();

  const unsubscribe = fake.onRequest((request: RecordedRequest) => {
    keep(panel, {
      seq: ++seq,
      kind: 'api',
      at: appNow(),
      title: `${request.method} ${request.path}`,
      status: request.status,
      rejected: request.status >= 400,
      ...(request.status >= 400 ? { error: lineErrorText(request.responseBody) } : {}),
      request: request.body ?? (request.rawBody === '' ? undefined : request.rawBody),
      response: request.responseBody,
    });
    for (const delivery of fake.deliveries.slice(deliveryCursor)) {
      if (delivery.userId === undefined) continue;
      for (const message of delivery.messages) keep(chat, { seq: ++seq, userId: delivery.userId, from: 'bot', at: appNow(), message, via: delivery.via });
    }
    deliveryCursor = fake.deliveries.length;
  });

  /** Signs and POSTs one event to the service's /webhook, as LINE's platform does. */
  async function deliver(event: Record<string, unknown>): Promise<number> {
    if (!baseUrl) throw new Error('the service is not listening yet');
    const body = JSON.stringify({ destination: botUserId, events: [event] });
    const signature = createHmac('sha256', deps.channelSecret).update(body).digest('base64');
    let status = 0;
    let error: string | undefined;
    try {
      const res = await fetch(`${baseUrl}/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-line-signature': signature }, body });
      status = res.status;
      if (status >= 400) error = await res.text();
    } catch (cause) {
      error = describeError(cause).message;
    }
    keep(panel, {
      seq: ++seq,
      kind: 'webhook',
      at: appNow(),
      title: `webhook ${String(event.type)}`,
      status,
      rejected: status !== 200,
      ...(error ? { error } : {}),
      request: event,
    });
    return status;
  }

  function baseEvent(type: string, userId: string, withReplyToken: boolean): Record<string, unknown> {
    const event: Record<string, unknown> = userEventEnvelope(type, userId, clock.now());
    if (withReplyToken) {
      const replyToken = randomBytes(16).toString('hex');
      fake.expectReplyToken(replyToken, userId);
      event.replyToken = replyToken;
    }
    return event;
  }

  const nextMessageId = () => String(600_000_000_000_000_000n + BigInt(++messageIds));
  const quoteToken = () => randomBytes(32).toString('base64url');

  /** Builds the event for one action on the page, notes what the user sees, and delivers it. */
  async function act(input: z.output<typeof eventInput>, user: SimulatedUser): Promise<number | undefined> {
    const note = (message: string) => keep(chat, { seq: ++seq, userId: user.id, from: 'note', at: appNow(), message });
    const said = (message: unknown) => keep(chat, { seq: ++seq, userId: user.id, from: 'user', at: appNow(), message });
    switch (input.type) {
      case 'text':
        said({ type: 'text', text: input.text });
        return deliver({ ...baseEvent('message', user.id, true), message: { type: 'text', id: nextMessageId(), quoteToken: quoteToken(), text: input.text } });
      case 'postback':
        // LINE shows a postback's displayText as the user's message; without one, nothing.
        if (input.displayText) said({ type: 'text', text: input.displayText });
        return deliver({ ...baseEvent('postback', user.id, true), postback: { data: input.data } });
      case 'sticker': {
        const sticker = stickers[input.index] ?? stickers[0];
        said({ type: 'sticker', packageId: sticker?.packageId, stickerId: sticker?.stickerId, label: sticker?.label });
        return deliver({
          ...baseEvent('message', user.id, true),
          message: {
            type: 'sticker',
            id: nextMessageId(),
            quoteToken: quoteToken(),
            packageId: sticker?.packageId,
            stickerId: sticker?.stickerId,
            stickerResourceType: 'STATIC',
            keywords: [],
          },
        });
      }
      case 'image':
        said({ type: 'image' });
        return deliver({
          ...baseEvent('message', user.id, true),
          message: { type: 'image', id: nextMessageId(), quoteToken: quoteToken(), contentProvider: { type: 'line' } },
        });
      case 'follow': {
        const unblocked = user.followed === false;
        user.followed = true;
        fake.markReachable(user.id);
        note(unblocked ? 'ブロックを解除しました' : '友だち追加しました');
        return deliver({ ...baseEvent('follow', user.id, true), follow: { isUnblocked: unblocked } });
      }
      case 'unfollow':
        user.followed = false;
        // A user who blocked the account cannot be reached: LINE refuses pushes to them.
        fake.markUnreachable(user.id);
        note('ブロックしました');
        return deliver(baseEvent('unfollow', user.id, false));
      case 'call':
        // A tel: link opens the phone app; nothing reaches the bot.
        note(`電話アプリが開きます（${input.uri}）`);
        return undefined;
    }
  }

  const router = express.Router();
  router.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'none'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          baseUri: ["'none'"],
        },
      },
      strictTransportSecurity: false,
    }),
  );
  router.use((_req, res, next) => {
    res.set('cache-control', 'no-store');
    next();
  });
  router.use('/static', express.static(publicDir, { index: false, fallthrough: false }));

  /** POSTs: JSON only, from this origin only (a cross-site form can send neither). */
  const sameOriginJson = (req: Request, res: Response, next: NextFunction) => {
    const origin = req.get('origin');
    if (!req.is('application/json') || (origin !== undefined && origin !== `${req.protocol}://${req.get('host') ?? ''}`)) {
      res.status(403).json({ message: 'この操作はエミュレーターの画面からのみ行えます。' });
      return;
    }
    express.json({ limit: '16kb' })(req, res, next);
  };

  router.get('/', (_req, res) => res.redirect(303, '/dev/chat'));
  router.get('/chat', (_req, res) => {
    res.type('html').send(chatPage({ users, officeName: config.OFFICE_NAME, menu: richMenuItems({ officePhone: config.OFFICE_PHONE }), stickers }));
  });

  router.get('/api/state', (req, res) => {
    const after = Number(req.query.after ?? 0);
    const since = Number.isInteger(after) && after >= 0 ? after : 0;
    const now = clock.now();
    res.json({
      seq,
      clock: {
        now: now.toISOString(),
        text: `${formatJpDate(tokyoDateOf(now), { withYear: true })} ${tokyoTimeOf(now)}`,
        date: tokyoDateOf(now),
        time: tokyoTimeOf(now),
        offsetMs: clock.offsetMs,
      },
      users,
      chat: chat.filter((e) => e.seq > since),
      panel: panel.filter((e) => e.seq > since),
      rejected: fake.rejected.length,
    });
  });

  router.post('/api/events', sameOriginJson, async (req, res) => {
    const parsed = eventInput.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ message: parsed.error.issues[0]?.message ?? '送信内容が正しくありません。' });
      return;
    }
    const user = users.find((u) => u.id === parsed.data.userId);
    if (!user) {
      res.status(404).json({ message: 'その利用者はいません。' });
      return;
    }
    const status = await act(parsed.data, user);
    res.json({ webhookStatus: status ?? null });
  });

  router.post('/api/users', sameOriginJson, (req, res) => {
    const parsed = z.object({ name: z.string().trim().min(1, '名前を入力してください。').max(20, '名前は20文字までです。') }).safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ message: parsed.error.issues[0]?.message ?? '名前が正しくありません。' });
      return;
    }
    if (users.length >= 20) {
      res.status(400).json({ message: '利用者は20人までです。' });
      return;
    }
    const user: SimulatedUser = { id: lineUserId(`local-user-${users.length + 1}`), name: parsed.data.name, followed: null };
    fake.setProfile(user.id, { displayName: user.name });
    users.push(user);
    res.status(201).json(user);
  });

  router.post('/api/clock', sameOriginJson, async (req, res) => {
    const parsed = clockInput.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ message: parsed.error.issues[0]?.message ?? '進める時間が正しくありません。' });
      return;
    }
    const now = clock.now().getTime();
    // A datetime-local value is Tokyo time.
    const ms = 'minutes' in parsed.data ? parsed.data.minutes * 60_000 : Date.parse(`${parsed.data.to}:00+09:00`) - now;
    if (!Number.isFinite(ms) || ms <= 0) {
      res.status(400).json({ message: '時計は先にしか進められません。今より後の日時を指定してください。' });
      return;
    }
    try {
      const moved = await clock.advance(ms);
      logger.info({ now: moved.toISOString() }, 'local mode: the application clock was moved forward');
      keep(panel, {
        seq: ++seq,
        kind: 'api',
        at: moved.toISOString(),
        title: `時計を進めました → ${formatJpDate(tokyoDateOf(moved), { withYear: true })} ${tokyoTimeOf(moved)}`,
        status: 200,
        rejected: false,
        request: { advancedMs: ms },
      });
      deps.kickScheduler();
      res.json({ now: moved.toISOString() });
    } catch (error) {
      res.status(400).json({ message: error instanceof RangeError ? '一度に進められるのは1年までです。' : '時計を進められませんでした。' });
    }
  });

  router.use((_req, res) => {
    res.status(404).json({ message: 'Not found' });
  });

  return {
    router,
    users,
    setBaseUrl(url) {
      baseUrl = url.replace(/\/+$/, '');
    },
    close() {
      unsubscribe();
    },
  };
}

/** LINE's error body as one line: the message, then each detail's property and message. */
function lineErrorText(body: unknown): string {
  if (typeof body !== 'object' || body === null) return String(body);
  const { message, details } = body as { message?: unknown; details?: unknown };
  const parts = [typeof message === 'string' ? message : JSON.stringify(body)];
  if (Array.isArray(details)) {
    for (const d of details as { property?: unknown; message?: unknown }[]) parts.push(`${String(d.property)}: ${String(d.message)}`);
  }
  return parts.join(' / ');
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The page: a phone-like chat on the left, time control and developer panel on the right. */
function chatPage(view: { users: SimulatedUser[]; officeName: string; menu: ReturnType<typeof richMenuItems>; stickers: typeof stickers }): string {
  const boot = JSON.stringify({ users: view.users, menu: view.menu, stickers: view.stickers }).replace(/</g, '\\u003c');
  const options = view.users.map((u) => `<option value="${escapeHtml(u.id)}">${escapeHtml(u.name)}</option>`).join('');
  const menu = view.menu
    .map(
      (item, i) =>
        `<button type="button" class="menu-item${i === 0 ? ' primary' : ''}" data-index="${i}"><span class="label">${escapeHtml(item.label)}</span><span class="hint">${escapeHtml(item.hint)}</span></button>`,
    )
    .join('');
  const stickerButtons = view.stickers
    .map((s, i) => `<button type="button" class="sticker" data-index="${i}" aria-label="スタンプ「${escapeHtml(s.label)}」">${escapeHtml(s.label)}</button>`)
    .join('');
  return `<!doctype html>
<html lang="ja">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>LINE チャット エミュレーター（ローカルモード）</title>
<link rel="stylesheet" href="/dev/static/chat.css">
<script src="/dev/static/chat.js" defer></script>
</head>
<body>
<header class="top">
  <h1>LINE チャット エミュレーター <small>ローカルモード・本物の LINE には送信しません</small></h1>
  <p class="clock">アプリの時計（東京）: <strong id="clock-now">…</strong></p>
  <p><a href="/staff/login" target="_blank" rel="noopener">職員コンソールを開く</a></p>
</header>
<noscript><p class="warning">このエミュレーターは JavaScript を使います。ブラウザーの設定で有効にしてください。</p></noscript>
<main class="layout">
  <section class="phone" aria-label="チャット">
    <div class="user-bar">
      <label>利用者 <select id="user">${options}</select></label>
      <button type="button" id="add-user">＋ 利用者</button>
      <button type="button" id="follow">友だち追加</button>
      <button type="button" id="unfollow">ブロック</button>
    </div>
    <div class="chat-title">${escapeHtml(view.officeName)}</div>
    <ol id="messages" class="messages" aria-live="polite"></ol>
    <div id="quick-replies" class="quick-replies" aria-label="クイックリプライ"></div>
    <form id="composer" class="composer">
      <button type="button" id="toggle-stickers" aria-label="スタンプ・画像">＋</button>
      <input id="text" name="text" autocomplete="off" aria-label="メッセージ" placeholder="メッセージを入力">
      <button type="submit">送信</button>
    </form>
    <div id="stickers" class="stickers" hidden>${stickerButtons}<button type="button" id="send-image" class="send-image">画像を送る</button></div>
    <nav id="rich-menu" class="rich-menu" aria-label="リッチメニュー">${menu}</nav>
    <button type="button" id="toggle-menu" class="toggle-menu" aria-expanded="true">メニュー ▾</button>
  </section>
  <aside class="side">
    <section class="time-control" aria-labelledby="time-heading">
      <h2 id="time-heading">時間を進める</h2>
      <p>アプリの時計だけが進みます（リマインダー、無断欠席の記録、規約の施行日の確認に）。戻すことはできません。</p>
      <div class="time-buttons">
        <button type="button" data-minutes="10">＋10分</button>
        <button type="button" data-minutes="60">＋1時間</button>
        <button type="button" data-minutes="1440">＋1日</button>
      </div>
      <form id="clock-form"><label>この日時まで <input type="datetime-local" id="clock-to" required></label> <button type="submit">進める</button></form>
      <p id="clock-message" class="message" role="status"></p>
    </section>
    <section class="devpanel" aria-labelledby="panel-heading">
      <h2 id="panel-heading">開発者パネル <small>拒否された要求: <strong id="rejected-count">0</strong></small></h2>
      <label><input type="checkbox" id="only-rejected"> 拒否された要求だけ表示</label>
      <ol id="panel" class="panel"></ol>
    </section>
  </aside>
</main>
<script type="application/json" id="boot">${boot}</script>
</body>
</html>`;
}
