// Terms changes announced to every follower, and office notices: publication, batching,
// exactly-once delivery through multicast, retries, pause and resume, a crash and a resume.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { termsInForce } from '../../src/db/repositories.ts';
import { createTermsDraft, TermsVersionError } from '../../src/terms/versions.ts';
import { AnnouncementInputError, createOfficeNotice, publishTermsVersion } from '../../src/announcements/publish.ts';
import {
  announcementProgress,
  batchErrors,
  claimNextBatch,
  pauseAnnouncement,
  resumeAnnouncement,
  retryFailedBatches,
  runAnnouncementsOnce,
} from '../../src/announcements/sender.ts';
import type { Multicaster } from '../../src/announcements/multicast.ts';
import { multicastCounts, startAnnouncementFixture, testSenderOptions } from './fixture.ts';
import type { AnnouncementFixture } from './fixture.ts';

const draftInput = {
  label: '令和9年1月1日改定',
  effectiveDate: '2027-01-01',
  body: '第1条 この規約は、オンライン職業相談の利用について定めます。\n\n第6条 キャンセルはお電話またはLINEで連絡してください。',
  changeSummary: '・キャンセルの連絡を、お電話に加えてLINEでもできるようにします（第6条）。',
  cardSummary: '・利用料は無料です\n・キャンセルはお電話またはLINEで',
};

let f: AnnouncementFixture;
beforeAll(async () => {
  f = await startAnnouncementFixture();
});
afterAll(async () => {
  f.line.assertNoRejections();
  await f.close();
});
beforeEach(async () => {
  const prisma = f.db.prisma;
  await prisma.announcementBatch.deleteMany();
  await prisma.announcement.deleteMany();
  await prisma.booking.deleteMany();
  await prisma.consent.deleteMany();
  await prisma.termsVersion.deleteMany({ where: { version: { not: '2023-11-01' } } });
  await prisma.lineUser.deleteMany();
  f.line.reset();
  f.clock.set('2026-12-01T10:00:00+09:00');
});

async function publishDraft(extra: Partial<ReturnType<AnnouncementFixture['publishOptions']>> = {}) {
  const draft = await createTermsDraft(f.db.prisma, draftInput, f.clock.now());
  return { draft, published: await publishTermsVersion(f.db.prisma, draft.id, f.publishOptions(extra)) };
}

