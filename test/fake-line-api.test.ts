// The fake LINE Messaging API, driven through the real @line/bot-sdk client as the app drives it.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HTTPFetchError, LineBotClient, messagingApi } from '@line/bot-sdk';
import { lineUserId, startFakeLineApi } from './support/fake-line-api.ts';
import type { FakeLineApi } from './support/fake-line-api.ts';

const TOKEN = 'test-token';
const ALICE = lineUserId('alice');
const BOB = lineUserId('bob');

let fake: FakeLineApi;
let client: messagingApi.MessagingApiClient;

beforeAll(async () => {
  fake = await startFakeLineApi({ channelAccessToken: TOKEN });
  client = new messagingApi.MessagingApiClient({ channelAccessToken: TOKEN, baseURL: fake.baseURL });
});
afterEach(() => fake.reset());
afterAll(async () => fake.close());

/** The HTTPFetchError a LINE call rejects with. */
async function failureOf(call: Promise<unknown>): Promise<HTTPFetchError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof HTTPFetchError) return error;
    throw error;
  }
  throw new Error('expected the LINE API call to fail');
}

function jsonOf(error: HTTPFetchError): { message: string; details?: { message: string; property: string }[] } {
  return JSON.parse(error.body) as { message: string; details?: { message: string; property: string }[] };
}

const text = (value: string): messagingApi.TextMessage => ({ type: 'text', text: value });

function withQuickReply(actions: messagingApi.Action[]): messagingApi.TextMessage {
  return { type: 'text', text: 'Pick one', quickReply: { items: actions.map((action) => ({ type: 'action', action })) } };
}

const postback = (label: string, data = 'action=pick'): messagingApi.PostbackAction => ({ type: 'postback', label, data });

