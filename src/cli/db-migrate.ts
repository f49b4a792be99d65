/**
 * `npm run db:migrate`: applies the committed migrations to the configured database
 * (DATABASE_URL, or the embedded one under DATA_DIR) and seeds the initial terms. The service
 * does the same at start; this is for deployments that migrate before rolling out.
 */
import { loadConfigOrExit, openDatabaseOrExit } from '../entry.ts';
import { seedInitialData } from '../db/seed.ts';

// Migrating needs no LINE channel; placeholders keep the shared validation usable.
const config = loadConfigOrExit({ LINE_CHANNEL_SECRET: '-', LINE_CHANNEL_ACCESS_TOKEN: '-' });
const db = await openDatabaseOrExit(config);
await seedInitialData(db.prisma);
process.stdout.write(`${db.appliedMigrations.length ? `applied: ${db.appliedMigrations.join(', ')}` : 'database is up to date'}\n`);
await db.close();
// Exit explicitly: the WebAssembly schema engine leaves a timer that would keep the process
// alive for about ten seconds.
process.exit(0);
