/**
 * Signing in to the staff console in tests: accounts created through the same operation the
 * admin pages use, sign-in through the real form (login CSRF cookie included), and the CSRF
 * token every POST needs, read from the page.
 */
import request from 'supertest';
import type { Express } from 'express';
import type { PrismaClient } from '../../src/generated/prisma/client.ts';
import { createAccount } from '../../src/staff/accounts.ts';
import type { Role } from '../../src/staff/accounts.ts';
import type { FieldCipher } from '../../src/crypto/field-cipher.ts';
import type { Config } from '../../src/config.ts';
import { officeCalendarOf } from '../../src/config.ts';
import { scheduleReminder } from '../../src/lifecycle/reminders.ts';
import { tokyoInstant } from '../../src/rules/index.ts';

export const STAFF_PASSWORD = 'correct horse battery staple';

/** Creates an account with a known password (no one-time password to change). */
export async function createStaffAccount(prisma: PrismaClient, login: string, role: Role, now: Date, password = STAFF_PASSWORD): Promise<string> {
  const { account } = await createAccount(prisma, { login, role, password }, { actor: null, via: 'cli' }, now);
  return account.id;
}

/** The hidden `_csrf` value of the first form on a page. */
export function csrfFrom(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error('no CSRF field on the page');
  return match[1];
}

/** A cookie-keeping agent signed in as `login`, and the session's CSRF token. */
export async function signedInAgent(
  app: Express,
  login: string,
  password = STAFF_PASSWORD,
): Promise<{ agent: ReturnType<typeof request.agent>; csrf: string }> {
  const agent = request.agent(app);
  const form = await agent.get('/staff/login');
  const res = await agent
    .post('/staff/login')
    .type('form')
    .send({ _csrf: csrfFrom(form.text), login, password, next: '/staff/bookings' });
  if (res.status !== 303) throw new Error(`sign-in as ${login} answered ${res.status}`);
  const page = await agent.get('/staff/account/password');
  return { agent, csrf: csrfFrom(page.text) };
}

/** A followed user and a confirmed booking with encrypted personal fields, its seat and its reminder, as booking creation stores them. */
export async function addBookingFor(
  service: { db: { prisma: PrismaClient }; deps: { dialogue: { cipher: FieldCipher; config: Config } } },
  input: {
    userId: string;
    date: string;
    time: string;
    name: string;
    jobSeekerNumber?: string;
    phone?: string;
    topic?: string;
    meetingUrl?: string | null;
    phoneChanged?: boolean;
    attendant?: 'none' | 'interpreter' | 'assistant';
    language?: string;
  },
  now: Date,
): Promise<string> {
  const { prisma } = service.db;
  const { cipher, config } = service.deps.dialogue;
  await prisma.lineUser.upsert({ where: { id: input.userId }, create: { id: input.userId, followedAt: now }, update: {} });
  const terms = await prisma.termsVersion.findFirstOrThrow();
  return prisma.$transaction(async (tx) => {
    const booking = await tx.booking.create({
      data: {
        userId: input.userId,
        date: input.date,
        startTime: input.time,
        startsAt: tokyoInstant(input.date, input.time),
        status: 'confirmed',
        nameEnc: cipher.encrypt(input.name),
        jobSeekerNumberEnc: cipher.encrypt(input.jobSeekerNumber ?? '12345-6789012'),
        phoneEnc: cipher.encrypt(input.phone ?? '090-1234-5678'),
        topicEnc: cipher.encrypt(input.topic ?? '事務職への応募書類の書き方'),
        phoneChanged: input.phoneChanged ?? false,
        attendant: input.attendant ?? 'none',
        attendantLanguage: input.attendant === 'interpreter' ? (input.language ?? 'ベトナム語') : null,
        meetingUrl: input.meetingUrl ?? null,
        termsVersionId: terms.id,
        createdAt: now,
      },
      select: { id: true, userId: true, date: true, startTime: true, startsAt: true },
    });
    const seats = await tx.slotSeat.count({ where: { date: input.date, startTime: input.time } });
    await tx.slotSeat.create({ data: { date: input.date, startTime: input.time, seat: seats + 1, bookingId: booking.id } });
    await scheduleReminder(tx, booking, officeCalendarOf(config), now);
    return booking.id;
  });
}