describe('accepted requests', () => {
  it('records a reply and delivers it to the user the reply token was issued for', async () => {
    const replyToken = fake.issueReplyToken(ALICE);

    const response = await client.replyMessage({ replyToken, messages: [text('こんにちは'), { type: 'sticker', packageId: '446', stickerId: '1988' }] });

    expect(response.sentMessages).toHaveLength(2);
    expect(response.sentMessages[0]?.id).toMatch(/^\d+$/);
    expect(response.sentMessages[0]?.quoteToken).toBeTruthy();
    expect(fake.replies).toEqual([expect.objectContaining({ replyToken, userId: ALICE, sentMessages: response.sentMessages })]);
    expect(fake.textsTo(ALICE)).toEqual(['こんにちは']);
    expect(fake.messagesTo(ALICE)).toHaveLength(2);
    fake.assertNoRejections();
  });

  it('records a push with its retry key and answers with a request id and sent messages', async () => {
    const retryKey = randomUUID();

    const { httpResponse, body } = await client.pushMessageWithHttpInfo({ to: BOB, messages: [text('予約を受け付けました')] }, retryKey);

    expect(httpResponse.status).toBe(200);
    expect(httpResponse.headers.get('x-line-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.sentMessages).toEqual([{ id: expect.stringMatching(/^\d+$/) as string, quoteToken: expect.any(String) as string }]);
    expect(fake.pushes).toEqual([expect.objectContaining({ to: BOB, retryKey, messages: [text('予約を受け付けました')] })]);
    expect(fake.messagesTo(BOB)).toEqual([text('予約を受け付けました')]);
    expect(fake.requests[0]).toMatchObject({ method: 'POST', path: '/v2/bot/message/push', status: 200 });
    expect(fake.requests[0]?.headers['x-line-retry-key']).toBe(retryKey);
  });

  it('delivers a multicast to every reachable recipient and skips the unreachable ones', async () => {
    fake.markUnreachable(BOB);

    await client.multicast({ to: [ALICE, BOB], messages: [text('お知らせ')] });

    expect(fake.multicasts[0]?.deliveredTo).toEqual([ALICE]);
    expect(fake.textsTo(ALICE)).toEqual(['お知らせ']);
    expect(fake.textsTo(BOB)).toEqual([]);
  });

  it('serves registered profiles and answers 404 for anyone else', async () => {
    fake.setProfile(ALICE, { displayName: '山田 花子', language: 'ja' });

    await expect(client.getProfile(ALICE)).resolves.toEqual({ userId: ALICE, displayName: '山田 花子', language: 'ja' });
    const unknown = await failureOf(client.getProfile(BOB));
    expect(unknown.status).toBe(404);
    expect(jsonOf(unknown)).toEqual({ message: 'Not found' });
  });

  it('works through LineBotClient with the fake as its API base URL', async () => {
    const bot = LineBotClient.fromChannelAccessToken({ channelAccessToken: TOKEN, apiBaseURL: fake.baseURL });

    await bot.pushMessage({ to: ALICE, messages: [text('via LineBotClient')] });

    expect(fake.textsTo(ALICE)).toEqual(['via LineBotClient']);
  });

  it('accepts a loading animation for a user', async () => {
    await client.showLoadingAnimation({ chatId: ALICE, loadingSeconds: 10 });

    expect(fake.loadingAnimations).toEqual([{ chatId: ALICE, loadingSeconds: 10 }]);
  });
});

describe('requests LINE rejects', () => {
  it('answers 401 with LINE’s message when the channel access token is wrong', async () => {
    const intruder = new messagingApi.MessagingApiClient({ channelAccessToken: 'wrong', baseURL: fake.baseURL });

    const error = await failureOf(intruder.pushMessage({ to: ALICE, messages: [text('hi')] }));

    expect(error.status).toBe(401);
    expect(jsonOf(error)).toEqual({ message: 'Authentication failed. Confirm that the access token in the authorization header is valid.' });
    expect(fake.pushes).toEqual([]);
    expect(fake.rejected).toHaveLength(1);
  });

  it('rejects six messages in one request with a detail on messages', async () => {
    const messages = Array.from({ length: 6 }, (_, index) => text(`message ${index}`));

    const error = await failureOf(client.pushMessage({ to: ALICE, messages }));

    expect(error.status).toBe(400);
    expect(jsonOf(error)).toEqual({
      message: 'The request body has 1 error(s)',
      details: [{ message: 'Size must be between 1 and 5', property: 'messages' }],
    });
    expect(fake.messagesTo(ALICE)).toEqual([]);
  });

  it('rejects an empty text and a text of 5001 UTF-16 units, and accepts 5000', async () => {
    const empty = await failureOf(client.pushMessage({ to: ALICE, messages: [text('')] }));
    const tooLong = await failureOf(client.pushMessage({ to: ALICE, messages: [text('あ'.repeat(5001))] }));
    await client.pushMessage({ to: ALICE, messages: [text('あ'.repeat(5000))] });

    expect(jsonOf(empty).details).toEqual([{ message: 'May not be empty', property: 'messages[0].text' }]);
    expect(tooLong.status).toBe(400);
    expect(jsonOf(tooLong).details).toEqual([{ message: 'Length must be between 1 and 5000', property: 'messages[0].text' }]);
    expect(fake.pushes).toHaveLength(1);
  });

  it('counts an astral emoji as two units of the 5000', async () => {
    const fits = 'a'.repeat(4998) + '😀'; // 5000 units, 4999 code points
    const overflows = 'a'.repeat(4999) + '😀'; // 5001 units, 5000 code points

    await client.pushMessage({ to: ALICE, messages: [text(fits)] });
    const error = await failureOf(client.pushMessage({ to: ALICE, messages: [text(overflows)] }));

    expect(error.status).toBe(400);
    expect(fake.textsTo(ALICE)).toEqual([fits]);
  });

  it('rejects 14 quick reply items and accepts 13', async () => {
    const items = (count: number): messagingApi.Action[] => Array.from({ length: count }, (_, index) => postback(`${index + 1}`));

    const error = await failureOf(client.pushMessage({ to: ALICE, messages: [withQuickReply(items(14))] }));
    await client.pushMessage({ to: ALICE, messages: [withQuickReply(items(13))] });

    expect(jsonOf(error).details).toEqual([{ message: 'Size must be between 1 and 13', property: 'messages[0].quickReply.items' }]);
    expect(fake.pushes).toHaveLength(1);
  });

  it('rejects a quick reply label of 21 characters and accepts 20', async () => {
    const error = await failureOf(client.pushMessage({ to: ALICE, messages: [withQuickReply([postback('a'.repeat(21))])] }));
    await client.pushMessage({ to: ALICE, messages: [withQuickReply([postback('a'.repeat(20))])] });

    expect(jsonOf(error).details).toEqual([{ message: 'Length must be between 1 and 20', property: 'messages[0].quickReply.items[0].action.label' }]);
    expect(fake.pushes).toHaveLength(1);
  });

  it('rejects postback data of 301 characters and accepts 300', async () => {
    const error = await failureOf(client.pushMessage({ to: ALICE, messages: [withQuickReply([postback('OK', 'd'.repeat(301))])] }));
    await client.pushMessage({ to: ALICE, messages: [withQuickReply([postback('OK', 'd'.repeat(300))])] });

    expect(jsonOf(error).details).toEqual([{ message: 'Length must be between 0 and 300', property: 'messages[0].quickReply.items[0].action.data' }]);
    expect(fake.pushes).toHaveLength(1);
  });

  it('rejects a reply token used a second time', async () => {
    const replyToken = fake.issueReplyToken(ALICE);
    await client.replyMessage({ replyToken, messages: [text('first')] });

    const error = await failureOf(client.replyMessage({ replyToken, messages: [text('second')] }));

    expect(error.status).toBe(400);
    expect(jsonOf(error)).toEqual({ message: 'Invalid reply token' });
    expect(fake.textsTo(ALICE)).toEqual(['first']);
  });

  it('rejects a repeated X-Line-Retry-Key with 409, the accepted request id and the sent messages', async () => {
    const retryKey = randomUUID();
    const first = await client.pushMessageWithHttpInfo({ to: ALICE, messages: [text('once')] }, retryKey);

    const error = await failureOf(client.pushMessage({ to: ALICE, messages: [text('once')] }, retryKey));

    expect(error.status).toBe(409);
    expect(error.headers.get('x-line-accepted-request-id')).toBe(first.httpResponse.headers.get('x-line-request-id'));
    expect(JSON.parse(error.body)).toEqual({ message: 'The retry key is already accepted', sentMessages: first.body.sentMessages });
    expect(fake.textsTo(ALICE)).toEqual(['once']);
  });

  it('rejects a retry key that is not a UUID', async () => {
    const error = await failureOf(client.pushMessage({ to: ALICE, messages: [text('hi')] }, 'not-a-uuid'));

    expect(error.status).toBe(400);
    expect(fake.pushes).toEqual([]);
  });

  it('rejects a push to a user who blocked the account', async () => {
    fake.markUnreachable(ALICE);

    const error = await failureOf(client.pushMessage({ to: ALICE, messages: [text('hi')] }));

    expect(error.status).toBe(400);
    expect(jsonOf(error)).toEqual({ message: 'Failed to send messages' });
  });

  it('rejects a push to something that is not a LINE user ID', async () => {
    const error = await failureOf(client.pushMessage({ to: 'user-42', messages: [text('hi')] }));

    expect(error.status).toBe(400);
    expect(jsonOf(error).message).toContain("'to'");
  });

  it('rejects a buttons template with five actions and a confirm template with three', async () => {
    const actions = (count: number): messagingApi.Action[] => Array.from({ length: count }, (_, index) => postback(`選択${index}`));
    const buttons: messagingApi.TemplateMessage = {
      type: 'template',
      altText: '日時を選んでください',
      template: { type: 'buttons', text: '日時を選んでください', actions: actions(5) },
    };
    const confirm: messagingApi.TemplateMessage = {
      type: 'template',
      altText: '確認',
      template: { type: 'confirm', text: 'よろしいですか', actions: actions(3) },
    };

    const error = await failureOf(client.pushMessage({ to: ALICE, messages: [buttons, confirm] }));

    expect(jsonOf(error).details).toEqual([
      { message: 'Size must be between 1 and 4', property: 'messages[0].template.actions' },
      { message: 'Size must be 2', property: 'messages[1].template.actions' },
    ]);
  });

  it('limits buttons template text to 60 when it has a title', async () => {
    const buttons = (title: string | undefined): messagingApi.TemplateMessage => ({
      type: 'template',
      altText: 'alt',
      template: { type: 'buttons', ...(title === undefined ? {} : { title }), text: 'x'.repeat(61), actions: [postback('OK')] },
    });

    await client.pushMessage({ to: ALICE, messages: [buttons(undefined)] });
    const error = await failureOf(client.pushMessage({ to: ALICE, messages: [buttons('予約')] }));

    expect(jsonOf(error).details).toEqual([{ message: 'Length must be between 1 and 60', property: 'messages[0].template.text' }]);
  });

  it('walks flex contents: a carousel of 13 bubbles and a button label over 40 are rejected', async () => {
    const bubble = (label: string): messagingApi.FlexBubble => ({
      type: 'bubble',
      body: { type: 'box', layout: 'vertical', contents: [{ type: 'button', action: { type: 'message', label, text: 'go' } }] },
    });
    const flex = (contents: messagingApi.FlexContainer): messagingApi.FlexMessage => ({ type: 'flex', altText: 'slots', contents });

    await client.pushMessage({ to: ALICE, messages: [flex(bubble('x'.repeat(40)))] });
    const tooManyBubbles = await failureOf(
      client.pushMessage({ to: ALICE, messages: [flex({ type: 'carousel', contents: Array.from({ length: 13 }, () => bubble('ok')) })] }),
    );
    const longLabel = await failureOf(client.pushMessage({ to: ALICE, messages: [flex(bubble('x'.repeat(41)))] }));

    expect(jsonOf(tooManyBubbles).details).toEqual([{ message: 'Size must be between 1 and 12', property: 'messages[0].contents.contents' }]);
    expect(jsonOf(longLabel).details).toEqual([{ message: 'Length must be between 1 and 40', property: 'messages[0].contents.body.contents[0].action.label' }]);
  });

  it('rejects a datetime picker whose min is after its max', async () => {
    const picker: messagingApi.DatetimePickerAction = {
      type: 'datetimepicker',
      label: '日付',
      data: 'pick-date',
      mode: 'date',
      min: '2030-01-10',
      max: '2030-01-01',
    };

    const error = await failureOf(client.pushMessage({ to: ALICE, messages: [withQuickReply([picker])] }));

    expect(jsonOf(error).details).toEqual([{ message: 'Must be later than min', property: 'messages[0].quickReply.items[0].action.max' }]);
  });

  it('answers 404 in LINE’s shape for an unknown path and 415 for a body that is not JSON', async () => {
    const unknown = await fetch(`${fake.baseURL}/v2/bot/nothing-here`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const notJson = await fetch(`${fake.baseURL}/v2/bot/message/push`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'text/plain' },
      body: 'hello',
    });

    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ message: 'Not found' });
    expect(notJson.status).toBe(415);
  });

  it('lists every rejected request when asked to assert there were none', async () => {
    await failureOf(client.pushMessage({ to: ALICE, messages: [text('')] }));

    expect(() => fake.assertNoRejections()).toThrow(/POST \/v2\/bot\/message\/push -> 400 .*messages\[0\]\.text/);
    expect(() => fake.assertNoRejections({ allow: [400] })).not.toThrow();
  });
});

