/**
 * The public privacy notice (`/privacy`), linked from the notice the chat gives with the name
 * question (issue #11): what the service collects, why, how long it is kept (the configured
 * PERSONAL_DATA_RETENTION_DAYS), how to ask for erasure, and that LINE (LY Corporation) holds the
 * conversation under its own policy. Server-rendered Japanese HTML with the terms pages' layout
 * and stylesheet (src/terms/views, autoescaping on), no JavaScript, the same strict
 * Content-Security-Policy; other paths and methods under /privacy are the terms pages' 404.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import helmet from 'helmet';
import nunjucks from 'nunjucks';

const here = path.dirname(fileURLToPath(import.meta.url));

/** LINE's privacy policy (Japanese), which governs what LINE keeps of the conversation. */
export const linePrivacyPolicyUrl = 'https://line.me/ja/terms/policy/';

export interface PrivacyPageDeps {
  officeName: string;
  officePhone: string;
  officePhoneHours: string;
  /** PERSONAL_DATA_RETENTION_DAYS. */
  retentionDays: number;
}

/** The public privacy page, when the service knows its public address (PUBLIC_BASE_URL); as termsPageUrl. */
export function privacyPageUrl(publicBaseUrl: string | undefined): string | undefined {
  return publicBaseUrl ? `${publicBaseUrl.replace(/\/+$/, '')}/privacy` : undefined;
}

/** The router mounted at `/privacy` by src/app.ts. */
export function createPrivacyPageRouter(deps: PrivacyPageDeps): express.Router {
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(path.join(here, 'views')), { autoescape: true, throwOnUndefined: false });
  const context = {
    office: { name: deps.officeName, phone: deps.officePhone, hours: deps.officePhoneHours },
    retentionDays: deps.retentionDays,
    linePrivacyPolicyUrl,
  };
  const router = express.Router();
  router.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: { defaultSrc: ["'none'"], styleSrc: ["'self'"], formAction: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"] },
      },
      referrerPolicy: { policy: 'no-referrer' },
    }),
  );
  router.get('/', (_req, res) => {
    res.set('cache-control', 'public, max-age=300').type('html').send(env.render('privacy.njk', context));
  });
  router.use((_req, res) => {
    res.status(404).type('html').send(env.render('not-found.njk', context));
  });
  return router;
}
