/**
 * Everything the booking dialogue says, in one place, so the office can review and change the
 * wording without reading any logic. `{office}`, `{phone}`, `{hours}` are filled in from the
 * configuration (OFFICE_NAME, OFFICE_PHONE, OFFICE_PHONE_HOURS); other `{…}` from the dialogue.
 * Limits to keep in mind when editing: button labels at most 20 characters, one text message
 * at most 5000 characters. The re-prompts for the four booking fields are in
 * src/wording/fields.ts.
 */
export const copy = {
  welcome:
    '友だち追加ありがとうございます。\n{office}の「オンライン職業相談」予約窓口です。\nご自宅などからビデオ通話で職業相談員に相談できます。\n\nご予約の前に、次のものをお手元にご用意ください。\n・求職番号（「ハローワーク受付票」や「求職者マイページ」に記載）\n・ハローワークに登録している電話番号\n・TeleOfficeを入れたカメラ付きのスマートフォンやパソコン',
  // The summary itself is data of each terms version (its card summary), not copy.
  termsSummaryTitle: 'オンライン職業相談 利用規約（要約・{version}）',
  termsChangesHeading: '{date}から利用規約が変わりました。主な変更点：',
  termsQuestion: '予約のお申込みには、この利用規約への同意が必要です。同意いただけますか？',
  termsChangedQuestion: '利用規約が改定されました（{version}）。予約を続けるには、改定後の利用規約への同意が必要です。同意いただけますか？',
  termsFullIntro: '利用規約の全文です（{version}）。',
  // With PUBLIC_BASE_URL the full text is a web page, opened by the 全文を読む button under this line.
  termsLink: '利用規約（{version}）の全文は、下の「全文を読む」からお読みいただけます。',
  termsPleaseChoose: '利用規約に同意いただける場合は「同意する」、同意されない場合は「同意しない」を押してください。全文は「全文を読む」で表示します。',
  // These two open the first question's message (one message after 同意する or 「予約」).
  consentRecorded: '利用規約への同意を記録しました（{version}）。',
  startBooking: '予約のお手続きを始めます。',
  declined:
    '承知しました。オンライン職業相談のご予約には利用規約への同意が必要なため、今回はお申込みできません。\n気が変わったときは「予約」と送っていただければ、もう一度ご案内します。窓口やお電話（{phone}）でのご相談もできます。',
  /**
   * Art. 6(3): the date and URL go by e-mail to the My Page address; this service also sends them
   * in LINE. The sentence saying so is data of the terms version in force (its
   * lineNoticeWording, set in the console's terms form); this is what a version without one says.
   */
  lineNotice: 'このLINEでもお知らせします。',
  /**
   * What is collected, why, how long it is kept, and that LINE holds the conversation too; said
   * with the name question. {retentionDays} is PERSONAL_DATA_RETENTION_DAYS; {privacyLink} is
   * privacyLink below when the service has a public address, else nothing.
   */
  privacyNotice:
    '【個人情報の取扱いについて】\nこれから、お名前・求職番号・電話番号・ご相談内容をお伺いします。ご予約と相談のためだけに使い、相談日から{retentionDays}日後に削除します。\nこのトークの内容は、LINEヤフー株式会社がLINEのプライバシーポリシー（https://line.me/ja/terms/policy/）に従って保存します。{privacyLink}',
  privacyLink: '\n詳しくは：{url}',
  help: 'ご用件をお選びください。\n・「予約」… オンライン職業相談を予約する\n・「予約確認」… 予約の内容を見る\n・「キャンセル」… キャンセルの方法\n・「利用規約」… 規約を読む\n料金・TeleOffice・必要な機器・相談時間・締切・通訳などのご質問にもお答えします。\nお電話でのお問い合わせ：{phone}（{hours}）',
  staleButton: 'そのボタンは、前のご案内のもので現在は使えません。',
  // Opens the current question again, asked briefly with its buttons (one message).
  needTextOrButton: 'スタンプや画像などにはお答えできません。文字かボタンでお答えください。',
  /** A sticker, image… when nothing is being asked: the menu's buttons come with it. */
  mediaIdle: 'スタンプや画像などにはお答えできませんが、ご用件は下のボタンから選べます。',
  restarted: '申し訳ありません。システムの更新のため、お手続きを最初からやり直させてください（入力内容は保存していません）。「予約」と送ると始められます。',
  expired: '前回のお手続きは、{minutes}分間操作がなかったため終了しました（入力内容は保存していません）。「予約」と送ると、最初からやり直せます。',
  systemError: '申し訳ありません。ただいま処理できませんでした。しばらくしてからもう一度お試しいただくか、お電話（{phone}）でお問い合わせください。',

  questions: {
    // Art. 2(1): job seekers registered at Hello Work Kohoku, online registration included (they become 利用登録者).
    registered: '【確認 1/3】ハローワーク港北で求職登録をしていますか？（オンライン登録の方も「はい」）',
    myPage: '【確認 2/3】「求職者マイページ」を開設していますか？',
    device: '【確認 3/3】カメラ付きのスマートフォンやパソコンに、ビデオ通話アプリ「TeleOffice」を入れて使える状態ですか？',
    checklist:
      'ご利用の環境について、次の点をご確認ください（利用規約 第5条・第13条）。\n・ウイルス対策ソフト（有償版相当）が入っていて、最新の状態\n・OSはサポート期間中で、最新の更新を適用済み\n・ファイアウォールが有効\n・ファイル共有ソフトを入れていない\n・安全性のわからない無料Wi-Fiは使わない\n・相談は個室など、周りに人がいない場所で',
    // The privacy notice goes with the first personal question, in the same message (issue #11).
    name: '{privacyNotice}\n\n氏名（フルネーム）を入力してください。\n例：港北 太郎',
    number: '求職番号を入力してください。\n例：12345-1234567',
    phone: 'ハローワークに登録している電話番号を入力してください。\n例：090-1234-5678',
    phoneRegistered: '入力された番号（{phone}）は、ハローワークに登録している電話番号と同じですか？\n変わった場合は職員が登録内容を更新します。',
    topic:
      'オンライン相談で相談したい内容を入力してください（400文字以内）。\n例：事務職の求人を探したい\n※病気や障害、信条、本籍・出身などの配慮が必要な情報は、ここには書かずに当日相談員へお伝えください。',
    topicSensitive: 'この内容のまま登録しますか？',
    attendant: '当日、通訳の方や介助の方は同席されますか？（利用規約 第13条）',
    language: '通訳の言語を入力してください。\n例：英語、中国語、ベトナム語',
    date: 'ご希望の日を選んでください。\n日付を「12/3」や「12月3日」のように入力することもできます。',
    dateLaterPage: 'ほかの日程です。ご希望の日を選んでください。',
    time: '{date} の空いている時間です。ご希望の開始時刻を選んでください。\n「10:00」のように入力することもできます。',
    summary: 'ご予約の内容をご確認ください。',
    editField: 'どの項目を修正しますか？',
    confirmQuit: '入力中の内容を破棄して、予約のお手続きをやめますか？',
    confirmCancel: '次のご予約をキャンセルしますか？\n{when}',
    resumeOffer:
      '前回の予約のお手続きが途中になっています（入力いただいた内容は、最後の操作から{resumeHours}時間保存しています）。\n続きから再開しますか？それとも最初からやり直しますか？',
  },
  briefQuestions: {
    registered: '求職登録がお済みか、「はい」か「いいえ」でお答えください。',
    myPage: '求職者マイページを開設しているか、「はい」か「いいえ」でお答えください。',
    device: 'カメラ付きの端末とTeleOfficeの準備ができているか、「はい」か「いいえ」でお答えください。',
    checklist: '環境をご確認いただけたら「確認しました」を押してください。',
    name: '氏名（フルネーム）を入力してください。',
    number: '求職番号を「12345-1234567」のように入力してください。',
    phone: 'ハローワークに登録している電話番号を入力してください。',
    phoneRegistered: 'ハローワークに登録している番号と同じか、「はい」か「いいえ」でお答えください。',
    topic: '相談したい内容を入力してください。',
    topicSensitive: '「このまま登録」か「書き直す」を選んでください。',
    attendant: '「なし」「通訳が同席」「介助者が同席」から選んでください。',
    language: '通訳の言語を入力してください（例：英語）。',
    date: 'ご希望の日を選ぶか、「12/3」のように入力してください。',
    time: 'ご希望の開始時刻を選ぶか、「10:00」のように入力してください。',
    summary: '「この内容で予約する」「修正する」「やめる」から選んでください。',
    editField: '修正する項目を選んでください。',
    confirmQuit: 'お手続きをやめる場合は「はい、やめる」、続ける場合は「いいえ、続ける」を押してください。',
    confirmCancel: 'キャンセルする場合は「キャンセルする」、しない場合は「キャンセルしない」を押してください。\n{when}',
    resumeOffer: '「続きから」か「最初から」を選んでください。',
  },
  bookingCancelled: 'ご予約をキャンセルしました。\n{when}\nまたのご利用をお待ちしています。「予約」と送ると、あらためて予約できます。',
  cancelKept: '承知しました。ご予約はそのままです。',
  draftExpired: '前回のお手続きは、{resumeHours}時間操作がなかったため終了しました（入力内容は削除しました）。「予約」と送ると、最初からやり直せます。',

  // The user's own booking (issue #11): 予約確認's card, 「URLが届かない」, a change of time, phone or attendant.
  myBooking: {
    title: 'ご予約の内容',
    titleNth: 'ご予約 {n}件目',
    when: '日時',
    url: '接続用URL',
    attendant: '同席',
    urlReady: '下の「参加用URLを開く」から、時間になったらTeleOfficeで接続してください。',
    urlComes: '{date}にこのLINEでお送りします',
    urlPending: '職員が準備しています。準備ができ次第、このLINEでお送りします',
    cancelByPhone: 'キャンセル・日時の変更は、お電話でご連絡ください（{phone}、{hours}）。',
    cancelChatClosed:
      'チャットでキャンセルできるのは開始の{cutoff}時間前までです。これからのキャンセル・日時の変更は、お電話でご連絡ください（{phone}、{hours}）。',
  },
  urlStatus: {
    ready: '次のご予約（{when}）の接続用URLです。\n{url}\n時間になったら、このURLからTeleOfficeで接続してください。',
    comes: '次のご予約（{when}）の接続用URLは、{date}にこのLINEでお送りします。まだ届いていなくても、ご予約はそのまま有効です。',
    pending:
      '次のご予約（{when}）の接続用URLは、職員が準備しています。準備ができ次第、このLINEでお送りします。お急ぎの場合は、お電話（{phone}、{hours}）でお問い合わせください。',
    noBooking: '現在、ご予約はありません。接続用URLは、ご予約いただいた相談の前日にこのLINEでお送りします。「予約する」から予約できます。',
  },
  changeBooking: {
    inChat:
      '日時を変更したい場合は、いまのご予約をキャンセルしてから、あらためてご予約ください。\n{when}\n下の「キャンセルする」からキャンセルできます（開始の{cutoff}時間前まで）。',
    byPhone: '日時を変更したい場合は、お電話でご連絡ください。職員がキャンセルまたは日時の変更を承ります。\n{when}\n電話：{phone}（{hours}）',
  },
  phoneChangedInfo:
    '電話番号が変わった場合は、お手数ですが、お電話でハローワーク港北にお知らせください。職員が登録内容を更新します。\n電話：{phone}（{hours}）',
  attendantChangeInfo:
    '通訳の方や介助の方が来られなくなった場合は、お手数ですが、お電話でお知らせください。ご予約をどうするか、職員がご相談に応じます。\n電話：{phone}（{hours}）',
  numberHelp:
    '求職番号は、求職登録のときにお渡しした「ハローワーク受付票」や、「求職者マイページ」に記載されています（「12345-1234567」の形の番号です）。\nお手元にない場合は、お電話でお問い合わせください。\n電話：{phone}（{hours}）',
  cancelClosed: 'このご予約は、チャットでキャンセルできる期限を過ぎています。お電話でご連絡ください。',

  notRegistered:
    'オンライン職業相談は、ハローワーク港北で求職登録をしている方（インターネットでのオンライン登録を含みます）がご利用いただけます。\nお手数ですが、ハローワークインターネットサービスでのオンライン登録か、ハローワーク港北の窓口で求職登録をお済ませください。お済みになったら「予約」と送ってください。\nお問い合わせ：{phone}（{hours}）',
  noMyPage:
    'オンライン職業相談には「求職者マイページ」の開設が必要です。ハローワークインターネットサービスから開設できます（わからない場合は窓口でお手伝いします）。\n開設できたら「予約」と送ってください。',
  noDevice:
    'オンライン職業相談には、カメラ付きのスマートフォンやパソコンと、ビデオ通話アプリ「TeleOffice」が必要です。アプリストアで「TeleOffice」を検索して入れてください。\n準備ができたら「予約」と送ってください。窓口やお電話（{phone}）でのご相談もできます。',
  phoneChangeNoted: '承知しました。登録されている電話番号が変わった旨を記録し、職員が登録内容を更新します。',
  // These open the date or time question again, asked briefly with its buttons (one message).
  dateFormatHelp: '日付がわかりませんでした。',
  timeFormatHelp: '時刻がわかりませんでした。',
  dateRefused: {
    closed: '{date} は閉庁日のため、オンライン相談をお受けしていません。',
    deadline: '{date} は予約の締切（相談日の2開庁日前まで）を過ぎています。',
    full: '{date} は空いている時間がありません。',
    beyond: '{date} はまだ予約を受け付けていません（{horizon}日先までご予約いただけます）。',
    past: '{date} は過ぎています。',
  },
  dateRefusedNext: 'ほかの日を選んでください。',
  timeTaken: '申し訳ありません。その時間はちょうど埋まってしまいました（またはご予約いただけない時間です）。ほかの時間を選んでください。',
  dateFull: '申し訳ありません。その日は空きがなくなりました。ほかの日を選んでください。',
  noAvailability: '申し訳ありません。現在ご予約いただける日時がありません。日をおいてお試しいただくか、お電話（{phone}、{hours}）でご相談ください。',
  languageInvalid: '通訳の言語を、30文字以内の文字で入力してください（例：英語、中国語）。',
  quitDone: '予約のお手続きを中止しました。入力内容は保存していません。また「予約」と送っていただければ、いつでも始められます。',
  existingBooking:
    'すでにご予約があります。同時にお取りいただけるご予約は{max}件までです。日時を変更したい場合は、お電話（{phone}）でキャンセルのうえ、あらためてご予約ください。',
  noBookings: '現在、ご予約はありません。「予約」と送ると予約できます。',
  bookingsTitle: 'ご予約の内容です。',
  // A request to erase personal data (Art. 8; carried out by staff, see src/lifecycle/retention.ts).
  erasureRequested:
    '個人情報の削除のご依頼を承りました。職員が確認のうえ、これまでのご予約のお名前・求職番号・電話番号・相談内容などを削除します。完了のご連絡はいたしませんので、ご不明な点はお電話（{phone}、{hours}）でお問い合わせください。\n相談の日時や出欠の記録（お名前などを除いたもの）は、統計のために残ります。',
  erasureKeepsUpcoming:
    'これからのご予約（下記）の情報は、相談が終わるまで保管します。ご予約をやめて削除を希望される場合は、お電話でキャンセルをお申し出ください。',
  cancellationInfo:
    'キャンセルは、お電話でご連絡ください（利用規約 第6条(4)）。\n電話：{phone}（{hours}）\nご連絡がないまま開始時刻から10分を過ぎると、キャンセル扱いになります。ご連絡のないキャンセルが続くと、今後のご利用をお断りする場合があります。',
  bookingConfirmed:
    'ご予約が確定しました。\n日時：{when}\n\n前日（閉庁日の場合は直前の開庁日）に、求職者マイページに登録されているメールアドレスへ、「オンライン職業相談」の件名で日時と接続用のURLをお送りします（利用規約 第6条(3)）。{lineNotice}\n\nキャンセルはお電話で：{phone}（{hours}）\nご連絡がないまま開始から10分を過ぎると、キャンセル扱いになります。',
  faq: {
    fee: 'オンライン職業相談の利用料は無料です。ただし、スマートフォンやパソコンなどの機器と通信料は、ご利用の方のご負担です（利用規約 第3条）。従量制の通信プランの方はご注意ください。',
    teleoffice:
      'ビデオ通話には「TeleOffice」というアプリを使います（利用規約 第4条）。スマートフォンはアプリストアで「TeleOffice」を検索して入れてください。接続用のURLは、ご予約の前日に求職者マイページに登録のメールアドレスへお送りします。{lineNotice}TeleOfficeの利用規約にも同意いただいたものとみなされます。',
    device:
      'カメラ付きのスマートフォン・タブレット・パソコンでご利用いただけます。OSはサポート期間中で最新の更新を適用し、ウイルス対策ソフト（無料版ではなく有償版相当のもの）を入れて最新の状態にし、ファイアウォールを有効にしてください。ファイル共有ソフトは入れず、安全性のわからない無料Wi-Fiは使わないでください（利用規約 第5条・第13条）。',
    duration: 'オンライン職業相談は、1回30分以内です（利用規約 第6条(1)）。',
    deadline:
      'ご予約は、相談日の2開庁日前までに確定してください（利用規約 第6条(1)）。開庁日は平日（土日祝・12月29日〜1月3日を除く）です。例えば水曜日の相談は、月曜日までにご予約ください。',
    interpreter: '通訳の方や介助の方が同席される場合は、予約のときにお知らせください（利用規約 第13条(1)）。予約の途中でお伺いします。',
    reminder:
      '相談日の前日（閉庁日の場合は直前の開庁日）に、求職者マイページに登録されているメールアドレスへ、「オンライン職業相談」の件名で日時と接続用のURLをお送りします（利用規約 第6条(3)）。{lineNotice}',
    terms: '利用規約は「利用規約」と送ると全文を表示します。',
  },
  buttons: {
    agree: '同意する',
    decline: '同意しない',
    readFull: '全文を読む',
    book: '予約する',
    checkBooking: '予約確認',
    cancelHelp: 'キャンセル方法',
    terms: '利用規約',
    yes: 'はい',
    no: 'いいえ',
    back: '戻る',
    quit: 'やめる',
    checked: '確認しました',
    samePhone: 'はい、同じです',
    changedPhone: 'いいえ、変わった',
    keepTopic: 'このまま登録',
    rewriteTopic: '書き直す',
    attendantNone: 'なし',
    attendantInterpreter: '通訳が同席',
    attendantAssistant: '介助者が同席',
    moreDates: 'もっと後の日',
    prevDates: '前の日程',
    otherDate: '別の日にする',
    confirm: 'この内容で予約する',
    edit: '修正する',
    quitYes: 'はい、やめる',
    quitNo: 'いいえ、続ける',
    cancelYes: 'キャンセルする',
    cancelNo: 'キャンセルしない',
    openMeetingUrl: '参加用URLを開く',
    call: '電話する',
    cancelBooking: 'キャンセルする',
    resumeContinue: '続きから',
    resumeRestart: '最初から',
    editName: '氏名',
    editNumber: '求職番号',
    editPhone: '電話番号',
    editTopic: '相談内容',
    editAttendant: '通訳・介助',
    editDatetime: '日時',
  },
  summaryLabels: {
    title: 'ご予約内容の確認',
    when: '日時',
    name: '氏名',
    number: '求職番号',
    phone: '電話番号',
    phoneChanged: '（登録番号から変更あり）',
    topic: '相談内容',
    attendant: '同席',
    attendantNone: 'なし',
    attendantInterpreter: '通訳（{language}）',
    attendantAssistant: '介助者',
  },
} as const;

export type Copy = typeof copy;
