/**
 * `npm run db:migrate`: applies the committed migrations to the configured database
 * (DATABASE_URL, or the embedded one under DATA_DIR) and seeds the initial terms. The service
 * does the same at start; this is for deployments that migrate before rolling out.
 */
import { config as loadDotenv } from 'dotenv';
import { z } from 'zod';
import { openMigratedDatabase } from '../db/client.ts';
import { seedInitialData } from '../db/seed.ts';

loadDotenv({ quiet: true });
const env = z
  .object({ DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must be a postgresql:// URL').optional().or(z.literal('')), DATA_DIR: z.string().optional() })
  .safeParse(process.env);
if (!env.success) {
  console.error(`Configuration error: ${env.error.issues[0]?.message ?? 'invalid'}`);
  process.exit(1);
}
const db = await openMigratedDatabase({ databaseUrl: env.data.DATABASE_URL || undefined, dataDir: env.data.DATA_DIR || './data' });
await seedInitialData(db.prisma);
console.log(db.appliedMigrations.length ? `applied: ${db.appliedMigrations.join(', ')}` : 'database is up to date');
await db.close();
// Exit explicitly: the WebAssembly schema engine leaves a timer that would keep the process
// alive for about ten seconds.
process.exit(0);
