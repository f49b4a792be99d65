/**
 * Every user gets the answer to their last message exactly once: the replies a turn produces
 * are recorded (sealed) in the turn's transaction; if the reply token is refused or expired, or
 * the process dies between commit and reply, they arrive as a push through the outbox, under a
 * retry key stored with them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { eventsFor, lineUserId, schedulerDepsOf, useHarness } from '../support/harness.ts';
import { applyNextEvent, handleLineEvent, recordEvent, recoverUnsentReplies } from '../../src/events/line-events.ts';
import type { EventDeps, LineEvent } from '../../src/events/line-events.ts';
import { runSchedulerOnce } from '../../src/lifecycle/outbox.ts';
import type { SchedulerDeps } from '../../src/lifecycle/outbox.ts';

describe('replies that cannot be lost', () => {
  // 400s for expired reply tokens and 409s for accepted retry keys are the point of these tests.
  const h = useHarness({ allowRejections: [400, 409] });
  let scheduler: SchedulerDeps;
  beforeAll(() => {
    scheduler = schedulerDepsOf(h);
  });

  it('pushes the answer, once, when LINE refuses the reply token (it expired while the event waited)', async () => {
    const user = lineUserId('expired-token');
    const follow = eventsFor(h.line, user, h.clock).follow();
    h.line.expireReplyToken(follow.replyToken);
    await h.post([follow]);
    expect(h.line.replies.filter((r) => r.replyToken === follow.replyToken)).toHaveLength(0);
    const row = await h.service.db.prisma.webhookEvent.findUniqueOrThrow({ where: { id: follow.webhookEventId } });
    expect(row).toMatchObject({ status: 'done', replyStatus: 'pushed', replySealed: null });
    await runSchedulerOnce(scheduler);
    await runSchedulerOnce(scheduler);
    const pushes = h.line.pushes.filter((p) => p.to === user);
    expect(pushes).toHaveLength(1);
    expect(pushes[0]?.retryKey).toBe(row.replyRetryKey);
    // The same welcome and terms card a reply would have carried.
    expect(pushes[0]?.messages.map((m) => m.type)).toEqual(['flex']);
    const push = await h.service.db.prisma.push.findUniqueOrThrow({ where: { retryKey: row.replyRetryKey ?? '' } });
    expect(push).toMatchObject({ kind: 'reply', status: 'sent', data: null });
  });

  it('pushes the answer when LINE fails the reply with a 500, and counts a 409 for the retry key as delivered', async () => {
    const user = lineUserId('reply-500');
    const follow = eventsFor(h.line, user, h.clock).follow();
    h.line.failNext(500, 1, { only: 'reply' });
    await h.post([follow]);
    // LINE accepted the push but the answer was lost: the retry gets 409 and nothing is sent twice.
    h.line.failNext(500, 1, { only: 'push', afterAccepting: true });
    await runSchedulerOnce(scheduler);
    h.clock.advanceMinutes(5);
    await runSchedulerOnce(scheduler);
    expect(h.line.pushes.filter((p) => p.to === user)).toHaveLength(1);
    expect(await h.service.db.prisma.push.findFirst({ where: { userId: user, kind: 'reply' } })).toMatchObject({ status: 'sent' });
  });

  it('after the process died between commit and reply, the recovery sweep pushes the answer exactly once', async () => {
    const user = lineUserId('died-before-reply');
    const ev = eventsFor(h.line, user, h.clock);
    const follow = ev.follow();
    // A process that commits the turn and then dies: its reply never leaves.
    const dying: EventDeps = { ...h.service.deps, messenger: { ...h.service.deps.messenger, reply: () => new Promise<void>(() => {}) } };
    await recordEvent(h.service.db.prisma, follow as unknown as LineEvent, h.clock.now());
    void applyNextEvent(user, dying);
    for (let i = 0; i < 100; i++) {
      const row = await h.service.db.prisma.webhookEvent.findUniqueOrThrow({ where: { id: follow.webhookEventId } });
      if (row.replyStatus === 'pending') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    // Too early: a live process may still be about to reply.
    expect(await recoverUnsentReplies(h.service.deps)).toBe(0);
    h.clock.advance(31_000);
    expect(await recoverUnsentReplies(h.service.deps)).toBe(1);
    expect(await recoverUnsentReplies(h.service.deps)).toBe(0);
    await runSchedulerOnce(scheduler);
    await runSchedulerOnce(scheduler);
    expect(h.line.replies.filter((r) => r.replyToken === follow.replyToken)).toHaveLength(0);
    expect(h.line.pushes.filter((p) => p.to === user)).toHaveLength(1);
    expect(h.line.messagesTo(user).map((m) => m.type)).toEqual(['flex']);
  });

  it('sends nothing to a user who blocked the account before the push went out', async () => {
    const user = lineUserId('blocked-before-push');
    const ev = eventsFor(h.line, user, h.clock);
    const follow = ev.follow();
    h.line.expireReplyToken(follow.replyToken);
    await h.post([follow]);
    await h.post([ev.unfollow()]);
    await runSchedulerOnce(scheduler);
    expect(h.line.pushes.filter((p) => p.to === user)).toHaveLength(0);
    expect(await h.service.db.prisma.push.findFirst({ where: { userId: user, kind: 'reply' } })).toMatchObject({ status: 'failed', lastError: 'unfollowed' });
  });

  it('keeps the normal path to one reply and no push', async () => {
    const user = lineUserId('normal-reply');
    const follow = eventsFor(h.line, user, h.clock).follow();
    await handleLineEvent(follow as unknown as LineEvent, h.service.deps);
    expect(h.line.replies.filter((r) => r.replyToken === follow.replyToken)).toHaveLength(1);
    expect(await h.service.db.prisma.webhookEvent.findUniqueOrThrow({ where: { id: follow.webhookEventId } })).toMatchObject({
      replyStatus: 'sent',
      replySealed: null,
    });
    await runSchedulerOnce(scheduler);
    expect(h.line.pushes.filter((p) => p.to === user)).toHaveLength(0);
  });
});
