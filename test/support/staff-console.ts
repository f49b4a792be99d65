/**
 * Signing in to the staff console in tests: accounts created through the same operation the
 * admin pages use, sign-in through the real form (login CSRF cookie included), and the CSRF
 * token every POST needs, read from the page.
 */
import request from 'supertest';
import type { Express } from 'express';
import type { PrismaClient } from '../../src/generated/prisma/client.ts';
import { createAccount } from '../../src/staff/accounts.ts';
import type { Role } from '../../src/staff/accounts.ts';

export const STAFF_PASSWORD = 'correct horse battery staple';

/** Creates an account with a known password (no one-time password to change). */
export async function createStaffAccount(prisma: PrismaClient, login: string, role: Role, now: Date, password = STAFF_PASSWORD): Promise<string> {
  const { account } = await createAccount(prisma, { login, role, password }, { actor: null, via: 'cli' }, now);
  return account.id;
}

/** The hidden `_csrf` value of the first form on a page. */
export function csrfFrom(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error('no CSRF field on the page');
  return match[1];
}

/** A cookie-keeping agent signed in as `login`, and the session's CSRF token. */
export async function signedInAgent(app: Express, login: string, password = STAFF_PASSWORD): Promise<{ agent: ReturnType<typeof request.agent>; csrf: string }> {
  const agent = request.agent(app);
  const form = await agent.get('/staff/login');
  const res = await agent.post('/staff/login').type('form').send({ _csrf: csrfFrom(form.text), login, password, next: '/staff/bookings' });
  if (res.status !== 303) throw new Error(`sign-in as ${login} answered ${res.status}`);
  const page = await agent.get('/staff/account/password');
  return { agent, csrf: csrfFrom(page.text) };
}
