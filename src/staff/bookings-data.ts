/**
 * The bookings as the console shows them: one query for a date range (or one booking), the
 * flags that ask for a clerk's attention, Japanese labels, and the personal fields decrypted —
 * only here, only for the pages that show them (each such page audits its view).
 */
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { Config } from '../config.ts';
import type { FieldCipher } from '../crypto/field-cipher.ts';
import { pushKinds } from '../lifecycle/reminders.ts';
import { isUpcomingStatus } from '../booking/status.ts';
import type { BookingStatus } from '../booking/status.ts';

/** Status codes → what the office calls them. */
export const statusLabels: Readonly<Record<BookingStatus, string>> = {
  confirmed: '予約済み',
  contacted: '遅れる連絡あり',
  attended: '出席',
  no_show: '無断キャンセル',
  cancelled: 'キャンセル',
};

/** Who cancelled. 'staff' is what cancellations before the console were recorded as. */
export const cancelledByLabels: Record<string, string> = {
  'user-phone': '本人からの電話',
  office: '所の都合',
  'user-chat': '本人（トーク）',
  staff: '職員',
  'no-show': '無断キャンセル',
};

/** Flags a clerk must see, with their label and how loud they are. */
export const flagLabels: Record<string, { label: string; tone: 'warn' | 'danger' | 'info' }> = {
  'meeting-url-missing': { label: 'URL未設定', tone: 'warn' },
  'reminder-failed': { label: 'リマインダー送信失敗', tone: 'danger' },
  'notice-failed': { label: '通知の送信失敗', tone: 'danger' },
  unfollowed: { label: 'ブロック・友だち解除', tone: 'danger' },
  'phone-changed': { label: '電話番号の変更あり', tone: 'warn' },
  'user-refused': { label: '予約お断り中', tone: 'info' },
  'user-suspended': { label: '利用停止中', tone: 'info' },
};

/** Push kinds → labels for the booking's message history. */
export const pushKindLabels: Record<string, string> = {
  [pushKinds.reminder]: '前日のご案内（リマインダー）',
  [pushKinds.cancelled]: 'キャンセルのお知らせ',
  [pushKinds.noShow]: '無断キャンセルのお知らせ',
  [pushKinds.rescheduled]: '日時変更のお知らせ',
  [pushKinds.staffMessage]: '職員からの連絡',
};

export const pushStatusLabels: Record<string, string> = {
  pending: '送信待ち',
  held: '保留（URL未設定）',
  sent: '送信済み',
  failed: '送信失敗',
  withdrawn: '取り下げ',
};

const select = {
  id: true,
  userId: true,
  date: true,
  startTime: true,
  startsAt: true,
  status: true,
  nameEnc: true,
  jobSeekerNumberEnc: true,
  phoneEnc: true,
  phoneChanged: true,
  topicEnc: true,
  attendant: true,
  attendantLanguage: true,
  meetingUrl: true,
  createdAt: true,
  cancelledAt: true,
  cancelledBy: true,
  cancelReason: true,
  outcomeRecordedAt: true,
  personalDataErasedAt: true,
  user: { select: { unfollowedAt: true, refusedAt: true, noShowCount: true, suspendedAt: true } },
  pushes: { select: { kind: true, status: true, dueAt: true, sentAt: true, lastError: true } },
} as const;

/** One booking, decrypted and labelled for a page. */
export type BookingForStaff = ReturnType<typeof present>;

/** Bookings from `from` to `to` (YYYY-MM-DD, Asia/Tokyo, inclusive), by date and time. */
export async function bookingsBetween(
  prisma: PrismaClient,
  cipher: FieldCipher,
  config: Config,
  range: { from: string; to: string; statuses?: readonly BookingStatus[] },
): Promise<BookingForStaff[]> {
  const rows = await prisma.booking.findMany({
    where: { date: { gte: range.from, lte: range.to }, ...(range.statuses ? { status: { in: [...range.statuses] } } : {}) },
    orderBy: [{ startsAt: 'asc' }, { createdAt: 'asc' }],
    select,
  });
  return rows.map((row) => present(row, cipher, config));
}

/** One booking, or null. */
export async function bookingById(prisma: PrismaClient, cipher: FieldCipher, config: Config, id: string): Promise<BookingForStaff | null> {
  const row = await prisma.booking.findUnique({ where: { id }, select });
  return row ? present(row, cipher, config) : null;
}

