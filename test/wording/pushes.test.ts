/**
 * The lifecycle messages as users read them. The reminder is pinned word for word (a card: its
 * altText, then every text and button in order), so a wording change is a deliberate edit of
 * src/wording/pushes.ts and of this test.
 */
import { describe, expect, it } from 'vitest';
import type { messagingApi } from '@line/bot-sdk';
import { cancelledText, formatConsultationTime, noShowText, refusalText, reminderWords } from '../../src/wording/pushes.ts';
import { reminderCard } from '../../src/lifecycle/reminder-card.ts';
import { validateLineRequest } from '../support/fake-line-api.ts';

const office = {
  officeName: 'ハローワーク港北（港北公共職業安定所）',
  officePhone: '045-474-1221',
  officePhoneHours: '平日 8:30〜17:15（土日祝・年末年始を除く）',
};
const slot = { date: '2026-12-02', startTime: '10:00', slotMinutes: 30 };

/** A card as read: altText, then every text and button label (with a link's address), in order. */
function read(message: messagingApi.FlexMessage): string[] {
  const lines = [message.altText];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (o.type === 'text' && typeof o.text === 'string') lines.push(o.text);
      if (typeof o.label === 'string') lines.push(`[${o.label}] ${String(o.uri)}`);
      Object.values(o).forEach(visit);
    }
  };
  visit(message.contents);
  return lines;
}

describe('the lifecycle messages', () => {
  it('render the reminder card exactly as the user receives it, the 参加する button first', () => {
    const card = reminderCard({ slot, meetingUrl: 'https://teleoffice.example/room/kohoku-1', office });
    expect(read(card)).toEqual([
      '【オンライン職業相談】2026年12月2日(水) 10:00〜10:30 のご案内です。',
      '[参加する] https://teleoffice.example/room/kohoku-1',
      '開始時刻になりましたら「参加する」からTeleOfficeでご参加ください。',
      '■日時',
      '2026年12月2日(水) 10:00〜10:30',
      '日時と参加用URLは、利用規約 第6条(3)のとおり、求職者マイページに登録されているメールアドレスへお送りしています。このLINEでもお知らせします。',
      '■事前にご確認ください',
      [
        '・個室など、周りに人がいない場所からご参加ください。',
        '・TeleOfficeを使える状態にして、通信環境に問題がないか確かめておいてください。',
        '・OS・ブラウザ・アプリは最新の状態にしてください（サポートが終了したOSの端末は使えません）。',
        '・ファイアウォールを有効にし、ウイルス対策ソフト（有償版相当）を最新の状態にしてください。',
        '・ファイル共有ソフトは入れないでください。相談中は不要なアプリを閉じてください。',
        '・安全かどうか分からない無料Wi-Fiは使わないでください。',
        '・相談の録画・録音や、SNSなどへの配信・公開はできません。',
      ].join('\n'),
      '■キャンセル・遅れる場合',
      [
        '必ずお電話でご連絡ください。',
        'ハローワーク港北（港北公共職業安定所）',
        '電話 045-474-1221',
        '受付 平日 8:30〜17:15（土日祝・年末年始を除く）',
        'ご連絡がないまま開始時刻を10分過ぎると、キャンセル扱いになります。ご連絡のないキャンセルが続くと、今後のご利用をお断りする場合があります。',
      ].join('\n'),
    ]);
    // LINE accepts it as a push.
    expect(validateLineRequest('push', { to: `U${'0'.repeat(32)}`, messages: [card] })).toEqual([]);
    // The same booking gives the same card (a retried push sends what the first attempt sent).
    expect(reminderCard({ slot, meetingUrl: 'https://teleoffice.example/room/kohoku-1', office })).toEqual(card);
  });

  it("say the Art. 6(3) e-mail and the terms version's own LINE sentence, or the default when it has none (issue #11)", () => {
    const own = reminderWords({ slot, office, lineNotice: '同じ内容をLINEでもお送りしています。' }).notice;
    expect(own).toMatch(/メールアドレスへお送りしています。同じ内容をLINEでもお送りしています。$/);
    expect(own).not.toContain('このLINEでもお知らせします');
    for (const lineNotice of [undefined, null, '']) {
      expect(reminderWords({ slot, office, lineNotice }).notice).toMatch(/メールアドレスへお送りしています。このLINEでもお知らせします。$/);
    }
    // The card shows the version's sentence.
    const card = read(reminderCard({ slot, meetingUrl: 'https://x.example/', office, lineNotice: '同じ内容をLINEでもお送りしています。' }));
    expect(card.some((line) => line.endsWith('同じ内容をLINEでもお送りしています。'))).toBe(true);
  });

  it('mention chat cancellation in the reminder only when the office allows it', () => {
    const withChat = reminderWords({ slot, office, chatCancellationCutoffHours: 24 }).cancel;
    expect(withChat).toContain('このトークで「キャンセル」と送っても取り消せます（開始24時間前まで）。\nご連絡がないまま');
    expect(reminderWords({ slot, office }).cancel).not.toContain('トークで「キャンセル」');
  });

  it('write dates with the Japanese weekday and the end of the session', () => {
    expect(formatConsultationTime({ date: '2026-12-07', startTime: '09:00', slotMinutes: 30 })).toBe('2026年12月7日(月) 09:00〜09:30');
    expect(formatConsultationTime({ date: '2027-01-03', startTime: '16:30', slotMinutes: 30 })).toBe('2027年1月3日(日) 16:30〜17:00');
    expect(formatConsultationTime({ date: '2026-11-28', startTime: '13:45', slotMinutes: 20 })).toBe('2026年11月28日(土) 13:45〜14:05');
  });

  it('leave no placeholder unfilled and stay within one LINE text message', () => {
    const all = [
      read(reminderCard({ slot, meetingUrl: 'https://x.example/', office, chatCancellationCutoffHours: 3 })).join('\n'),
      cancelledText({ slot, office }),
      noShowText({ slot, office, refused: false }),
      noShowText({ slot, office, refused: true }),
      refusalText(office),
    ];
    for (const message of all) {
      expect(message).not.toMatch(/\{\w+\}/);
      expect(message.length).toBeLessThan(5000);
      expect(message).toContain('045-474-1221');
    }
    expect(noShowText({ slot, office, refused: true })).toContain('お受けできなくなりました');
    expect(noShowText({ slot, office, refused: false })).toContain('「予約」');
  });
});
