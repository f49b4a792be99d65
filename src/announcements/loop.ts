/**
 * Starts the announcement sender from the configuration, wherever the reminder scheduler runs
 * (the service with RUN_SCHEDULER, and `npm run worker`): one small call for each entry point.
 */
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { createLineMulticaster } from './multicast.ts';
import type { Multicaster } from './multicast.ts';
import { defaultSenderOptions, startAnnouncementSender } from './sender.ts';

/**
 * An idle sender looks for work every SCHEDULER_INTERVAL_SECONDS, but at least every 5 seconds,
 * so a published announcement starts going out promptly; a busy one goes on without pausing.
 */
export function startAnnouncementsFromConfig(
  config: Config,
  deps: { prisma: PrismaClient; clock: Clock; logger: Logger; multicaster?: Multicaster },
): { stop(): Promise<void> } {
  const multicaster = deps.multicaster ?? createLineMulticaster({ channelAccessToken: config.LINE_CHANNEL_ACCESS_TOKEN, baseURL: config.LINE_API_BASE_URL });
  const intervalMs = Math.min(config.SCHEDULER_INTERVAL_SECONDS, 5) * 1000;
  return startAnnouncementSender({ prisma: deps.prisma, clock: deps.clock, logger: deps.logger, multicaster }, intervalMs, {
    ...defaultSenderOptions,
    concurrency: config.ANNOUNCEMENT_CONCURRENCY,
    requestsPerSecond: config.ANNOUNCEMENT_REQUESTS_PER_SECOND,
  });
}
