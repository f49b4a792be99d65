/**
 * 利用者 (staff and admins): find a job seeker by their whole name or job-seeker number (keyed
 * hashes, src/staff/users/search.ts), see their bookings and standing, lift a refusal, suspend
 * online booking for an act of Art. 12 and lift it, and carry out an erasure request. Users are
 * named in URLs by their random staff reference (src/staff/users/records.ts); a link with a LINE
 * user id (from a booking page) is redirected to it.
 */
import type { Request } from 'express';
import type { PageModule, StaffPageKit } from '../console.ts';
import { formText, queryText } from '../forms.ts';
import { StaffHttpError } from '../routes.ts';
import { createSearchHasher } from '../../crypto/search-hash.ts';
import { SEARCH_RESULT_LIMIT, searchUsers } from '../users/search.ts';
import { loadUserRecord, refOfUserId, staffRefPattern, userIdOfRef } from '../users/records.ts';
import { isSuspensionReason, liftSuspension, suspendUser, suspensionReasons, SUSPENSION_NOTE_MAX } from '../users/suspension.ts';
import { liftRefusal } from '../../lifecycle/operations.ts';
import { eraseUserPersonalData } from '../../lifecycle/retention.ts';
import { tokyoDateOf } from '../../rules/index.ts';
import { cancelledByLabels, statusLabels } from '../bookings-data.ts';

const exampleRef = { ref: '0123456789abcdef0123456789abcdef' };
const notFound = () => new StaffHttpError(404, '指定された利用者が見つかりません。利用者の検索からやり直してください。');

/** The LINE user id behind the `:ref` of the URL, or a 404 page. */
async function userOf(req: Request, kit: StaffPageKit): Promise<{ ref: string; userId: string }> {
  const ref = req.params.ref;
  if (typeof ref !== 'string' || !staffRefPattern.test(ref)) throw notFound();
  const userId = await userIdOfRef(kit.prisma, ref);
  if (!userId) throw notFound();
  return { ref, userId };
}

