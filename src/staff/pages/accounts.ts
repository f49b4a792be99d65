/**
 * アカウント (admin): create accounts with a one-time password, disable and re-enable them,
 * reset a password, issue and revoke per-person API tokens. One-time passwords and tokens are
 * shown once, on the page that answers the POST (never stored, never in a flash message).
 */
import type { PageModule } from '../console.ts';
import { formText, uuidParam } from '../forms.ts';
import { StaffHttpError } from '../routes.ts';
import {
  AccountError,
  createAccount,
  findAccount,
  issueApiToken,
  listAccounts,
  listApiTokens,
  resetPassword,
  revokeApiToken,
  setAccountDisabled,
} from '../accounts.ts';
import type { Role } from '../accounts.ts';

const admin = { role: 'admin' } as const;

export const accountPages: PageModule = (routes, kit) => {
  const who = (res: Parameters<typeof kit.actor>[0]) => ({ actor: kit.actor(res), via: 'console' as const });

  routes.get('/accounts', admin, async (_req, res) => {
    await kit.render(res, 'accounts/index.njk', { accounts: await listAccounts(kit.prisma) });
  });

  routes.post('/accounts', admin, async (req, res) => {
    const login = formText(req, 'login', 100);
    const role = formText(req, 'role', 20);
    try {
      const created = await createAccount(kit.prisma, { login, role: role as Role }, who(res), kit.clock.now());
      await kit.render(res, 'accounts/secret.njk', { title: 'アカウントを作成しました', account: created.account, oneTimePassword: created.oneTimePassword });
    } catch (error) {
      if (!(error instanceof AccountError)) throw error;
      await kit.render(res, 'accounts/index.njk', { accounts: await listAccounts(kit.prisma), error: error.message, form: { login, role } }, 400);
    }
  });

  routes.get('/accounts/:id', admin, async (req, res) => {
    const account = await findAccount(kit.prisma, { id: uuidParam(req) });
    if (!account) throw new StaffHttpError(404, 'そのアカウントは見つかりません。一覧から選び直してください。');
    await kit.render(res, 'accounts/show.njk', { account, tokens: await listApiTokens(kit.prisma, account.id) });
  });

  for (const [action, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    routes.post(`/accounts/:id/${action}`, admin, async (req, res) => {
      const id = uuidParam(req);
      try {
        const { changed } = await setAccountDisabled(kit.prisma, id, disabled, who(res), kit.clock.now());
        await kit.flash(
          res,
          'success',
          changed
            ? disabled
              ? 'アカウントを無効にしました。サインイン中の画面とAPIトークンも使えなくなりました。'
              : 'アカウントを有効に戻しました。'
            : '変更はありません。',
        );
      } catch (error) {
        if (!(error instanceof AccountError)) throw error;
        await kit.flash(res, 'error', error.message);
      }
      kit.redirect(res, `/staff/accounts/${id}`);
    });
  }

  routes.post('/accounts/:id/reset-password', admin, async (req, res) => {
    const id = uuidParam(req);
    try {
      const reset = await resetPassword(kit.prisma, id, who(res), kit.clock.now());
      await kit.render(res, 'accounts/secret.njk', {
        title: 'パスワードをリセットしました',
        account: { id, login: reset.login },
        oneTimePassword: reset.oneTimePassword,
      });
    } catch (error) {
      if (!(error instanceof AccountError)) throw error;
      throw new StaffHttpError(404, error.message);
    }
  });

  routes.post('/accounts/:id/tokens', admin, async (req, res) => {
    const id = uuidParam(req);
    const label = formText(req, 'label', 100);
    try {
      const issued = await issueApiToken(kit.prisma, id, label, who(res), kit.clock.now());
      const account = await findAccount(kit.prisma, { id });
      await kit.render(res, 'accounts/secret.njk', { title: 'APIトークンを発行しました', account, token: issued.token });
    } catch (error) {
      if (!(error instanceof AccountError)) throw error;
      await kit.flash(res, 'error', error.message);
      kit.redirect(res, `/staff/accounts/${id}`);
    }
  });

  routes.post('/accounts/:id/tokens/:tokenId/revoke', admin, async (req, res) => {
    const id = uuidParam(req);
    const tokenId = uuidParam(req, 'tokenId');
    try {
      await revokeApiToken(kit.prisma, tokenId, who(res), kit.clock.now());
      await kit.flash(res, 'success', 'APIトークンを取り消しました。');
    } catch (error) {
      if (!(error instanceof AccountError)) throw error;
      await kit.flash(res, 'error', error.message);
    }
    kit.redirect(res, `/staff/accounts/${id}`);
  });
};
