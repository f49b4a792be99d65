/**
 * Everything the booking dialogue says, in one place, so the office can review and change the
 * wording without reading any logic. `{office}`, `{phone}`, `{hours}` are filled in from the
 * configuration (OFFICE_NAME, OFFICE_PHONE, OFFICE_PHONE_HOURS).
 * Limits to keep in mind when editing: button labels at most 20 characters, one text message
 * at most 5000 characters.
 */
export const copy = {
  welcome:
    '友だち追加ありがとうございます。\n{office}の「オンライン職業相談」予約窓口です。\nご自宅などからスマートフォンやパソコンのビデオ通話で、職業相談員に相談できます。',
  termsSummaryTitle: 'オンライン職業相談 利用規約（要約）',
  termsSummary: [
    '・利用料は無料です（通信料・機器は利用者のご負担）',
    '・1回30分以内、ビデオ通話アプリ「TeleOffice」を使います（TeleOfficeの利用規約にも同意したものとみなされます）',
    '・予約は相談日の2開庁日前までに確定が必要です',
    '・前日（閉庁日の場合は直前の開庁日）に日時と接続URLをお送りします',
    '・キャンセルはお電話で。連絡なく開始から10分過ぎるとキャンセル扱いになります',
  ].join('\n'),
  termsQuestion: '予約のお申込みには、利用規約（{version}版）への同意が必要です。同意いただけますか？',
  termsChangedQuestion: '利用規約が改定されました（{version}版）。予約を続けるには、改定後の利用規約への同意が必要です。',
  termsFullIntro: '利用規約の全文です（{version}版）。',
  termsAfterFull: '全文をお読みいただき、同意いただける場合は「同意する」を押してください。',
  termsPleaseChoose: '「同意する」または「同意しない」のボタンを押してください。全文は「全文を読む」で表示します。',
  consentRecorded: '利用規約への同意を記録しました（{version}版）。ありがとうございます。',
  nextSteps: '次に、ご利用の条件と相談内容などを順にお伺いして、予約日時を選んでいただきます。\n「予約」と送ると、いつでも予約を始められます。',
  declined:
    '承知しました。オンライン職業相談のご予約には利用規約への同意が必要なため、今回はお申込みできません。\n気が変わったときは「予約」と送っていただければ、もう一度ご案内します。窓口やお電話（{phone}）でのご相談もできます。',
  help:
    'ご用件をお選びください。\n・「予約」… オンライン職業相談を予約する\n・「予約確認」… 予約の内容を見る\n・「キャンセル」… キャンセルの方法\n・「利用規約」… 規約を読む\nお電話でのお問い合わせ：{phone}（{hours}）',
  staleButton: 'そのボタンは現在は使えません。いまのご質問にお答えください。',
  needTextOrButton: 'スタンプ・画像・位置情報・音声などにはお答えできません。文字またはボタンでお答えください。',
  restarted: '申し訳ありません。システムの更新のため、お手続きを最初からやり直させてください。',
  expired: '前回のお手続きは、一定時間操作がなかったため終了しました（入力内容は保存していません）。',
  systemError: '申し訳ありません。ただいま処理できませんでした。しばらくしてからもう一度お試しいただくか、お電話（{phone}）でお問い合わせください。',
  buttons: {
    agree: '同意する',
    decline: '同意しない',
    readFull: '全文を読む',
    book: '予約する',
    checkBooking: '予約確認',
    cancelHelp: 'キャンセル方法',
    terms: '利用規約',
  },
} as const;

export type Copy = typeof copy;
