import { describe, expect, it } from 'vitest';
import request from 'supertest';
import { startHarness, useHarness, eventsFor, lineUserId, postSigned, sign } from '../support/harness.ts';

// A follow is answered with one message (the welcome opens the terms card): replies start after it.
const texts = (messages: Array<{ type: string; text?: string; altText?: string }>) =>
  messages.map((m) => (m.type === 'text' ? m.text : m.type === 'flex' ? m.altText : m.type)).join('\n');

describe('a new friend and the terms', () => {
  const h = useHarness();

  it('greets a new friend with the terms summary and buttons to agree, decline or read the full text', async () => {
    const user = lineUserId('follow');
    const res = await h.post([eventsFor(h.line, user, h.clock).follow()]);
    expect(res.status).toBe(200);
    // One message: the welcome opens the terms card.
    const [terms, ...more] = h.line.messagesTo(user);
    expect(more).toEqual([]);
    expect(terms).toMatchObject({ type: 'flex' });
    expect(JSON.stringify(terms)).toContain('友だち追加ありがとうございます。');
    const summary = texts([terms as { type: string; altText: string }]);
    for (const point of ['無料', '30分', 'TeleOffice', '2開庁日前', '電話']) expect(summary).toContain(point);
    const labels = JSON.stringify(terms).match(/"label":"([^"]+)"/g);
    expect(labels).toEqual(['"label":"同意する"', '"label":"同意しない"', '"label":"全文を読む"']);
    const user_ = await h.service.db.prisma.lineUser.findUnique({ where: { id: user } });
    expect(user_?.followedAt).toEqual(h.clock.now());
  });

  it('records consent with the terms version and time when the user taps agree', async () => {
    const user = lineUserId('agree');
    const ev = eventsFor(h.line, user, h.clock);
    await h.post([ev.follow()]);
    h.clock.advanceMinutes(2);
    await h.post([ev.postback('a=terms.agree&q=1')]);
    const consents = await h.service.db.prisma.consent.findMany({ where: { userId: user }, include: { termsVersion: true } });
    expect(consents).toHaveLength(1);
    expect(consents[0]?.termsVersion.version).toBe('2023-11-01');
    expect(consents[0]?.agreedAt).toEqual(h.clock.now());
    const reply = texts(h.line.messagesTo(user).slice(1));
    expect(reply).toContain('同意を記録しました');
    expect(reply).toContain('予約');
  });

  it('accepts a typed 「同意します」 as agreement', async () => {
    const user = lineUserId('agree-typed');
    const ev = eventsFor(h.line, user, h.clock);
    await h.post([ev.follow()]);
    await h.post([ev.text('同意します')]);
    expect(await h.service.db.prisma.consent.count({ where: { userId: user } })).toBe(1);
  });

  it('explains politely that booking needs consent when the user declines, and how to come back', async () => {
    const user = lineUserId('decline');
    const ev = eventsFor(h.line, user, h.clock);
    await h.post([ev.follow()]);
    await h.post([ev.postback('a=terms.decline&q=1')]);
    expect(await h.service.db.prisma.consent.count({ where: { userId: user } })).toBe(0);
    const reply = texts(h.line.messagesTo(user).slice(1));
    expect(reply).toContain('同意が必要');
    expect(reply).toContain('「予約」');
    // Coming back: 「予約」 shows the terms again.
    await h.post([ev.text('予約')]);
    expect(h.line.messagesTo(user).at(-1)).toMatchObject({ type: 'flex' });
  });

  it('shows the full text of the terms on request and asks again', async () => {
    const user = lineUserId('full');
    const ev = eventsFor(h.line, user, h.clock);
    await h.post([ev.follow()]);
    const before = h.line.messagesTo(user).length;
    await h.post([ev.postback('a=terms.full&q=1')]);
    const reply = h.line.messagesTo(user).slice(before);
    const all = texts(reply);
    expect(all).toContain('第1条');
    expect(all).toContain('第15条');
    expect(all).toContain('横浜地方裁判所');
    expect(reply.at(-1)).toMatchObject({ type: 'text' });
    expect(reply.at(-1)?.quickReply?.items).toHaveLength(3);
    await h.post([ev.postback('a=terms.agree&q=1')]);
    expect(await h.service.db.prisma.consent.count({ where: { userId: user } })).toBe(1);
  });

  it('answers a button from an earlier question with a short note and the current question', async () => {
    const user = lineUserId('stale');
    const ev = eventsFor(h.line, user, h.clock);
    await h.post([ev.follow()]);
    await h.post([ev.postback('a=terms.agree&q=99')]);
    expect(await h.service.db.prisma.consent.count({ where: { userId: user } })).toBe(0);
    const reply = texts(h.line.messagesTo(user).slice(1));
    expect(reply).toContain('現在は使えません');
    await h.post([ev.postback('garbage-not-ours')]);
    expect(texts(h.line.messagesTo(user).slice(-2))).toContain('現在は使えません');
  });

  it('never stays silent: unknown text gets guidance, a sticker or image a note that text is needed', async () => {
    const user = lineUserId('unknown');
    const ev = eventsFor(h.line, user, h.clock);
    for (const event of [ev.text('あいうえお🙂'), ev.sticker(), ev.image(), ev.location(), ev.text('x'.repeat(10_000)), ev.text('予約\u0000\u0000')]) {
      const before = h.line.messagesTo(user).length;
      await h.post([event]);
      expect(h.line.messagesTo(user).length).toBeGreaterThan(before);
    }
    expect(texts(h.line.messagesTo(user))).toContain('スタンプ');
    expect(texts(h.line.messagesTo(user))).toContain('「予約」');
  });

  it('marks an unfollow and sends nothing', async () => {
    const user = lineUserId('unfollow');
    const ev = eventsFor(h.line, user, h.clock);
    await h.post([ev.follow()]);
    const before = h.line.requests.length;
    await h.post([ev.unfollow()]);
    expect(h.line.requests.length).toBe(before);
    const row = await h.service.db.prisma.lineUser.findUnique({ where: { id: user } });
    expect(row?.unfollowedAt).toEqual(h.clock.now());
  });
});

