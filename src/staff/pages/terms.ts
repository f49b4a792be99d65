/**
 * 利用規約 (admin): the versions of the terms of use; a new version as a draft (full text,
 * label, effective date in the future, change summary, card summary); its preview — the
 * announcement in both variants and the consent card, as users will see them, and how many
 * followers it will reach — and its publication, which starts the announcement. Audited.
 */
import type { Request } from 'express';
import type { PageModule, StaffPageKit } from '../console.ts';
import { formText } from '../forms.ts';
import { StaffHttpError } from '../routes.ts';
import { createTermsDraft, deleteTermsDraft, listTermsVersions, termsLimits, TermsVersionError } from '../../terms/versions.ts';
import type { TermsDraftInput } from '../../terms/versions.ts';
import { publishTermsVersion, termsAnnouncementMessages } from '../../announcements/publish.ts';
import { AnnouncementContentError } from '../../announcements/messages.ts';
import { consentCardMessages, previewOf } from '../../announcements/preview.ts';
import { tokyoDateOf, addDays } from '../../rules/index.ts';
import { copy } from '../../wording/chat.ts';
import { upcomingStatuses } from '../../booking/status.ts';

const admin = { role: 'admin' } as const;

/** A terms version id in the path (a positive integer), or 404. */
export function termsIdParam(req: Request): number {
  const value = req.params.id;
  const id = typeof value === 'string' && /^[1-9]\d{0,9}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(id) || id > 2_147_483_647) throw new StaffHttpError(404, 'その版は見つかりません。利用規約の一覧から選び直してください。');
  return id;
}

/** The office as messages quote it. */
export const officeWordingOf = (kit: StaffPageKit) => ({
  officeName: kit.config.OFFICE_NAME,
  officePhone: kit.config.OFFICE_PHONE,
  officePhoneHours: kit.config.OFFICE_PHONE_HOURS,
});