type Row = {
  id: string;
  userId: string;
  date: string;
  startTime: string;
  startsAt: Date;
  status: BookingStatus;
  nameEnc: string | null;
  jobSeekerNumberEnc: string | null;
  phoneEnc: string | null;
  phoneChanged: boolean;
  topicEnc: string | null;
  attendant: string;
  attendantLanguage: string | null;
  meetingUrl: string | null;
  createdAt: Date;
  cancelledAt: Date | null;
  cancelledBy: string | null;
  cancelReason: string | null;
  outcomeRecordedAt: Date | null;
  personalDataErasedAt: Date | null;
  user: { unfollowedAt: Date | null; refusedAt: Date | null; noShowCount: number; suspendedAt: Date | null };
  pushes: { kind: string; status: string; dueAt: Date; sentAt: Date | null; lastError: string | null }[];
};

/** A field that cannot be read (erased, or a key that is gone) shows as a dash with the reason; never fails the page. */
function open(cipher: FieldCipher, token: string | null, erased: boolean): string {
  if (token === null) return erased ? '（削除済み）' : '—';
  try {
    return cipher.decrypt(token);
  } catch {
    return '（読み取れません）';
  }
}

function present(row: Row, cipher: FieldCipher, config: Config) {
  const erased = row.personalDataErasedAt !== null;
  const reminder = row.pushes.find((push) => push.kind === pushKinds.reminder) ?? null;
  const notices = row.pushes.filter((push) => push.kind !== pushKinds.reminder);
  const active = isUpcomingStatus(row.status);
  const flags: string[] = [];
  if (reminder?.status === 'held' || (active && !row.meetingUrl && !config.DEFAULT_MEETING_URL && reminder?.status !== 'sent'))
    flags.push('meeting-url-missing');
  if (reminder?.status === 'failed') flags.push('reminder-failed');
  if (notices.some((push) => push.status === 'failed')) flags.push('notice-failed');
  if (row.user.unfollowedAt !== null) flags.push('unfollowed');
  if (row.phoneChanged) flags.push('phone-changed');
  if (row.user.refusedAt !== null) flags.push('user-refused');
  if (row.user.suspendedAt !== null) flags.push('user-suspended');
  return {
    id: row.id,
    userId: row.userId,
    date: row.date,
    startTime: row.startTime,
    startsAt: row.startsAt,
    status: row.status,
    statusLabel: statusLabels[row.status],
    active,
    name: open(cipher, row.nameEnc, erased),
    jobSeekerNumber: open(cipher, row.jobSeekerNumberEnc, erased),
    phone: open(cipher, row.phoneEnc, erased),
    phoneChanged: row.phoneChanged,
    topic: open(cipher, row.topicEnc, erased),
    attendant: row.attendant,
    attendantLabel:
      row.attendant === 'interpreter'
        ? `通訳${row.attendantLanguage ? `（${row.attendantLanguage}）` : ''}`
        : row.attendant === 'assistant'
          ? '介助者'
          : 'なし',
    meetingUrl: row.meetingUrl,
    defaultMeetingUrl: config.DEFAULT_MEETING_URL ?? null,
    createdAt: row.createdAt,
    cancelledAt: row.cancelledAt,
    cancelledByLabel: row.cancelledBy ? (cancelledByLabels[row.cancelledBy] ?? row.cancelledBy) : null,
    cancelReason: row.cancelReason,
    outcomeRecordedAt: row.outcomeRecordedAt,
    erased,
    userNoShowCount: row.user.noShowCount,
    flags: flags.map((code) => ({ code, ...(flagLabels[code] ?? { label: code, tone: 'info' as const }) })),
    reminder: reminder ? { ...reminder, statusLabel: pushStatusLabels[reminder.status] ?? reminder.status } : null,
    notices: notices.map((push) => ({ ...push, kindLabel: pushKindLabels[push.kind] ?? push.kind, statusLabel: pushStatusLabels[push.status] ?? push.status })),
  };
}

/** Whether `query` (typed by a clerk) matches a decrypted name: NFKC, case and spaces ignored, partial. */
export function nameMatches(name: string, query: string): boolean {
  const fold = (value: string) =>
    value
      .normalize('NFKC')
      .toLowerCase()
      .replace(/[\s\u3000・]/g, '');
  const q = fold(query);
  return q.length > 0 && fold(name).includes(q);
}
