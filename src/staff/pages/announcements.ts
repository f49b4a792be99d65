/**
 * お知らせ (admin): every announcement (terms changes and office notices) with its progress —
 * sent, pending and failed recipients — refreshed while it runs (a Refresh header, no script);
 * one announcement's messages, LINE's errors per batch, pause, resume and re-queueing failed
 * batches; and a new office notice to every follower or to the users booked in a date range:
 * written, previewed with its number of recipients, then sent. Audited.
 */
import type { Response } from 'express';
import type { PageModule } from '../console.ts';
import { formText, uuidParam } from '../forms.ts';
import { StaffHttpError } from '../routes.ts';
import { AnnouncementInputError, audiences, countNoticeRecipients, createOfficeNotice, validateOfficeNotice } from '../../announcements/publish.ts';
import { officeNoticeMessages, noticeBodyMaxLength } from '../../announcements/messages.ts';
import type { Message } from '../../line/messages.ts';
import { announcementProgress, batchErrors, listAnnouncements, pauseAnnouncement, resumeAnnouncement, retryFailedBatches } from '../../announcements/sender.ts';
import { previewOf } from '../../announcements/preview.ts';
import { officeWordingOf } from './terms.ts';

const admin = { role: 'admin' } as const;
/** Seconds between refreshes of a page whose announcement is still going out. */
const refreshSeconds = 3;

export const announcementPages: PageModule = (routes, kit) => {
  const noticeForm = (req: Parameters<typeof formText>[0]) => ({
    title: formText(req, 'title', 200),
    body: formText(req, 'body', noticeBodyMaxLength + 500),
    audience: formText(req, 'audience', 40),
    rangeFrom: formText(req, 'rangeFrom', 20),
    rangeTo: formText(req, 'rangeTo', 20),
  });
  const refreshWhile = (res: Response, running: boolean) => {
    if (running) res.set('refresh', String(refreshSeconds));
  };

  routes.get('/announcements', admin, async (_req, res) => {
    const announcements = await listAnnouncements(kit.prisma);
    refreshWhile(
      res,
      announcements.some((a) => a.status === 'sending'),
    );
    await kit.render(res, 'announcements/index.njk', { announcements, refreshSeconds });
  });

  routes.get('/announcements/new-notice', admin, async (_req, res) => {
    await kit.render(res, 'announcements/notice-new.njk', { form: { audience: audiences.allFollowers }, maxLength: noticeBodyMaxLength });
  });

  routes.post('/announcements/notice-preview', admin, async (req, res) => {
    const form = noticeForm(req);
    try {
      const notice = validateOfficeNotice(form);
      const recipients = await countNoticeRecipients(kit.prisma, notice);
      await kit.render(res, 'announcements/notice-preview.njk', {
        form: notice,
        recipients,
        preview: previewOf(officeNoticeMessages(notice.body, officeWordingOf(kit))),
      });
    } catch (error) {
      if (!(error instanceof AnnouncementInputError)) throw error;
      await kit.render(res, 'announcements/notice-new.njk', { form, error: error.message, errorField: error.field, maxLength: noticeBodyMaxLength }, 400);
    }
  });

  routes.post('/announcements/notices', admin, async (req, res) => {
    const form = noticeForm(req);
    try {
      const created = await createOfficeNotice(kit.prisma, form, {
        now: kit.clock.now(),
        office: officeWordingOf(kit),
        publicBaseUrl: kit.config.PUBLIC_BASE_URL,
        by: kit.actor(res).login,
      });
      await kit.audit(res, {
        action: 'announcement.notice.send',
        targetType: 'announcement',
        targetId: created.announcement.id,
        detail: {
          audience: created.announcement.audience,
          rangeFrom: created.announcement.rangeFrom,
          rangeTo: created.announcement.rangeTo,
          recipients: created.recipients,
        },
      });
      await kit.flash(res, 'success', `お知らせを ${created.recipients} 人へ送信しています。`);
      kit.redirect(res, `/staff/announcements/${created.announcement.id}`);
    } catch (error) {
      if (!(error instanceof AnnouncementInputError)) throw error;
      await kit.render(res, 'announcements/notice-new.njk', { form, error: error.message, errorField: error.field, maxLength: noticeBodyMaxLength }, 400);
    }
  });

  routes.get('/announcements/:id', admin, async (req, res) => {
    const id = uuidParam(req);
    const announcement = await kit.prisma.announcement.findUnique({
      where: { id },
      include: { termsVersion: { select: { id: true, version: true, label: true } } },
    });
    if (!announcement) throw new StaffHttpError(404, 'そのお知らせは見つかりません。お知らせの一覧から選び直してください。');
    const progress = (await announcementProgress(kit.prisma, [id])).get(id);
    const messages = announcement.messages as unknown as Record<string, Message[]>;
    refreshWhile(res, announcement.status === 'sending');
    await kit.render(res, 'announcements/show.njk', {
      announcement,
      progress,
      errors: await batchErrors(kit.prisma, id),
      previews: Object.entries(messages).map(([variant, list]) => ({ variant, messages: previewOf(list) })),
      refreshSeconds,
    });
  });

  const action = (path: string, code: string, run: (id: string) => Promise<boolean | number>, done: string, nothing: string) => {
    routes.post(`/announcements/:id/${path}`, admin, async (req, res) => {
      const id = uuidParam(req);
      const result = await run(id);
      const changed = typeof result === 'number' ? result > 0 : result;
      if (changed)
        await kit.audit(res, {
          action: code,
          targetType: 'announcement',
          targetId: id,
          ...(typeof result === 'number' ? { detail: { batches: result } } : {}),
        });
      await kit.flash(res, changed ? 'success' : 'error', changed ? done : nothing);
      kit.redirect(res, `/staff/announcements/${id}`);
    });
  };
  action(
    'pause',
    'announcement.pause',
    (id) => pauseAnnouncement(kit.prisma, id),
    '一時停止しました。送信中の分が終わると止まります。',
    '送信中ではないため、一時停止できません。',
  );
  action(
    'resume',
    'announcement.resume',
    (id) => resumeAnnouncement(kit.prisma, id, kit.clock.now()),
    '再開しました。止まったところから送信を続けます。',
    '一時停止中ではないため、再開できません。',
  );
  action(
    'retry',
    'announcement.retry-failed',
    (id) => retryFailedBatches(kit.prisma, id, kit.clock.now()),
    '失敗した分をもう一度送信します（すでに届いている分は重ねて届きません）。',
    'もう一度送る失敗分はありません。',
  );
};
