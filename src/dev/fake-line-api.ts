/**
 * A fake LINE Messaging API on loopback, for tests that drive the real `@line/bot-sdk` client:
 *
 *   const fake = await startFakeLineApi({ channelAccessToken: 'test-token' });
 *   const client = new messagingApi.MessagingApiClient({ channelAccessToken: 'test-token', baseURL: fake.baseURL });
 *
 * It answers like api.line.me does (paths, headers, LINE-shaped error bodies) and rejects what LINE
 * rejects: message counts, text and label lengths, quick-reply sizes, template and flex limits,
 * action fields, reused reply tokens, repeated retry keys, recipients who cannot be reached.
 * Every request is recorded with its status, so a test can assert that nothing it sent would
 * have been refused by LINE (`assertNoRejections()`).
 *
 * What LINE accepts is written as zod schemas in line-schemas.ts, named after LINE's objects
 * (TextMessage, FlexBubble, PostbackAction, ...); their limits follow LINE's OpenAPI files and the
 * Messaging API reference, with lengths counted in UTF-16 code units as LINE counts them. Error
 * bodies keep LINE's shape (`{ message, details: [{ message, property }] }`); the wording of the detail
 * messages is LINE-like rather than byte-for-byte, so tests should assert on status and `property`.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, STATUS_CODES } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { messagingApi } from '@line/bot-sdk';
import { LINE_DETAIL_MESSAGES, validateLineRequest } from './line-schemas.ts';
import type { LineErrorDetail } from './line-schemas.ts';

export { validateLineRequest } from './line-schemas.ts';
export type { LineErrorDetail, LineRequestKind } from './line-schemas.ts';

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

/** The endpoints the fake serves. `validate` is POST /v2/bot/message/validate/{reply,push,...}. */
export type FakeLineEndpoint = 'reply' | 'push' | 'multicast' | 'broadcast' | 'validate' | 'profile' | 'loading' | RichMenuEndpoint;

/** The rich menu endpoints (`npm run rich-menu`, issue #12); the image upload is on api-data.line.me. */
export type RichMenuEndpoint =
  'richMenuCreate' | 'richMenuValidate' | 'richMenuImage' | 'richMenuList' | 'richMenuDelete' | 'richMenuSetDefault' | 'richMenuGetDefault';

/** A rich menu the fake accepted, with the image uploaded for it (if any). */
export type FakeRichMenu = {
  readonly richMenuId: string;
  readonly menu: messagingApi.RichMenuRequest;
  image?: { readonly contentType: string; readonly width: number; readonly height: number; readonly bytes: number };
};

export type LineErrorBody = {
  message: string;
  details?: LineErrorDetail[];
  sentMessages?: messagingApi.SentMessage[];
};

export type RecordedRequest = {
  readonly method: string;
  /** Path without the query string, e.g. `/v2/bot/message/push`. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** Lower-cased header names, as node reports them. */
  readonly headers: IncomingHttpHeaders;
  /** Parsed JSON body; undefined for a GET or a body that is not JSON (see rawBody). */
  readonly body: unknown;
  readonly rawBody: string;
  readonly endpoint: FakeLineEndpoint | undefined;
  readonly status: number;
  readonly responseBody: unknown;
  /** The `x-line-request-id` the fake answered with. */
  readonly requestId: string;
  /** True when the status came from `failNext`, not from the request itself. */
  readonly injected: boolean;
  readonly receivedAt: number;
};

export type AcceptedReply = {
  readonly replyToken: string;
  /** The user the token was issued for (`issueReplyToken` / `expectReplyToken`), if known. */
  readonly userId: string | undefined;
  readonly messages: messagingApi.Message[];
  readonly notificationDisabled: boolean;
  readonly requestId: string;
  readonly sentMessages: messagingApi.SentMessage[];
};

export type AcceptedPush = {
  readonly to: string;
  readonly messages: messagingApi.Message[];
  readonly retryKey?: string;
  readonly notificationDisabled: boolean;
  readonly requestId: string;
  readonly sentMessages: messagingApi.SentMessage[];
};

export type AcceptedMulticast = {
  readonly to: string[];
  /** `to` less the unreachable users: LINE drops them silently from a multicast. */
  readonly deliveredTo: string[];
  readonly messages: messagingApi.Message[];
  readonly retryKey?: string;
  readonly notificationDisabled: boolean;
  readonly requestId: string;
};

