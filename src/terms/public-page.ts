/**
 * The public, printable page of each published terms version (`/terms/<version>`, the version
 * being its effective date, e.g. `/terms/2027-01-01`) and a list of versions (`/terms`), so the
 * chat can link to the full text with a button instead of sending thousands of characters.
 *
 * Server-rendered Japanese HTML (nunjucks, autoescaping on), no JavaScript, its own small CSS,
 * helmet with a strict Content-Security-Policy. Drafts do not exist here. Anything that is not
 * the name of a published version — unknown dates, malformed or hostile paths, broken percent
 * encoding — gets the same Japanese 404 page, never a 5xx.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import nunjucks from 'nunjucks';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import { describeError } from '../logger.ts';
import { tokyoDateOf } from '../rules/index.ts';
import { formatJpDate } from '../text/japanese.ts';
import { labelOf } from './versions.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const versionName = /^\d{4}-\d{2}-\d{2}$/;

export interface TermsPageDeps {
  prisma: PrismaClient;
  clock: Clock;
  logger: Logger;
  officeName: string;
  officePhone: string;
}

/** Where a version stands at `today` (Japan): 適用予定, 現在適用中 or 旧版. */
function standing(effectiveDate: string, inForceDate: string | undefined): { code: 'upcoming' | 'current' | 'past'; text: string } {
  if (effectiveDate === inForceDate) return { code: 'current', text: '現在適用中' };
  if (inForceDate === undefined || effectiveDate > inForceDate) return { code: 'upcoming', text: '適用予定' };
  return { code: 'past', text: '旧版' };
}

/** The router mounted at `/terms` by src/app.ts. */
export function createTermsPageRouter(deps: TermsPageDeps): express.Router {
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(path.join(here, 'views')), { autoescape: true, throwOnUndefined: false });
  env.addFilter('jpDate', (value: unknown) => (typeof value === 'string' && versionName.test(value) ? formatJpDate(value, { withYear: true }) : ''));
  const office = { name: deps.officeName, phone: deps.officePhone };

  const render = (res: Response, status: number, view: string, context: Record<string, unknown>) => {
    res
      .status(status)
      .type('html')
      .send(env.render(view, { ...context, office }));
  };
  const notFound = (res: Response) => render(res, 404, 'not-found.njk', {});

  /** Published versions, newest first, with their standing today. */
  const published = async () => {
    const now = deps.clock.now();
    const rows = await deps.prisma.termsVersion.findMany({
      where: { status: 'published' },
      orderBy: { effectiveAt: 'desc' },
      select: { version: true, label: true, title: true, effectiveAt: true, changeSummary: true },
    });
    const inForce = rows.find((row) => row.effectiveAt.getTime() <= now.getTime());
    const inForceDate = inForce ? tokyoDateOf(inForce.effectiveAt) : undefined;
    return rows.map((row) => {
      const effectiveDate = tokyoDateOf(row.effectiveAt);
      return { ...row, label: labelOf(row), effectiveDate, standing: standing(effectiveDate, inForceDate) };
    });
  };

  const router = express.Router();
  router.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'none'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'"],
          formAction: ["'none'"],
          frameAncestors: ["'none'"],
          baseUri: ["'none'"],
        },
      },
      referrerPolicy: { policy: 'no-referrer' },
    }),
  );
  router.get('/terms.css', (_req, res) => {
    res.sendFile(path.join(here, 'public', 'terms.css'), { maxAge: '1h' });
  });
  router.get('/', async (_req, res) => {
    res.set('cache-control', 'public, max-age=300');
    render(res, 200, 'index.njk', { versions: await published() });
  });
  router.get('/:version', async (req: Request<{ version: string }>, res) => {
    const name = req.params.version;
    if (!versionName.test(name)) return notFound(res);
    const versions = await published();
    const version = versions.find((v) => v.version === name);
    if (!version) return notFound(res);
    const row = await deps.prisma.termsVersion.findFirst({ where: { version: name, status: 'published' }, select: { body: true } });
    if (!row) return notFound(res);
    res.set('cache-control', 'public, max-age=300');
    render(res, 200, 'version.njk', { version, body: row.body, others: versions.filter((v) => v.version !== name) });
  });
  // Other paths under /terms, and other methods, are not pages.
  router.use((_req, res) => notFound(res));
  // A malformed path (e.g. broken percent-encoding) is a page that does not exist, not an error.
  router.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = typeof error === 'object' && error !== null && 'status' in error && typeof error.status === 'number' ? error.status : 500;
    if (status >= 400 && status < 500) return notFound(res);
    deps.logger.error({ error: describeError(error) }, 'terms page failed');
    render(res, 503, 'unavailable.njk', {});
  });
  return router;
}
