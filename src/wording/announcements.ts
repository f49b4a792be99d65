/**
 * What a terms-change announcement (Art. 14) and an office notice say around the office's own
 * content, for the office to review with the rest of the bot's wording in this folder.
 * `{office}`, `{phone}`, `{hours}` come from the configuration; `{label}`, `{date}`,
 * `{changes}`, `{summary}` from the terms version being announced.
 */
export const announcementCopy = {
  termsTitle: '【利用規約改定のお知らせ】',
  termsIntro: '{office}の「オンライン職業相談」の利用規約を改定します（{label}）。',
  termsEffective: '■適用日\n{date}から',
  termsChanges: '■主な変更点\n{changes}',
  termsSummary: '■改定後の利用規約の要点\n{summary}',
  termsConsent: '適用日以降にご予約いただく際は、改定後の利用規約への同意をお願いします（予約のときにご案内します）。',
  termsBookingStays: '■ご予約中の方へ\n適用日以降のご予約も、そのまま有効です。改めてのお手続きは必要ありません。',
  termsLinkLead: '改定後の利用規約の全文は、下のボタンから読めます。',
  termsFullTextLead: '改定後の利用規約の全文をお送りします（{label}）。',
  termsQuestions: 'ご不明な点は{office}（{phone}、{hours}）へお問い合わせください。',
  fullTextCardTitle: '利用規約（{label}）',
  fullTextCardDate: '{date}から適用',
  readFullButton: '全文を読む',
  noticeTitle: '【{office}からのお知らせ】',
} as const;
