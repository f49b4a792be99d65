/**
 * Every route of the console and its JSON API, driven by the route table: each route has at least
 * one scenario below that uses it the way a clerk or an admin does (valid forms, real bookings,
 * users, accounts, terms versions and announcements), and each scenario states the audit entries
 * it must write — exactly those, as that person, over that channel. A GET that shows no personal
 * details (and a preview that changes nothing) must write none. A route added to the table
 * without a scenario here fails the first test, so no action can escape the audit.
 *
 * Afterwards, no personal value typed or shown along the way — name, job-seeker number, phone,
 * topic, cancellation reasons, the message to a user, the suspension note, a typed search, a
 * password, a one-time password, an API token — appears in the audit log or the service log.
 */
import request from 'supertest';
import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, lineUserId } from '../support/harness.ts';
import type { Harness } from '../support/harness.ts';
import { addBookingFor, createStaffAccount, csrfFrom, signedInAgent, STAFF_PASSWORD } from '../support/staff-console.ts';
import { createStaffConsole } from '../../src/staff/console.ts';
import type { RouteInfo } from '../../src/staff/routes.ts';
import { refOfUserId } from '../../src/staff/users/records.ts';
import { runAnnouncementsOnce, defaultSenderOptions } from '../../src/announcements/sender.ts';
import { createLineMulticaster } from '../../src/announcements/multicast.ts';

// Personal values (and secrets) that must never reach the audit log or the service log.
const NAME = '監査 花子';
const NUMBER = '14150-7654321';
const PHONE = '090-8765-4321';
const TOPIC = '介護職の求人票の見方を相談したい';
const CANCEL_REASON = '本人から体調不良の電話（監査テスト）';
const API_CANCEL_REASON = '本人から家族の都合で電話（API）';
const MESSAGE = '監査テスト：担当者が15分ほど遅れます。';
const SUSPENSION_NOTE = '監査テスト：窓口で威圧的な言動';
const CALENDAR_NOTE = '監査テスト：館内停電';
const NOTICE_BODY = '監査テスト：12月11日(金)はTeleOfficeの保守のため接続できません。';
const NEW_PASSWORD = 'audit test new password 2026';
const WRONG_PASSWORD = 'wrong password 090-1111-2222';
const personal = [
  NAME,
  NUMBER,
  PHONE,
  TOPIC,
  CANCEL_REASON,
  API_CANCEL_REASON,
  MESSAGE,
  SUSPENSION_NOTE,
  CALENDAR_NOTE,
  NOTICE_BODY,
  NEW_PASSWORD,
  WRONG_PASSWORD,
  STAFF_PASSWORD,
];

type Agent = Awaited<ReturnType<typeof signedInAgent>>;
type Ctx = {
  h: Harness;
  clerk: Agent;
  admin: Agent;
  /** A second clerk, signed in by the scenarios themselves (sign-in, password, sign-out). */
  clerk2: Agent;
  bookings: Record<'a' | 'b' | 'move' | 'cancel' | 'api' | 'apiLate' | 'apiContact', string>;
  users: Record<'a' | 'erase' | 'api', string>;
  refs: Record<'a' | 'erase', string>;
  /** Filled in by earlier scenarios. */
  saved: Record<string, string>;
  /** Secrets shown once on a page (one-time passwords, API tokens), checked against the logs at the end. */
  secrets: string[];
};

type Scenario = {
  /** `METHOD /path` exactly as in the route table. */
  route: string;
  what: string;
  as: 'nobody' | 'staff' | 'admin' | 'api';
  /** The audit actions the request must append, in order ([] for none). */
  audits: string[];
  status?: number;
  run(ctx: Ctx): Promise<Response>;
  after?(ctx: Ctx, res: Response): Promise<void> | void;
};

const form = (agent: Agent, path: string, fields: Record<string, string> = {}) =>
  agent.agent
    .post(path)
    .type('form')
    .send({ _csrf: agent.csrf, ...fields });
