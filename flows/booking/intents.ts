/**
 * What a typed message means, as far as the dialogue cares. Pure and forgiving: full-width
 * characters, spaces and common Japanese phrasings are matched, not only exact words.
 */
export type FaqTopic = 'fee' | 'teleoffice' | 'device' | 'duration' | 'deadline' | 'interpreter' | 'reminder' | 'terms';

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
  /** The user asks to have their personal data erased (retention, issue #8). */
  | 'eraseData'
  /** About the user's own booking (issue #11): the meeting URL has not come, a change of time, of phone, of attendant. */
  | 'urlMissing'
  | 'changeBooking'
  | 'phoneChanged'
  | 'attendantCannotCome'
  /** 「わからない」: the user does not know the answer (at the job-seeker number: where to find it). */
  | 'dontKnow'
  | `faq.${FaqTopic}`
  | 'none';

/** NFKC, lower case, without spaces and trailing punctuation: the form intents are matched on. */
export function normaliseForMatching(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s\u200b-\u200d\ufeff]+/g, '')
    .replace(/[。．.!！~〜]+$/u, '');
}

const exact: Record<string, Intent> = {
  やめる: 'quit',
  やめます: 'quit',
  やめたい: 'quit',
  中止: 'quit',
  中断: 'quit',
  終了: 'quit',
  ストップ: 'quit',
  stop: 'quit',
  quit: 'quit',
  キャンセル: 'quit',
  cancel: 'quit',
  取り消し: 'quit',
  取消: 'quit',
  戻る: 'back',
  もどる: 'back',
  前に戻る: 'back',
  ひとつ前に戻る: 'back',
  back: 'back',
  同意する: 'agree',
  同意します: 'agree',
  同意: 'agree',
  agree: 'agree',
  同意しない: 'decline',
  同意しません: 'decline',
  disagree: 'decline',
  はい: 'yes',
  yes: 'yes',
  ok: 'yes',
  オッケー: 'yes',
  ええ: 'yes',
  うん: 'yes',
  そうです: 'yes',
  大丈夫: 'yes',
  大丈夫です: 'yes',
  できます: 'yes',
  あります: 'yes',
  しています: 'yes',
  済み: 'yes',
  完了: 'yes',
  確認しました: 'yes',
  確定: 'yes',
  確定する: 'yes',
  予約する: 'book',
  いいえ: 'no',
  no: 'no',
  いや: 'no',
  ちがう: 'no',
  違う: 'no',
  違います: 'no',
  まだ: 'no',
  まだです: 'no',
  ありません: 'no',
  していません: 'no',
  できません: 'no',
  予約: 'book',
  予約したい: 'book',
  予約します: 'book',
  申し込み: 'book',
  申込み: 'book',
  申込: 'book',
  book: 'book',
  予約お願いします: 'book',
  予約確認: 'checkBooking',
  よやく: 'book',
  よやくかくにん: 'checkBooking',
  よやくのかくにん: 'checkBooking',
  予約の確認: 'checkBooking',
  予約内容: 'checkBooking',
  利用規約: 'terms',
  規約: 'terms',
  terms: 'terms',
  ヘルプ: 'help',
  help: 'help',
  メニュー: 'help',
  menu: 'help',
  使い方: 'help',
  こんにちは: 'greeting',
  こんばんは: 'greeting',
  おはよう: 'greeting',
  おはようございます: 'greeting',
  hello: 'greeting',
  hi: 'greeting',
  わからない: 'dontKnow',
  わかりません: 'dontKnow',
  分からない: 'dontKnow',
  分かりません: 'dontKnow',
  わからないです: 'dontKnow',
  知らない: 'dontKnow',
  知りません: 'dontKnow',
  不明: 'dontKnow',
  不明です: 'dontKnow',
  忘れた: 'dontKnow',
  忘れました: 'dontKnow',
  わすれた: 'dontKnow',
  わすれました: 'dontKnow',
};

