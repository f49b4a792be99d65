/**
 * Data the project owns and every database must hold: the terms of use in force when the
 * service was built (revision of 2023-11-01), kept in src/content/terms. Idempotent, so it
 * runs at every start after the migrations.
 */
import { readFile } from 'node:fs/promises';
import type { PrismaClient } from '../generated/prisma/client.ts';

export const initialTerms = {
  version: '2023-11-01',
  title: 'オンライン職業相談利用規約',
  // 令和5年11月1日 改定・発行: in force from that day, 00:00 in Japan.
  effectiveAt: new Date('2023-11-01T00:00:00+09:00'),
  file: new URL('../content/terms/2023-11-01.txt', import.meta.url),
};

/** Inserts the initial terms version if it is missing; never overwrites an existing one. */
export async function seedInitialData(prisma: PrismaClient): Promise<void> {
  const body = await readFile(initialTerms.file, 'utf8');
  await prisma.termsVersion.upsert({
    where: { version: initialTerms.version },
    create: { version: initialTerms.version, title: initialTerms.title, body, effectiveAt: initialTerms.effectiveAt },
    update: {},
  });
}
