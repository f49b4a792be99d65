/**
 * The internal staff API (mounted at /staff): the lifecycle operations over JSON until the staff
 * console puts buttons on them. A thin transport: it authenticates, validates with zod and calls
 * operations.ts. Disabled (404 to everything) unless STAFF_API_TOKEN is set; every request needs
 * `Authorization: Bearer <STAFF_API_TOKEN>`. It never returns decrypted personal data.
 */
import { describeError } from '../logger.ts';
import { createHash, timingSafeEqual } from 'node:crypto';
import express from 'express';
import type { NextFunction, Request, Response, Router } from 'express';
import { z } from 'zod';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { loadOfficeCalendar } from '../office-days.ts';
import { addDays, isJpDate, tokyoDateOf } from '../rules/index.ts';
import {
  AttendanceTooEarlyError,
  BookingNotFoundError,
  BookingStateError,
  InvalidMeetingUrlError,
  NoShowTooEarlyError,
  UserNotFoundError,
  cancelBookingByStaff,
  liftRefusal,
  recordAttendance,
  recordContacted,
  recordNoShow,
  setMeetingUrl,
  userStanding,
} from './operations.ts';
import { pushKinds } from './reminders.ts';

export interface StaffApiDeps {
  prisma: PrismaClient;
  clock: Clock;
  config: Config;
  logger: Logger;
}

/** A request the API cannot act on; answered 400 with `message`. */
class BadRequestError extends Error {
  override name = 'BadRequestError';
}

const jpDate = z.string().refine(isJpDate, 'expected YYYY-MM-DD');
const listQuery = z.object({ from: jpDate.optional(), to: jpDate.optional() });
const cancelBody = z.object({ reason: z.string().trim().min(1).max(500) });
const meetingUrlBody = z.object({ url: z.string().max(1000).nullable() });
const noBody = z.union([z.undefined(), z.object({}).loose()]);

/** Longest span GET /bookings lists at once. */
const maxListDays = 366;

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue?.path.join('.') ?? '';
    throw new BadRequestError(`invalid ${what}${field ? `: ${field}` : ''}${issue?.message ? ` (${issue.message})` : ''}`);
  }
  return result.data;
}

/** The staff API router; mount it with `app.use('/staff', createStaffRouter(deps))`. */
export function createStaffRouter(deps: StaffApiDeps): Router {
  const router = express.Router();
  const token = deps.config.STAFF_API_TOKEN;
  if (!token) {
    router.use((_req, res) => {
      res.status(404).json({ message: 'Not found' });
    });
    return router;
  }
  const expected = createHash('sha256').update(`Bearer ${token}`).digest();

  router.use((req, res, next) => {
    res.set('cache-control', 'no-store');
    const given = createHash('sha256').update(req.get('authorization') ?? '').digest();
    if (!timingSafeEqual(given, expected)) {
      res.set('www-authenticate', 'Bearer').status(401).json({ message: 'Unauthorized' });
      return;
    }
    next();
  });
  router.use(express.json({ limit: '10kb' }));

  const { prisma, clock, config, logger } = deps;
  const audit = (op: string, ids: Record<string, string>) => logger.info({ op, ...ids }, 'staff operation');

  router.get('/bookings', async (req, res) => {
    const query = parse(listQuery, req.query, 'query');
    const today = tokyoDateOf(clock.now());
    const from = query.from ?? today;
    const to = query.to ?? addDays(from, 60);
    if (to < from) throw new BadRequestError('invalid query: to is before from');
    if (to > addDays(from, maxListDays)) throw new BadRequestError(`invalid query: at most ${maxListDays} days at once`);
    const bookings = await prisma.booking.findMany({
      where: { date: { gte: from, lte: to } },
      orderBy: [{ startsAt: 'asc' }, { createdAt: 'asc' }],
      select: bookingSelect,
    });
    res.json({ from, to, bookings: bookings.map((booking) => bookingView(booking, config)) });
  });

  router.get('/bookings/:id', async (req, res) => {
    const booking = await prisma.booking.findUnique({ where: { id: req.params.id }, select: bookingSelect });
    if (!booking) throw new BookingNotFoundError(req.params.id);
    res.json(bookingView(booking, config));
  });

  router.post('/bookings/:id/cancel', async (req, res) => {
    const { reason } = parse(cancelBody, req.body, 'body');
    const bookingId = req.params.id;
    const result = await cancelBookingByStaff(prisma, bookingId, reason, clock.now());
    audit('cancel', { bookingId });
    res.json(result);
  });

  router.post('/bookings/:id/no-show', async (req, res) => {
    parse(noBody, req.body, 'body');
    const bookingId = req.params.id;
    const now = clock.now();
    const calendar = await loadOfficeCalendar(prisma, config, now);
    const result = await recordNoShow(prisma, bookingId, now, calendar, config.NO_SHOW_REFUSAL_THRESHOLD);
    audit('no-show', { bookingId });
    res.json(result);
  });

  router.post('/bookings/:id/attended', async (req, res) => {
    parse(noBody, req.body, 'body');
    const bookingId = req.params.id;
    const result = await recordAttendance(prisma, bookingId, clock.now());
    audit('attended', { bookingId });
    res.json(result);
  });

  router.post('/bookings/:id/contacted', async (req, res) => {
    parse(noBody, req.body, 'body');
    const bookingId = req.params.id;
    const result = await recordContacted(prisma, bookingId, clock.now());
    audit('contacted', { bookingId });
    res.json(result);
  });

  router.put('/bookings/:id/meeting-url', async (req, res) => {
    const { url } = parse(meetingUrlBody, req.body, 'body');
    const bookingId = req.params.id;
    const result = await setMeetingUrl(prisma, bookingId, url, clock.now());
    audit('meeting-url', { bookingId });
    res.json(result);
  });

  router.post('/users/:id/lift-refusal', async (req, res) => {
    parse(noBody, req.body, 'body');
    const userId = req.params.id;
    const standing = await liftRefusal(prisma, userId, clock.now());
    audit('lift-refusal', { userId });
    res.json(standing);
  });

  router.get('/users/:id', async (req, res) => {
    res.json(await userStanding(prisma, req.params.id));
  });

  router.use((_req, res) => {
    res.status(404).json({ message: 'Not found' });
  });

  // Express 5 forwards rejected promises here. Never echo request content back.
  router.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof BadRequestError) {
      res.status(400).json({ message: error.message });
    } else if (error instanceof InvalidMeetingUrlError) {
      res.status(400).json({ message: error.message });
    } else if (error instanceof BookingNotFoundError) {
      res.status(404).json({ message: 'Booking not found' });
    } else if (error instanceof UserNotFoundError) {
      res.status(404).json({ message: 'User not found' });
    } else if (error instanceof NoShowTooEarlyError || error instanceof AttendanceTooEarlyError) {
      res.status(409).json({ message: error.message, allowedFrom: error.allowedFrom.toISOString() });
    } else if (error instanceof BookingStateError) {
      res.status(409).json({ message: error.message, status: error.status });
    } else {
      const status = httpStatusOf(error);
      if (status === 413) {
        res.status(413).json({ message: 'Body too large' });
      } else if (status >= 400 && status < 500) {
        res.status(status).json({ message: 'Malformed request body' });
      } else {
        logger.error({ error: describeError(error) }, 'staff request failed');
        res.status(500).json({ message: 'Internal error' });
      }
    }
  });

  return router;
}

