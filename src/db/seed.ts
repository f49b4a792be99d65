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
  label: '令和5年11月1日改定',
  // What the consent card of this version shows (each version carries its own).
  cardSummary: [
    '・利用料は無料です（通信料・機器は利用者のご負担）',
    '・1回30分以内、ビデオ通話アプリ「TeleOffice」を使います（TeleOfficeの利用規約にも同意したものとみなされます）',
    '・予約は相談日の2開庁日前までに確定が必要です',
    // Art. 6(3): the e-mail to the 求職者マイページ address is the notice; LINE repeats it.
    '・前日（閉庁日の場合は直前の開庁日）に、求職者マイページに登録のメールアドレスへ日時と接続URLをお送りします（このLINEでもお知らせします）',
    '・キャンセルはお電話で。連絡なく開始から10分過ぎるとキャンセル扱いになります',
    // Art. 12(2): said before consent.
    '・相談の録画・録音や、SNSなどインターネットへの配信・公開はできません（行うと相談を中止します）',
  ].join('\n'),
  /**
   * Summaries this seed wrote before (issue #11 added Art. 6(3)'s e-mail and Art. 12(2)); a
   * database still holding one of them word for word gets the current one. A summary that
   * differs (edited by hand) is left alone.
   */
  previousCardSummaries: [
    [
      '・利用料は無料です（通信料・機器は利用者のご負担）',
      '・1回30分以内、ビデオ通話アプリ「TeleOffice」を使います（TeleOfficeの利用規約にも同意したものとみなされます）',
      '・予約は相談日の2開庁日前までに確定が必要です',
      '・前日（閉庁日の場合は直前の開庁日）に日時と接続URLをお送りします',
      '・キャンセルはお電話で。連絡なく開始から10分過ぎるとキャンセル扱いになります',
    ].join('\n'),
  ],
};

/**
 * Inserts the initial terms version if it is missing; never overwrites an existing one's text.
 * A row created before versions had a label and a card summary gets them (once), and a card
 * summary this seed wrote before is brought up to date (see previousCardSummaries).
 */
export async function seedInitialData(prisma: PrismaClient): Promise<void> {
  const body = await readFile(initialTerms.file, 'utf8');
  const { label, cardSummary } = initialTerms;
  await prisma.termsVersion.upsert({
    where: { version: initialTerms.version },
    create: { version: initialTerms.version, title: initialTerms.title, body, effectiveAt: initialTerms.effectiveAt, label, cardSummary, status: 'published' },
    update: {},
  });
  await prisma.termsVersion.updateMany({ where: { version: initialTerms.version, label: null }, data: { label } });
  await prisma.termsVersion.updateMany({ where: { version: initialTerms.version, cardSummary: null }, data: { cardSummary } });
  await prisma.termsVersion.updateMany({
    where: { version: initialTerms.version, cardSummary: { in: initialTerms.previousCardSummaries } },
    data: { cardSummary },
  });
}