const api = (ctx: Ctx) => ({ authorization: `Bearer ${ctx.saved.apiToken ?? ''}` });
const idFromLocation = (res: Response) => (res.headers.location ?? '').split('/').pop() ?? '';

const scenarios: Scenario[] = [
  // --- sign-in, own password ---------------------------------------------------------------
  { route: 'GET /staff/login', what: 'the sign-in form', as: 'nobody', audits: [], run: ({ h }) => request(h.service.app).get('/staff/login') },
  {
    route: 'POST /staff/login',
    what: 'a failed sign-in with an unknown login typed as a name',
    as: 'nobody',
    audits: ['sign-in.failed'],
    status: 401,
    run: async ({ h }) => {
      const agent = request.agent(h.service.app);
      const page = await agent.get('/staff/login');
      return agent
        .post('/staff/login')
        .type('form')
        .send({ _csrf: csrfFrom(page.text), login: NAME, password: WRONG_PASSWORD });
    },
  },
  {
    route: 'POST /staff/login',
    what: 'a sign-in',
    as: 'nobody',
    audits: ['sign-in'],
    run: async (ctx) => {
      const agent = request.agent(ctx.h.service.app);
      const page = await agent.get('/staff/login');
      const res = await agent
        .post('/staff/login')
        .type('form')
        .send({ _csrf: csrfFrom(page.text), login: 'clerk2', password: STAFF_PASSWORD });
      ctx.clerk2 = { agent, csrf: csrfFrom((await agent.get('/staff/account/password')).text) };
      return res;
    },
  },
  { route: 'GET /staff/', what: 'the start page', as: 'staff', audits: [], run: ({ clerk }) => clerk.agent.get('/staff/') },
  {
    route: 'GET /staff/account/password',
    what: 'the own-password form',
    as: 'staff',
    audits: [],
    run: ({ clerk2 }) => clerk2.agent.get('/staff/account/password'),
  },
  {
    route: 'POST /staff/account/password',
    what: 'changing one’s own password',
    as: 'staff',
    audits: ['account.change-password'],
    run: ({ clerk2 }) => form(clerk2, '/staff/account/password', { password: NEW_PASSWORD, confirm: NEW_PASSWORD }),
  },

  // --- 予約一覧, 予約詳細 ----------------------------------------------------------------------
  {
    route: 'GET /staff/bookings',
    what: 'the list filtered by a name',
    as: 'staff',
    audits: ['bookings.list'],
    run: ({ clerk }) => clerk.agent.get(`/staff/bookings?from=2026-12-01&to=2026-12-07&status=all&q=${encodeURIComponent('監査')}`),
  },
  {
    route: 'GET /staff/bookings/print',
    what: 'the print view of a day',
    as: 'staff',
    audits: ['bookings.print'],
    run: ({ clerk }) => clerk.agent.get('/staff/bookings/print?date=2026-12-01'),
  },
  {
    route: 'GET /staff/bookings/csv',
    what: 'the CSV of a day',
    as: 'staff',
    audits: ['bookings.csv'],
    run: ({ clerk }) => clerk.agent.get('/staff/bookings/csv?date=2026-12-01'),
  },
  {
    route: 'GET /staff/bookings/:id',
    what: 'a booking’s details',
    as: 'staff',
    audits: ['booking.view'],
    run: ({ clerk, bookings }) => clerk.agent.get(`/staff/bookings/${bookings.a}`),
  },
  {
    route: 'POST /staff/bookings/:id/meeting-url',
    what: 'setting the meeting URL',
    as: 'staff',
    audits: ['booking.meeting-url.set'],
    run: ({ clerk, bookings }) => form(clerk, `/staff/bookings/${bookings.a}/meeting-url`, { url: 'https://teleoffice.example/room/audit' }),
  },
  {
    route: 'POST /staff/bookings/:id/outcome',
    what: 'recording 遅れる連絡あり',
    as: 'staff',
    audits: ['booking.contacted'],
    run: ({ clerk, bookings }) => form(clerk, `/staff/bookings/${bookings.a}/outcome`, { outcome: 'contacted' }),
  },
  {
    route: 'POST /staff/bookings/:id/phone-change-handled',
    what: 'a phone change handled',
    as: 'staff',
    audits: ['booking.phone-change-handled'],
    run: ({ clerk, bookings }) => form(clerk, `/staff/bookings/${bookings.b}/phone-change-handled`),
  },
  {
    route: 'POST /staff/bookings/:id/message/preview',
    what: 'previewing a message (nothing changes, nothing is sent)',
    as: 'staff',
    audits: [],
    run: ({ clerk, bookings }) => form(clerk, `/staff/bookings/${bookings.a}/message/preview`, { message: MESSAGE }),
  },
  {
    route: 'POST /staff/bookings/:id/message',
    what: 'sending a message',
    as: 'staff',
    audits: ['booking.message'],
    run: ({ clerk, bookings }) => form(clerk, `/staff/bookings/${bookings.a}/message`, { message: MESSAGE }),
  },
  {
    route: 'POST /staff/bookings/:id/reschedule',
    what: 'changing the date and time on a phone call',
    as: 'staff',
    audits: ['booking.reschedule'],
    run: ({ clerk, bookings }) => form(clerk, `/staff/bookings/${bookings.move}/reschedule`, { slot: '2026-12-04T10:30' }),
  },
  {
    route: 'POST /staff/bookings/:id/cancel',
    what: 'cancelling at the user’s phone request',
    as: 'staff',
    audits: ['booking.cancel'],
    run: ({ clerk, bookings }) => form(clerk, `/staff/bookings/${bookings.cancel}/cancel`, { by: 'user-phone', reason: CANCEL_REASON }),
  },

  // --- 利用者 ----------------------------------------------------------------------------
  {
    route: 'GET /staff/users',
    what: 'finding a user by the whole name',
    as: 'staff',
    audits: ['user.search'],
    run: ({ clerk }) => clerk.agent.get(`/staff/users?q=${encodeURIComponent(NAME)}`),
  },
  {
    route: 'GET /staff/users/:ref',
    what: 'a user’s page',
    as: 'staff',
    audits: ['user.view'],
    run: ({ clerk, refs }) => clerk.agent.get(`/staff/users/${refs.a}`),
  },
  {
    route: 'POST /staff/users/:ref/suspend',
    what: 'suspending a user for Art. 12',
    as: 'staff',
    audits: ['user.suspend'],
    run: ({ clerk, refs }) => form(clerk, `/staff/users/${refs.a}/suspend`, { reason: 'art12-1', note: SUSPENSION_NOTE }),
  },
  {
    route: 'POST /staff/users/:ref/unsuspend',
    what: 'lifting the suspension',
    as: 'staff',
    audits: ['user.unsuspend'],
    run: ({ clerk, refs }) => form(clerk, `/staff/users/${refs.a}/unsuspend`),
  },
  {
    route: 'POST /staff/users/:ref/lift-refusal',
    what: 'lifting a refusal',
    as: 'staff',
    audits: ['user.lift-refusal'],
    run: async ({ h, clerk, refs, users }) => {
      await h.service.db.prisma.lineUser.update({ where: { id: users.a }, data: { refusedAt: h.clock.now() } });
      return form(clerk, `/staff/users/${refs.a}/lift-refusal`);
    },
  },
  {
    route: 'POST /staff/users/:ref/erase',
    what: 'carrying out an erasure request',
    as: 'staff',
    audits: ['user.erase'],
    run: async ({ h, clerk, refs, users }) => {
      await h.service.db.prisma.lineUser.update({ where: { id: users.erase }, data: { erasureRequestedAt: h.clock.now() } });
      return form(clerk, `/staff/users/${refs.erase}/erase`, { confirm: 'yes' });
    },
  },

  // --- 統計 ------------------------------------------------------------------------------
  { route: 'GET /staff/stats', what: 'the statistics (counts only)', as: 'staff', audits: [], run: ({ clerk }) => clerk.agent.get('/staff/stats') },
  { route: 'GET /staff/stats.csv', what: 'the statistics as CSV', as: 'staff', audits: ['stats.csv'], run: ({ clerk }) => clerk.agent.get('/staff/stats.csv') },

  // --- アカウント (admin) -------------------------------------------------------------------
  { route: 'GET /staff/accounts', what: 'the accounts', as: 'admin', audits: [], run: ({ admin }) => admin.agent.get('/staff/accounts') },
  {
    route: 'POST /staff/accounts',
    what: 'creating an account with a one-time password',
    as: 'admin',
    audits: ['account.create'],
    run: ({ admin }) => form(admin, '/staff/accounts', { login: 'clerk3', role: 'staff' }),
    after: async (ctx, res) => {
      const account = await ctx.h.service.db.prisma.staffAccount.findUniqueOrThrow({ where: { login: 'clerk3' } });
      ctx.saved.account = account.id;
      ctx.secrets.push(/class="secret"[^>]*>([^<]+)</.exec(res.text)?.[1]?.trim() ?? '');
    },
  },
  {
    route: 'GET /staff/accounts/:id',
    what: 'an account',
    as: 'admin',
    audits: [],
    run: ({ admin, saved }) => admin.agent.get(`/staff/accounts/${saved.account}`),
  },
  {
    route: 'POST /staff/accounts/:id/disable',
    what: 'disabling an account',
    as: 'admin',
    audits: ['account.disable'],
    run: ({ admin, saved }) => form(admin, `/staff/accounts/${saved.account}/disable`),
  },
  {
    route: 'POST /staff/accounts/:id/enable',
    what: 'enabling it again',
    as: 'admin',
    audits: ['account.enable'],
    run: ({ admin, saved }) => form(admin, `/staff/accounts/${saved.account}/enable`),
  },
  {
    route: 'POST /staff/accounts/:id/reset-password',
    what: 'resetting a password',
    as: 'admin',
    audits: ['account.reset-password'],
    run: ({ admin, saved }) => form(admin, `/staff/accounts/${saved.account}/reset-password`),
    after: (ctx, res) => void ctx.secrets.push(/class="secret"[^>]*>([^<]+)</.exec(res.text)?.[1]?.trim() ?? ''),
  },
  {
    route: 'POST /staff/accounts/:id/tokens',
    what: 'issuing an API token for the clerk',
    as: 'admin',
    audits: ['api-token.issue'],
    run: ({ admin, saved }) => form(admin, `/staff/accounts/${saved.clerk1}/tokens`, { label: 'integration' }),
    after: (ctx, res) => {
      const token = /(hwk_[A-Za-z0-9_-]+)/.exec(res.text)?.[1] ?? '';
      ctx.saved.apiToken = token;
      ctx.secrets.push(token);
    },
  },
  {
    route: 'POST /staff/accounts/:id/tokens/:tokenId/revoke',
    what: 'revoking a second token',
    as: 'admin',
    audits: ['api-token.issue', 'api-token.revoke'],
    run: async ({ h, admin, saved, secrets }) => {
      const issued = await form(admin, `/staff/accounts/${saved.clerk1}/tokens`, { label: 'old' });
      secrets.push(/(hwk_[A-Za-z0-9_-]+)/.exec(issued.text)?.[1] ?? '');
      const token = await h.service.db.prisma.staffApiToken.findFirstOrThrow({ where: { staffId: saved.clerk1, label: 'old' } });
      return form(admin, `/staff/accounts/${saved.clerk1}/tokens/${token.id}/revoke`);
    },
  },
  { route: 'GET /staff/audit', what: 'the audit log', as: 'admin', audits: ['audit.view'], run: ({ admin }) => admin.agent.get('/staff/audit') },

  // --- カレンダー (admin) -------------------------------------------------------------------
  { route: 'GET /staff/calendar', what: 'the calendar and its preview', as: 'admin', audits: [], run: ({ admin }) => admin.agent.get('/staff/calendar') },
  {
    route: 'POST /staff/calendar/changes',
    what: 'closing a day',
    as: 'admin',
    audits: ['calendar.change'],
    run: ({ admin }) => form(admin, '/staff/calendar/changes', { kind: 'closed', date: '2026-12-10', note: CALENDAR_NOTE }),
  },

  // --- 利用規約, お知らせ (admin) -----------------------------------------------------------
  { route: 'GET /staff/terms', what: 'the terms versions', as: 'admin', audits: [], run: ({ admin }) => admin.agent.get('/staff/terms') },
  { route: 'GET /staff/terms/new', what: 'the new-version form', as: 'admin', audits: [], run: ({ admin }) => admin.agent.get('/staff/terms/new') },
  {
    route: 'POST /staff/terms',
    what: 'saving a draft',
    as: 'admin',
    audits: ['terms.draft.create'],
    run: ({ admin }) =>
      form(admin, '/staff/terms', {
        label: '令和8年12月20日改定',
        effectiveDate: '2026-12-20',
        title: 'オンライン職業相談利用規約',
        changeSummary: '・キャンセルの連絡をLINEでもできるようにします。',
        cardSummary: '・利用料は無料です',
        body: '第1条（目的）\nこの規約は、オンライン職業相談の利用について定めます。',
      }),
    after: (ctx, res) => void (ctx.saved.terms = idFromLocation(res)),
  },
  {
    route: 'GET /staff/terms/:id',
    what: 'a draft and its previews',
    as: 'admin',
    audits: [],
    run: ({ admin, saved }) => admin.agent.get(`/staff/terms/${saved.terms}`),
  },
  {
    route: 'POST /staff/terms/:id/delete',
    what: 'deleting a second draft',
    as: 'admin',
    audits: ['terms.draft.create', 'terms.draft.delete'],
    run: async ({ admin }) => {
      const draft = await form(admin, '/staff/terms', {
        label: '令和8年12月25日改定',
        effectiveDate: '2026-12-25',
        title: 'x',
        changeSummary: '・x',
        cardSummary: '・x',
        body: 'x',
      });
      return form(admin, `/staff/terms/${idFromLocation(draft)}/delete`);
    },
  },
  {
    route: 'POST /staff/terms/:id/publish',
    what: 'publishing the draft',
    as: 'admin',
    audits: ['terms.publish'],
    run: ({ admin, saved }) => form(admin, `/staff/terms/${saved.terms}/publish`),
    after: async (ctx) => {
      await send(ctx.h);
    },
  },
  { route: 'GET /staff/announcements', what: 'the announcements', as: 'admin', audits: [], run: ({ admin }) => admin.agent.get('/staff/announcements') },
  {
    route: 'GET /staff/announcements/new-notice',
    what: 'the new-notice form',
    as: 'admin',
    audits: [],
    run: ({ admin }) => admin.agent.get('/staff/announcements/new-notice'),
  },
  {
    route: 'POST /staff/announcements/notice-preview',
    what: 'previewing a notice (nothing is sent)',
    as: 'admin',
    audits: [],
    run: ({ admin }) => form(admin, '/staff/announcements/notice-preview', { title: '保守', body: NOTICE_BODY, audience: 'all-followers' }),
  },
  {
    route: 'POST /staff/announcements/notices',
    what: 'sending a notice to every follower',
    as: 'admin',
    audits: ['announcement.notice.send'],
    run: ({ admin }) => form(admin, '/staff/announcements/notices', { title: '保守', body: NOTICE_BODY, audience: 'all-followers' }),
    after: (ctx, res) => void (ctx.saved.notice = idFromLocation(res)),
  },
  {
    route: 'POST /staff/announcements/:id/pause',
    what: 'pausing it',
    as: 'admin',
    audits: ['announcement.pause'],
    run: ({ admin, saved }) => form(admin, `/staff/announcements/${saved.notice}/pause`),
  },
  {
    route: 'POST /staff/announcements/:id/resume',
    what: 'resuming it (then LINE refuses its batch)',
    as: 'admin',
    audits: ['announcement.resume'],
    run: ({ admin, saved }) => form(admin, `/staff/announcements/${saved.notice}/resume`),
    after: async ({ h }) => {
      h.line.failNext(400, 1, {
        only: 'multicast',
        body: { message: 'The request body has 1 error(s)', details: [{ message: 'May not be empty', property: 'messages[0].text' }] },
      });
      await send(h);
    },
  },
  {
    route: 'GET /staff/announcements/:id',
    what: 'its progress with LINE’s error for the failed batch',
    as: 'admin',
    audits: [],
    run: ({ admin, saved }) => admin.agent.get(`/staff/announcements/${saved.notice}`),
    after: (_ctx, res) => {
      expect(res.text).toContain('LINE API 400: The request body has 1 error(s) (messages[0].text: May not be empty)');
    },
  },
  {
    route: 'POST /staff/announcements/:id/retry',
    what: 'queueing the failed batch again',
    as: 'admin',
    audits: ['announcement.retry-failed'],
    run: ({ admin, saved }) => form(admin, `/staff/announcements/${saved.notice}/retry`),
    after: async ({ h }) => {
      await send(h);
    },
  },

  // --- the JSON API, with the clerk's token --------------------------------------------------
  {
    route: 'GET /staff/api/bookings',
    what: 'listing bookings (no personal data)',
    as: 'api',
    audits: [],
    run: (ctx) => request(ctx.h.service.app).get('/staff/api/bookings?from=2026-12-01&to=2026-12-07').set(api(ctx)),
  },
  {
    route: 'GET /staff/api/bookings/:id',
    what: 'one booking (no personal data)',
    as: 'api',
    audits: [],
    run: (ctx) => request(ctx.h.service.app).get(`/staff/api/bookings/${ctx.bookings.api}`).set(api(ctx)),
  },
  {
    route: 'PUT /staff/api/bookings/:id/meeting-url',
    what: 'setting a meeting URL',
    as: 'api',
    audits: ['booking.meeting-url'],
    run: (ctx) =>
      request(ctx.h.service.app).put(`/staff/api/bookings/${ctx.bookings.api}/meeting-url`).set(api(ctx)).send({ url: 'https://teleoffice.example/room/api' }),
  },
  {
    route: 'POST /staff/api/bookings/:id/attended',
    what: 'recording attendance',
    as: 'api',
    audits: ['booking.attended'],
    run: (ctx) => request(ctx.h.service.app).post(`/staff/api/bookings/${ctx.bookings.api}/attended`).set(api(ctx)).send({}),
  },
  {
    route: 'POST /staff/api/bookings/:id/contacted',
    what: 'recording 遅れる連絡あり',
    as: 'api',
    audits: ['booking.contacted'],
    run: (ctx) => request(ctx.h.service.app).post(`/staff/api/bookings/${ctx.bookings.apiContact}/contacted`).set(api(ctx)).send({}),
  },
  {
    route: 'POST /staff/api/bookings/:id/no-show',
    what: 'recording a no-show',
    as: 'api',
    audits: ['booking.no-show'],
    run: (ctx) => request(ctx.h.service.app).post(`/staff/api/bookings/${ctx.bookings.apiLate}/no-show`).set(api(ctx)).send({}),
  },
  {
    route: 'POST /staff/api/bookings/:id/cancel',
    what: 'cancelling with a reason',
    as: 'api',
    audits: ['booking.cancel'],
    run: (ctx) =>
      request(ctx.h.service.app).post(`/staff/api/bookings/${ctx.bookings.b}/cancel`).set(api(ctx)).send({ reason: API_CANCEL_REASON, by: 'user-phone' }),
  },
  {
    route: 'POST /staff/api/users/:id/lift-refusal',
    what: 'lifting a refusal',
    as: 'api',
    audits: ['user.lift-refusal'],
    run: async (ctx) => {
      await ctx.h.service.db.prisma.lineUser.update({ where: { id: ctx.users.api }, data: { refusedAt: ctx.h.clock.now() } });
      return request(ctx.h.service.app).post(`/staff/api/users/${ctx.users.api}/lift-refusal`).set(api(ctx)).send({});
    },
  },
  {
    route: 'GET /staff/api/users/:id',
    what: 'a user’s standing (no personal data)',
    as: 'api',
    audits: [],
    run: (ctx) => request(ctx.h.service.app).get(`/staff/api/users/${ctx.users.api}`).set(api(ctx)),
  },

  // --- sign-out last ---------------------------------------------------------------------------
  { route: 'POST /staff/logout', what: 'signing out', as: 'staff', audits: ['sign-out'], run: ({ clerk2 }) => form(clerk2, '/staff/logout') },
];