export type AcceptedBroadcast = {
  readonly messages: messagingApi.Message[];
  readonly retryKey?: string;
  readonly notificationDisabled: boolean;
  readonly requestId: string;
};

/** One accepted reply, push or multicast as seen by one user, in the order LINE accepted them. */
export type Delivery = {
  readonly via: 'reply' | 'push' | 'multicast';
  readonly userId: string | undefined;
  readonly messages: messagingApi.Message[];
  readonly requestId: string;
};

export type FailOptions = {
  /** Which endpoints the injected failure applies to; default the four that send messages. */
  only?: FakeLineEndpoint | readonly FakeLineEndpoint[];
  /**
   * Deliver the messages first, then answer with the failure: LINE's "a 5xx or a timeout may
   * still have delivered" case. The retry key (if any) counts as accepted, so a retry gets 409.
   */
  afterAccepting?: boolean;
  /** Response body; default a LINE-shaped body for the status. */
  body?: LineErrorBody;
  headers?: Readonly<Record<string, string>>;
};

export type DelayOptions = {
  /** Which endpoints the delay applies to; default the four that send messages. */
  only?: FakeLineEndpoint | readonly FakeLineEndpoint[];
};

export type FakeLineApiOptions = {
  channelAccessToken: string;
  /**
   * Reject recipient IDs that are not LINE-shaped (`U`/`C`/`R` + 32 lower-case hex), as LINE does.
   * Default true; use `lineUserId(seed)` to make valid IDs in fixtures.
   */
  strictIds?: boolean;
  /**
   * `any` (default): any non-empty reply token works once. `issued`: only tokens from
   * `issueReplyToken` / `expectReplyToken` work, like LINE, which knows the tokens it issued.
   */
  replyTokens?: 'any' | 'issued';
  /** Profiles served by GET /v2/bot/profile/{userId}; other users get 404. */
  profiles?: Readonly<Record<string, Partial<Omit<messagingApi.UserProfileResponse, 'userId'>>>>;
  /** Users who blocked the account (or never added it): pushes to them fail. */
  unreachable?: readonly string[];
  port?: number;
};

export type FakeLineApi = {
  /** Origin only (the SDK drops any path prefix), e.g. `http://127.0.0.1:43127`. */
  readonly baseURL: string;
  readonly channelAccessToken: string;
  /** Every request, accepted or not, in the order the fake answered them. */
  readonly requests: readonly RecordedRequest[];
  /** Requests answered with status >= 400 because of the request itself (not `failNext`). */
  readonly rejected: readonly RecordedRequest[];
  readonly replies: readonly AcceptedReply[];
  readonly pushes: readonly AcceptedPush[];
  readonly multicasts: readonly AcceptedMulticast[];
  readonly broadcasts: readonly AcceptedBroadcast[];
  readonly deliveries: readonly Delivery[];
  readonly loadingAnimations: readonly { chatId: string; loadingSeconds: number }[];
  /** Rich menus created and not deleted, by id. */
  readonly richMenus: ReadonlyMap<string, FakeRichMenu>;
  /** The default rich menu's id, if one is set. */
  readonly defaultRichMenuId: string | undefined;
  /** Calls `listener` with every request once it is answered (local mode's developer panel); returns an unsubscribe function. */
  onRequest(listener: (request: RecordedRequest) => void): () => void;
  /** Every accepted message that reached the user by push, multicast or a reply whose token is known to be theirs. */
  messagesTo(userId: string): messagingApi.Message[];
  /** The `text` of the text messages in `messagesTo(userId)`. */
  textsTo(userId: string): string[];
  /**
   * Every message in `messagesTo(userId)` as a person reads it: a text message's text; a Flex
   * message's altText, then its texts and button labels (a link's address after its label).
   */
  readableTo(userId: string): string[];
  /** A fresh reply token for a webhook event from `userId`; its replies count as messages to that user. */
  issueReplyToken(userId?: string): string;
  /** Declares that `replyToken` (e.g. from a hand-written webhook event) belongs to `userId`. */
  expectReplyToken(replyToken: string, userId: string): void;
  /** Makes a reply token unusable, as when LINE's deadline for it has passed. */
  expireReplyToken(replyToken: string): void;
  setProfile(userId: string, profile?: Partial<Omit<messagingApi.UserProfileResponse, 'userId'>>): void;
  markUnreachable(userId: string): void;
  markReachable(userId: string): void;
  /** The next `times` requests LINE would otherwise have accepted answer `status` instead. */
  failNext(status: number, times?: number, options?: FailOptions): void;
  /**
   * The next `times` requests wait `ms` before being handled, then are handled and answered as
   * usual, even if the client gave up meanwhile (LINE, too, may deliver what timed out).
   */
  delayNext(ms: number, times?: number, options?: DelayOptions): void;
  /** Throws, listing each one, if any request was rejected; `allow` lists statuses to tolerate. */
  assertNoRejections(options?: { allow?: readonly number[] }): void;
  /** Forgets everything: records, tokens, retry keys, profiles, reachability, injections. */
  reset(): void;
  close(): Promise<void>;
};

