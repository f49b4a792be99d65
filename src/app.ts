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
import { createStaffConsole } from './staff/console.ts';
import { createTermsPageRouter } from './terms/public-page.ts';
import { createPrivacyPageRouter } from './terms/privacy-page.ts';
import { MalformedWebhookError, parseWebhookBody } from './events/line-events.ts';
import { createEventIntake } from './events/intake.ts';
import { isConnectionError } from './db/errors.ts';

export interface AppDeps extends EventDeps {
  config: Config;
  channelSecret: string;
  /** Largest webhook body accepted; LINE's bodies are a few kB. */
  webhookBodyLimit?: string;
  /** Hands a user with new pending events to the background dispatcher (src/events/dispatcher.ts). */
  enqueueUser: (userId: string) => void;
}

export function createApp(deps: AppDeps) {
  const intake = createEventIntake(deps.prisma);
  const app = express();
  app.disable('x-powered-by');
  // Whose X-Forwarded-For to believe (TRUST_PROXY; none by default): the sign-in limits count per address.
  app.set('trust proxy', deps.config.TRUST_PROXY);

  app.get('/healthz', async (_req, res) => {
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error('health check timed out')), 2_000);
      });
      await Promise.race([deps.prisma.$queryRaw`SELECT 1`, timeout]);
      res.json({ status: 'ok', database: 'ok' });
    } catch {
      res.status(503).json({ status: 'degraded', database: 'unreachable' });
    } finally {
      clearTimeout(timer);
    }
  });

  app.post(
    '/webhook',
    express.raw({ type: () => true, limit: deps.webhookBodyLimit ?? '1mb' }),
    lineMiddleware({ channelSecret: deps.channelSecret }),
    async (req: Request, res: Response) => {
      const { events, skipped } = parseWebhookBody(req.body);
      if (skipped.length > 0) deps.logger.warn({ skipped }, 'webhook events skipped: not LINE events');
      // One statement for the whole body — shared with the bodies that arrive while it runs
      // (group commit, src/events/intake.ts); applying happens in the background with bounded
      // concurrency, so the answer never waits for the dialogue, whatever the body's size.
      const users = await intake.record(events, deps.clock.now());
      res.status(200).json({});
      for (const userId of users) deps.enqueueUser(userId);
    },
  );

  // Staff console (pages) and the staff JSON API under /staff/api; see src/staff/console.ts.
  // Public, printable full text of each published terms version (issue #10), linked from the chat.
  app.use(
    '/terms',
    createTermsPageRouter({
      prisma: deps.prisma,
      clock: deps.clock,
      logger: deps.logger,
      officeName: deps.config.OFFICE_NAME,
      officePhone: deps.config.OFFICE_PHONE,
    }),
  );

  // The privacy notice the chat links to with its name question (issue #11).
  app.use(
    '/privacy',
    createPrivacyPageRouter({
      officeName: deps.config.OFFICE_NAME,
      officePhone: deps.config.OFFICE_PHONE,
      officePhoneHours: deps.config.OFFICE_PHONE_HOURS,
      retentionDays: deps.config.PERSONAL_DATA_RETENTION_DAYS,
    }),
  );

  // The console's terms form carries a whole terms text: a larger urlencoded limit for that path
  // only (the console's own parser, 32 kB, then sees the body parsed and skips it).
  app.use('/staff/terms', express.urlencoded({ extended: false, limit: '1mb', parameterLimit: 50 }));
  app.use(
    '/staff',
    createStaffConsole({
      prisma: deps.prisma,
      clock: deps.clock,
      config: deps.config,
      logger: deps.logger,
      cipher: deps.dialogue.cipher,
      kickScheduler: () => deps.kickScheduler?.(),
    }).router,
  );

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
    if (isConnectionError(error)) {
      // The database is unreachable: nothing was stored, so LINE should deliver again later.
      deps.logger.warn({ error: describeError(error) }, 'request failed: database unreachable');
      res.status(503).set('retry-after', '5').json({ message: 'Service unavailable' });
      return;
    }
    deps.logger.error({ error: describeError(error) }, 'request failed');
    res.status(500).json({ message: 'Internal error' });
  });

  return app;
}