function send(h: Harness) {
  return runAnnouncementsOnce(
    {
      prisma: h.service.db.prisma,
      clock: h.clock,
      logger: h.service.deps.logger,
      multicaster: createLineMulticaster({ channelAccessToken: h.config.LINE_CHANNEL_ACCESS_TOKEN, baseURL: h.config.LINE_API_BASE_URL }),
    },
    defaultSenderOptions,
  );
}

const key = (route: RouteInfo) => `${route.method} ${route.path}`;
let ctx: Ctx;
let routes: readonly RouteInfo[];

beforeAll(async () => {
  const h = await startHarness({ now: '2026-12-01T09:00:00+09:00', env: { PUBLIC_BASE_URL: 'https://line.example.jp', STAFF_SESSION_IDLE_MINUTES: '240' } });
  const prisma = h.service.db.prisma;
  const now = h.clock.now();
  const clerk1 = await createStaffAccount(prisma, 'clerk1', 'staff', now);
  await createStaffAccount(prisma, 'clerk2', 'staff', now);
  await createStaffAccount(prisma, 'admin1', 'admin', now);
  const users = { a: lineUserId('audit-a'), erase: lineUserId('audit-erase'), api: lineUserId('audit-api') };
  const person = { name: NAME, jobSeekerNumber: NUMBER, phone: PHONE, topic: TOPIC };
  const bookings = {
    a: await addBookingFor(h.service, { userId: users.a, date: '2026-12-01', time: '10:00', ...person }, now),
    b: await addBookingFor(h.service, { userId: lineUserId('audit-b'), date: '2026-12-02', time: '10:00', ...person, phoneChanged: true }, now),
    move: await addBookingFor(h.service, { userId: lineUserId('audit-move'), date: '2026-12-03', time: '13:00', ...person }, now),
    cancel: await addBookingFor(h.service, { userId: lineUserId('audit-cancel'), date: '2026-12-03', time: '14:00', ...person }, now),
    // Started before the clock's 09:00: attendance and a no-show (from start + 10 minutes) can be recorded.
    api: await addBookingFor(h.service, { userId: users.api, date: '2026-12-01', time: '08:30', ...person }, now),
    apiLate: await addBookingFor(h.service, { userId: lineUserId('audit-api-late'), date: '2026-12-01', time: '08:00', ...person }, now),
    apiContact: await addBookingFor(h.service, { userId: lineUserId('audit-api-contact'), date: '2026-12-02', time: '11:00', ...person }, now),
  };
  await addBookingFor(h.service, { userId: users.erase, date: '2026-11-30', time: '10:00', ...person }, now);
  const refs = { a: (await refOfUserId(prisma, users.a)) ?? '', erase: (await refOfUserId(prisma, users.erase)) ?? '' };
  const { dialogue, clock, logger } = h.service.deps;
  routes = createStaffConsole({ prisma, clock, logger, config: h.config, cipher: dialogue.cipher }).routes;
  ctx = {
    h,
    clerk: await signedInAgent(h.service.app, 'clerk1'),
    admin: await signedInAgent(h.service.app, 'admin1'),
    clerk2: { agent: request.agent(h.service.app), csrf: '' },
    bookings,
    users,
    refs,
    saved: { clerk1 },
    secrets: [],
  };
}, 60_000);
afterAll(async () => ctx?.h.close());