describe('injected failures and delays', () => {
  it('answers 500 once, delivers nothing, then accepts the retry with the same retry key', async () => {
    const retryKey = randomUUID();
    fake.failNext(500);

    const error = await failureOf(client.pushMessage({ to: ALICE, messages: [text('retry me')] }, retryKey));
    await client.pushMessage({ to: ALICE, messages: [text('retry me')] }, retryKey);

    expect(error.status).toBe(500);
    expect(fake.textsTo(ALICE)).toEqual(['retry me']);
    expect(fake.rejected).toEqual([]);
    expect(fake.requests.map((request) => [request.status, request.injected])).toEqual([
      [500, true],
      [200, false],
    ]);
  });

  it('answers 429 with LINE’s rate-limit message', async () => {
    fake.failNext(429);

    const error = await failureOf(client.replyMessage({ replyToken: fake.issueReplyToken(ALICE), messages: [text('hi')] }));

    expect(error.status).toBe(429);
    expect(jsonOf(error)).toEqual({ message: 'The API rate limit has been exceeded. Try again later.' });
    expect(fake.replies).toEqual([]);
  });

  it('can fail after delivering, so that a retry with the same key gets 409', async () => {
    const retryKey = randomUUID();
    fake.failNext(500, 1, { afterAccepting: true });

    const lost = await failureOf(client.pushMessage({ to: ALICE, messages: [text('maybe sent')] }, retryKey));
    const retry = await failureOf(client.pushMessage({ to: ALICE, messages: [text('maybe sent')] }, retryKey));

    expect([lost.status, retry.status]).toEqual([500, 409]);
    expect(fake.textsTo(ALICE)).toEqual(['maybe sent']);
  });

  it('leaves an injected failure pending while requests are invalid anyway', async () => {
    fake.failNext(503);

    const invalid = await failureOf(client.pushMessage({ to: ALICE, messages: [] }));
    const injected = await failureOf(client.pushMessage({ to: ALICE, messages: [text('hi')] }));

    expect([invalid.status, injected.status]).toEqual([400, 503]);
  });

  it('delays the next message request by the given time', async () => {
    fake.delayNext(250);

    const started = performance.now();
    await client.pushMessage({ to: ALICE, messages: [text('slow')] });
    const elapsed = performance.now() - started;
    const fastStarted = performance.now();
    await client.pushMessage({ to: ALICE, messages: [text('fast')] });

    expect(elapsed).toBeGreaterThanOrEqual(240);
    expect(performance.now() - fastStarted).toBeLessThan(240);
    expect(fake.textsTo(ALICE)).toEqual(['slow', 'fast']);
  });

  it('forgets records, tokens, retry keys and injections on reset', async () => {
    const retryKey = randomUUID();
    await client.pushMessage({ to: ALICE, messages: [text('before')] }, retryKey);
    fake.failNext(500);

    fake.reset();
    await client.pushMessage({ to: ALICE, messages: [text('after')] }, retryKey);

    expect(fake.requests).toHaveLength(1);
    expect(fake.textsTo(ALICE)).toEqual(['after']);
  });
});

