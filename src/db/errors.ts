/**
 * Which database errors are worth another try. Errors reach us in several wrappings — a
 * node-postgres error (SQLSTATE in `code`), a socket error (ECONNRESET), Prisma's driver-adapter
 * error (`cause.kind`, `cause.originalCode`) or a known request error (`P…` code with the
 * adapter error under `meta.driverAdapterError`) — so the whole chain is inspected.
 */

/** SQLSTATEs and codes meaning the connection, not the statement, failed. */
const connectionCodes = new Set([
  '57P01', // admin_shutdown: pg_terminate_backend, a fast shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up, in recovery
  '53300', // too_many_connections
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'P1001', // can't reach database server
  'P1002', // server timed out
  'P1008', // operations timed out
  'P1017', // server closed the connection
  'P2024', // timed out fetching a connection from the pool
]);

/** Driver adapter error kinds meaning the same. */
const connectionKinds = new Set(['ConnectionClosed', 'DatabaseNotReachable', 'SocketTimeout', 'TooManyConnections', 'TlsConnectionError']);

const connectionMessages =
  /terminating connection|Connection terminated|connection (terminated|refused|closed|reset)|not queryable|Client has encountered a connection error|timeout exceeded when trying to connect|server closed the connection|the database system is (starting up|shutting down|in recovery)|Can't reach database server|socket hang up|read ECONNRESET|write EPIPE|Unable to start a transaction in the given time/i;

/** Codes of conflicts that a retry resolves. */
const conflictCodes = new Set(['40001', '40P01', 'P2034', 'P2028']);
const conflictMessages = /deadlock|could not serialize|write conflict|Transaction API error|Transaction already closed|expired transaction/i;

type Facts = { codes: string[]; kinds: string[]; messages: string[] };

/** Codes, kinds and messages along the error's cause chain (bounded). */
function factsOf(error: unknown): Facts {
  const facts: Facts = { codes: [], kinds: [], messages: [] };
  const seen = new Set<unknown>();
  const visit = (value: unknown, depth: number) => {
    if (depth > 6 || value === null || typeof value !== 'object' || seen.has(value)) return;
    seen.add(value);
    const record = value as Record<string, unknown>;
    for (const key of ['code', 'originalCode', 'errno']) if (typeof record[key] === 'string') facts.codes.push(record[key]);
    if (typeof record.kind === 'string') facts.kinds.push(record.kind);
    for (const key of ['message', 'originalMessage', 'reason']) if (typeof record[key] === 'string') facts.messages.push(record[key]);
    visit(record.cause, depth + 1);
    if (record.meta && typeof record.meta === 'object') {
      const meta = record.meta as Record<string, unknown>;
      visit(meta.driverAdapterError, depth + 1);
    }
  };
  visit(error, 0);
  return facts;
}

/** The connection to the database was lost or could not be had: the statement may be retried as is. */
export function isConnectionError(error: unknown): boolean {
  const facts = factsOf(error);
  return (
    facts.codes.some((code) => connectionCodes.has(code) || code.startsWith('08')) ||
    facts.kinds.some((kind) => connectionKinds.has(kind)) ||
    facts.messages.some((message) => connectionMessages.test(message))
  );
}

/** Worth another try: a lost connection, a deadlock, a serialization failure, a timeout. */
export function isTransientError(error: unknown): boolean {
  if (isConnectionError(error)) return true;
  const facts = factsOf(error);
  return (
    facts.codes.some((code) => conflictCodes.has(code)) || facts.messages.some((message) => conflictMessages.test(message) || /timed? ?out/i.test(message))
  );
}

/**
 * Runs `work` again when it fails because the connection was lost (a pooled connection the
 * server had just terminated), a few times with a short pause: for small idempotent statements
 * whose failure would otherwise cost more than the retry (a webhook answered 503, a delivered
 * reply not recorded as such).
 */
export async function retryOnConnectionLoss<T>(work: () => Promise<T>, attempts = 4, pauseMs = 50): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts || !isConnectionError(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, pauseMs * 2 ** (attempt - 1)));
    }
  }
}
