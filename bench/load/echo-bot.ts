/**
 * The baseline of `npm run bench:load`: a bare echo bot with the same HTTP stack as the service
 * (express 5, @line/bot-sdk's signature middleware, the SDK's MessagingApiClient), which answers
 * 200 and replies with the text it got. No database, no dialogue: what a turn costs beyond this
 * is the service's own work.
 */
import express from 'express';
import { messagingApi, middleware } from '@line/bot-sdk';
import type { webhook } from '@line/bot-sdk';

const channelSecret = process.env.LINE_CHANNEL_SECRET ?? '';
const client = new messagingApi.MessagingApiClient({
  channelAccessToken: process.env.LINE_CHANNEL_ACCESS_TOKEN ?? '',
  baseURL: process.env.LINE_API_BASE_URL ?? '',
});
const app = express();
app.get('/healthz', (_req, res) => {
  res.json({ status: 'ok' });
});
app.post('/webhook', middleware({ channelSecret }), (req, res) => {
  res.status(200).json({});
  const body = req.body as webhook.CallbackRequest;
  for (const event of body.events) {
    if (event.type === 'message' && event.message.type === 'text' && event.replyToken) {
      client.replyMessage({ replyToken: event.replyToken, messages: [{ type: 'text', text: event.message.text }] }).catch(() => undefined);
    }
  }
});
app.listen(Number(process.env.PORT ?? 3900), '127.0.0.1');