describe('publishing a terms version', () => {
  it('announces it exactly once to every current follower, never to those who unfollowed, in requests of at most 500', async () => {
    const followers = await f.addFollowers(1203, 'follower');
    const gone = await f.addFollowers(40, 'gone');
    await f.unfollow(gone);

    const { published } = await publishDraft();
    expect(published).toMatchObject({ batches: 3, recipients: 1203 });
    await runAnnouncementsOnce(f.deps, testSenderOptions);

    const counts = multicastCounts(f.line);
    expect(counts.size).toBe(1203);
    for (const id of followers) expect(counts.get(id)).toBe(1);
    for (const id of gone) expect(counts.get(id)).toBeUndefined();
    expect(Math.max(...f.line.multicasts.map((m) => m.to.length))).toBeLessThanOrEqual(500);
    const announcement = await f.db.prisma.announcement.findFirstOrThrow();
    expect(announcement.status).toBe('done');
    expect((await announcementProgress(f.db.prisma, [announcement.id])).get(announcement.id)).toMatchObject({
      recipients: 1203,
      sent: 1203,
      pending: 0,
      failed: 0,
      percent: 100,
    });
  });

  it('says what changes, the summary, the effective date, and links to the full text; booked users also hear their booking stays valid', async () => {
    const [bookedLater, bookedBefore, cancelled, plain] = await f.addFollowers(4, 'variant');
    await f.addBooking(bookedLater ?? '', '2027-01-06');
    await f.addBooking(bookedBefore ?? '', '2026-12-10');
    await f.addBooking(cancelled ?? '', '2027-01-07', { status: 'cancelled' });

    await publishDraft();
    await runAnnouncementsOnce(f.deps, testSenderOptions);

    const textOf = (user: string | undefined) => f.line.textsTo(user ?? '').join('\n');
    for (const user of [bookedLater, bookedBefore, cancelled, plain]) {
      const text = textOf(user);
      expect(text).toContain('利用規約改定のお知らせ');
      expect(text).toContain('令和9年1月1日改定');
      expect(text).toContain('2027年1月1日(金)から');
      expect(text).toContain('LINEでもできるようにします');
      expect(text).toContain('キャンセルはお電話またはLINEで');
      const card = f.line.messagesTo(user ?? '').find((m) => m.type === 'flex');
      expect(JSON.stringify(card)).toContain('"uri":"https://line.example.jp/terms/2027-01-01"');
    }
    expect(textOf(bookedLater)).toContain('そのまま有効');
    for (const user of [bookedBefore, cancelled, plain]) expect(textOf(user)).not.toContain('そのまま有効');
    expect(f.line.multicasts).toHaveLength(2);
  });

  it('sends the full text in the chat when no public address is configured', async () => {
    const [user] = await f.addFollowers(1, 'no-url');
    await publishDraft({ publicBaseUrl: undefined });
    await runAnnouncementsOnce(f.deps, testSenderOptions);
    const texts = f.line.textsTo(user ?? '');
    expect(texts).toHaveLength(2);
    expect(texts[1]).toContain('第6条 キャンセルはお電話またはLINEで連絡してください。');
    expect(JSON.stringify(f.line.messagesTo(user ?? ''))).not.toContain('"uri"');
  });

  it('keeps the old version in force until the effective date and the new one from 00:00 in Japan that day', async () => {
    const { draft } = await publishDraft();
    expect((await termsInForce(f.db.prisma, f.clock.now())).version).toBe('2023-11-01');
    expect((await termsInForce(f.db.prisma, new Date('2026-12-31T23:59:59+09:00'))).version).toBe('2023-11-01');
    expect((await termsInForce(f.db.prisma, new Date('2027-01-01T00:00:00+09:00'))).id).toBe(draft.id);
  });

  it('never puts a draft in force, and refuses to publish twice or after the effective date has come', async () => {
    const draft = await createTermsDraft(f.db.prisma, draftInput, f.clock.now());
    expect((await termsInForce(f.db.prisma, new Date('2027-02-01T00:00:00+09:00'))).version).toBe('2023-11-01');
    f.clock.set('2027-01-01T00:00:00+09:00');
    await expect(publishTermsVersion(f.db.prisma, draft.id, f.publishOptions())).rejects.toThrow(/適用日（2027-01-01）が今日以前/);
    f.clock.set('2026-12-31T23:59:00+09:00');
    await publishTermsVersion(f.db.prisma, draft.id, f.publishOptions());
    await expect(publishTermsVersion(f.db.prisma, draft.id, f.publishOptions())).rejects.toBeInstanceOf(TermsVersionError);
    expect(await f.db.prisma.announcement.count()).toBe(1);
  });

  it('refuses drafts with a past or duplicate effective date, missing summaries, or oversized fields, in Japanese', async () => {
    const now = f.clock.now();
    const attempt = (patch: Partial<typeof draftInput>) => createTermsDraft(f.db.prisma, { ...draftInput, ...patch }, now);
    await expect(attempt({ effectiveDate: '2026-12-01' })).rejects.toThrow(/明日（2026-12-02）以降/);
    await expect(attempt({ effectiveDate: '2026-02-30' })).rejects.toThrow(/2026-04-01/);
    await expect(attempt({ effectiveDate: '2023-11-01' })).rejects.toThrow(TermsVersionError);
    await expect(attempt({ changeSummary: ' \n ' })).rejects.toThrow(/変更点の要約/);
    await expect(attempt({ cardSummary: '' })).rejects.toThrow(/規約の要約/);
    await expect(attempt({ label: 'あ'.repeat(41) })).rejects.toThrow(/40文字以内/);
    await expect(attempt({ cardSummary: 'あ'.repeat(801) })).rejects.toThrow(/800文字以内/);
    await attempt({});
    await expect(attempt({})).rejects.toThrow(/すでにあります/);
  });

  it('announces nothing when nobody follows, and is done at once', async () => {
    const { published } = await publishDraft();
    expect(published).toMatchObject({ batches: 0, recipients: 0 });
    expect(published.announcement.status).toBe('done');
    expect(f.line.requests).toHaveLength(0);
  });
});

