// Terms versions as data: the seeded version carries the card summary that used to be hard-coded
// (also on a database created before versions had one), cards link to the public page only when
// PUBLIC_BASE_URL is set, and the configuration accepts only an https base address.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMigratedDatabase } from '../../src/db/client.ts';
import type { Database } from '../../src/db/client.ts';
import { initialTerms, seedInitialData } from '../../src/db/seed.ts';
import { createTermsDraft, termsCardFor, termsPageUrl, validateTermsDraft } from '../../src/terms/versions.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { createTestDatabase } from '../support/database.ts';
import type { TestDatabase } from '../support/database.ts';

describe('the seeded terms version', () => {
  let database: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    database = await createTestDatabase();
    db = await openMigratedDatabase({ databaseUrl: database.databaseUrl, dataDir: database.dataDir });
  });
  afterAll(async () => {
    await db.close();
    await database.drop();
  });

  it('fills the label and card summary of a row stored before versions had them, once, and keeps an edited one', async () => {
    await db.prisma.termsVersion.create({
      data: { version: initialTerms.version, title: initialTerms.title, body: '本文', effectiveAt: initialTerms.effectiveAt },
    });
    await seedInitialData(db.prisma);
    const row = await db.prisma.termsVersion.findUniqueOrThrow({ where: { version: initialTerms.version } });
    expect([row.label, row.status, row.body]).toEqual(['令和5年11月1日改定', 'published', '本文']);
    for (const point of ['無料', '30分', 'TeleOffice', '2開庁日前', '電話']) expect(row.cardSummary).toContain(point);

    // Issue #11: the card says no recording or publishing (Art. 12(2)) and where the notice goes (Art. 6(3)).
    expect(row.cardSummary).toContain('録画・録音');
    expect(row.cardSummary).toContain('求職者マイページに登録のメールアドレス');
    // A summary this seed wrote before issue #11 is brought up to date.
    await db.prisma.termsVersion.update({ where: { id: row.id }, data: { cardSummary: initialTerms.previousCardSummaries[0] } });
    await seedInitialData(db.prisma);
    expect((await db.prisma.termsVersion.findUniqueOrThrow({ where: { id: row.id } })).cardSummary).toBe(initialTerms.cardSummary);

    await db.prisma.termsVersion.update({ where: { id: row.id }, data: { cardSummary: '・職員が直した要約' } });
    await seedInitialData(db.prisma);
    expect((await db.prisma.termsVersion.findUniqueOrThrow({ where: { id: row.id } })).cardSummary).toBe('・職員が直した要約');
  });

  it("keeps a draft's LINE-notice sentence (Art. 6(3)) on one line, null when left empty, and refuses one too long or with braces", async () => {
    const now = new Date('2026-11-28T10:00:00+09:00');
    const input = { label: '令和8年12月1日改定', effectiveDate: '2026-12-01', body: '全文', changeSummary: '変更点', cardSummary: '要約' };
    expect((await validateTermsDraft(db.prisma, input, now)).lineNoticeWording).toBeNull();
    expect((await validateTermsDraft(db.prisma, { ...input, lineNoticeWording: ' \n ' }, now)).lineNoticeWording).toBeNull();
    expect((await validateTermsDraft(db.prisma, { ...input, lineNoticeWording: ' 同じご案内を\r\nLINEでもお送りします。 ' }, now)).lineNoticeWording).toBe(
      '同じご案内を LINEでもお送りします。',
    );
    await expect(validateTermsDraft(db.prisma, { ...input, lineNoticeWording: 'あ'.repeat(121) }, now)).rejects.toMatchObject({ field: 'lineNoticeWording' });
    await expect(validateTermsDraft(db.prisma, { ...input, lineNoticeWording: '{phone}にお電話を' }, now)).rejects.toMatchObject({
      field: 'lineNoticeWording',
    });
    const draft = await createTermsDraft(db.prisma, { ...input, lineNoticeWording: 'LINEでもお送りします。' }, now);
    expect(draft.lineNoticeWording).toBe('LINEでもお送りします。');
  });

  it('gives the card a link to the public page only with a public base address', async () => {
    expect((await termsCardFor(db.prisma, initialTerms.version, undefined))?.fullTextUrl).toBeUndefined();
    expect(await termsCardFor(db.prisma, initialTerms.version, 'https://line.example.jp/hw')).toMatchObject({
      label: '令和5年11月1日改定',
      effectiveDate: '2023-11-01',
      fullTextUrl: 'https://line.example.jp/hw/terms/2023-11-01',
    });
    expect(await termsCardFor(db.prisma, '2099-01-01', 'https://line.example.jp')).toBeUndefined();
    expect(termsPageUrl('https://line.example.jp/', '2027-01-01')).toBe('https://line.example.jp/terms/2027-01-01');
  });
});

describe('configuration for terms changes and announcements', () => {
  const base = { LINE_CHANNEL_SECRET: 's', LINE_CHANNEL_ACCESS_TOKEN: 't', NODE_ENV: 'test' };
  const refusal = (env: Record<string, string>) => {
    try {
      loadConfig({ ...base, ...env });
    } catch (error) {
      if (error instanceof ConfigError) return error;
      throw error;
    }
    return undefined;
  };

  it('accepts an https base address, keeps a path prefix and drops a trailing slash', () => {
    expect(loadConfig(base).PUBLIC_BASE_URL).toBeUndefined();
    expect(loadConfig({ ...base, PUBLIC_BASE_URL: 'https://line.example.jp/' }).PUBLIC_BASE_URL).toBe('https://line.example.jp');
    expect(loadConfig({ ...base, PUBLIC_BASE_URL: ' https://example.jp/hellowork/ ' }).PUBLIC_BASE_URL).toBe('https://example.jp/hellowork');
  });

  it('refuses a base address LINE would not open, naming the variable', () => {
    for (const value of [
      'http://line.example.jp',
      'line.example.jp',
      'https://line.example.jp/?a=1',
      'https://user:pw@line.example.jp',
      'javascript:alert(1)',
    ]) {
      expect(refusal({ PUBLIC_BASE_URL: value })?.variable, value).toBe('PUBLIC_BASE_URL');
    }
  });

  it('bounds the sender: concurrency 1–50 (default 4), requests per second 1–200 (LINE’s multicast limit, default 100)', () => {
    expect(loadConfig(base)).toMatchObject({ ANNOUNCEMENT_CONCURRENCY: 4, ANNOUNCEMENT_REQUESTS_PER_SECOND: 100 });
    expect(refusal({ ANNOUNCEMENT_REQUESTS_PER_SECOND: '201' })?.message).toContain('ANNOUNCEMENT_REQUESTS_PER_SECOND must be a whole number from 1 to 200');
    expect(refusal({ ANNOUNCEMENT_CONCURRENCY: '0' })?.variable).toBe('ANNOUNCEMENT_CONCURRENCY');
  });
});