describe('the webhook endpoint', () => {
  const h = useHarness({ checkLine: 'never' });

  const storedEvents = () => h.service.db.prisma.webhookEvent.count();

  it('answers LINE’s connectivity check (empty events) with 200', async () => {
    const res = await h.post([]);
    expect(res.status).toBe(200);
  });

  it('rejects a missing or wrong signature with 401 and stores nothing', async () => {
    const before = await storedEvents();
    const body = JSON.stringify({ events: [eventsFor(h.line, lineUserId('sig'), h.clock).follow()] });
    const missing = await request(h.service.app).post('/webhook').set('content-type', 'application/json').send(body);
    expect(missing.status).toBe(401);
    const wrong = await postSigned(h.service.app, body, sign(body, 'other-secret'));
    expect(wrong.status).toBe(401);
    const tampered = await postSigned(h.service.app, body.replace('follow', 'folloW'), sign(body));
    expect(tampered.status).toBe(401);
    await h.settle();
    expect(await storedEvents()).toBe(before);
    expect(h.line.messagesTo(lineUserId('sig'))).toHaveLength(0);
  });

  it('answers malformed JSON or a body that is not a webhook with 400', async () => {
    for (const body of ['{"events": [', 'null', '{"events": "x"}', '[]']) {
      const res = await postSigned(h.service.app, body);
      expect(res.status, body).toBe(400);
    }
  });

  it('acknowledges a webhook whose only event is malformed, and stores nothing of it', async () => {
    // Events are checked one by one so that one odd event cannot sink the others (a redelivery
    // would fail the same way); a body of nothing but odd events is answered 200 and skipped.
    const before = await storedEvents();
    const body = '{"destination":"Uffffffffffffffffffffffffffffffff","events":[{"type":"message"}]}';
    const res = await postSigned(h.service.app, body);
    expect(res.status).toBe(200);
    expect(await storedEvents()).toBe(before);
  });

  it('answers a body over the limit with 413', async () => {
    const body = JSON.stringify({ events: [], padding: 'x'.repeat(1_100_000) });
    const res = await postSigned(h.service.app, body);
    expect(res.status).toBe(413);
  });

  it('applies a redelivered event only once', async () => {
    const user = lineUserId('redelivery');
    const follow = eventsFor(h.line, user, h.clock).follow();
    await h.post([follow]);
    await h.post([{ ...follow, deliveryContext: { isRedelivery: true } }]);
    await h.post([follow, follow]);
    expect(h.line.replies.filter((r) => r.userId === user)).toHaveLength(1);
    expect(await h.service.db.prisma.webhookEvent.count({ where: { id: follow.webhookEventId } })).toBe(1);
  });

  it('applies several events of one user in the order LINE stamped them', async () => {
    const user = lineUserId('order');
    const ev = eventsFor(h.line, user, h.clock);
    const follow = ev.follow();
    h.clock.advance(1000);
    const agree = ev.postback('a=terms.agree&q=1');
    // Delivered in one body, out of order: the follow must still come first.
    await h.post([agree, follow]);
    expect(await h.service.db.prisma.consent.count({ where: { userId: user } })).toBe(1);
  });

  it('reports liveness and database reachability', async () => {
    const res = await request(h.service.app).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', database: 'ok' });
  });

  it('answers unknown paths and methods with 404 and never a stack trace', async () => {
    const res = await request(h.service.app).get('/webhook');
    expect(res.status).toBe(404);
    const res2 = await request(h.service.app).post('/../../etc/passwd').send('x');
    expect(res2.status).toBe(404);
    expect(JSON.stringify(res2.body)).not.toContain('at ');
  });

  it('records a failing event with its error and tells the user what to do', async () => {
    const user = lineUserId('failure');
    const ev = eventsFor(h.line, user, h.clock);
    // Make the turn fail: no terms version is in force before 2023-11-01.
    const saved = h.clock.now();
    h.clock.set('2020-01-01T00:00:00Z');
    const follow = ev.follow();
    await h.post([follow]);
    h.clock.set(saved);
    const row = await h.service.db.prisma.webhookEvent.findUnique({ where: { id: follow.webhookEventId } });
    expect(row?.status).toBe('failed');
    expect(row?.error).toContain('no terms version');
    // What the user sent is not kept on a failed event (it may be personal).
    expect(row?.payload).toBeNull();
    expect(texts(h.line.messagesTo(user))).toContain('お電話');
  });
});

