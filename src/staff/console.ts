/**
 * The staff console, mounted by the app at /staff: server-rendered Japanese pages that work
 * without JavaScript, and the JSON API under /staff/api. What every page gets from here:
 *
 * - helmet with a strict Content-Security-Policy (own CSS only, no scripts, no inline styles,
 *   forms only to ourselves, never framed) and `Cache-Control: no-store` (pages show personal data);
 * - the session from its HttpOnly cookie (sessions.ts), then the deny-by-default guard: only the
 *   routes registered as public (the sign-in form) and the static CSS are reachable without a
 *   session; everything else redirects to the sign-in page (GET) or is refused (401);
 * - per route, the role check and the CSRF check (routes.ts);
 * - rendering with nunjucks (autoescaping on), flash messages, Japanese error pages.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import type { NextFunction, Request, Response, Router } from 'express';
import helmet from 'helmet';
import nunjucks from 'nunjucks';
import { parseCookie as parseCookies } from 'cookie';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { describeError } from '../logger.ts';
import type { FieldCipher } from '../crypto/field-cipher.ts';
import { formatJpDate } from '../text/japanese.ts';
import { tokyoDateOf, tokyoTimeOf } from '../rules/index.ts';
import type { AuditActor, AuditEntry } from './audit.ts';
import { writeAudit } from './audit.ts';
import type { Db } from '../db/repositories.ts';
import { StaffHttpError, StaffRoutes, sessionOf } from './routes.ts';
import type { RouteInfo } from './routes.ts';
import { loadSession, pushFlash, takeFlash } from './sessions.ts';
import type { Flash, SessionPolicy } from './sessions.ts';
import { pageModules } from './pages/index.ts';
import { createStaffApiRouter } from './api.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Name of the session cookie (path /staff). */
export const sessionCookie = 'hw_staff_session';

export interface StaffConsoleDeps {
  prisma: PrismaClient;
  clock: Clock;
  config: Config;
  logger: Logger;
  cipher: FieldCipher;
  /**
   * Wakes this process's scheduler. Called after every successful write a clerk makes (page form
   * or API), since cancelling, rescheduling, recording a no-show or sending a message queues a
   * push for the user: it goes out now, not at the scheduler's next round.
   */
  kickScheduler?: (() => void) | undefined;
}

/** What a page module gets: the dependencies plus rendering, flash, redirects and the audit log. */
export interface StaffPageKit extends StaffConsoleDeps {
  /** Renders `template` (under src/staff/views) inside the layout; takes the flash messages. */
  render(res: Response, template: string, vars?: Record<string, unknown>, status?: number): Promise<void>;
  /** Queues a message for the next page of this session. */
  flash(res: Response, kind: Flash['kind'], text: string): Promise<void>;
  /** 303 to a path under /staff (after a POST). */
  redirect(res: Response, to: string): void;
  /** Appends an audit entry as the signed-in person (in `db`, e.g. a transaction, if given). */
  audit(res: Response, entry: AuditEntry, db?: Db): Promise<void>;
  /** The signed-in person, for operations that write the audit log themselves. */
  actor(res: Response): AuditActor & object;
  /** Session policy from the configuration. */
  sessionPolicy: SessionPolicy;
  /** Sets the session cookie. */
  setSessionCookie(res: Response, sessionId: string): void;
  clearSessionCookie(res: Response): void;
}

/** A page module adds its routes; see src/staff/README-pages.md. */
export type PageModule = (routes: StaffRoutes, kit: StaffPageKit) => void;

