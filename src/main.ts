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
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  server.close();
  await service.close();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
