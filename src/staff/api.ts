/**
 * The staff JSON API (mounted at /staff/api), for integration: the lifecycle operations over
 * JSON. A thin transport: it authenticates, validates with zod and calls operations.ts. Every
 * request needs `Authorization: Bearer <token>`, a per-person token issued by an admin on the
 * accounts page; the request acts with that person's role and every change is audited as them.
 * It never returns decrypted personal data. Malformed ids answer 404, malformed bodies 400.
 */
import { describeError } from '../logger.ts';
import express from 'express';
import type { NextFunction, Request, Response, Router } from 'express';
import { z } from 'zod';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { loadOfficeCalendar } from '../office-days.ts';
import { addDays, isJpDate, tokyoDateOf } from '../rules/index.ts';
import { BookingError, isBookingError, isUpcomingStatus } from '../booking/status.ts';
import type { BookingStatus } from '../booking/status.ts';
import { cancelBookingByStaff, liftRefusal, recordAttendance, recordContacted, recordNoShow, setMeetingUrl, userStanding } from '../lifecycle/operations.ts';
import { pushKinds } from '../lifecycle/reminders.ts';
import { accountForApiToken, roleAllows } from './accounts.ts';
import type { Role } from './accounts.ts';
import { writeAudit } from './audit.ts';
import type { RouteInfo } from './routes.ts';

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
const cancelBody = z.object({ reason: z.string().trim().min(1).max(500), by: z.enum(['user-phone', 'office']).default('user-phone') });
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

type ApiCaller = { staffId: string; login: string; role: string };

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const lineUserPattern = /^U[0-9a-f]{32}$/;

