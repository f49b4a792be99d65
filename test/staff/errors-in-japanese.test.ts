/**
 * What a clerk sees when something goes wrong: for every kind of error — a page that does not
 * exist (404), a page of another role (403), a form sent without its token (CSRF, 403), a session
 * that ended (401), a lock-out (429), a form filled wrongly (400), a body too large (413), a
 * broken address (400) and a failure of the system itself (500) — an HTML page in Japanese with a
 * sentence that says what to do, never a stack trace, an English message or JSON.
 */
import express from 'express';
import type { Express } from 'express';
import request from 'supertest';
import type { Response } from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { useHarness, lineUserId } from '../support/harness.ts';
import { addBookingFor, createStaffAccount, csrfFrom, signedInAgent } from '../support/staff-console.ts';
import { createStaffConsole } from '../../src/staff/console.ts';

const h = useHarness({ now: '2026-12-01T09:00:00+09:00', checkLine: 'never' });
let bookingId: string;

beforeAll(async () => {
  await createStaffAccount(h.service.db.prisma, 'clerk1', 'staff', h.clock.now());
  await createStaffAccount(h.service.db.prisma, 'locked1', 'staff', h.clock.now());
  bookingId = await addBookingFor(h.service, { userId: lineUserId('errors-a'), date: '2026-12-02', time: '10:00', name: '港北 花子' }, h.clock.now());
});

/** The page is the console's Japanese error page with `sentence`, and nothing a clerk cannot use. */
function expectJapanesePage(res: Response, status: number, sentence: string) {
  expect(res.status, res.text.slice(0, 300)).toBe(status);
  expect(res.headers['content-type']).toMatch(/^text\/html/);
  expect(res.text).toContain('<html lang="ja">');
  expect(res.text).toContain(sentence);
  // A sentence that tells what to do next, in Japanese.
  expect(res.text).toMatch(/(ください|お試しください|選び直してください)。/);
  for (const leak of ['Error:', '    at ', 'node_modules', '"message"', 'Internal', 'Not Found', 'Forbidden', 'Unauthorized', 'Bad Request', 'Too Many']) {
    expect(res.text, leak).not.toContain(leak);
  }
}