describe('office notices', () => {
  it('reach exactly the users with a booking still on in the date range', async () => {
    const [onDay, onDayLate, dayBefore, dayAfter, cancelledOnDay, unfollowedOnDay, noBooking] = await f.addFollowers(7, 'segment');
    await f.addBooking(onDay ?? '', '2026-12-09');
    await f.addBooking(onDayLate ?? '', '2026-12-09', { status: 'contacted', startTime: '16:30' });
    await f.addBooking(dayBefore ?? '', '2026-12-08');
    await f.addBooking(dayAfter ?? '', '2026-12-10');
    await f.addBooking(cancelledOnDay ?? '', '2026-12-09', { status: 'cancelled' });
    await f.addBooking(unfollowedOnDay ?? '', '2026-12-09');
    await f.unfollow([unfollowedOnDay ?? '']);

    await createOfficeNotice(
      f.db.prisma,
      {
        title: '12/9 臨時休庁',
        body: '12月9日(水)は庁舎の設備点検のため、オンライン職業相談を休止します。ご予約の方には別途お電話します。',
        audience: 'booked-in-range',
        rangeFrom: '2026-12-09',
        rangeTo: '2026-12-09',
      },
      f.publishOptions(),
    );
    await runAnnouncementsOnce(f.deps, testSenderOptions);

    expect([...multicastCounts(f.line).keys()].sort()).toEqual([onDay, onDayLate].sort());
    expect(f.line.textsTo(onDay ?? '')[0]).toMatch(/^【ハローワーク港北からのお知らせ】\n12月9日\(水\)は庁舎の設備点検/);
    for (const user of [dayBefore, dayAfter, cancelledOnDay, unfollowedOnDay, noBooking]) expect(f.line.messagesTo(user ?? '')).toEqual([]);
  });

  it('go to every current follower when addressed to all', async () => {
    const users = await f.addFollowers(3, 'all');
    await f.unfollow([users[2] ?? '']);
    await createOfficeNotice(
      f.db.prisma,
      { title: 'TeleOffice保守', body: '12月12日(土)0時〜6時はTeleOfficeの保守のため接続できません。', audience: 'all-followers' },
      f.publishOptions(),
    );
    await runAnnouncementsOnce(f.deps, testSenderOptions);
    expect([...multicastCounts(f.line).keys()].sort()).toEqual([users[0], users[1]].sort());
  });

  it('refuse an empty audience, a reversed range and a missing body, saying what to fix', async () => {
    await f.addFollowers(1, 'refuse');
    const base = { title: '休止', body: '休止します。', audience: 'booked-in-range', rangeFrom: '2026-12-09', rangeTo: '2026-12-09' };
    await expect(createOfficeNotice(f.db.prisma, base, f.publishOptions())).rejects.toThrow(/その期間にご予約中の利用者がいない/);
    await expect(createOfficeNotice(f.db.prisma, { ...base, rangeTo: '2026-12-01' }, f.publishOptions())).rejects.toThrow(/終了日は開始日と同じか/);
    await expect(createOfficeNotice(f.db.prisma, { ...base, body: '' }, f.publishOptions())).rejects.toBeInstanceOf(AnnouncementInputError);
    await expect(createOfficeNotice(f.db.prisma, { ...base, audience: 'everyone' }, f.publishOptions())).rejects.toThrow(/宛先を選んで/);
    expect(await f.db.prisma.announcement.count()).toBe(0);
  });
});