export const termsPages: PageModule = (routes, kit) => {
  const office = () => officeWordingOf(kit);
  const dialogueOffice = () => ({
    ...office(),
    idleMinutes: kit.config.CONVERSATION_IDLE_MINUTES,
    horizonDays: kit.config.BOOKING_HORIZON_DAYS,
    maxActiveBookings: kit.config.MAX_ACTIVE_BOOKINGS,
    retentionDays: kit.config.PERSONAL_DATA_RETENTION_DAYS,
  });

  routes.get('/terms', admin, async (_req, res) => {
    const now = kit.clock.now();
    const all = await listTermsVersions(kit.prisma);
    const inForce = all.find((v) => v.status === 'published' && v.effectiveAt.getTime() <= now.getTime());
    const standing = (v: (typeof all)[number]) =>
      v.status === 'draft' ? 'draft' : v.id === inForce?.id ? 'current' : v.effectiveAt.getTime() > now.getTime() ? 'upcoming' : 'past';
    const versions = all.map((v) => ({ ...v, effectiveDate: tokyoDateOf(v.effectiveAt), standing: standing(v) }));
    await kit.render(res, 'terms/index.njk', { versions, publicBaseUrl: kit.config.PUBLIC_BASE_URL });
  });

  routes.get('/terms/new', admin, async (_req, res) => {
    await kit.render(res, 'terms/new.njk', {
      form: {},
      limits: termsLimits,
      earliest: addDays(tokyoDateOf(kit.clock.now()), 1),
      defaultLineNotice: copy.lineNotice,
    });
  });

  routes.post('/terms', admin, async (req, res) => {
    const form: TermsDraftInput = {
      label: formText(req, 'label', 200),
      effectiveDate: formText(req, 'effectiveDate', 20),
      title: formText(req, 'title', 200),
      changeSummary: formText(req, 'changeSummary', 5000),
      cardSummary: formText(req, 'cardSummary', 5000),
      lineNoticeWording: formText(req, 'lineNoticeWording', 1000),
      body: formText(req, 'body', termsLimits.body + 1000),
    };
    try {
      const draft = await kit.prisma.$transaction(async (tx) => {
        const created = await createTermsDraft(tx, form, kit.clock.now());
        await kit.audit(res, { action: 'terms.draft.create', targetType: 'terms', targetId: String(created.id), detail: { version: created.version } }, tx);
        return created;
      });
      await kit.flash(res, 'success', '下書きを保存しました。利用者への見え方を確かめてから公開してください。');
      kit.redirect(res, `/staff/terms/${draft.id}`);
    } catch (error) {
      if (!(error instanceof TermsVersionError)) throw error;
      await kit.render(
        res,
        'terms/new.njk',
        {
          form,
          error: error.message,
          errorField: error.field,
          limits: termsLimits,
          earliest: addDays(tokyoDateOf(kit.clock.now()), 1),
          defaultLineNotice: copy.lineNotice,
        },
        400,
      );
    }
  });

  routes.get(
    '/terms/:id',
    admin,
    async (req, res) => {
      const terms = await kit.prisma.termsVersion.findUnique({ where: { id: termsIdParam(req) } });
      if (!terms) throw new StaffHttpError(404, 'その版は見つかりません。利用規約の一覧から選び直してください。');
      const effectiveDate = tokyoDateOf(terms.effectiveAt);
      let announcement: ReturnType<typeof termsAnnouncementMessages> | undefined;
      let announcementError: string | undefined;
      try {
        announcement = termsAnnouncementMessages(terms, { office: office(), publicBaseUrl: kit.config.PUBLIC_BASE_URL });
      } catch (error) {
        if (!(error instanceof AnnouncementContentError)) throw error;
        announcementError = error.message;
      }
      const [followers, booked] = await Promise.all([
        kit.prisma.lineUser.count({ where: { unfollowedAt: null } }),
        kit.prisma.lineUser.count({
          where: { unfollowedAt: null, bookings: { some: { status: { in: [...upcomingStatuses] }, date: { gte: effectiveDate } } } },
        }),
      ]);
      const announcements = await kit.prisma.announcement.findMany({
        where: { termsVersionId: terms.id },
        orderBy: { createdAt: 'desc' },
        select: { id: true, status: true, createdAt: true },
      });
      await kit.render(res, 'terms/show.njk', {
        terms: { ...terms, effectiveDate },
        publishable: terms.status === 'draft' && effectiveDate > tokyoDateOf(kit.clock.now()),
        previews: announcement ? { all: previewOf(announcement.all), booked: previewOf(announcement.booked) } : null,
        announcementError,
        card: previewOf(consentCardMessages(terms, dialogueOffice(), kit.config.PUBLIC_BASE_URL, true)),
        newUserCard: previewOf(consentCardMessages(terms, dialogueOffice(), kit.config.PUBLIC_BASE_URL, false)),
        recipients: { all: followers - booked, booked, total: followers },
        announcements,
        publicBaseUrl: kit.config.PUBLIC_BASE_URL,
        defaultLineNotice: copy.lineNotice,
      });
    },
    { id: '1' },
  );

  routes.post(
    '/terms/:id/publish',
    admin,
    async (req, res) => {
      const id = termsIdParam(req);
      try {
        const published = await publishTermsVersion(kit.prisma, id, {
          now: kit.clock.now(),
          office: office(),
          publicBaseUrl: kit.config.PUBLIC_BASE_URL,
          by: kit.actor(res).login,
        });
        await kit.audit(res, {
          action: 'terms.publish',
          targetType: 'terms',
          targetId: String(id),
          detail: { announcementId: published.announcement.id, recipients: published.recipients, batches: published.batches },
        });
        await kit.flash(res, 'success', `公開しました。友だち ${published.recipients} 人へのお知らせを送信しています。`);
        kit.redirect(res, `/staff/announcements/${published.announcement.id}`);
      } catch (error) {
        if (!(error instanceof TermsVersionError) && !(error instanceof AnnouncementContentError)) throw error;
        await kit.flash(res, 'error', error.message);
        kit.redirect(res, `/staff/terms/${id}`);
      }
    },
    { id: '1' },
  );

  routes.post(
    '/terms/:id/delete',
    admin,
    async (req, res) => {
      const id = termsIdParam(req);
      if (await deleteTermsDraft(kit.prisma, id)) {
        await kit.audit(res, { action: 'terms.draft.delete', targetType: 'terms', targetId: String(id) });
        await kit.flash(res, 'success', '下書きを削除しました。');
        kit.redirect(res, '/staff/terms');
        return;
      }
      await kit.flash(res, 'error', '公開済みの版は削除できません（同意の記録が参照しています）。');
      kit.redirect(res, `/staff/terms/${id}`);
    },
    { id: '1' },
  );
};
