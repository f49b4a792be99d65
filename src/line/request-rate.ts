/**
 * Keeps a sender within LINE's rate limits: the scheduler's pushes (src/lifecycle/outbox.ts) and
 * the announcements' multicasts (src/announcements/sender.ts) share this limiter.
 */

/** Spaces request starts so that at most `perSecond` begin in any second (shared by the workers of one pass). */
export function startLimiter(perSecond: number): () => Promise<void> {
  const gapMs = 1000 / perSecond;
  let next = 0;
  return async () => {
    const now = performance.now();
    const at = Math.max(now, next);
    next = at + gapMs;
    if (at > now) await new Promise((resolve) => setTimeout(resolve, at - now));
  };
}