describe('multicast, validated as LINE does (issue #10)', () => {
  const users = (n: number, seed = 'm') => Array.from({ length: n }, (_, i) => lineUserId(`${seed}-${i}`));

  it('accepts 500 distinct user ids in one request and delivers to each of them once', async () => {
    const to = users(500);
    await client.multicast({ to, messages: [text('お知らせ')] }, randomUUID());
    expect(fake.multicasts).toHaveLength(1);
    expect(fake.deliveries.filter((d) => d.via === 'multicast')).toHaveLength(500);
    expect(fake.textsTo(to[499] ?? '')).toEqual(['お知らせ']);
  });

  it('refuses 501 recipients, and an empty recipient list, naming the property', async () => {
    for (const to of [users(501), []]) {
      const failure = await failureOf(client.multicast({ to, messages: [text('お知らせ')] }));
      expect(failure.status).toBe(400);
      expect(jsonOf(failure).details?.map((d) => d.property)).toEqual(['to']);
    }
    expect(fake.multicasts).toHaveLength(0);
  });

  it('refuses the same user twice in one request', async () => {
    const failure = await failureOf(client.multicast({ to: [ALICE, BOB, ALICE], messages: [text('お知らせ')] }));
    expect(failure.status).toBe(400);
    expect(jsonOf(failure).details).toEqual([{ property: 'to[2]', message: expect.stringContaining('Duplicate') as string }]);
    expect(fake.deliveries).toHaveLength(0);
  });

  it('refuses ids that are not user ids: group ids, upper-case hex, LINE ids typed by people', async () => {
    for (const bad of ['C' + '0'.repeat(32), 'U' + 'A'.repeat(32), 'taro_line', 'U123']) {
      const failure = await failureOf(client.multicast({ to: [ALICE, bad], messages: [text('お知らせ')] }));
      expect(failure.status).toBe(400);
      expect(jsonOf(failure).message).toContain("'to'");
    }
    expect(fake.multicasts).toHaveLength(0);
  });

  it('refuses no messages, six messages, and a message LINE would refuse anywhere (text over 5000)', async () => {
    const cases: messagingApi.Message[][] = [[], Array.from({ length: 6 }, (_, i) => text(`${i}`)), [text('あ'.repeat(5001))]];
    for (const messages of cases) {
      const failure = await failureOf(client.multicast({ to: [ALICE], messages }));
      expect(failure.status).toBe(400);
      expect(jsonOf(failure).details?.[0]?.property).toMatch(/^messages/);
    }
    expect(fake.deliveries).toHaveLength(0);
  });

  it('checks custom aggregation unit names against LINE’s pattern', async () => {
    const failure = await failureOf(client.multicast({ to: [ALICE], messages: [text('x')], customAggregationUnits: ['お知らせ'] }));
    expect(failure.status).toBe(400);
    expect(jsonOf(failure).details?.[0]?.property).toBe('customAggregationUnits[0]');
    await client.multicast({ to: [ALICE], messages: [text('x')], customAggregationUnits: ['terms_2026'] });
    expect(fake.multicasts).toHaveLength(1);
  });

  it('answers a repeated retry key with 409 and the accepted request id, without a second delivery', async () => {
    const retryKey = randomUUID();
    const first = await client.multicastWithHttpInfo({ to: [ALICE, BOB], messages: [text('一度だけ')] }, retryKey);
    const again = await failureOf(client.multicast({ to: [ALICE, BOB], messages: [text('一度だけ')] }, retryKey));
    expect(again.status).toBe(409);
    expect(again.headers.get('x-line-accepted-request-id')).toBe(first.httpResponse.headers.get('x-line-request-id'));
    expect(fake.textsTo(ALICE)).toEqual(['一度だけ']);
    expect(fake.textsTo(BOB)).toEqual(['一度だけ']);
  });

  it('refuses a retry key that is not a UUID', async () => {
    const failure = await failureOf(client.multicast({ to: [ALICE], messages: [text('x')] }, 'not-a-uuid'));
    expect(failure.status).toBe(400);
    expect(fake.multicasts).toHaveLength(0);
  });

  it('lets a key that was refused with 400 be used again once the request is fixed', async () => {
    const retryKey = randomUUID();
    await failureOf(client.multicast({ to: [ALICE, ALICE], messages: [text('x')] }, retryKey));
    await client.multicast({ to: [ALICE], messages: [text('x')] }, retryKey);
    expect(fake.textsTo(ALICE)).toEqual(['x']);
  });
});

