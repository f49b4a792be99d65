/**
 * Server entry: reads the configuration (from the environment, and `.env` if present — the
 * real environment wins), starts the service and listens. A configuration error stops the
 * process with one line naming the variable.
 */
import { describeError } from './logger.ts';
import { exitOnConfigError, loadConfigOrExit } from './entry.ts';
import { startService } from './service.ts';
import type { Service } from './service.ts';
import { isLocalMode } from './config.ts';
import { startLocalMode } from './dev/local-mode.ts';
import type { LocalMode } from './dev/local-mode.ts';

const config = loadConfigOrExit();
let service: Service;
// Local mode (both LINE credentials empty; refused in production): fake LINE API, chat emulator at /dev.
let local: LocalMode | undefined;
try {
  if (isLocalMode(config)) {
    local = await startLocalMode(config);
    service = local.service;
  } else {
    service = await startService(config);
  }
} catch (error) {
  exitOnConfigError(error);
  throw error;
}
const { logger } = service.deps;
const server = (local?.app ?? service.app).listen(config.PORT, config.HOST, () => {
  logger.info({ host: config.HOST, port: config.PORT, database: service.db.kind, localMode: local !== undefined }, 'listening');
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST;
  if (local) process.stdout.write(local.listening(`http://${host}:${config.PORT}`));
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
  await (local ?? service).close();
  logger.info({ signal }, 'stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