const patterns: Array<[RegExp, Intent]> = [
  // Before cancellation: 「データを取り消して」 asks for erasure, not for cancelling a booking.
  [/(個人情報|データ|登録情報|わたしの情報|私の情報|自分の情報).*(削除|消去|消して|消す|消したい|消しても|抹消)|(削除|消去).*(個人情報|データ)/u, 'eraseData'],
  // About the user's own booking, before the cancellation and the FAQ they would otherwise match
  // (「URL」 is also the reminder FAQ, 「通訳」 the interpreter FAQ, 「予約を変更」 a cancellation).
  [
    /(url|urlアドレス|リンク|接続先|招待).*(届かな|届いてな|来な|こな|きてな|来てな|来ません|きません|まだ|わからな|分からな|見つからな)|接続先.*(わから|分から|どこ|不明)/u,
    'urlMissing',
  ],
  // (「予約の変更・キャンセル」, the rich menu's words, is a cancellation: its answer covers both.)
  [/^(?!.*(キャンセル|取り?消)).*(時間|時刻|日にち|日付|日時|日程|予約).*(変更|変え|かえ|ずらし|ずらせ|動かし)/u, 'changeBooking'],
  [/(電話番号|電話|携帯).*(変わ|かわ|変更|変え)/u, 'phoneChanged'],
  [
    /(通訳|介助|付き?添).*(来られな|こられな|来れな|これな|来られません|来れません|来ない|こない|来なく|来られなく|来れなく|都合.*(悪|つかな)|行けな|同席できな)/u,
    'attendantCannotCome',
  ],
  [/(キャンセル|取り?消|とりけし|取りやめ|日程.*変更|予約.*変更|行けなく|いけなく|都合が悪|欠席)/u, 'cancelBooking'],
  [/予約.*(確認|内容|いつ|何時|日時|見たい|見せ|教え|ある|入って|できてい|取れてい)|(確認|見たい).*予約/u, 'checkBooking'],
  [/(料金|無料|有料|お金|費用|いくら|通信料|タダ|ただで)/u, 'faq.fee'],
  [/(teleoffice|テレオフィス|アプリ|インストール|ダウンロード)/u, 'faq.teleoffice'],
  [/(通訳|介助|付き?添|同席|手話|外国語|english|英語)/u, 'faq.interpreter'],
  [/(url|リンク|招待|前日.*(連絡|メール|届)|(連絡|メール).*(来|届|くる))/u, 'faq.reminder'],
  [/(何分|なんぷん|時間は|どのくらい|どれくらい|所要|長さ)/u, 'faq.duration'],
  [/(いつまで|締め?切|しめきり|何日前|当日.*予約|明日.*予約|直前)/u, 'faq.deadline'],
  [/(スマホ|スマートフォン|パソコン|pc|タブレット|端末|カメラ|機器|wi-?fi|ネット環境|通信環境|ウイルス|セキュリティ)/u, 'faq.device'],
  [/(規約|利用規約).*(読|見|全文|教え)/u, 'terms'],
  [/(予約|申し?込).*(したい|する|します|お願い|できますか|取りたい|入れたい)|相談.*(予約|申し?込)/u, 'book'],
  // Last: 「番号がわからない」「求職番号を忘れました」 (「接続先がわからない」 is the URL, above).
  [/(わから|分から|わかりません|分かりません|忘れ|わすれ|不明)/u, 'dontKnow'],
];

/**
 * The intent of a message that is exactly a command word (「やめる」「戻る」「予約確認」…), or
 * 'none'. Free-text answers (a topic such as 「ホテルの予約係の求人」) are matched only this way.
 */
export function exactIntent(text: string): Intent {
  const t = normaliseForMatching(text);
  if (!t || t.length > 200) return 'none';
  // Own keys only: "constructor" or "__proto__" must not find Object.prototype's members.
  const lookup = (key: string): Intent | undefined => (Object.hasOwn(exact, key) ? exact[key] : undefined);
  return lookup(t) ?? lookup(t.replace(/[?？]+$/u, '')) ?? 'none';
}

/** Classifies one typed message. */
export function classifyText(text: string): Intent {
  const t = normaliseForMatching(text);
  if (!t || t.length > 200) return 'none';
  const hit = exactIntent(text);
  if (hit !== 'none') return hit;
  // A short answer that starts with はい or いいえ (「はい、開設しています」) answers a yes/no question.
  if (t.length <= 20 && /^(はい|ええ|うん)/u.test(t)) return 'yes';
  if (t.length <= 20 && /^(いいえ|いえ、|まだ)/u.test(t)) return 'no';
  for (const [re, intent] of patterns) if (re.test(t)) return intent;
  return 'none';
}

/** Looks like a question (so it is not taken as the answer to a free-text question). */
export function looksLikeQuestion(text: string): boolean {
  const t = normaliseForMatching(text);
  return /[?？]$|(ですか|ますか|でしょうか|のか|かな)$/u.test(t);
}

export const isFaq = (intent: Intent): intent is `faq.${FaqTopic}` => intent.startsWith('faq.');