/** The console router and its route table (pages and API). */
export function createStaffConsole(deps: StaffConsoleDeps): { router: Router; routes: readonly RouteInfo[] } {
  const { prisma, clock, config, logger } = deps;
  const sessionPolicy: SessionPolicy = { idleMinutes: config.STAFF_SESSION_IDLE_MINUTES, maxHours: config.STAFF_SESSION_MAX_HOURS };
  const env = createViewEnvironment();

  const cookieOptions = { httpOnly: true, sameSite: 'lax' as const, secure: config.STAFF_COOKIE_SECURE, path: '/staff' };
  const kit: StaffPageKit = {
    ...deps,
    sessionPolicy,
    async render(res, template, vars = {}, status = 200) {
      const session = (res.locals as { staffSession?: import('./sessions.ts').StaffSessionView }).staffSession;
      const flash = session ? await takeFlash(prisma, session) : [];
      const html = env.render(template, {
        ...vars,
        staff: session ? { login: session.login, role: session.role, isAdmin: session.role === 'admin' } : null,
        csrfToken: session?.csrfToken ?? '',
        flash,
        currentPath: res.req.originalUrl.split('?')[0],
        officeName: config.OFFICE_NAME,
      });
      res.status(status).type('html').send(html);
    },
    async flash(res, kind, text) {
      await pushFlash(prisma, sessionOf(res).idHash, { kind, text });
    },
    redirect(res, to) {
      res.redirect(303, to);
    },
    async audit(res, entry, db) {
      const session = sessionOf(res);
      await writeAudit(db ?? prisma, { staffId: session.staffId, login: session.login }, 'console', entry, clock.now());
    },
    actor(res) {
      const session = sessionOf(res);
      return { staffId: session.staffId, login: session.login };
    },
    setSessionCookie(res, sessionId) {
      res.cookie(sessionCookie, sessionId, cookieOptions);
    },
    clearSessionCookie(res) {
      res.clearCookie(sessionCookie, cookieOptions);
    },
  };

  const routes = new StaffRoutes('/staff');
  for (const register of pageModules) register(routes, kit);

  const router = express.Router();
  router.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'none'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'"],
          scriptSrc: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          baseUri: ["'none'"],
          upgradeInsecureRequests: config.STAFF_COOKIE_SECURE ? [] : null,
        },
      },
      strictTransportSecurity: config.STAFF_COOKIE_SECURE,
      referrerPolicy: { policy: 'same-origin' },
    }),
  );
  router.use('/static', express.static(path.join(here, 'public'), { index: false, fallthrough: false, maxAge: '1h' }));
  router.use((req, res, next) => {
    if (deps.kickScheduler && req.method !== 'GET' && req.method !== 'HEAD') {
      res.on('finish', () => {
        if (res.statusCode < 400) deps.kickScheduler?.();
      });
    }
    next();
  });

  const api = createStaffApiRouter(deps);
  router.use('/api', api.router);

  router.use((_req, res, next) => {
    res.set('cache-control', 'no-store');
    next();
  });
  router.use(express.urlencoded({ extended: false, limit: '32kb', parameterLimit: 50 }));
  router.use(async (req, res, next) => {
    const cookies = parseCookies(req.get('cookie') ?? '');
    const session = await loadSession(prisma, cookies[sessionCookie], sessionPolicy, clock.now());
    if (session) (res.locals as { staffSession?: unknown }).staffSession = session;
    next();
  });
  router.use(routes.publicRouter);

  // Deny by default: nothing below is reachable without a live session.
  router.use((req, res, next) => {
    const session = (res.locals as { staffSession?: import('./sessions.ts').StaffSessionView }).staffSession;
    if (!session) {
      if (req.method === 'GET' || req.method === 'HEAD') {
        const next_ = req.originalUrl.length < 500 ? `?next=${encodeURIComponent(req.originalUrl)}` : '';
        res.redirect(303, `/staff/login${next_}`);
        return;
      }
      next(new StaffHttpError(401, 'サインインの有効期限が切れました。もう一度サインインしてから操作してください。'));
      return;
    }
    // A one-time password must be replaced before anything else.
    if (session.mustChangePassword && !['/account/password', '/logout'].includes(req.path)) {
      if (req.method === 'GET') {
        res.redirect(303, '/staff/account/password');
        return;
      }
      next(new StaffHttpError(403, '初回のパスワードを変更してから操作してください。'));
      return;
    }
    next();
  });
  router.use(routes.protectedRouter);

  router.use((_req, _res, next) => {
    next(new StaffHttpError(404, 'ページが見つかりません。メニューから選び直してください。'));
  });

  // Errors: a Japanese page that says what to do; never a stack trace or the request's content.
  router.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const status = error instanceof StaffHttpError ? error.status : httpStatusOf(error);
    let message: string;
    if (error instanceof StaffHttpError) message = error.message;
    else if (status === 413) message = '送信された内容が大きすぎます。短くしてから、もう一度送信してください。';
    else if (status >= 400 && status < 500) message = '正しくないリクエストです。画面を開き直してから、もう一度操作してください。';
    else {
      logger.error({ error: describeError(error), path: req.path.slice(0, 100) }, 'staff console request failed');
      message = 'システムで問題が起きました。少し待ってから、もう一度操作してください。続く場合はシステム担当者に連絡してください。';
    }
    const shown = status >= 400 && status < 600 ? status : 500;
    if (res.headersSent) return;
    kit.render(res, 'error.njk', { status: shown, message }, shown).catch(() => {
      res.status(shown).type('text/plain; charset=utf-8').send(message);
    });
  });

  return { router, routes: [...routes.list(), ...api.routes] };
}

function httpStatusOf(error: unknown): number {
  return typeof error === 'object' && error !== null && 'status' in error && typeof error.status === 'number' ? error.status : 500;
}

const weekdays = ['日', '月', '火', '水', '木', '金', '土'];

/** nunjucks with autoescaping, and the date filters every page uses (Asia/Tokyo). */
function createViewEnvironment(): nunjucks.Environment {
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(path.join(here, 'views')), { autoescape: true, throwOnUndefined: false });
  /** 2026年12月9日(水) 10:00 from an instant. */
  env.addFilter('jpDateTime', (value: unknown) =>
    value instanceof Date ? `${formatJpDate(tokyoDateOf(value), { withYear: true })} ${tokyoTimeOf(value)}` : '',
  );
  /** 2026年12月9日(水) from YYYY-MM-DD. */
  env.addFilter('jpDate', (value: unknown) => (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) ? formatJpDate(value, { withYear: true }) : ''));
  /** 12月9日(水) from YYYY-MM-DD. */
  env.addFilter('jpShortDate', (value: unknown) => (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) ? formatJpDate(value) : ''));
  env.addFilter('weekday', (value: unknown) => (typeof value === 'number' ? (weekdays[value] ?? '') : ''));
  return env;
}
