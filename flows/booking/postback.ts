/**
 * Postback data carried by the bot's buttons. Every button names its action and the question
 * it answers (`q`, the conversation's question counter), so a tap on a button from an earlier
 * question or an old conversation can be recognised and answered harmlessly.
 * Encoded as a short query string (LINE allows 300 characters).
 */
export interface Postback {
  /** What the button does, e.g. `terms.agree`. */
  action: string;
  /** The question counter the button was shown with. */
  question: number;
  /** Extra values, e.g. a date or a time. */
  value?: string | undefined;
}

/** Encodes a button's data; stays far below LINE's 300-character limit. */
export function encodePostback(postback: Postback): string {
  const params = new URLSearchParams({ a: postback.action, q: String(postback.question) });
  if (postback.value !== undefined) params.set('v', postback.value);
  return params.toString();
}

/** Decodes postback data; anything not made by encodePostback gives null. */
export function decodePostback(data: string): Postback | null {
  if (data.length > 300) return null;
  const params = new URLSearchParams(data);
  const action = params.get('a');
  const question = Number(params.get('q'));
  if (!action || !/^[a-z][a-z0-9.-]{0,40}$/.test(action) || !Number.isSafeInteger(question) || question < 0) return null;
  const value = params.get('v') ?? undefined;
  if (value !== undefined && value.length > 100) return null;
  return { action, question, value };
}