/** The staff API router and its route table; the console mounts it at /staff/api. */
export function createStaffApiRouter(deps: StaffApiDeps): { router: Router; routes: RouteInfo[] } {
  const router = express.Router();
  const table: RouteInfo[] = [];
  const { prisma, clock, config, logger } = deps;

  // Who is calling: a live per-person token, or 401 for every path (no route enumeration).
  router.use(async (req, res, next) => {
    res.set('cache-control', 'no-store');
    const match = /^Bearer ([A-Za-z0-9_-]{1,100})$/.exec(req.get('authorization') ?? '');
    const caller = match?.[1] ? await accountForApiToken(prisma, match[1], clock.now()) : null;
    if (!caller) {
      res.set('www-authenticate', 'Bearer').status(401).json({ message: 'Unauthorized' });
      return;
    }
    (res.locals as { apiCaller?: ApiCaller }).apiCaller = caller;
    next();
  });
  router.use(express.json({ limit: '10kb' }));

  const callerOf = (res: Response): ApiCaller => {
    const caller = (res.locals as { apiCaller?: ApiCaller }).apiCaller;
    if (!caller) throw new Error('no API caller');
    return caller;
  };
  const route = (method: 'GET' | 'POST' | 'PUT', path: string, role: Role, handler: (req: Request, res: Response) => Promise<void>) => {
    table.push({ method, path: `/staff/api${path}`, access: { role } });
    const guard = (req: Request, res: Response, next: NextFunction) => {
      if (!roleAllows(callerOf(res).role, role)) {
        res.status(403).json({ message: 'Forbidden' });
        return;
      }
      for (const [name, value] of Object.entries(req.params as Record<string, string>)) {
        const valid = name === 'id' && path.startsWith('/users') ? lineUserPattern.test(value) : uuidPattern.test(value);
        if (!valid) {
          res.status(404).json({ message: name === 'id' && path.startsWith('/users') ? 'User not found' : 'Booking not found' });
          return;
        }
      }
      next();
    };
    if (method === 'GET') router.get(path, guard, handler);
    else if (method === 'POST') router.post(path, guard, handler);
    else router.put(path, guard, handler);
  };
  const audit = async (res: Response, action: string, target: { targetType: 'booking' | 'user'; targetId: string }) => {
    const caller = callerOf(res);
    await writeAudit(prisma, { staffId: caller.staffId, login: caller.login }, 'api', { action, ...target }, clock.now());
  };

  route('GET', '/bookings', 'staff', async (req, res) => {
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

  route('GET', '/bookings/:id', 'staff', async (req, res) => {
    const booking = await prisma.booking.findUnique({ where: { id: paramOf(req) }, select: bookingSelect });
    if (!booking) throw new BookingError('not-found', { bookingId: paramOf(req) });
    res.json(bookingView(booking, config));
  });

  route('POST', '/bookings/:id/cancel', 'staff', async (req, res) => {
    const { reason, by } = parse(cancelBody, req.body, 'body');
    const bookingId = paramOf(req);
    const result = await cancelBookingByStaff(prisma, bookingId, reason, clock.now(), by);
    await audit(res, 'booking.cancel', { targetType: 'booking', targetId: bookingId });
    res.json(result);
  });

  route('POST', '/bookings/:id/no-show', 'staff', async (req, res) => {
    parse(noBody, req.body, 'body');
    const bookingId = paramOf(req);
    const now = clock.now();
    const calendar = await loadOfficeCalendar(prisma, config, now);
    const result = await recordNoShow(prisma, bookingId, now, calendar, config.NO_SHOW_REFUSAL_THRESHOLD);
    await audit(res, 'booking.no-show', { targetType: 'booking', targetId: bookingId });
    res.json(result);
  });

  route('POST', '/bookings/:id/attended', 'staff', async (req, res) => {
    parse(noBody, req.body, 'body');
    const bookingId = paramOf(req);
    const result = await recordAttendance(prisma, bookingId, clock.now());
    await audit(res, 'booking.attended', { targetType: 'booking', targetId: bookingId });
    res.json(result);
  });

  route('POST', '/bookings/:id/contacted', 'staff', async (req, res) => {
    parse(noBody, req.body, 'body');
    const bookingId = paramOf(req);
    const result = await recordContacted(prisma, bookingId, clock.now());
    await audit(res, 'booking.contacted', { targetType: 'booking', targetId: bookingId });
    res.json(result);
  });

  route('PUT', '/bookings/:id/meeting-url', 'staff', async (req, res) => {
    const { url } = parse(meetingUrlBody, req.body, 'body');
    const bookingId = paramOf(req);
    const result = await setMeetingUrl(prisma, bookingId, url, clock.now());
    await audit(res, 'booking.meeting-url', { targetType: 'booking', targetId: bookingId });
    res.json(result);
  });

  route('POST', '/users/:id/lift-refusal', 'staff', async (req, res) => {
    parse(noBody, req.body, 'body');
    const userId = paramOf(req);
    const standing = await liftRefusal(prisma, userId, clock.now());
    await audit(res, 'user.lift-refusal', { targetType: 'user', targetId: userId });
    res.json(standing);
  });

  route('GET', '/users/:id', 'staff', async (req, res) => {
    res.json(await userStanding(prisma, paramOf(req)));
  });

  router.use((_req, res) => {
    res.status(404).json({ message: 'Not found' });
  });

  // Express 5 forwards rejected promises here. Never echo request content back.
  router.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof BadRequestError) {
      res.status(400).json({ message: error.message });
    } else if (isBookingError(error)) {
      const { status, body } = apiRefusal(error);
      res.status(status).json({ code: error.code, ...body });
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

  return { router, routes: table };
}

/** A path parameter as one string (express types allow arrays for wildcards). */
/** A refused booking operation as the API answers it: the HTTP status and what the caller needs. */
function apiRefusal(error: BookingError): { status: number; body: Record<string, string> } {
  if (isBookingError(error, 'not-found')) return { status: 404, body: { message: 'Booking not found' } };
  if (isBookingError(error, 'user-not-found')) return { status: 404, body: { message: 'User not found' } };
  if (isBookingError(error, 'too-early')) return { status: 409, body: { message: error.message, allowedFrom: error.details.allowedFrom.toISOString() } };
  if (isBookingError(error, 'wrong-status')) return { status: 409, body: { message: error.message, status: error.details.status } };
  if (isBookingError(error, 'chat-cancellation-closed'))
    return { status: 409, body: { message: error.message, closedAt: error.details.closedAt.toISOString() } };
  if (isBookingError(error, 'slot-unavailable')) return { status: 409, body: { message: error.message } };
  // 'invalid-meeting-url', 'invalid-staff-message': the request itself cannot be carried out.
  return { status: 400, body: { message: error.message } };
}

function paramOf(req: Request, name = 'id'): string {
  const value: unknown = (req.params as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : '';
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
  user: { select: { unfollowedAt: true, refusedAt: true, noShowCount: true, suspendedAt: true } },
  pushes: { select: { kind: true, status: true, dueAt: true, sentAt: true, attempts: true, lastError: true } },
} as const;

type BookingRow = {
  id: string;
  userId: string;
  date: string;
  startTime: string;
  startsAt: Date;
  status: BookingStatus;
  attendant: string;
  attendantLanguage: string | null;
  phoneChanged: boolean;
  meetingUrl: string | null;
  createdAt: Date;
  cancelledAt: Date | null;
  cancelledBy: string | null;
  cancelReason: string | null;
  outcomeRecordedAt: Date | null;
  user: { unfollowedAt: Date | null; refusedAt: Date | null; noShowCount: number; suspendedAt: Date | null };
  pushes: { kind: string; status: string; dueAt: Date; sentAt: Date | null; attempts: number; lastError: string | null }[];
};

/**
 * What staff see of a booking, with the flags that ask for their attention:
 * meeting-url-missing (no URL and no default: the reminder waits), reminder-failed,
 * notice-failed, unfollowed (no pushes reach the user), phone-changed, user-refused,
 * user-suspended (Art. 12) — the same flags as the console's list.
 */
function bookingView(booking: BookingRow, config: Config) {
  const reminder = booking.pushes.find((push) => push.kind === pushKinds.reminder) ?? null;
  const notices = booking.pushes.filter((push) => push.kind !== pushKinds.reminder);
  const active = isUpcomingStatus(booking.status);
  const flags: string[] = [];
  if (reminder?.status === 'held' || (active && !booking.meetingUrl && !config.DEFAULT_MEETING_URL && reminder?.status !== 'sent'))
    flags.push('meeting-url-missing');
  if (reminder?.status === 'failed') flags.push('reminder-failed');
  if (notices.some((push) => push.status === 'failed')) flags.push('notice-failed');
  if (booking.user.unfollowedAt !== null) flags.push('unfollowed');
  if (booking.phoneChanged) flags.push('phone-changed');
  if (booking.user.refusedAt !== null) flags.push('user-refused');
  if (booking.user.suspendedAt !== null) flags.push('user-suspended');
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
