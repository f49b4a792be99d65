/**
 * What a typed message means, as far as the dialogue cares. Pure and forgiving: full-width
 * characters, spaces and common Japanese phrasings are matched, not only exact words.
 */
export type Intent =
  | 'book'
  | 'checkBooking'
  | 'cancelBooking'
  | 'quit'
  | 'back'
  | 'agree'
  | 'decline'
  | 'yes'
  | 'no'
  | 'terms'
  | 'help'
  | 'greeting'
  | 'none';

/** NFKC, lower case, without spaces and trailing punctuation: the form intents are matched on. */
export function normaliseForMatching(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s\u200b-\u200d\ufeff]+/g, '')
    .replace(/[。．.!！?？、,~〜ー]+$/u, '');
}

const exact: Record<string, Intent> = {
  やめる: 'quit', やめます: 'quit', 中止: 'quit', 中断: 'quit', 終了: 'quit', ストップ: 'quit', stop: 'quit', quit: 'quit',
  キャンセル: 'quit', cancel: 'quit',
  戻る: 'back', もどる: 'back', 前に戻る: 'back', back: 'back',
  同意する: 'agree', 同意します: 'agree', 同意: 'agree', agree: 'agree',
  同意しない: 'decline', 同意しません: 'decline', disagree: 'decline',
  はい: 'yes', yes: 'yes', ok: 'yes', オッケー: 'yes', ええ: 'yes', うん: 'yes',
  いいえ: 'no', no: 'no', いや: 'no', ちがう: 'no', 違う: 'no', 違います: 'no',
  予約: 'book', 予約する: 'book', 予約したい: 'book', 予約します: 'book', 申し込み: 'book', 申込み: 'book', 申込: 'book', book: 'book',
  予約確認: 'checkBooking', 予約の確認: 'checkBooking',
  利用規約: 'terms', 規約: 'terms', terms: 'terms',
  ヘルプ: 'help', help: 'help', メニュー: 'help', menu: 'help', 使い方: 'help',
  こんにちは: 'greeting', こんばんは: 'greeting', おはよう: 'greeting', おはようございます: 'greeting', hello: 'greeting', hi: 'greeting',
};

const patterns: Array<[RegExp, Intent]> = [
  [/(キャンセル|取り?消|とりけし|取りやめ).*(したい|方法|どう|できます|したく|します|お願い|ください|ですか|って)|予約.*(キャンセル|取り?消)/u, 'cancelBooking'],
  [/予約.*(確認|内容|いつ|何時|日時|見たい|見せ|教え|ある|入って)|(確認|見たい).*予約/u, 'checkBooking'],
  [/(予約|申し?込).*(したい|する|します|お願い|できますか|取りたい|入れたい)|相談.*(予約|申し?込)/u, 'book'],
  [/(規約|利用規約).*(読|見|全文|教え)/u, 'terms'],
];

/** Classifies one typed message. */
export function classifyText(text: string): Intent {
  const t = normaliseForMatching(text);
  if (!t || t.length > 200) return 'none';
  const hit = exact[t];
  if (hit) return hit;
  for (const [re, intent] of patterns) if (re.test(t)) return intent;
  return 'none';
}