describe('each message type and each place of an action, refused with LINE’s detail (zod schemas)', () => {
  const IMAGE = 'https://example.com/image.png';
  /** A message the SDK's types would not let through: the point is what the fake says about it. */
  const raw = (message: Record<string, unknown>): messagingApi.Message => message as unknown as messagingApi.Message;
  const bubble = (extra: Record<string, unknown>): Record<string, unknown> => ({ type: 'bubble', ...extra });
  const flex = (contents: Record<string, unknown>): messagingApi.Message => raw({ type: 'flex', altText: 'alt', contents });
  const buttons = (template: Record<string, unknown>): messagingApi.Message =>
    raw({ type: 'template', altText: 'alt', template: { type: 'buttons', text: 'choose', actions: [postback('OK')], ...template } });
  const quickReplyWith = (action: Record<string, unknown>): messagingApi.Message =>
    raw({ type: 'text', text: 'Pick one', quickReply: { items: [{ type: 'action', action }] } });

  async function detailsOf(messages: messagingApi.Message[]): Promise<{ message: string; property: string }[] | undefined> {
    const failure = await failureOf(client.pushMessage({ to: ALICE, messages }));
    expect(failure.status).toBe(400);
    return jsonOf(failure).details;
  }

  const messageCases: [string, messagingApi.Message, { message: string; property: string }[]][] = [
    ['a text message with a null text', raw({ type: 'text', text: null }), [{ message: 'must be specified', property: 'messages[0].text' }]],
    [
      'a text message with 21 emojis',
      raw({ type: 'text', text: '$'.repeat(21), emojis: Array.from({ length: 21 }, (_, index) => ({ index, productId: 'p', emojiId: 'e' })) }),
      [{ message: 'Size must be between 0 and 20', property: 'messages[0].emojis' }],
    ],
    [
      'a textV2 message of 5001 units',
      raw({ type: 'textV2', text: 'x'.repeat(5001) }),
      [{ message: 'Length must be between 1 and 5000', property: 'messages[0].text' }],
    ],
    ['a sticker without its sticker id', raw({ type: 'sticker', packageId: '446' }), [{ message: 'must be specified', property: 'messages[0].stickerId' }]],
    [
      'an image over plain http',
      raw({ type: 'image', originalContentUrl: 'http://example.com/a.png', previewImageUrl: IMAGE }),
      [{ message: 'Invalid URI: must be an absolute https URI', property: 'messages[0].originalContentUrl' }],
    ],
    [
      'a video with a tracking id of 101 characters',
      raw({ type: 'video', originalContentUrl: IMAGE, previewImageUrl: IMAGE, trackingId: 'x'.repeat(101) }),
      [{ message: 'Length must be between 1 and 100', property: 'messages[0].trackingId' }],
    ],
    [
      'an audio message of 1.5 ms',
      raw({ type: 'audio', originalContentUrl: IMAGE, duration: 1.5 }),
      [{ message: 'Must be an integer', property: 'messages[0].duration' }],
    ],
    [
      'a location north of the pole',
      raw({ type: 'location', title: '港北', address: '横浜市', latitude: 91, longitude: 139.6 }),
      [{ message: 'Must be between -90 and 90', property: 'messages[0].latitude' }],
    ],
    [
      'an imagemap 1000 px wide whose action has no area',
      raw({ type: 'imagemap', baseUrl: IMAGE, altText: 'map', baseSize: { width: 1000, height: 500 }, actions: [{ type: 'message', text: 'go' }] }),
      [
        { message: 'Must be between 1040 and 1040', property: 'messages[0].baseSize.width' },
        { message: 'must be specified', property: 'messages[0].actions[0].area' },
      ],
    ],
    [
      'a confirm template of 241 characters',
      raw({ type: 'template', altText: 'alt', template: { type: 'confirm', text: 'x'.repeat(241), actions: [postback('はい'), postback('いいえ')] } }),
      [{ message: 'Length must be between 1 and 240', property: 'messages[0].template.text' }],
    ],
    [
      'a carousel template whose columns differ',
      raw({
        type: 'template',
        altText: 'alt',
        template: {
          type: 'carousel',
          columns: [
            { title: '午前', text: 'a', actions: [postback('A')] },
            { text: 'b', actions: [postback('B'), postback('C')] },
          ],
        },
      }),
      [
        { message: 'All columns must have the same number of actions', property: 'messages[0].template.columns' },
        { message: 'Either all columns or none must have a thumbnailImageUrl and a title', property: 'messages[0].template.columns' },
      ],
    ],
    [
      'a flex carousel holding a box',
      flex({ type: 'carousel', contents: [{ type: 'box', layout: 'vertical', contents: [] }] }),
      [{ message: 'Must be one of the following values: [bubble]', property: 'messages[0].contents.contents[0].type' }],
    ],
    [
      'a flex text with neither text nor contents',
      flex(bubble({ body: { type: 'box', layout: 'vertical', contents: [{ type: 'separator' }, { type: 'text' }] } })),
      [{ message: 'must be specified', property: 'messages[0].contents.body.contents[1].text' }],
    ],
    [
      'a flex box with an unknown layout inside the footer',
      flex(bubble({ footer: { type: 'box', layout: 'grid', contents: [] } })),
      [{ message: 'Must be one of the following values: [horizontal, vertical, baseline]', property: 'messages[0].contents.footer.layout' }],
    ],
    [
      'a flex bubble over 30,000 bytes',
      flex(bubble({ body: { type: 'box', layout: 'vertical', contents: Array.from({ length: 400 }, () => ({ type: 'text', text: 'x'.repeat(80) })) } })),
      [{ message: expect.stringMatching(/^Size of a flex bubble must be at most 30000 bytes \(was \d+\)$/) as string, property: 'messages[0].contents' }],
    ],
    ['a coupon with an empty id', raw({ type: 'coupon', couponId: '' }), [{ message: 'May not be empty', property: 'messages[0].couponId' }]],
    [
      'a message of a type LINE does not have',
      raw({ type: 'html', html: '<b>x</b>' }),
      [
        {
          message: 'Must be one of the following values: [text, textV2, sticker, image, video, audio, location, imagemap, template, flex, coupon]',
          property: 'messages[0].type',
        },
      ],
    ],
    ['a message without a type', raw({ text: 'x' }), [{ message: 'must be specified', property: 'messages[0].type' }]],
    [
      'a sender name of 21 characters',
      raw({ type: 'text', text: 'x', sender: { name: 'x'.repeat(21) } }),
      [{ message: 'Length must be between 1 and 20', property: 'messages[0].sender.name' }],
    ],
  ];

  it.each(messageCases)('refuses %s', async (_name, message, details) => {
    expect(await detailsOf([text('ok'), message])).toEqual(
      details.map((detail) => ({ ...detail, property: detail.property.replace('messages[0]', 'messages[1]') })),
    );
    expect(fake.pushes).toHaveLength(0);
  });

  const actionCases: [string, messagingApi.Message, { message: string; property: string }[]][] = [
    [
      'quick reply: a rich menu switch, which belongs to rich menus only',
      quickReplyWith({ type: 'richmenuswitch', label: 'x', richMenuAliasId: 'a', data: 'd' }),
      [
        {
          message: 'Must be one of the following values: [postback, message, uri, datetimepicker, clipboard, camera, cameraRoll, location]',
          property: 'messages[0].quickReply.items[0].action.type',
        },
      ],
    ],
    [
      'quick reply: a postback with both displayText and text',
      quickReplyWith({ type: 'postback', label: 'x', data: 'd', displayText: 'a', text: 'b' }),
      [{ message: 'displayText and text cannot be specified together', property: 'messages[0].quickReply.items[0].action.text' }],
    ],
    [
      'quick reply: a datetime picker whose initial is not a date',
      quickReplyWith({ type: 'datetimepicker', label: '日付', data: 'd', mode: 'date', initial: '2030/01/10' }),
      [{ message: 'Must be in the format of 2100-12-31, between 1900-01-01 and 2100-12-31', property: 'messages[0].quickReply.items[0].action.initial' }],
    ],
    [
      'template button: a camera, which only quick replies have',
      buttons({ actions: [{ type: 'camera', label: 'カメラ' }] }),
      [
        {
          message: 'Must be one of the following values: [postback, message, uri, datetimepicker, clipboard]',
          property: 'messages[0].template.actions[0].type',
        },
      ],
    ],
    [
      'template button: a message action without its text',
      buttons({ actions: [{ type: 'message', label: '送る' }] }),
      [{ message: 'must be specified', property: 'messages[0].template.actions[0].text' }],
    ],
    [
      'template default action: a javascript: URI',
      buttons({ defaultAction: { type: 'uri', uri: 'javascript:alert(1)' } }),
      [{ message: 'Invalid URI: must be an absolute http/https/line/tel URI', property: 'messages[0].template.defaultAction.uri' }],
    ],
    [
      'image carousel: a label of 13 characters',
      raw({ type: 'template', altText: 'alt', template: { type: 'image_carousel', columns: [{ imageUrl: IMAGE, action: postback('x'.repeat(13)) }] } }),
      [{ message: 'Length must be between 1 and 12', property: 'messages[0].template.columns[0].action.label' }],
    ],
    [
      'flex button: an action without a label',
      flex(bubble({ body: { type: 'box', layout: 'vertical', contents: [{ type: 'button', action: { type: 'message', text: 'go' } }] } })),
      [{ message: 'must be specified', property: 'messages[0].contents.body.contents[0].action.label' }],
    ],
    [
      'flex area: a bubble action copying 1001 characters',
      flex(bubble({ action: { type: 'clipboard', clipboardText: 'x'.repeat(1001) } })),
      [{ message: 'Length must be between 1 and 1000', property: 'messages[0].contents.action.clipboardText' }],
    ],
    [
      'flex area: a hero image tapped to an ftp: URI',
      flex(bubble({ hero: { type: 'image', url: IMAGE, action: { type: 'uri', uri: 'ftp://example.com' } } })),
      [{ message: 'Invalid URI: must be an absolute http/https/line/tel URI', property: 'messages[0].contents.hero.action.uri' }],
    ],
  ];

  it.each(actionCases)('refuses an action at %s', async (_name, message, details) => {
    expect(await detailsOf([message])).toEqual(details);
    expect(fake.pushes).toHaveLength(0);
  });

  const menu = (areas: Record<string, unknown>[]): messagingApi.RichMenuRequest => ({
    size: { width: 2500, height: 1686 },
    selected: false,
    name: 'main',
    chatBarText: 'メニュー',
    areas,
  });
  const area = (action: Record<string, unknown>, bounds = { x: 0, y: 0, width: 1250, height: 843 }): Record<string, unknown> => ({ bounds, action });

  it('refuses rich menu area actions LINE refuses there, and areas outside the image, naming each', async () => {
    const failure = await failureOf(
      client.validateRichMenuObject(
        menu([
          area({ type: 'camera' }),
          area({ type: 'richmenuswitch', richMenuAliasId: 'x'.repeat(33), data: 'd' }),
          area({ type: 'postback', label: 'x'.repeat(21), data: 'd' }, { x: 1250, y: 843, width: 1251, height: 843 }),
        ]),
      ),
    );

    expect(failure.status).toBe(400);
    expect(jsonOf(failure)).toEqual({
      message: 'The request body has 4 error(s)',
      details: [
        {
          message: 'Must be one of the following values: [postback, message, uri, datetimepicker, clipboard, richmenuswitch]',
          property: 'areas[0].action.type',
        },
        { message: 'Length must be between 1 and 32', property: 'areas[1].action.richMenuAliasId' },
        { message: 'Length must be between 1 and 20', property: 'areas[2].action.label' },
        { message: 'The area must lie within the rich menu image', property: 'areas[2].bounds' },
      ],
    });
    await client.validateRichMenuObject(menu([area({ type: 'richmenuswitch', richMenuAliasId: 'x'.repeat(32), data: 'd' })]));
  });

  it('refuses an imagemap action label over 50 characters, as LINE’s reference limits it, and accepts 50', async () => {
    const imagemap = (label: string): messagingApi.Message =>
      raw({
        type: 'imagemap',
        baseUrl: 'https://example.com/map',
        altText: 'map',
        baseSize: { width: 1040, height: 520 },
        actions: [{ type: 'uri', label, linkUri: 'https://example.com', area: { x: 0, y: 0, width: 1040, height: 520 } }],
      });

    await client.pushMessage({ to: ALICE, messages: [imagemap('x'.repeat(50))] });
    expect(await detailsOf([imagemap('x'.repeat(51))])).toEqual([{ message: 'Length must be between 1 and 50', property: 'messages[0].actions[0].label' }]);
  });

  it('refuses a coupon delivery tag over 30 characters, as LINE’s OpenAPI limits it, and accepts 30', async () => {
    const coupon = (deliveryTag: string): messagingApi.Message => raw({ type: 'coupon', couponId: 'coupon-1', deliveryTag });

    await client.pushMessage({ to: ALICE, messages: [coupon('x'.repeat(30))] });
    expect(await detailsOf([coupon('x'.repeat(31))])).toEqual([{ message: 'Length must be between 0 and 30', property: 'messages[0].deliveryTag' }]);
  });

  it('refuses a loading animation of 7 seconds: LINE takes multiples of 5', async () => {
    const failure = await failureOf(client.showLoadingAnimation({ chatId: ALICE, loadingSeconds: 7 }));
    expect(jsonOf(failure).details).toEqual([{ message: 'Must be a multiple of 5', property: 'loadingSeconds' }]);
    expect(fake.loadingAnimations).toHaveLength(0);
  });

  it('refuses a body that is not an object, and a list of messages that is not a list', async () => {
    const notAnObject = await fetch(`${fake.baseURL}/v2/bot/message/push`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: '[]',
    });
    expect(await notAnObject.json()).toEqual({ message: 'The request body has 1 error(s)', details: [{ message: 'Must be an object', property: '' }] });
    const notAList = await failureOf(client.pushMessage({ to: ALICE, messages: text('x') as unknown as messagingApi.Message[] }));
    expect(jsonOf(notAList).details).toEqual([{ message: 'Must be an array', property: 'messages' }]);
  });
});
