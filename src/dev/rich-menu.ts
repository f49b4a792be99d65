/**
 * The bot's rich menu (issue #12), one definition for both places it appears: `npm run
 * rich-menu -- --apply` creates it on a real channel (src/cli/rich-menu.ts) and the local chat
 * emulator draws it under the input (src/dev/emulator.ts). Six areas on LINE's large template
 * (2500 × 1686, 3 × 2):
 *
 *   予約する | 予約確認 | キャンセル・変更
 *   よくある質問 | 電話する (tel:) | 利用規約
 *
 * Taps send the words the dialogue already understands as a message action (flows/booking/
 * intents.ts), so a tap is exactly what a user could type; 電話する opens the phone app with the
 * office's number. The image is drawn from text by richMenuImageHtml (rendered to PNG with
 * Chromium by the command), so no binary of unknown origin is committed.
 */
import type { messagingApi } from '@line/bot-sdk';
import { telUri } from '../line/messages.ts';

export const RICH_MENU_SIZE = { width: 2500, height: 1686 } as const;

export type RichMenuItem = {
  /** Shown on the image and, in the emulator, on the button. */
  label: string;
  /** A line under the label on the image. */
  hint: string;
  action: messagingApi.MessageAction | messagingApi.URIAction;
};

/** The six items, row by row. */
export function richMenuItems(office: { officePhone: string }): RichMenuItem[] {
  const tel = telUri(office.officePhone);
  return [
    { label: '予約する', hint: 'オンライン相談を申し込む', action: { type: 'message', label: '予約する', text: '予約する' } },
    { label: '予約確認', hint: '予約の日時を見る', action: { type: 'message', label: '予約確認', text: '予約確認' } },
    { label: 'キャンセル・変更', hint: '予約の取消・日時の変更', action: { type: 'message', label: 'キャンセル・変更', text: '予約の変更・キャンセル' } },
    { label: 'よくある質問', hint: '料金・機器・通訳など', action: { type: 'message', label: 'よくある質問', text: 'ヘルプ' } },
    { label: '電話する', hint: office.officePhone, action: { type: 'uri', label: '電話する', uri: tel } },
    { label: '利用規約', hint: '規約の全文を読む', action: { type: 'message', label: '利用規約', text: '利用規約' } },
  ];
}

/**
 * The menu's name on the channel (not shown to users). `npm run rich-menu -- --apply` replaces the
 * menus of this name and only those, so menus made by hand under another name stay.
 */
export const RICH_MENU_NAME = 'ハローワーク港北 オンライン相談メニュー';

/**
 * LINE's rich menu object (messagingApi.RichMenuRequest, whose fields are all optional in the SDK's
 * type) with every field this bot sets present.
 */
export type BotRichMenu = {
  size: { width: number; height: number };
  selected: boolean;
  name: string;
  chatBarText: string;
  areas: { bounds: { x: number; y: number; width: number; height: number }; action: RichMenuItem['action'] }[];
};

/** The rich menu object for LINE's "create rich menu" endpoint. */
export function richMenuRequest(office: { officePhone: string }): BotRichMenu {
  const items = richMenuItems(office);
  const columns = 3;
  const cellWidth = Math.floor(RICH_MENU_SIZE.width / columns);
  const cellHeight = Math.floor(RICH_MENU_SIZE.height / 2);
  return {
    size: { ...RICH_MENU_SIZE },
    selected: true,
    name: RICH_MENU_NAME,
    chatBarText: 'メニュー',
    areas: items.map((item, i) => {
      const column = i % columns;
      const row = Math.floor(i / columns);
      const x = column * cellWidth;
      const y = row * cellHeight;
      // The last column and row take the remainder, so the areas cover the image exactly.
      const width = column === columns - 1 ? RICH_MENU_SIZE.width - x : cellWidth;
      const height = row === 1 ? RICH_MENU_SIZE.height - y : cellHeight;
      return { bounds: { x, y, width, height }, action: item.action };
    }),
  };
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The rich menu image as an HTML page of exactly RICH_MENU_SIZE: Japanese labels in Noto Sans
 * CJK (installed with Debian's fonts-noto-cjk), large enough to read on a phone.
 */
export function richMenuImageHtml(office: { officePhone: string; officeName: string }): string {
  const cells = richMenuItems(office)
    .map(
      (item, i) =>
        `<div class="cell${i === 0 ? ' primary' : ''}"><div class="label" style="font-size:${Math.min(150, Math.floor(700 / item.label.length))}px">${escapeHtml(item.label)}</div><div class="hint">${escapeHtml(item.hint)}</div></div>`,
    )
    .join('');
  return `<!doctype html><html lang="ja"><head><meta charset="utf-8"><style>
html,body{margin:0;padding:0;width:${RICH_MENU_SIZE.width}px;height:${RICH_MENU_SIZE.height}px;overflow:hidden}
body{font-family:"Noto Sans CJK JP","Noto Sans JP","Noto Sans CJK",sans-serif;background:#e8eef3}
.grid{display:grid;grid-template-columns:repeat(3,1fr);grid-template-rows:repeat(2,1fr);width:100%;height:100%;gap:12px;box-sizing:border-box;padding:12px}
.cell{background:#ffffff;border-radius:36px;display:flex;flex-direction:column;align-items:center;justify-content:center;color:#1a3a5c}
.cell.primary{background:#06c755;color:#ffffff}
.label{font-size:150px;font-weight:700;letter-spacing:4px;line-height:1.2;text-align:center}
.hint{font-size:64px;margin-top:40px;opacity:.85;text-align:center;white-space:nowrap}
</style></head><body><div class="grid">${cells}</div></body></html>`;
}