/** A valid, deterministic LINE user ID (`U` + 32 hex) for fixtures. */
export function lineUserId(seed: string | number): string {
  return `U${createHash('md5').update(String(seed)).digest('hex')}`;
}

// ---------------------------------------------------------------------------------------------
// LINE's wording
// ---------------------------------------------------------------------------------------------

export const LINE_ERRORS = {
  authenticationFailed: 'Authentication failed. Confirm that the access token in the authorization header is valid.',
  invalidReplyToken: 'Invalid reply token',
  retryKeyAccepted: 'The retry key is already accepted',
  retryKeyInvalid: 'The value of the X-Line-Retry-Key header is invalid',
  retryKeyNotSupported: 'The X-Line-Retry-Key header is not supported by this endpoint',
  failedToSend: 'Failed to send messages',
  invalidTo: "The property, 'to', in the request body is invalid (line: -, column: -)",
  invalidChatId: "The property, 'chatId', in the request body is invalid (line: -, column: -)",
  invalidUserIdParam: "The value for the 'userId' parameter is invalid",
  notFound: 'Not found',
  methodNotAllowed: 'Method Not Allowed',
  unsupportedMediaType: 'Unsupported Media Type',
  invalidJson: 'The request body could not be parsed as JSON',
  richMenuWithoutImage: 'must upload richmenu image before applying it to user',
  noDefaultRichMenu: 'no default richmenu',
  richMenuImageTooLarge: 'The image file size must be 1 MB or less',
  richMenuImageUnreadable: 'The image is not a valid JPEG or PNG file',
  richMenuImageSize: "The image's width and height must equal the rich menu's size",
  richMenuImageAlreadyUploaded: 'An image has already been uploaded to the richmenu',
  bodyErrors: (count: number): string => `The request body has ${count} error(s)`,
} as const;

/** Bodies `failNext` answers with unless given one. */
const INJECTED_ERROR_MESSAGES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: LINE_ERRORS.authenticationFailed,
  403: 'Access to this API is not available for your account',
  404: LINE_ERRORS.notFound,
  409: LINE_ERRORS.retryKeyAccepted,
  410: 'Gone',
  413: 'Request Entity Too Large',
  415: LINE_ERRORS.unsupportedMediaType,
  429: 'The API rate limit has been exceeded. Try again later.',
  500: 'Internal Server Error',
};

const RECIPIENT_ID = /^[UCR][0-9a-f]{32}$/; // user, group chat, multi-person chat
const USER_ID = /^U[0-9a-f]{32}$/;
const RETRY_KEY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const QUOTABLE_TYPES = new Set(['text', 'textV2', 'sticker', 'image', 'video']);
const SENDING_ENDPOINTS: readonly FakeLineEndpoint[] = ['reply', 'push', 'multicast', 'broadcast'];
const RETRY_KEY_ENDPOINTS: readonly FakeLineEndpoint[] = ['push', 'multicast', 'broadcast'];

// ---------------------------------------------------------------------------------------------
// Routing
// ---------------------------------------------------------------------------------------------

