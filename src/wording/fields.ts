/**
 * What the booking dialogue says when a typed name, job-seeker number, phone number or topic is
 * refused, one short re-prompt per field and reason: what was wrong and what to type instead.
 * `{maxLength}` is filled in by fieldErrorMessage() (src/domain/booking-fields.ts), which owns
 * the rules these sentences explain.
 */
import type { JobSeekerNumberError, NameError, PhoneNumberError, TopicError } from '../domain/booking-fields.ts';

/** Short Japanese re-prompts per field and reason: what was wrong and what to type instead. */
export const fieldErrorMessages = {
  name: {
    empty: 'お名前が入力されていません。氏名（フルネーム）を入力してください（例：港北 太郎）。',
    'too-long': 'お名前が長すぎます。{maxLength}文字以内で、氏名（フルネーム）だけを入力してください。',
    'control-chars': 'お名前に使えない文字が含まれています。氏名（フルネーム）だけをもう一度入力してください。',
    'has-url': 'お名前にURLは入力できません。氏名（フルネーム）を入力してください（例：港北 太郎）。',
    'digits-only': '数字だけが入力されています。お名前を入力してください（例：港北 太郎）。',
    'no-letters': 'お名前を文字で入力してください。絵文字や記号だけでは受け付けできません（例：港北 太郎）。',
    'invalid-chars': 'お名前に使えない文字（数字・絵文字・記号など）が含まれています。漢字・かな・ローマ字で入力してください。',
    'not-full-name': '姓と名の両方（フルネーム）を、間にスペースを入れて入力してください（例：港北 太郎）。',
  },
  jobSeekerNumber: {
    empty: '求職番号が入力されていません。「12345-1234567」のように入力してください。',
    'invalid-chars': '求職番号は数字とハイフンだけで入力してください（例：12345-1234567）。',
    'wrong-length':
      '求職番号の桁数が違うようです。5桁・ハイフン・6〜8桁の数字です（例：12345-1234567）。ハローワーク受付票や求職者マイページでご確認ください。',
    'bad-format': '求職番号は「12345-1234567」のように、5桁・ハイフン・6〜8桁の数字で入力してください。',
  },
  phone: {
    empty: '電話番号が入力されていません。ハローワークに登録している電話番号を入力してください（例：090-1234-5678）。',
    'invalid-chars': '電話番号は数字とハイフンだけで入力してください（例：090-1234-5678、045-123-4567）。',
    'foreign-number': '日本国内の電話番号を、0から始まる形で入力してください（例：090-1234-5678）。',
    'service-number': 'フリーダイヤルやナビダイヤルの番号は使えません。ハローワークに登録している携帯電話または固定電話の番号を入力してください。',
    'wrong-length': '電話番号の桁数が違うようです。携帯電話は11桁（例：090-1234-5678）、固定電話は市外局番から10桁（例：045-123-4567）です。',
    'bad-format': '電話番号は市外局番などの「0」から入力してください（例：090-1234-5678、045-123-4567）。',
  },
  topic: {
    empty: 'ご相談内容が入力されていません。相談したいことを入力してください（例：事務職の求人を探したい）。',
    'too-long': 'ご相談内容が長すぎます。{maxLength}文字以内にまとめて入力してください。',
    'has-url': 'URLやリンクは入力できません。ご相談内容を文章で入力してください。',
    'no-letters': 'ご相談内容を文章で入力してください。絵文字や記号だけでは受け付けできません。',
  },
} as const satisfies {
  name: Record<NameError, string>;
  jobSeekerNumber: Record<JobSeekerNumberError, string>;
  phone: Record<PhoneNumberError, string>;
  topic: Record<TopicError, string>;
};

/** Shown (without blocking) when validateTopic() sets sensitiveHint. */
export const sensitiveTopicNotice =
  'ご相談内容に、健康・病気、障害、信条・宗教、本籍・出身、犯罪歴などに関わる言葉が含まれているようです。こうした情報はここに書かなくてもご相談いただけます。必要なことは、当日に相談員へ直接お伝えください。';
