/**
 * How a page module adds routes to the console: through `StaffRoutes`, never through express
 * directly. Every route states its access — a role (`staff` or `admin`) or `public` — and the
 * registry puts the guard in front of it: a session is required (the console's router-level
 * guard, see console.ts), then the role, then for POST the CSRF token. `list()` is the route
 * table the authorisation tests iterate over, so no route can escape them.
 */
import express from 'express';
import type { NextFunction, Request, Response, Router } from 'express';
import type { Role } from './accounts.ts';
import { roleAllows } from './accounts.ts';
import type { StaffSessionView } from './sessions.ts';
import { csrfTokenMatches } from './sessions.ts';

export type Access = { role: Role } | 'public';
export type Method = 'GET' | 'POST' | 'PUT';
export type StaffHandler = (req: Request, res: Response) => Promise<void> | void;

/** One route, as the authorisation matrix sees it. */
export type RouteInfo = {
  method: Method;
  /** Full path under /staff, e.g. /staff/bookings/:id. */
  path: string;
  access: Access;
  /** Example values for the path's parameters, for tests (defaults: a random UUID). */
  examples?: Record<string, string>;
};

/** A request that reached a protected route carries its session here. */
export function sessionOf(res: Response): StaffSessionView {
  const session = (res.locals as { staffSession?: StaffSessionView }).staffSession;
  if (!session) throw new Error('no staff session on a protected route (guard missing?)');
  return session;
}

/** Thrown by a handler: answered with a Japanese error page (or JSON on the API) with `status`. */
export class StaffHttpError extends Error {
  override name = 'StaffHttpError';
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export class StaffRoutes {
  readonly #protected: Router;
  readonly #public: Router;
  readonly #base: string;
  readonly #routes: RouteInfo[] = [];

  constructor(base: string) {
    this.#base = base;
    this.#protected = express.Router();
    this.#public = express.Router();
  }

  /** A page or download a role may see. */
  get(path: string, access: Access, handler: StaffHandler, examples?: Record<string, string>): void {
    this.#add('GET', path, access, handler, examples);
  }

  /** A state-changing form submission (CSRF-checked unless public, where the caller checks). */
  post(path: string, access: Access, handler: StaffHandler, examples?: Record<string, string>): void {
    this.#add('POST', path, access, handler, examples);
  }

  /** Every route registered, for the authorisation matrix and the docs. */
  list(): readonly RouteInfo[] {
    return this.#routes;
  }

  /** Routes anyone may reach (the sign-in form); mounted before the session guard. */
  get publicRouter(): Router {
    return this.#public;
  }

  /** Routes behind the session guard. */
  get protectedRouter(): Router {
    return this.#protected;
  }

  #add(method: 'GET' | 'POST', path: string, access: Access, handler: StaffHandler, examples?: Record<string, string>): void {
    if (!path.startsWith('/')) throw new Error(`route path must start with /: ${path}`);
    this.#routes.push({ method, path: `${this.#base}${path}`, access, ...(examples ? { examples } : {}) });
    const router = access === 'public' ? this.#public : this.#protected;
    const guards = access === 'public' ? [] : [requireRole(access.role), ...(method === 'POST' ? [requireCsrf] : [])];
    if (method === 'GET') router.get(path, ...guards, handler);
    else router.post(path, ...guards, handler);
  }
}

function requireRole(role: Role) {
  return (_req: Request, res: Response, next: NextFunction) => {
    const session = sessionOf(res);
    if (!roleAllows(session.role, role)) {
      next(new StaffHttpError(403, 'この操作を行う権限がありません。必要な場合は管理者に依頼してください。'));
      return;
    }
    next();
  };
}

function requireCsrf(req: Request, res: Response, next: NextFunction) {
  const body: unknown = req.body;
  const submitted = typeof body === 'object' && body !== null && '_csrf' in body ? body._csrf : undefined;
  if (!csrfTokenMatches(sessionOf(res), submitted)) {
    next(new StaffHttpError(403, 'フォームの有効期限が切れたか、正しくない送信です。画面を開き直してから、もう一度操作してください。'));
    return;
  }
  next();
}