type Route = { method: 'GET' | 'POST' | 'DELETE'; pattern: RegExp; endpoint: FakeLineEndpoint };
const ROUTES: readonly Route[] = [
  { method: 'POST', pattern: /^\/v2\/bot\/message\/reply$/, endpoint: 'reply' },
  { method: 'POST', pattern: /^\/v2\/bot\/message\/push$/, endpoint: 'push' },
  { method: 'POST', pattern: /^\/v2\/bot\/message\/multicast$/, endpoint: 'multicast' },
  { method: 'POST', pattern: /^\/v2\/bot\/message\/broadcast$/, endpoint: 'broadcast' },
  { method: 'POST', pattern: /^\/v2\/bot\/message\/validate\/(?:reply|push|multicast|broadcast|narrowcast)$/, endpoint: 'validate' },
  { method: 'GET', pattern: /^\/v2\/bot\/profile\/([^/]+)$/, endpoint: 'profile' },
  { method: 'POST', pattern: /^\/v2\/bot\/chat\/loading\/start$/, endpoint: 'loading' },
  { method: 'POST', pattern: /^\/v2\/bot\/richmenu$/, endpoint: 'richMenuCreate' },
  { method: 'POST', pattern: /^\/v2\/bot\/richmenu\/validate$/, endpoint: 'richMenuValidate' },
  { method: 'GET', pattern: /^\/v2\/bot\/richmenu\/list$/, endpoint: 'richMenuList' },
  { method: 'POST', pattern: /^\/v2\/bot\/richmenu\/([^/]+)\/content$/, endpoint: 'richMenuImage' },
  { method: 'DELETE', pattern: /^\/v2\/bot\/richmenu\/((?!list$|validate$)[^/]+)$/, endpoint: 'richMenuDelete' },
  { method: 'POST', pattern: /^\/v2\/bot\/user\/all\/richmenu\/([^/]+)$/, endpoint: 'richMenuSetDefault' },
  { method: 'GET', pattern: /^\/v2\/bot\/user\/all\/richmenu$/, endpoint: 'richMenuGetDefault' },
];

type Outcome = { status: number; body: unknown; headers?: Readonly<Record<string, string>>; injected?: boolean };

type Injection = { remaining: number; only: readonly FakeLineEndpoint[] };
type FailureInjection = Injection & { status: number; afterAccepting: boolean; body: LineErrorBody; headers: Readonly<Record<string, string>> };
type DelayInjection = Injection & { ms: number };

function endpoints(only: FakeLineEndpoint | readonly FakeLineEndpoint[] | undefined): readonly FakeLineEndpoint[] {
  if (only === undefined) return SENDING_ENDPOINTS;
  return typeof only === 'string' ? [only] : only;
}

function takeInjection<T extends Injection>(queue: T[], endpoint: FakeLineEndpoint): T | undefined {
  const index = queue.findIndex((injection) => injection.only.includes(endpoint));
  const injection = queue[index];
  if (injection === undefined) return undefined;
  injection.remaining -= 1;
  if (injection.remaining <= 0) queue.splice(index, 1);
  return injection;
}

function isRichMenuEndpoint(endpoint: FakeLineEndpoint): endpoint is RichMenuEndpoint {
  return endpoint.startsWith('richMenu');
}

/** Width and height from a PNG's IHDR or a JPEG's first SOFn segment; undefined if neither. */
function imageSize(type: 'image/png' | 'image/jpeg', bytes: Buffer): { width: number; height: number } | undefined {
  if (type === 'image/png') {
    const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    if (bytes.length < 24 || !bytes.subarray(0, 8).equals(signature) || bytes.toString('latin1', 12, 16) !== 'IHDR') return undefined;
    return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
  }
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  let offset = 2;
  while (offset + 9 <= bytes.length && bytes[offset] === 0xff) {
    const marker = bytes[offset + 1] ?? 0;
    const length = bytes.readUInt16BE(offset + 2);
    // SOF0..SOF15 but DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { width: bytes.readUInt16BE(offset + 7), height: bytes.readUInt16BE(offset + 5) };
    }
    offset += 2 + length;
  }
  return undefined;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

// ---------------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------------