describe('every action writes its audit entry', () => {
  it('has a scenario for every route of the console and the API, and none for a route that does not exist', () => {
    const table = routes.map(key);
    const covered = new Set(scenarios.map((s) => s.route));
    expect(
      table.filter((route) => !covered.has(route)),
      'routes without a scenario',
    ).toEqual([]);
    expect(
      [...covered].filter((route) => !table.includes(route)),
      'scenarios of no route',
    ).toEqual([]);
    expect(table.length).toBeGreaterThan(50);
  });

  for (const scenario of scenarios) {
    it(`${scenario.route}: ${scenario.what} → ${scenario.audits.length ? scenario.audits.join(', ') : 'no entry'}`, async () => {
      const prisma = ctx.h.service.db.prisma;
      const last = (await prisma.staffAuditLog.findFirst({ orderBy: { id: 'desc' }, select: { id: true } }))?.id ?? 0;
      const res = await scenario.run(ctx);
      if (scenario.status !== undefined) expect(res.status, res.text.slice(0, 500)).toBe(scenario.status);
      else expect(res.status, res.text.slice(0, 500)).toBeLessThan(400);
      const entries = await prisma.staffAuditLog.findMany({ where: { id: { gt: last } }, orderBy: { id: 'asc' } });
      expect(entries.map((e) => e.action)).toEqual(scenario.audits);
      const ownSession = ['/staff/account/password', '/staff/logout'].some((p) => scenario.route.endsWith(p));
      const actor = ownSession ? 'clerk2' : { staff: 'clerk1', admin: 'admin1', api: 'clerk1', nobody: null }[scenario.as];
      for (const entry of entries) {
        // A failed sign-in of an unknown login has no actor; a sign-in is the account's own.
        if (scenario.route === 'POST /staff/login') expect(entry.staffLogin).toBe(entry.action === 'sign-in' ? 'clerk2' : null);
        else expect(entry.staffLogin, entry.action).toBe(actor);
        expect(entry.via, entry.action).toBe(scenario.as === 'api' ? 'api' : 'console');
      }
      // A refusal shown as a flash message on the next page would pass unnoticed: the action must have happened.
      const agent = scenario.as === 'admin' ? ctx.admin : scenario.as === 'staff' && !ownSession ? ctx.clerk : null;
      if (agent && res.status === 303 && res.headers.location?.startsWith('/staff/')) {
        expect((await agent.agent.get(res.headers.location)).text, 'an error was flashed').not.toMatch(/flash-error" role="alert"/);
      }
      await scenario.after?.(ctx, res);
    });
  }

  it('keeps every personal value, text typed by staff and secret out of the audit log and the service log', async () => {
    const prisma = ctx.h.service.db.prisma;
    const audit = JSON.stringify(await prisma.staffAuditLog.findMany());
    const logs = ctx.h.logs.join('');
    const secrets = ctx.secrets.filter((s) => s.length >= 8);
    expect(secrets.length).toBe(4); // two one-time passwords, two API tokens
    for (const value of [...personal, ...secrets, ctx.users.a, ctx.users.erase]) {
      expect(audit, value).not.toContain(value);
      expect(logs, value).not.toContain(value);
    }
    // The log did record the work (so the check above is not vacuous).
    expect(logs.length).toBeGreaterThan(1000);
    expect(await prisma.staffAuditLog.count()).toBeGreaterThanOrEqual(scenarios.reduce((n, s) => n + s.audits.length, 0));
  });
});
