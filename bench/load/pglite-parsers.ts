/**
 * The PGlite parser merge (src/db/client.ts, withParsersMergedOnce) before and after: the same
 * Prisma query on one in-memory PGlite, through the adapter as shipped and through the wrapper.
 *   node bench/load/pglite-parsers.ts
 */
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from '../../src/generated/prisma/client.ts';
import { applyMigrations } from '../../src/db/migrate.ts';
import { withParsersMergedOnce } from '../../src/db/client.ts';

const pglite = new PGlite('memory://');
await pglite.waitReady;
await applyMigrations(new PrismaPGlite(pglite));
const plain = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
const merged = new PrismaClient({ adapter: new PrismaPGlite(withParsersMergedOnce(pglite)) });
await plain.lineUser.create({ data: { id: 'U00000000000000000000000000000001' } });

async function time(client: PrismaClient, n: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < n; i++) await client.lineUser.findUnique({ where: { id: 'U00000000000000000000000000000001' } });
  return (performance.now() - start) / n;
}
for (const round of [1, 2, 3]) {
  const a = await time(plain, 2000);
  const b = await time(merged, 2000);
  console.log(`round ${round}: as shipped ${a.toFixed(3)} ms/query, parsers merged once ${b.toFixed(3)} ms/query`);
}
await pglite.close();
