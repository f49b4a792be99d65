/**
 * Server entry: reads the configuration (from the environment, and `.env` if present — the
 * real environment wins), starts the service and listens. A configuration error stops the
 * process with one line naming the variable.
 */
import { describeError } from './logger.ts';
import { exitOnConfigError, loadConfigOrExit } from './entry.ts';
import { startService } from './service.ts';
import type { Service } from './service.ts';

const config = loadConfigOrExit();
let service: Service;
try {
  service = await startService(config);
} catch (error) {
  exitOnConfigError(error);
  throw error;
}
const { logger } = service.deps;
const server = service.app.listen(config.PORT, config.HOST, () => {
  logger.info({ host: config.HOST, port: config.PORT, database: service.db.kind }, 'listening');
});
server.on('error', (error) => {
  logger.fatal({ error: describeError(error) }, 'cannot listen');
  process.exit(1);
});

let stopping = false;
/**
 * SIGTERM/SIGINT: stop accepting connections, let requests in flight get their answer, finish
 * the events being applied (bounded by SHUTDOWN_GRACE_SECONDS; the rest stay pending in the
 * database and are applied at the next start or by another instance), give back the pushes the
 * scheduler held, close the database, exit 0.
 */
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  const graceMs = config.SHUTDOWN_GRACE_SECONDS * 1000;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const deadline = setTimeout(() => server.closeAllConnections(), graceMs).unref();
  await closed;
  clearTimeout(deadline);
  await service.close();
  logger.info({ signal }, 'stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
