/**
 * The HTTP face of the service: a thin transport. `createApp(deps)` returns the express app;
 * only src/main.ts listens. The webhook verifies LINE's signature on the raw body before
 * anything else, records the events, answers 200 at once (LINE gives up after ~2 s), and
 * applies the events in the background.
 */
import { describeError } from './logger.ts';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { JSONParseError, SignatureValidationFailed, middleware as lineMiddleware } from '@line/bot-sdk';
import type { EventDeps } from './events/line-events.ts';
import type { Config } from './config.ts';
import { createStaffRouter } from './lifecycle/staff-api.ts';
import { MalformedWebhookError, parseWebhookBody, processUserEvents, recordEvent } from './events/line-events.ts';

export interface AppDeps extends EventDeps {
  config: Config;
  channelSecret: string;
  /** Largest webhook body accepted; LINE's bodies are a few kB. */
  webhookBodyLimit?: string;
  /** Sees each piece of background work (tests await them). */
  trackBackgroundWork?: (work: Promise<void>) => void;
}

export function createApp(deps: AppDeps) {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);

  app.get('/healthz', async (_req, res) => {
    try {
      await deps.prisma.$queryRaw`SELECT 1`;
      res.json({ status: 'ok', database: 'ok' });
    } catch {
      res.status(503).json({ status: 'degraded', database: 'unreachable' });
    }
  });

  app.post(
    '/webhook',
    express.raw({ type: () => true, limit: deps.webhookBodyLimit ?? '1mb' }),
    lineMiddleware({ channelSecret: deps.channelSecret }),
    async (req: Request, res: Response) => {
      const events = parseWebhookBody(req.body);
      const now = deps.clock.now();
      const users = new Set<string>();
      for (const event of events) {
        const isNew = await recordEvent(deps.prisma, event, now);
        const userId = event.source?.type === 'user' ? event.source.userId : undefined;
        if (isNew && userId) users.add(userId);
      }
      res.status(200).json({});
      for (const userId of users) {
        const work = new Promise<void>((resolve) => setImmediate(resolve))
          .then(() => processUserEvents(userId, deps))
          .catch((error: unknown) => {
            deps.logger.error({ error: describeError(error) }, 'processing failed; the recovery sweep will retry');
          });
        deps.trackBackgroundWork?.(work);
      }
    },
  );

  // Internal staff API (bookings, no-shows, meeting URLs); off unless STAFF_API_TOKEN is set.
  app.use('/staff', createStaffRouter({ prisma: deps.prisma, clock: deps.clock, config: deps.config, logger: deps.logger }));

  app.use((_req, res) => {
    res.status(404).json({ message: 'Not found' });
  });

  // Express 5 forwards rejected promises here. Never echo request content back.
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof SignatureValidationFailed) {
      res.status(401).json({ message: 'Invalid signature' });
      return;
    }
    if (error instanceof JSONParseError || error instanceof MalformedWebhookError) {
      res.status(400).json({ message: 'Malformed webhook body' });
      return;
    }
    const status = typeof error === 'object' && error !== null && 'status' in error && typeof error.status === 'number' ? error.status : 500;
    if (status === 413) {
      res.status(413).json({ message: 'Body too large' });
      return;
    }
    if (status >= 400 && status < 500) {
      res.status(status).json({ message: 'Bad request' });
      return;
    }
    deps.logger.error({ error: describeError(error) }, 'request failed');
    res.status(500).json({ message: 'Internal error' });
  });

  return app;
}