export const userPages: PageModule = (routes, kit) => {
  routes.get('/users', { role: 'staff' }, async (req, res) => {
    const q = queryText(req, 'q', 200).trim();
    if (q === '') {
      await kit.render(res, 'users/index.njk', { q, searched: false, users: [], limit: SEARCH_RESULT_LIMIT });
      return;
    }
    const result = await searchUsers(kit.prisma, createSearchHasher(kit.cipher), q);
    // Who looked for someone is audited; what was typed is not (it is a name or a number).
    await kit.audit(res, { action: 'user.search', targetType: 'user', detail: { kind: result.query, results: result.users.length } });
    await kit.render(res, 'users/index.njk', { q, searched: true, kind: result.query, users: result.users, limit: SEARCH_RESULT_LIMIT });
  });

  routes.get(
    '/users/:ref',
    { role: 'staff' },
    async (req, res) => {
      const param = req.params.ref;
      // A link from a booking page carries the LINE user id: go to the user's own URL.
      if (typeof param === 'string' && /^U[0-9a-f]{32}$/.test(param)) {
        const ref = await refOfUserId(kit.prisma, param);
        if (!ref) throw notFound();
        kit.redirect(res, `/staff/users/${ref}`);
        return;
      }
      const now = kit.clock.now();
      const record = typeof param === 'string' ? await loadUserRecord(kit.prisma, param, kit.cipher, tokyoDateOf(now)) : null;
      if (!record) throw notFound();
      await kit.audit(res, { action: 'user.view', targetType: 'user', targetId: record.ref, detail: { bookings: record.bookings.length } });
      await kit.render(res, 'users/show.njk', {
        user: record,
        statusLabels,
        cancelledByLabels,
        suspensionReasons: Object.entries(suspensionReasons).map(([value, label]) => ({ value, label })),
        noteMax: SUSPENSION_NOTE_MAX,
        threshold: kit.config.NO_SHOW_REFUSAL_THRESHOLD,
      });
    },
    exampleRef,
  );

  routes.post(
    '/users/:ref/suspend',
    { role: 'staff' },
    async (req, res) => {
      const { ref, userId } = await userOf(req, kit);
      const reason = formText(req, 'reason', 20);
      const note = formText(req, 'note', SUSPENSION_NOTE_MAX * 2);
      if (!isSuspensionReason(reason)) {
        await kit.flash(res, 'error', '停止の理由（利用規約 第12条のどれにあたるか）を選んでから、もう一度「利用を停止する」を押してください。');
        kit.redirect(res, `/staff/users/${ref}#suspend`);
        return;
      }
      if ([...note.trim()].length > SUSPENSION_NOTE_MAX) {
        await kit.flash(res, 'error', `メモは${SUSPENSION_NOTE_MAX}文字以内にしてください。短くしてから、もう一度送信してください。`);
        kit.redirect(res, `/staff/users/${ref}#suspend`);
        return;
      }
      await suspendUser(kit.prisma, { userId, reason, note, now: kit.clock.now() }, kit.cipher, (tx) =>
        kit.audit(res, { action: 'user.suspend', targetType: 'user', targetId: ref, detail: { reason } }, tx),
      );
      await kit.flash(res, 'success', 'オンライン予約の利用を停止しました。本人が予約しようとすると、電話で問い合わせるよう案内されます。');
      kit.redirect(res, `/staff/users/${ref}`);
    },
    exampleRef,
  );

  routes.post(
    '/users/:ref/unsuspend',
    { role: 'staff' },
    async (req, res) => {
      const { ref, userId } = await userOf(req, kit);
      const result = await liftSuspension(kit.prisma, { userId, now: kit.clock.now() }, (tx) =>
        kit.audit(res, { action: 'user.unsuspend', targetType: 'user', targetId: ref }, tx),
      );
      await kit.flash(
        res,
        result.changed ? 'success' : 'info',
        result.changed ? '利用停止を解除しました。オンラインで予約できるようになります。' : 'この利用者は利用停止になっていません。',
      );
      kit.redirect(res, `/staff/users/${ref}`);
    },
    exampleRef,
  );

  routes.post(
    '/users/:ref/lift-refusal',
    { role: 'staff' },
    async (req, res) => {
      const { ref, userId } = await userOf(req, kit);
      const before = await kit.prisma.lineUser.findUniqueOrThrow({ where: { id: userId }, select: { refusedAt: true } });
      await liftRefusal(kit.prisma, userId, kit.clock.now());
      await kit.audit(res, { action: 'user.lift-refusal', targetType: 'user', targetId: ref, detail: { wasRefused: before.refusedAt !== null } });
      await kit.flash(res, 'success', '予約のお断りを解除しました。これまでの無断キャンセルは、お断りの回数に数えません。');
      kit.redirect(res, `/staff/users/${ref}`);
    },
    exampleRef,
  );

  routes.post(
    '/users/:ref/erase',
    { role: 'staff' },
    async (req, res) => {
      const { ref, userId } = await userOf(req, kit);
      const user = await kit.prisma.lineUser.findUniqueOrThrow({ where: { id: userId }, select: { erasureRequestedAt: true } });
      if (user.erasureRequestedAt === null) {
        await kit.flash(res, 'error', 'この利用者からデータ削除の依頼はありません。依頼があったときだけ実行できます。');
        kit.redirect(res, `/staff/users/${ref}`);
        return;
      }
      if (formText(req, 'confirm', 10) !== 'yes') {
        await kit.flash(res, 'error', '「削除してよいことを確認しました」にチェックを入れてから、もう一度「データ削除を実行」を押してください。');
        kit.redirect(res, `/staff/users/${ref}#erase`);
        return;
      }
      const { bookingsErased } = await eraseUserPersonalData(kit.prisma, { userId, now: kit.clock.now() });
      await kit.audit(res, { action: 'user.erase', targetType: 'user', targetId: ref, detail: { bookingsErased } });
      await kit.flash(res, 'success', `個人データを削除しました（予約${bookingsErased}件）。これからの予約は、相談が終わるまで残ります。`);
      kit.redirect(res, `/staff/users/${ref}`);
    },
    exampleRef,
  );
};
