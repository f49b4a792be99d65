/**
 * 監査ログ (admin): the append-only log, newest first, filtered by day range, action, person or
 * target id, 100 entries a page. It shows ids and codes only — the log holds no personal data.
 */
import type { PageModule } from '../console.ts';
import { queryText } from '../forms.ts';
import { listAudit } from '../audit.ts';
import { addDays, isJpDate, tokyoDateOf, tokyoInstant } from '../../rules/index.ts';
import { listAccounts } from '../accounts.ts';

const pageSize = 100;

export const auditPages: PageModule = (routes, kit) => {
  routes.get('/audit', { role: 'admin' }, async (req, res) => {
    const today = tokyoDateOf(kit.clock.now());
    const fromText = queryText(req, 'from');
    const toText = queryText(req, 'to');
    const from = isJpDate(fromText) ? fromText : addDays(today, -7);
    const to = isJpDate(toText) && toText >= from ? toText : today;
    const action = /^[a-z.-]{1,40}$/.test(queryText(req, 'action')) ? queryText(req, 'action') : '';
    const staffId = /^[0-9a-f-]{36}$/.test(queryText(req, 'staff')) ? queryText(req, 'staff') : '';
    const targetId = /^[A-Za-z0-9-]{1,64}$/.test(queryText(req, 'target')) ? queryText(req, 'target') : '';
    const before = Number(queryText(req, 'before'));
    const entries = await listAudit(kit.prisma, {
      from: tokyoInstant(from, '00:00'),
      to: tokyoInstant(addDays(to, 1), '00:00'),
      ...(action ? { action } : {}),
      ...(staffId ? { staffId } : {}),
      ...(targetId ? { targetId } : {}),
      ...(Number.isInteger(before) && before > 0 ? { beforeId: before } : {}),
      limit: pageSize + 1,
    });
    const more = entries.length > pageSize;
    const shown = entries.slice(0, pageSize).map((entry) => ({ ...entry, detailText: entry.detail ? JSON.stringify(entry.detail) : '' }));
    await kit.audit(res, { action: 'audit.view', targetType: 'list', detail: { from, to } });
    await kit.render(res, 'audit/index.njk', {
      entries: shown,
      filter: { from, to, action, staff: staffId, target: targetId },
      accounts: await listAccounts(kit.prisma),
      nextBefore: more ? shown[shown.length - 1]?.id : null,
    });
  });
};