export async function startFakeLineApi(options: FakeLineApiOptions): Promise<FakeLineApi> {
  const { channelAccessToken } = options;
  const strictIds = options.strictIds ?? true;
  const replyTokenMode = options.replyTokens ?? 'any';

  const requests: RecordedRequest[] = [];
  const replies: AcceptedReply[] = [];
  const pushes: AcceptedPush[] = [];
  const multicasts: AcceptedMulticast[] = [];
  const broadcasts: AcceptedBroadcast[] = [];
  const deliveries: Delivery[] = [];
  const loadingAnimations: { chatId: string; loadingSeconds: number }[] = [];
  const richMenus = new Map<string, FakeRichMenu>();
  let defaultRichMenu: string | undefined;
  const listeners = new Set<(request: RecordedRequest) => void>();
  const usedReplyTokens = new Set<string>();
  const replyTokenUsers = new Map<string, string>();
  const knownReplyTokens = new Set<string>();
  const acceptedRetryKeys = new Map<string, { requestId: string; sentMessages: messagingApi.SentMessage[] | undefined }>();
  const unreachable = new Set<string>();
  const profiles = new Map<string, messagingApi.UserProfileResponse>();
  const failures: FailureInjection[] = [];
  const delays: DelayInjection[] = [];
  const shutdown = new AbortController();
  let messageSeq = 0;

  function seedState(): void {
    for (const [userId, profile] of Object.entries(options.profiles ?? {})) setProfile(userId, profile);
    for (const userId of options.unreachable ?? []) unreachable.add(userId);
  }

  function setProfile(userId: string, profile: Partial<Omit<messagingApi.UserProfileResponse, 'userId'>> = {}): void {
    profiles.set(userId, { displayName: `User ${userId.slice(0, 7)}`, ...profile, userId });
  }

  function sentMessagesFor(messages: readonly messagingApi.Message[]): messagingApi.SentMessage[] {
    return messages.map((message) => {
      messageSeq += 1;
      const id = String(500_000_000_000_000_000n + BigInt(messageSeq));
      return QUOTABLE_TYPES.has(message.type) ? { id, quoteToken: randomBytes(48).toString('base64url') } : { id };
    });
  }

  function badRequest(details: LineErrorDetail[]): Outcome {
    return { status: 400, body: { message: LINE_ERRORS.bodyErrors(details.length), details } };
  }

  const error = (status: number, message: string): Outcome => ({ status, body: { message } });

  /** Answers a request that passed routing, authentication and JSON parsing. */
  function handle(endpoint: FakeLineEndpoint, pathParam: string, headers: IncomingHttpHeaders, body: unknown, requestId: string): Outcome {
    if (endpoint === 'profile') return handleProfile(pathParam);
    if (isRichMenuEndpoint(endpoint)) return handleRichMenu(endpoint, pathParam, body);

    const retryKey = header(headers, 'x-line-retry-key');
    if (retryKey !== undefined) {
      if (!RETRY_KEY_ENDPOINTS.includes(endpoint)) return error(400, LINE_ERRORS.retryKeyNotSupported);
      if (!RETRY_KEY.test(retryKey)) return error(400, LINE_ERRORS.retryKeyInvalid);
      const accepted = acceptedRetryKeys.get(retryKey);
      if (accepted !== undefined) {
        const conflict: LineErrorBody = { message: LINE_ERRORS.retryKeyAccepted };
        if (accepted.sentMessages !== undefined) conflict.sentMessages = accepted.sentMessages;
        return { status: 409, body: conflict, headers: { 'x-line-accepted-request-id': accepted.requestId } };
      }
    }

    const details = validateLineRequest(endpoint, body);
    if (details.length > 0) return badRequest(details);
    // Validated above, so the body has the shape of the endpoint's request.
    const request = body as Record<string, unknown>;
    const messages = (request.messages ?? []) as messagingApi.Message[];
    const notificationDisabled = request.notificationDisabled === true;

    switch (endpoint) {
      case 'validate':
        return accept(endpoint, () => ({ status: 200, body: {} }));
      case 'loading': {
        const chatId = request.chatId as string;
        if (strictIds && !USER_ID.test(chatId)) return error(400, LINE_ERRORS.invalidChatId);
        const loadingSeconds = typeof request.loadingSeconds === 'number' ? request.loadingSeconds : 20;
        return accept(endpoint, () => {
          loadingAnimations.push({ chatId, loadingSeconds });
          return { status: 202, body: {} };
        });
      }
      case 'reply': {
        const replyToken = request.replyToken as string;
        const known = replyTokenMode === 'any' || knownReplyTokens.has(replyToken);
        if (usedReplyTokens.has(replyToken) || !known) return error(400, LINE_ERRORS.invalidReplyToken);
        return accept(endpoint, () => {
          usedReplyTokens.add(replyToken);
          const sentMessages = sentMessagesFor(messages);
          const userId = replyTokenUsers.get(replyToken);
          replies.push({ replyToken, userId, messages, notificationDisabled, requestId, sentMessages });
          deliveries.push({ via: 'reply', userId, messages, requestId });
          return { status: 200, body: { sentMessages } };
        });
      }
      case 'push': {
        const to = request.to as string;
        if (strictIds && !RECIPIENT_ID.test(to)) return error(400, LINE_ERRORS.invalidTo);
        if (unreachable.has(to)) return error(400, LINE_ERRORS.failedToSend);
        return accept(endpoint, () => {
          const sentMessages = sentMessagesFor(messages);
          if (retryKey !== undefined) acceptedRetryKeys.set(retryKey, { requestId, sentMessages });
          pushes.push({ to, messages, notificationDisabled, requestId, sentMessages, ...(retryKey === undefined ? {} : { retryKey }) });
          deliveries.push({ via: 'push', userId: to, messages, requestId });
          return { status: 200, body: { sentMessages } };
        });
      }
      case 'multicast': {
        const to = request.to as string[];
        if (strictIds && !to.every((id) => USER_ID.test(id))) return error(400, LINE_ERRORS.invalidTo);
        // The same user twice in one multicast is refused (issue #10: the sender must dedupe).
        const firstRepeat = to.findIndex((id, index) => to.indexOf(id) !== index);
        if (firstRepeat >= 0) return badRequest([{ property: `to[${firstRepeat}]`, message: LINE_DETAIL_MESSAGES.duplicate }]);
        return accept(endpoint, () => {
          if (retryKey !== undefined) acceptedRetryKeys.set(retryKey, { requestId, sentMessages: undefined });
          const deliveredTo = to.filter((id) => !unreachable.has(id));
          multicasts.push({ to, deliveredTo, messages, notificationDisabled, requestId, ...(retryKey === undefined ? {} : { retryKey }) });
          for (const userId of deliveredTo) deliveries.push({ via: 'multicast', userId, messages, requestId });
          return { status: 200, body: {} };
        });
      }
      case 'broadcast':
        return accept(endpoint, () => {
          if (retryKey !== undefined) acceptedRetryKeys.set(retryKey, { requestId, sentMessages: undefined });
          broadcasts.push({ messages, notificationDisabled, requestId, ...(retryKey === undefined ? {} : { retryKey }) });
          return { status: 200, body: {} };
        });
    }
  }

  /**
   * Runs `deliver` (which records the request as accepted) unless a failure is injected; an
   * injected failure answers instead, after delivering when it is `afterAccepting`.
   */
  function accept(endpoint: FakeLineEndpoint, deliver: () => Outcome): Outcome {
    const failure = takeInjection(failures, endpoint);
    if (failure !== undefined && !failure.afterAccepting) return injected(failure);
    const outcome = deliver();
    return failure === undefined ? outcome : injected(failure);
  }

  function injected(failure: FailureInjection): Outcome {
    return { status: failure.status, body: failure.body, headers: failure.headers, injected: true };
  }

  /** The rich menu endpoints but the image upload (see handleRichMenuImage). */
  function handleRichMenu(endpoint: RichMenuEndpoint, richMenuId: string, body: unknown): Outcome {
    const failure = takeInjection(failures, endpoint);
    if (failure !== undefined) return injected(failure);
    switch (endpoint) {
      case 'richMenuCreate':
      case 'richMenuValidate': {
        const details = validateLineRequest('richMenu', body);
        if (details.length > 0) return badRequest(details);
        if (endpoint === 'richMenuValidate') return { status: 200, body: {} };
        const id = `richmenu-${randomBytes(16).toString('hex')}`;
        richMenus.set(id, { richMenuId: id, menu: body as messagingApi.RichMenuRequest });
        return { status: 200, body: { richMenuId: id } };
      }
      case 'richMenuList':
        return { status: 200, body: { richmenus: [...richMenus.values()].map(({ richMenuId: id, menu }) => ({ richMenuId: id, ...menu })) } };
      case 'richMenuDelete':
        if (!richMenus.delete(richMenuId)) return error(404, LINE_ERRORS.notFound);
        if (defaultRichMenu === richMenuId) defaultRichMenu = undefined;
        return { status: 200, body: {} };
      case 'richMenuSetDefault': {
        const menu = richMenus.get(richMenuId);
        if (menu === undefined) return error(404, LINE_ERRORS.notFound);
        if (menu.image === undefined) return error(400, LINE_ERRORS.richMenuWithoutImage);
        defaultRichMenu = richMenuId;
        return { status: 200, body: {} };
      }
      case 'richMenuGetDefault':
        return defaultRichMenu === undefined ? error(404, LINE_ERRORS.noDefaultRichMenu) : { status: 200, body: { richMenuId: defaultRichMenu } };
      case 'richMenuImage':
        return error(500, 'routed elsewhere');
    }
  }

  /** POST /v2/bot/richmenu/{id}/content: a JPEG or PNG of the menu's exact size, 1 MB at most, once. */
  function handleRichMenuImage(richMenuId: string, contentType: string, bytes: Buffer): Outcome {
    const failure = takeInjection(failures, 'richMenuImage');
    if (failure !== undefined) return injected(failure);
    const menu = richMenus.get(richMenuId);
    if (menu === undefined) return error(404, LINE_ERRORS.notFound);
    const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
    if (type !== 'image/png' && type !== 'image/jpeg') return error(415, LINE_ERRORS.unsupportedMediaType);
    if (bytes.length > 1024 * 1024) return error(413, LINE_ERRORS.richMenuImageTooLarge);
    const size = imageSize(type, bytes);
    if (size === undefined) return error(400, LINE_ERRORS.richMenuImageUnreadable);
    if (size.width !== menu.menu.size?.width || size.height !== menu.menu.size?.height) return error(400, LINE_ERRORS.richMenuImageSize);
    if (menu.image !== undefined) return error(400, LINE_ERRORS.richMenuImageAlreadyUploaded);
    menu.image = { contentType: type, width: size.width, height: size.height, bytes: bytes.length };
    return { status: 200, body: {} };
  }

  function handleProfile(userId: string): Outcome {
    const failure = takeInjection(failures, 'profile');
    if (failure !== undefined) return injected(failure);
    if (strictIds && !USER_ID.test(userId)) return error(400, LINE_ERRORS.invalidUserIdParam);
    const profile = profiles.get(userId);
    if (profile === undefined || unreachable.has(userId)) return error(404, LINE_ERRORS.notFound);
    return { status: 200, body: profile };
  }

  async function respond(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const receivedAt = Date.now();
    const requestId = randomUUID();
    const method = req.method ?? 'GET';
    const target = new URL(req.url ?? '/', 'http://fake-line-api');
    const rawBytes = await readBody(req);
    // A rich menu image is binary: recorded by its size, never decoded as text.
    const binary = /^image\//i.test(header(req.headers, 'content-type') ?? '');
    const rawBody = binary ? `<${rawBytes.length} bytes of ${header(req.headers, 'content-type')}>` : rawBytes.toString('utf8');
    let body: unknown;
    let endpoint: FakeLineEndpoint | undefined;

    const outcome = await (async (): Promise<Outcome> => {
      const onPath = ROUTES.filter((route) => route.pattern.test(target.pathname));
      const route = onPath.find((candidate) => candidate.method === method);
      if (route === undefined) return onPath.length > 0 ? error(405, LINE_ERRORS.methodNotAllowed) : error(404, LINE_ERRORS.notFound);
      endpoint = route.endpoint;
      const delay = takeInjection(delays, endpoint);
      if (delay !== undefined) await sleep(delay.ms, undefined, { signal: shutdown.signal });

      if (header(req.headers, 'authorization') !== `Bearer ${channelAccessToken}`) return error(401, LINE_ERRORS.authenticationFailed);
      const pathParam = decodeURIComponent(route.pattern.exec(target.pathname)?.[1] ?? '');
      if (route.endpoint === 'richMenuImage') return handleRichMenuImage(pathParam, header(req.headers, 'content-type') ?? '', rawBytes);
      // Setting the default rich menu is a POST without a body.
      if (method === 'POST' && !(route.endpoint === 'richMenuSetDefault' && rawBytes.length === 0)) {
        const contentType = header(req.headers, 'content-type') ?? '';
        if (!/^application\/json\s*(?:;|$)/i.test(contentType)) return error(415, LINE_ERRORS.unsupportedMediaType);
        try {
          body = JSON.parse(rawBody);
        } catch {
          return error(400, LINE_ERRORS.invalidJson);
        }
      }
      return handle(route.endpoint, pathParam, req.headers, body, requestId);
    })().catch((cause: unknown): Outcome | undefined => {
      if (shutdown.signal.aborted) return undefined; // closing: drop the request
      return error(500, `Fake LINE API failed: ${String(cause)}`);
    });
    if (outcome === undefined || shutdown.signal.aborted) return;

    const recorded: RecordedRequest = {
      method,
      path: target.pathname,
      query: Object.fromEntries(target.searchParams),
      headers: req.headers,
      body,
      rawBody,
      endpoint,
      status: outcome.status,
      responseBody: outcome.body,
      requestId,
      injected: outcome.injected === true,
      receivedAt,
    };
    requests.push(recorded);
    for (const listener of listeners) listener(recorded);
    res.writeHead(outcome.status, {
      'content-type': 'application/json',
      'x-line-request-id': requestId,
      ...outcome.headers,
    });
    res.end(JSON.stringify(outcome.body));
  }

  const server = createServer((req, res) => {
    // Only reading the body can throw here (the client went away): nobody is left to answer.
    respond(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  seedState();

  const fake: FakeLineApi = {
    baseURL: `http://127.0.0.1:${port}`,
    channelAccessToken,
    requests,
    get rejected() {
      return requests.filter((request) => request.status >= 400 && !request.injected);
    },
    replies,
    pushes,
    multicasts,
    broadcasts,
    deliveries,
    loadingAnimations,
    richMenus,
    get defaultRichMenuId() {
      return defaultRichMenu;
    },
    onRequest(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    messagesTo(userId) {
      return deliveries.filter((delivery) => delivery.userId === userId).flatMap((delivery) => delivery.messages);
    },
    textsTo(userId) {
      return fake.messagesTo(userId).flatMap((message) => ((message.type === 'text' || message.type === 'textV2') && 'text' in message ? [message.text] : []));
    },
    readableTo(userId) {
      return fake.messagesTo(userId).map(readable);
    },
    issueReplyToken(userId) {
      const token = randomBytes(16).toString('hex');
      knownReplyTokens.add(token);
      if (userId !== undefined) replyTokenUsers.set(token, userId);
      return token;
    },
    expectReplyToken(replyToken, userId) {
      knownReplyTokens.add(replyToken);
      replyTokenUsers.set(replyToken, userId);
    },
    expireReplyToken(replyToken) {
      usedReplyTokens.add(replyToken);
    },
    setProfile,
    markUnreachable(userId) {
      unreachable.add(userId);
    },
    markReachable(userId) {
      unreachable.delete(userId);
    },
    failNext(status, times = 1, failOptions = {}) {
      failures.push({
        remaining: times,
        only: endpoints(failOptions.only),
        status,
        afterAccepting: failOptions.afterAccepting ?? false,
        body: failOptions.body ?? { message: INJECTED_ERROR_MESSAGES[status] ?? STATUS_CODES[status] ?? 'Error' },
        headers: failOptions.headers ?? {},
      });
    },
    delayNext(ms, times = 1, delayOptions = {}) {
      delays.push({ remaining: times, only: endpoints(delayOptions.only), ms });
    },
    assertNoRejections(assertOptions = {}) {
      const allowed = new Set(assertOptions.allow ?? []);
      const offending = fake.rejected.filter((request) => !allowed.has(request.status));
      if (offending.length === 0) return;
      const lines = offending.map(
        (request) =>
          `  ${request.method} ${request.path} -> ${request.status} ${JSON.stringify(request.responseBody)}\n` +
          `    request body: ${request.rawBody.length > 2000 ? `${request.rawBody.slice(0, 2000)}...` : request.rawBody}`,
      );
      throw new Error(`The fake LINE API rejected ${offending.length} request(s):\n${lines.join('\n')}`);
    },
    reset() {
      for (const array of [requests, replies, pushes, multicasts, broadcasts, deliveries, loadingAnimations, failures, delays]) {
        array.length = 0;
      }
      for (const collection of [usedReplyTokens, replyTokenUsers, knownReplyTokens, acceptedRetryKeys, unreachable, profiles, richMenus]) {
        collection.clear();
      }
      defaultRichMenu = undefined;
      seedState();
    },
    async close() {
      shutdown.abort();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((cause) => (cause ? reject(cause) : resolve())));
    },
  };
  return fake;
}

/** A message as a person reads it (see `readableTo`). */
function readable(message: messagingApi.Message): string {
  if ((message.type === 'text' || message.type === 'textV2') && 'text' in message) return message.text;
  const lines: string[] = 'altText' in message && typeof message.altText === 'string' ? [message.altText] : [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (o.type === 'text' && typeof o.text === 'string') lines.push(o.text);
      if (typeof o.label === 'string') lines.push(typeof o.uri === 'string' ? `${o.label} ${o.uri}` : o.label);
      for (const [key, value] of Object.entries(o)) if (key !== 'altText') visit(value);
    }
  };
  visit('contents' in message ? message.contents : message);
  return lines.join('\n');
}
