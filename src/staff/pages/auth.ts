/**
 * Sign-in, sign-out and one's own password. The sign-in form is the console's only public page;
 * it is protected against login CSRF by a double-submit token (a random value in a SameSite=Strict
 * cookie that the form must repeat), since there is no session yet to hold a token.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import { parseCookie as parseCookies } from 'cookie';
import type { PageModule, StaffPageKit } from '../console.ts';
import { formText, queryText, safeNextPath } from '../forms.ts';
import { sessionOf } from '../routes.ts';
import { signIn } from '../sign-in.ts';
import { destroySession } from '../sessions.ts';
import { AccountError, changeOwnPassword } from '../accounts.ts';
import { writeAudit } from '../audit.ts';
import { formatJpDate } from '../../text/japanese.ts';
import { tokyoDateOf, tokyoTimeOf } from '../../rules/index.ts';

const loginCookie = 'hw_staff_login';

export const authPages: PageModule = (routes, kit) => {
  routes.get('/login', 'public', async (req, res) => {
    await renderLogin(kit, req, res, { next: safeNextPath(queryText(req, 'next', 500)) });
  });

  routes.post('/login', 'public', async (req, res) => {
    const next = safeNextPath(formText(req, 'next', 500));
    const cookieToken = parseCookies(req.get('cookie') ?? '')[loginCookie] ?? '';
    const formToken = formText(req, '_csrf', 100);
    if (!cookieToken || cookieToken.length !== formToken.length || !timingSafeEqual(Buffer.from(cookieToken), Buffer.from(formToken))) {
      await renderLogin(kit, req, res, { next, error: 'サインイン画面の有効期限が切れました。もう一度ログイン名とパスワードを入力してください。' }, 403);
      return;
    }
    const login = formText(req, 'login', 100);
    const password = formText(req, 'password', 200);
    if (!login || !password) {
      await renderLogin(kit, req, res, { next, login, error: 'ログイン名とパスワードを入力してください。' }, 400);
      return;
    }
    const result = await signIn(kit.prisma, { login, password, address: req.ip ?? req.socket.remoteAddress ?? 'unknown' }, kit.sessionPolicy, kit.clock.now());
    if (!result.ok) {
      const error =
        result.reason === 'account-locked' && result.retryAfter
          ? `パスワードの誤りが続いたため、このアカウントは${formatJpDate(tokyoDateOf(result.retryAfter))} ${tokyoTimeOf(result.retryAfter)}まで一時的にロックされています。時間をおいてから、もう一度お試しください。`
          : result.reason === 'address-limited'
            ? 'この端末からのサインインの失敗が続いたため、一時的に受け付けを止めています。15分ほど待ってから、もう一度お試しください。'
            : 'ログイン名またはパスワードが違います。確かめてから、もう一度入力してください。';
      await renderLogin(kit, req, res, { next, login, error }, result.reason === 'invalid' ? 401 : 429);
      return;
    }
    res.clearCookie(loginCookie, { path: '/staff/login' });
    kit.setSessionCookie(res, result.sessionId);
    res.redirect(303, result.mustChangePassword ? '/staff/account/password' : next);
  });

  routes.post('/logout', { role: 'staff' }, async (_req, res) => {
    const session = sessionOf(res);
    await destroySession(kit.prisma, session.idHash);
    await writeAudit(kit.prisma, kit.actor(res), 'console', { action: 'sign-out', targetType: 'account', targetId: session.staffId }, kit.clock.now());
    kit.clearSessionCookie(res);
    res.redirect(303, '/staff/login?signedOut=1');
  });

  routes.get('/', { role: 'staff' }, (_req, res) => {
    res.redirect(303, '/staff/bookings');
  });

  routes.get('/account/password', { role: 'staff' }, async (_req, res) => {
    await kit.render(res, 'account-password.njk', { mustChange: sessionOf(res).mustChangePassword });
  });

  routes.post('/account/password', { role: 'staff' }, async (req, res) => {
    const session = sessionOf(res);
    const password = formText(req, 'password', 300);
    const confirm = formText(req, 'confirm', 300);
    if (password !== confirm) {
      await kit.render(
        res,
        'account-password.njk',
        { mustChange: session.mustChangePassword, error: '確認のために入力したパスワードが一致しません。もう一度入力してください。' },
        400,
      );
      return;
    }
    try {
      await changeOwnPassword(kit.prisma, kit.actor(res), password, session.idHash, 'console', kit.clock.now());
    } catch (error) {
      if (!(error instanceof AccountError)) throw error;
      await kit.render(res, 'account-password.njk', { mustChange: session.mustChangePassword, error: error.message }, 400);
      return;
    }
    await kit.flash(res, 'success', 'パスワードを変更しました。');
    kit.redirect(res, '/staff/bookings');
  });
};

async function renderLogin(
  kit: StaffPageKit,
  req: Request,
  res: Response,
  vars: { next: string; login?: string; error?: string },
  status = 200,
): Promise<void> {
  const token = randomBytes(24).toString('base64url');
  res.cookie(loginCookie, token, { httpOnly: true, sameSite: 'strict', secure: kit.config.STAFF_COOKIE_SECURE, path: '/staff/login' });
  await kit.render(res, 'login.njk', { ...vars, loginToken: token, signedOut: queryText(req, 'signedOut') === '1' }, status);
}