function httpStatusOf(error: unknown): number {
  return typeof error === 'object' && error !== null && 'status' in error && typeof error.status === 'number' ? error.status : 500;
}

// Only columns without personal data: the encrypted fields are never read here.
const bookingSelect = {
  id: true,
  userId: true,
  date: true,
  startTime: true,
  startsAt: true,
  status: true,
  attendant: true,
  attendantLanguage: true,
  phoneChanged: true,
  meetingUrl: true,
  createdAt: true,
  cancelledAt: true,
  cancelledBy: true,
  cancelReason: true,
  outcomeRecordedAt: true,
  user: { select: { unfollowedAt: true, refusedAt: true, noShowCount: true } },
  pushes: { select: { kind: true, status: true, dueAt: true, sentAt: true, attempts: true, lastError: true } },
} as const;

type BookingRow = {
  id: string;
  userId: string;
  date: string;
  startTime: string;
  startsAt: Date;
  status: string;
  attendant: string;
  attendantLanguage: string | null;
  phoneChanged: boolean;
  meetingUrl: string | null;
  createdAt: Date;
  cancelledAt: Date | null;
  cancelledBy: string | null;
  cancelReason: string | null;
  outcomeRecordedAt: Date | null;
  user: { unfollowedAt: Date | null; refusedAt: Date | null; noShowCount: number };
  pushes: { kind: string; status: string; dueAt: Date; sentAt: Date | null; attempts: number; lastError: string | null }[];
};

/**
 * What staff see of a booking, with the flags that ask for their attention:
 * meeting-url-missing (no URL and no default: the reminder waits), reminder-failed,
 * notice-failed, unfollowed (no pushes reach the user), phone-changed, user-refused.
 */
function bookingView(booking: BookingRow, config: Config) {
  const reminder = booking.pushes.find((push) => push.kind === pushKinds.reminder) ?? null;
  const notices = booking.pushes.filter((push) => push.kind !== pushKinds.reminder);
  const active = booking.status === 'confirmed' || booking.status === 'contacted';
  const flags: string[] = [];
  if (reminder?.status === 'held' || (active && !booking.meetingUrl && !config.DEFAULT_MEETING_URL && reminder?.status !== 'sent')) flags.push('meeting-url-missing');
  if (reminder?.status === 'failed') flags.push('reminder-failed');
  if (notices.some((push) => push.status === 'failed')) flags.push('notice-failed');
  if (booking.user.unfollowedAt !== null) flags.push('unfollowed');
  if (booking.phoneChanged) flags.push('phone-changed');
  if (booking.user.refusedAt !== null) flags.push('user-refused');
  const { user, pushes: _pushes, ...fields } = booking;
  return {
    ...fields,
    meetingUrlSource: booking.meetingUrl ? 'booking' : config.DEFAULT_MEETING_URL ? 'default' : null,
    userNoShowCount: user.noShowCount,
    reminder,
    notices,
    flags,
  };
}