describe('delivery', () => {
  it('retries a 500 under the same retry key, and counts LINE’s 409 for an accepted key as delivered', async () => {
    const users = await f.addFollowers(3, 'retry');
    await publishDraft();
    // The first attempt reaches LINE but the answer is a 500: the retry must not deliver again.
    f.line.failNext(500, 1, { only: 'multicast', afterAccepting: true });
    expect(await runAnnouncementsOnce(f.deps, testSenderOptions)).toMatchObject({ retry: 1, sent: 0 });
    const batch = await f.db.prisma.announcementBatch.findFirstOrThrow();
    expect([batch.status, batch.lastStatus, batch.lastError]).toEqual(['pending', 500, 'LINE API 500: Internal Server Error']);
    expect(await runAnnouncementsOnce(f.deps, testSenderOptions)).toMatchObject({ sent: 0 }); // backing off
    f.clock.advance(30_000);
    expect(await runAnnouncementsOnce(f.deps, testSenderOptions)).toMatchObject({ sent: 1 });
    expect(f.line.requests.filter((r) => r.endpoint === 'multicast').map((r) => r.status)).toEqual([500, 409]);
    for (const user of users) expect(multicastCounts(f.line).get(user)).toBe(1);
    expect((await f.db.prisma.announcementBatch.findFirstOrThrow()).status).toBe('sent');
  });

  it('records LINE’s refusal per batch, lists it, and can queue the failed batches again', async () => {
    await f.addFollowers(1100, 'refusal');
    const { published } = await publishDraft({ batchSize: 500 });
    f.line.failNext(400, 1, {
      only: 'multicast',
      body: { message: 'The request body has 1 error(s)', details: [{ message: 'May not be empty', property: 'messages[0].text' }] },
    });
    await runAnnouncementsOnce(f.deps, { ...testSenderOptions, concurrency: 1 });
    const id = published.announcement.id;
    expect(await batchErrors(f.db.prisma, id)).toEqual([
      expect.objectContaining({
        seq: 1,
        status: 'failed',
        lastStatus: 400,
        recipientCount: 500,
        lastError: 'LINE API 400: The request body has 1 error(s) (messages[0].text: May not be empty)',
      }),
    ]);
    expect((await announcementProgress(f.db.prisma, [id])).get(id)).toMatchObject({ sent: 600, failed: 500, pending: 0, percent: 100 });
    expect((await f.db.prisma.announcement.findUniqueOrThrow({ where: { id } })).status).toBe('done');

    expect(await retryFailedBatches(f.db.prisma, id, f.clock.now())).toBe(1);
    await runAnnouncementsOnce(f.deps, testSenderOptions);
    expect((await announcementProgress(f.db.prisma, [id])).get(id)).toMatchObject({ sent: 1100, failed: 0 });
    expect(multicastCounts(f.line).size).toBe(1100);
  });

  it('leaves out users who unfollowed after publication, and counts them as skipped', async () => {
    const users = await f.addFollowers(5, 'mid-run');
    const { published } = await publishDraft();
    await f.unfollow([users[0] ?? '', users[1] ?? '']);
    await runAnnouncementsOnce(f.deps, testSenderOptions);
    expect([...multicastCounts(f.line).keys()].sort()).toEqual(users.slice(2).sort());
    expect((await announcementProgress(f.db.prisma, [published.announcement.id])).get(published.announcement.id)).toMatchObject({
      recipients: 5,
      sent: 3,
      skipped: 2,
    });
  });

  it('does not include users who followed after publication', async () => {
    await f.addFollowers(2, 'before');
    await publishDraft();
    const late = await f.addFollowers(1, 'after');
    await runAnnouncementsOnce(f.deps, testSenderOptions);
    expect(multicastCounts(f.line).size).toBe(2);
    expect(multicastCounts(f.line).get(late[0] ?? '')).toBeUndefined();
  });

  it('pauses and resumes where it stopped', async () => {
    await f.addFollowers(2000, 'pause');
    const { published } = await publishDraft({ batchSize: 100 });
    const id = published.announcement.id;
    let sent = 0;
    await runAnnouncementsOnce(f.deps, { ...testSenderOptions, concurrency: 1 }, () => {
      if (sent === 5) return true;
      sent += 1;
      return false;
    });
    expect(await pauseAnnouncement(f.db.prisma, id)).toBe(true);
    expect(await runAnnouncementsOnce(f.deps, testSenderOptions)).toMatchObject({ sent: 0 });
    expect((await announcementProgress(f.db.prisma, [id])).get(id)).toMatchObject({ sent: 500, pending: 1500, percent: 25 });
    expect(await pauseAnnouncement(f.db.prisma, id)).toBe(false);

    expect(await resumeAnnouncement(f.db.prisma, id, f.clock.now())).toBe(true);
    await runAnnouncementsOnce(f.deps, testSenderOptions);
    const counts = multicastCounts(f.line);
    expect(counts.size).toBe(2000);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect((await f.db.prisma.announcement.findUniqueOrThrow({ where: { id } })).status).toBe('done');
  });

  it('after a crash between LINE’s acceptance and the record, resumes once the lease expires and sends nothing twice', async () => {
    await f.addFollowers(1500, 'crash');
    await publishDraft({ batchSize: 500 });
    // A sender claims the first batch and its multicast reaches LINE; then the process dies.
    const claimed = await claimNextBatch(f.db.prisma, f.clock.now(), testSenderOptions.leaseMs);
    expect(claimed).not.toBeNull();
    const announcement = await f.db.prisma.announcement.findFirstOrThrow();
    const messages = (announcement.messages as Record<string, never[]>)[claimed?.variant ?? ''] ?? [];
    await f.deps.multicaster.multicast(claimed?.recipients ?? [], messages, claimed?.retryKey ?? '');

    // Another sender runs at once: the leased batch is not taken, the other two are sent.
    expect(await runAnnouncementsOnce(f.deps, testSenderOptions)).toMatchObject({ sent: 2 });
    f.clock.advance(testSenderOptions.leaseMs);
    expect(await runAnnouncementsOnce(f.deps, testSenderOptions)).toMatchObject({ sent: 1 });

    const counts = multicastCounts(f.line);
    expect(counts.size).toBe(1500);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(
      f.line.requests
        .filter((r) => r.endpoint === 'multicast')
        .map((r) => r.status)
        .sort(),
    ).toEqual([200, 200, 200, 409]);
    expect(f.logs.join('')).toContain('announcement batch already delivered');
  });

  it('keeps at most ANNOUNCEMENT_CONCURRENCY requests in flight and no more than the configured rate', async () => {
    await f.addFollowers(1000, 'rate');
    await publishDraft({ batchSize: 50 });
    let inFlight = 0;
    let peak = 0;
    const starts: number[] = [];
    const slow: Multicaster = {
      async multicast(to, messages, retryKey) {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        starts.push(performance.now());
        try {
          await new Promise((resolve) => setTimeout(resolve, 20));
          return await f.deps.multicaster.multicast(to, messages, retryKey);
        } finally {
          inFlight -= 1;
        }
      },
    };
    await runAnnouncementsOnce({ ...f.deps, multicaster: slow }, { ...testSenderOptions, concurrency: 3, requestsPerSecond: 40 });
    expect(starts).toHaveLength(20);
    expect(peak).toBeLessThanOrEqual(3);
    // 20 requests at 40 a second: the last starts at least ~19/40 s after the first.
    expect((starts.at(-1) ?? 0) - (starts[0] ?? 0)).toBeGreaterThanOrEqual(19 * 25 - 30);
  });

  it('lists no recipient ids in its logs', async () => {
    const users = await f.addFollowers(3, 'logs');
    await publishDraft();
    await runAnnouncementsOnce(f.deps, testSenderOptions);
    const logs = f.logs.join('');
    for (const user of users) expect(logs).not.toContain(user);
  });
});
