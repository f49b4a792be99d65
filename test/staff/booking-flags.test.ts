/**
 * The flags of 予約一覧 (and of the JSON API), each from the state that raises it: the meeting
 * URL missing before the reminder, the reminder failed, the user unfollowed, the phone number
 * changed, the user refused after no-shows or suspended for Art. 12 — and none on a booking that
 * needs nothing. Each flag is shown on its own booking's row only.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { useHarness, lineUserId } from '../support/harness.ts';
import { addBookingFor, createStaffAccount, signedInAgent } from '../support/staff-console.ts';
import { issueApiToken } from '../../src/staff/accounts.ts';
import { pushKinds } from '../../src/lifecycle/reminders.ts';

const h = useHarness({ now: '2026-12-01T09:00:00+09:00', env: { DEFAULT_MEETING_URL: '' }, checkLine: 'never' });
const ids: Record<string, string> = {};
const DAY = '2026-12-08';
const URL = 'https://teleoffice.example/room/flags';

/** Each case: how its booking is made, the flag codes the API gives and the labels the list shows. */
const cases: { key: string; setup(userId: string, bookingId: string): Promise<void>; codes: string[]; labels: string[] }[] = [
  { key: 'fine', setup: async () => {}, codes: [], labels: [] },
  { key: 'noUrl', setup: async () => {}, codes: ['meeting-url-missing'], labels: ['URL未設定'] },
  {
    key: 'reminderFailed',
    setup: async (_u, bookingId) => {
      await h.service.db.prisma.push.updateMany({ where: { bookingId, kind: pushKinds.reminder }, data: { status: 'failed', lastError: 'LINE API 400' } });
    },
    codes: ['reminder-failed'],
    labels: ['リマインダー送信失敗'],
  },
  {
    key: 'unfollowed',
    setup: async (userId) => {
      await h.service.db.prisma.lineUser.update({ where: { id: userId }, data: { unfollowedAt: h.clock.now() } });
    },
    codes: ['unfollowed'],
    labels: ['ブロック・友だち解除'],
  },
  { key: 'phoneChanged', setup: async () => {}, codes: ['phone-changed'], labels: ['電話番号の変更あり'] },
  {
    key: 'refused',
    setup: async (userId) => {
      await h.service.db.prisma.lineUser.update({ where: { id: userId }, data: { refusedAt: h.clock.now(), noShowCount: 2 } });
    },
    codes: ['user-refused'],
    labels: ['予約お断り中'],
  },
  {
    key: 'suspended',
    setup: async (userId) => {
      await h.service.db.prisma.lineUser.update({ where: { id: userId }, data: { suspendedAt: h.clock.now(), suspensionReason: 'art12-1' } });
    },
    codes: ['user-suspended'],
    labels: ['利用停止中'],
  },
];
const allLabels = cases.flatMap((c) => c.labels);

beforeAll(async () => {
  await createStaffAccount(h.service.db.prisma, 'clerk1', 'staff', h.clock.now());
  const times = ['09:00', '09:30', '10:00', '10:30', '11:00', '11:30', '13:00'];
  for (const [i, c] of cases.entries()) {
    const userId = lineUserId(`flags-${c.key}`);
    ids[c.key] = await addBookingFor(
      h.service,
      { userId, date: DAY, time: times[i] ?? '14:00', name: `旗 ${c.key}`, meetingUrl: c.key === 'noUrl' ? null : URL, phoneChanged: c.key === 'phoneChanged' },
      h.clock.now(),
    );
    await c.setup(userId, ids[c.key] ?? '');
  }
});

describe('flags of 予約一覧', () => {
  it('shows each flag on the row of the booking whose state raises it, and only there', async () => {
    const clerk = await signedInAgent(h.service.app, 'clerk1');
    const page = await clerk.agent.get(`/staff/bookings?from=${DAY}&to=${DAY}`);
    expect(page.status).toBe(200);
    const rows = page.text.split('<tr').slice(1);
    for (const c of cases) {
      const row = rows.find((r) => r.includes(`/staff/bookings/${ids[c.key]}"`));
      expect(row, c.key).toBeDefined();
      for (const label of allLabels) {
        if (c.labels.includes(label)) expect(row, `${c.key} shows ${label}`).toContain(label);
        else expect(row, `${c.key} does not show ${label}`).not.toContain(label);
      }
    }
  });

  it('gives the same flags as codes in the JSON API', async () => {
    const prisma = h.service.db.prisma;
    const staffId = (await prisma.staffAccount.findUniqueOrThrow({ where: { login: 'clerk1' } })).id;
    const { token } = await issueApiToken(prisma, staffId, 'flags', { actor: null, via: 'cli' }, h.clock.now());
    const res = await request(h.service.app).get(`/staff/api/bookings?from=${DAY}&to=${DAY}`).set('authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    const byId = new Map((res.body as { bookings: { id: string; flags: string[] }[] }).bookings.map((b) => [b.id, b.flags]));
    for (const c of cases) expect(byId.get(ids[c.key] ?? ''), c.key).toEqual(c.codes);
  });
});
