/**
 * A job seeker chatting with the bot in tests: typed messages, button taps found by their label
 * in the bot's last reply (as a person would tap them), and a transcript as the user sees it.
 */
import type { messagingApi } from '@line/bot-sdk';
import { eventsFor, lineUserId } from './harness.ts';
import type { Harness } from './harness.ts';

type Message = messagingApi.Message;

/** Every postback action in a message: quick replies and Flex buttons. */
export function actionsIn(message: Message): messagingApi.PostbackAction[] {
  const found: messagingApi.PostbackAction[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (o.type === 'postback' && typeof o.data === 'string') found.push(o as unknown as messagingApi.PostbackAction);
      Object.values(o).forEach(walk);
    }
  };
  walk(message);
  return found;
}

/** What a message shows, as text: the text itself, or a Flex message's altText. */
export function shown(message: Message): string {
  if (message.type === 'text') return message.text;
  if (message.type === 'flex') return message.altText;
  return `[${message.type}]`;
}

export function chatUser(h: Harness, seed: string) {
  const userId = lineUserId(seed);
  const ev = eventsFor(h.line, userId, h.clock);
  const transcript: string[] = [];
  /** The bot's answer to each action, in order. */
  const replies: Message[][] = [];
  let seen = 0;
  let lastReply: Message[] = [];

  const collect = () => {
    const all = h.line.messagesTo(userId);
    lastReply = all.slice(seen);
    seen = all.length;
    replies.push(lastReply);
    for (const m of lastReply) {
      const buttons = actionsIn(m).map((a) => `[${a.label ?? ''}]`);
      transcript.push(`bot: ${shown(m)}${buttons.length ? `\n     ${buttons.join(' ')}` : ''}`);
    }
    return lastReply;
  };

  return {
    userId,
    transcript,
    replies,
    get lastReply() {
      return lastReply;
    },
    /** The texts of the last reply, joined. */
    get last() {
      return lastReply.map(shown).join('\n');
    },
    async follow() {
      transcript.push('user: (友だち追加)');
      await h.post([ev.follow()]);
      return collect();
    },
    async say(text: string) {
      transcript.push(`user: ${text}`);
      await h.post([ev.text(text)]);
      return collect();
    },
    async sticker() {
      transcript.push('user: (スタンプ)');
      await h.post([ev.sticker()]);
      return collect();
    },
    /** Taps the button labelled `label` in the bot's last reply (the last one if several). */
    async tap(label: string) {
      const action = lastReply
        .flatMap(actionsIn)
        .filter((a) => a.label === label)
        .at(-1);
      if (!action)
        throw new Error(
          `no button "${label}" in the last reply: ${lastReply
            .flatMap(actionsIn)
            .map((a) => a.label)
            .join(', ')}`,
        );
      transcript.push(`user: (${label})`);
      await h.post([ev.postback(action.data ?? '')]);
      return collect();
    },
    /** Sends postback data directly (e.g. a button from an earlier message). */
    async postback(data: string) {
      transcript.push(`user: (ボタン ${data})`);
      await h.post([ev.postback(data)]);
      return collect();
    },
    labels() {
      return lastReply.flatMap(actionsIn).map((a) => a.label);
    },
    /** A button's postback data in the last reply (to replay it later as a stale tap). */
    dataOf(label: string) {
      return lastReply.flatMap(actionsIn).find((a) => a.label === label)?.data ?? '';
    },
  };
}