describe('errors a clerk sees', () => {
  it('404: a page or a booking that does not exist', async () => {
    const clerk = await signedInAgent(h.service.app, 'clerk1');
    expectJapanesePage(await clerk.agent.get('/staff/no-such-page'), 404, 'ページが見つかりません。メニューから選び直してください。');
    expectJapanesePage(
      await clerk.agent.get('/staff/bookings/00000000-0000-4000-8000-000000000000'),
      404,
      'その予約は見つかりません。予約一覧から選び直してください。',
    );
    expectJapanesePage(await clerk.agent.get('/staff/bookings/not-a-booking'), 404, '指定されたものが見つかりません。一覧から選び直してください。');
    expectJapanesePage(await clerk.agent.get('/staff/users/0123456789abcdef0123456789abcdef'), 404, '利用者の検索からやり直してください。');
  });

  it('403: a page of the admin role, and a form without its token or with a forged one', async () => {
    const clerk = await signedInAgent(h.service.app, 'clerk1');
    expectJapanesePage(await clerk.agent.get('/staff/calendar'), 403, 'この操作を行う権限がありません。必要な場合は管理者に依頼してください。');
    for (const token of [undefined, 'forged']) {
      const res = await clerk.agent
        .post(`/staff/bookings/${bookingId}/meeting-url`)
        .type('form')
        .send({ url: 'https://teleoffice.example/x', ...(token ? { _csrf: token } : {}) });
      expectJapanesePage(res, 403, 'フォームの有効期限が切れたか、正しくない送信です。画面を開き直してから、もう一度操作してください。');
    }
  });

  it('401: a form sent after the session ended', async () => {
    const clerk = await signedInAgent(h.service.app, 'clerk1');
    h.clock.advanceMinutes(h.config.STAFF_SESSION_IDLE_MINUTES);
    const res = await clerk.agent
      .post(`/staff/bookings/${bookingId}/meeting-url`)
      .type('form')
      .send({ _csrf: clerk.csrf, url: 'https://teleoffice.example/x' });
    expectJapanesePage(res, 401, 'サインインの有効期限が切れました。もう一度サインインしてから操作してください。');
  });

  it('429: a sign-in after repeated failures, with the time until which the account is locked', async () => {
    let res: Response | undefined;
    for (let i = 0; i < 6; i++) {
      const agent = request.agent(h.service.app);
      const form = await agent.get('/staff/login');
      res = await agent
        .post('/staff/login')
        .type('form')
        .send({ _csrf: csrfFrom(form.text), login: 'locked1', password: `wrong ${i}` });
    }
    expect(res?.status).toBe(429);
    expect(res?.text).toMatch(
      /このアカウントは\d+月\d+日\([日月火水木金土]\) \d{2}:\d{2}まで一時的にロックされています。時間をおいてから、もう一度お試しください。/,
    );
    expect(res?.text).toContain('<html lang="ja">');
  });

  it('400: a form filled wrongly is shown again with what to fix; a broken address is refused', async () => {
    const clerk = await signedInAgent(h.service.app, 'clerk1');
    const mismatch = await clerk.agent
      .post('/staff/account/password')
      .type('form')
      .send({ _csrf: clerk.csrf, password: 'a long enough password 1', confirm: 'a long enough password 2' });
    expect(mismatch.status).toBe(400);
    expect(mismatch.text).toContain('確認のために入力したパスワードが一致しません。もう一度入力してください。');
    const short = await clerk.agent.post('/staff/account/password').type('form').send({ _csrf: clerk.csrf, password: 'short', confirm: 'short' });
    expect(short.status).toBe(400);
    expect(short.text).toMatch(/パスワードは\d+文字以上にしてください。/);
    const badUrl = await clerk.agent.post(`/staff/bookings/${bookingId}/meeting-url`).type('form').send({ _csrf: clerk.csrf, url: 'http://insecure.example/' });
    expect(badUrl.status).toBe(303);
    expect((await clerk.agent.get(badUrl.headers.location ?? '')).text).toContain(
      '参加用URLは https:// で始まるURLを、空白を入れずに1000文字以内で入力してください。',
    );
    expectJapanesePage(await clerk.agent.get('/staff/bookings/%ff'), 400, '正しくないリクエストです。画面を開き直してから、もう一度操作してください。');
  });

  it('413: a form too large to take', async () => {
    const clerk = await signedInAgent(h.service.app, 'clerk1');
    const res = await clerk.agent
      .post(`/staff/bookings/${bookingId}/message/preview`)
      .type('form')
      .send({ _csrf: clerk.csrf, message: 'あ'.repeat(40_000) });
    expectJapanesePage(res, 413, '送信された内容が大きすぎます。短くしてから、もう一度送信してください。');
  });

  it('500: a failure of the system is logged for the operator, and the clerk is told to wait and try again', async () => {
    // The console over a database whose booking reads fail (everything else works, sign-in included).
    const real = h.service.db.prisma;
    const failingBookings = new Proxy(real.booking, {
      get: (target, prop) =>
        prop === 'findMany' ? () => Promise.reject(new Error('simulated database failure')) : (Reflect.get(target, prop, target) as unknown),
    });
    const prisma = new Proxy(real, { get: (target, prop) => (prop === 'booking' ? failingBookings : (Reflect.get(target, prop, target) as unknown)) });
    const { dialogue, clock, logger } = h.service.deps;
    const app: Express = express();
    app.use('/staff', createStaffConsole({ prisma, clock, logger, config: h.config, cipher: dialogue.cipher }).router);
    const clerk = await signedInAgent(app, 'clerk1');
    const logsBefore = h.logs.length;
    const res = await clerk.agent.get('/staff/bookings');
    expectJapanesePage(res, 500, 'システムで問題が起きました。少し待ってから、もう一度操作してください。続く場合はシステム担当者に連絡してください。');
    expect(res.text).not.toContain('simulated database failure');
    const logged = h.logs.slice(logsBefore).join('');
    expect(logged).toContain('staff console request failed');
    expect(logged).toContain('simulated database failure');
  });
});
