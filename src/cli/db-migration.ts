/**
 * `npm run db:migration -- <name>`: writes prisma/migrations/<timestamp>_<name>/migration.sql
 * with the SQL that takes the committed migrations to the current prisma/schema.prisma.
 * It diffs on a throw-away in-memory PGlite, so it needs no database server and no network.
 */
import { openDatabase } from '../db/client.ts';
import { createMigration } from '../db/migrate.ts';

const name = process.argv.slice(2).join('_');
if (!name) {
  process.stderr.write('usage: npm run db:migration -- <name>   (e.g. add_bookings)\n');
  process.exit(2);
}
const db = await openDatabase({ dataDir: 'memory://' });
try {
  const created = await createMigration(db.adapterFactory, name, new Date());
  process.stdout.write(`${created ? `created ${created.directory}` : 'schema.prisma matches the migrations: nothing to do'}\n`);
} finally {
  await db.close();
}
process.exit(0);
