/**
 * `npm run keys -- check` and `npm run keys -- reencrypt [--batch-size N]`: the field-encryption
 * keys of the configured database (issue #8, rotation; README "Rotating the field key").
 *
 * - check: the configured keys, the key checks the database holds, and which key ids encrypt
 *   how many stored values, per column. Exit 1 when a key id in use is not configured (those
 *   values cannot be read) or the configured key is not this database's.
 * - reencrypt: moves every stored encrypted value to the current key (FIELD_ENCRYPTION_KEY), in
 *   batches; idempotent, safe beside the running service (PostgreSQL), safe to interrupt and
 *   re-run. Ends with one summary line; exit 1 if some values could not be read.
 *
 * On the embedded database, run it while the service is stopped (one process at a time).
 */
import { ConfigError } from '../config.ts';
import { exitOnConfigError, loadConfigOrExit, openDatabaseOrExit, applicationClock } from '../entry.ts';
import { createLogger } from '../logger.ts';
import { fieldCipherFor } from '../service.ts';
import { verifyFieldKeys } from '../crypto/field-keys.ts';
import { keyUsage, reencryptStoredTokens } from '../crypto/stored-tokens.ts';

const usage = 'usage: npm run keys -- check | reencrypt [--batch-size N]';
const [command, ...rest] = process.argv.slice(2);
let batchSize = 200;
for (let i = 0; i < rest.length; i += 1) {
  const value = Number(rest[i + 1]);
  if (rest[i] === '--batch-size' && Number.isInteger(value) && value >= 1 && value <= 10_000) {
    batchSize = value;
    i += 1;
  } else {
    process.stderr.write(`${usage}\n`);
    process.exit(2);
  }
}
if (command !== 'check' && command !== 'reencrypt') {
  process.stderr.write(`${usage}\n`);
  process.exit(2);
}

// The keys need no LINE channel; placeholders keep the shared validation usable.
const config = loadConfigOrExit({ LINE_CHANNEL_SECRET: '-', LINE_CHANNEL_ACCESS_TOKEN: '-' });
const logger = createLogger({ level: 'warn', destination: process.stderr });
const cipher = await fieldCipherFor(config, logger).catch((error: unknown) => {
  exitOnConfigError(error);
  throw error;
});
const db = await openDatabaseOrExit(config);
const out = (line: string) => process.stdout.write(`${line}\n`);
let code = 0;
try {
  const role = (id: string) => (id === cipher.keyId ? 'current' : cipher.keyIds.includes(id) ? 'old' : 'NOT CONFIGURED');
  if (command === 'check') {
    out(`configured keys: ${cipher.keyIds.map((id) => `${id} (${role(id)})`).join(', ')}`);
    const checks = await db.prisma.fieldKeyCheck.findMany({ orderBy: [{ createdAt: 'asc' }, { keyId: 'asc' }] });
    const newest = checks.at(-1);
    out(
      `key checks in the database: ${newest ? `${checks.map((c) => c.keyId).join(', ')} (current: ${newest.keyId})` : 'none yet (stored at the first start of the service)'}`,
    );
    if (newest && newest.keyId !== cipher.keyId) {
      out(
        cipher.keyIds.includes(newest.keyId)
          ? `rotation: the next start makes ${cipher.keyId} this database's current key (it replaces ${newest.keyId})`
          : `FIELD_ENCRYPTION_KEY (${cipher.keyId}) would be refused: this database's current key is ${newest.keyId}`,
      );
      if (!cipher.keyIds.includes(newest.keyId)) code = 1;
    }
    const totals = new Map<string, number>();
    for (const column of await keyUsage(db.prisma)) {
      out(
        `${column.table}.${column.column}: ${Object.entries(column.keyIds)
          .map(([id, n]) => `${id} ×${n}`)
          .join(', ')}`,
      );
      for (const [id, n] of Object.entries(column.keyIds)) totals.set(id, (totals.get(id) ?? 0) + n);
    }
    const inUse = [...totals.entries()].sort((a, b) => b[1] - a[1]);
    out(`key ids in use: ${inUse.length ? inUse.map(([id, n]) => `${id} (${role(id)}) ${n} values`).join(', ') : 'none (no encrypted values stored)'}`);
    const unreadable = inUse.filter(([id]) => !cipher.keyIds.includes(id));
    const old = inUse.filter(([id]) => id !== cipher.keyId && cipher.keyIds.includes(id));
    if (unreadable.length > 0) {
      out(`values under ${unreadable.map(([id]) => id).join(', ')} cannot be read with the configured keys: add that key to FIELD_ENCRYPTION_OLD_KEYS`);
      code = 1;
    } else if (old.length > 0) {
      out('run `npm run keys -- reencrypt` before removing the old keys from FIELD_ENCRYPTION_OLD_KEYS');
    } else if (inUse.length > 0 && cipher.keyIds.length > 1) {
      out('every value is under the current key: the old keys can be removed from FIELD_ENCRYPTION_OLD_KEYS');
    }
  } else {
    // Never rewrite data with a key this database does not know.
    await verifyFieldKeys(db.prisma, cipher, applicationClock(config).now());
    const summary = await reencryptStoredTokens(db.prisma, cipher, { batchSize });
    const unreadable = Object.entries(summary.unreadable);
    const perColumn = Object.entries(summary.perColumn)
      .map(([column, n]) => `${column} ${n}`)
      .join(', ');
    out(
      `reencrypted ${summary.reencrypted} values in ${summary.rows} rows to key ${cipher.keyId}${perColumn ? ` (${perColumn})` : ''}; ` +
        `${summary.changedMeanwhile} rows changed meanwhile (run again); ` +
        `${unreadable.length ? `unreadable: ${unreadable.map(([id, n]) => `${n} under ${id}`).join(', ')}` : '0 unreadable'}`,
    );
    if (unreadable.length > 0) code = 1;
  }
} catch (error) {
  await db.close();
  if (error instanceof ConfigError) exitOnConfigError(error);
  throw error;
}
await db.close();
// Exit explicitly: the WebAssembly schema engine leaves a timer that would keep the process alive.
process.exit(code);