describe('restarts and flow versions', () => {
  it('continues the conversation after a restart between two messages', async () => {
    const h = await startHarness({ persistent: true });
    try {
      const user = lineUserId('restart');
      const ev = eventsFor(h.line, user, h.clock);
      await h.post([ev.follow()]);
      await h.restart();
      await h.post([ev.postback('a=terms.agree&q=1')]);
      expect(await h.service.db.prisma.consent.count({ where: { userId: user } })).toBe(1);
    } finally {
      await h.close();
    }
  });

  it('restarts politely a conversation saved by another flow version', async () => {
    const h = await startHarness();
    try {
      const user = lineUserId('old-flow');
      const ev = eventsFor(h.line, user, h.clock);
      await h.post([ev.follow()]);
      await h.service.db.prisma.conversation.update({ where: { userId: user }, data: { flowVersion: 0 } });
      await h.post([ev.text('同意します')]);
      const reply = texts(h.line.messagesTo(user).slice(1));
      expect(reply).toContain('最初からやり直させてください');
      expect(await h.service.db.prisma.consent.count({ where: { userId: user } })).toBe(0);
      h.line.assertNoRejections();
    } finally {
      await h.close();
    }
  });

  it('restarts politely a conversation whose stored state no longer exists', async () => {
    const h = await startHarness();
    try {
      const user = lineUserId('gone-state');
      const ev = eventsFor(h.line, user, h.clock);
      await h.post([ev.follow()]);
      await h.service.db.prisma.conversation.update({
        where: { userId: user },
        // Sealed with the service's key, as a release that had such a state would have stored it.
        data: {
          snapshot: {
            sealed: h.service.deps.dialogue.sealer.seal(JSON.stringify({ value: 'noSuchState', context: { q: 3, asking: null, termsVersion: null } })),
          },
        },
      });
      await h.post([ev.text('こんにちは')]);
      expect(texts(h.line.messagesTo(user).slice(1))).toContain('最初からやり直させてください');
    } finally {
      await h.close();
    }
  });
});
