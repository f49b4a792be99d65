/**
 * Puts the bot's rich menu on a LINE channel (`npm run rich-menu -- --apply`), through the real
 * @line/bot-sdk clients: validate the menu, create it, upload its image (api-data.line.me), make
 * it the channel's default, then delete the earlier menus this command created.
 *
 * "Created by this command" means: a rich menu with the same name (RICH_MENU_NAME). Rich menus
 * made by hand, with the Messaging API under another name or in LINE Official Account Manager
 * (which the Messaging API does not list), are left alone. Running it again gives the same end
 * state: one menu of that name, the default.
 *
 * If the image upload or the default switch fails, the half-made menu is deleted again, so a
 * failed run leaves the channel as it was.
 */
import { HTTPFetchError } from '@line/bot-sdk';
import type { messagingApi } from '@line/bot-sdk';
import type { RichMenuImage } from './rich-menu-image.ts';

export type RichMenuClients = {
  api: Pick<messagingApi.MessagingApiClient, 'validateRichMenuObject' | 'getRichMenuList' | 'createRichMenu' | 'setDefaultRichMenu' | 'deleteRichMenu'>;
  blob: Pick<messagingApi.MessagingApiBlobClient, 'setRichMenuImage'>;
};

export type AppliedRichMenu = {
  richMenuId: string;
  /** Earlier menus of the same name, deleted. */
  deleted: string[];
  /** Earlier menus of the same name that could not be deleted (the next run tries again). */
  notDeleted: { richMenuId: string; reason: string }[];
  /** Rich menus of other names on the channel, left alone. */
  othersLeftAlone: number;
};

/** A step of the command LINE refused or could not be reached for; the message says what to do. */
export class RichMenuApplyError extends Error {
  override name = 'RichMenuApplyError';
  readonly step: string;
  readonly status: number | undefined;
  constructor(step: string, status: number | undefined, message: string) {
    super(message);
    this.step = step;
    this.status = status;
  }
}

export async function applyRichMenu(
  clients: RichMenuClients,
  request: messagingApi.RichMenuRequest,
  image: Pick<RichMenuImage, 'bytes' | 'contentType'>,
  progress: (line: string) => void = () => undefined,
): Promise<AppliedRichMenu> {
  const { api, blob } = clients;
  await step('checking the menu with LINE', () => api.validateRichMenuObject(request));
  const { richmenus } = await step("listing the channel's rich menus", () => api.getRichMenuList());
  const earlier = richmenus.filter((menu) => menu.name === request.name).map((menu) => menu.richMenuId);
  const othersLeftAlone = richmenus.length - earlier.length;

  const { richMenuId } = await step('creating the rich menu', () => api.createRichMenu(request));
  progress(`created rich menu ${richMenuId}`);
  try {
    await step('uploading the image', () => blob.setRichMenuImage(richMenuId, new Blob([new Uint8Array(image.bytes)], { type: image.contentType })));
    progress(`uploaded the image (${image.contentType}, ${image.bytes.length} bytes)`);
    await step('making it the default rich menu', () => api.setDefaultRichMenu(richMenuId));
    progress(`rich menu ${richMenuId} is now the default for every user of the channel`);
  } catch (error) {
    // Leave the channel as it was: the half-made menu goes (best effort; a later run removes it by name otherwise).
    await api.deleteRichMenu(richMenuId).catch(() => undefined);
    throw error;
  }

  const deleted: string[] = [];
  const notDeleted: AppliedRichMenu['notDeleted'] = [];
  for (const id of earlier) {
    try {
      await step(`deleting the earlier rich menu ${id}`, () => api.deleteRichMenu(id));
      deleted.push(id);
      progress(`deleted the earlier rich menu ${id}`);
    } catch (error) {
      // 404: gone meanwhile (another run, or by hand) — what we wanted.
      if (error instanceof RichMenuApplyError && error.status === 404) deleted.push(id);
      else notDeleted.push({ richMenuId: id, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  return { richMenuId, deleted, notDeleted, othersLeftAlone };
}

/** Runs one call to LINE; a refusal or a network failure becomes a RichMenuApplyError saying what to do. */
async function step<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw explainLineFailure(what, error) ?? error;
  }
}

/** LINE's `{ message, details }` error body as one line. */
function lineErrorText(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown; details?: { message?: unknown; property?: unknown }[] };
    const message = typeof parsed.message === 'string' ? parsed.message : body;
    const text = (value: unknown) => (typeof value === 'string' ? value : '');
    const details = Array.isArray(parsed.details) ? parsed.details.map((d) => `${text(d.property)}: ${text(d.message)}`) : [];
    return details.length > 0 ? `${message} — ${details.join('; ')}` : message;
  } catch {
    return body.trim().slice(0, 300) || '(no message)';
  }
}

/** The sentence for an expected failure (LINE's answer or no connection); undefined for a bug. */
export function explainLineFailure(step: string, error: unknown): RichMenuApplyError | undefined {
  if (error instanceof HTTPFetchError) {
    const status = error.status;
    const said = `${status} «${lineErrorText(error.body)}»`;
    let advice: string;
    if (status === 401) {
      advice =
        'LINE did not accept the channel access token. Put the channel\'s long-lived channel access token in LINE_CHANNEL_ACCESS_TOKEN (.env): LINE Developers console → the Messaging API channel → "Messaging API" tab → "Channel access token" (issue one if there is none; it is not the channel secret).';
    } else if (status === 403) {
      advice = "The token is not allowed to do this: check that LINE_CHANNEL_ACCESS_TOKEN belongs to the office's Messaging API channel.";
    } else if (status === 429) {
      advice = 'LINE is limiting the requests: wait a minute and run the command again.';
    } else if (status >= 500) {
      advice = 'LINE failed on its side: run the command again in a few minutes (https://api.line-status.info shows incidents).';
    } else if (step.startsWith('deleting')) {
      advice = status === 404 ? 'The menu was already gone.' : 'That menu stays on the channel (no longer the default); the next run tries again to delete it.';
    } else {
      advice =
        "LINE refused the menu or its image as defined in src/dev/rich-menu.ts: correct it there and run the command again. The channel's default rich menu was not changed.";
    }
    return new RichMenuApplyError(step, status, `While ${step}, LINE answered ${said}. ${advice}`);
  }
  // fetch() rejects with a TypeError("fetch failed") whose cause names the network error.
  if (error instanceof TypeError && error.message === 'fetch failed') {
    const cause = error.cause instanceof Error ? ((error.cause as NodeJS.ErrnoException).code ?? error.cause.message) : 'no connection';
    return new RichMenuApplyError(
      step,
      undefined,
      `While ${step}, LINE could not be reached (${cause}): check the network connection (and LINE_API_BASE_URL if it is set), then run the command again.`,
    );
  }
  return undefined;
}
