/**
 * Reading form fields safely: urlencoded bodies can hold arrays, missing keys or anything an
 * attacker types. `formText` gives one string (or '' when absent or repeated) without control
 * characters, cut at `max`.
 */
import type { Request } from 'express';
import { StaffHttpError } from './routes.ts';

// Control characters (Unicode Cc) other than tab, LF and CR.
const controlCharacters = /[^\P{Cc}\t\n\r]/gu;

/** One text field of a POSTed form. Repeated or non-string values count as absent. */
export function formText(req: Request, name: string, max = 1000): string {
  const body: unknown = req.body;
  if (typeof body !== 'object' || body === null) return '';
  const value = (body as Record<string, unknown>)[name];
  if (typeof value !== 'string') return '';
  if (value.length > max) throw new StaffHttpError(400, `入力が長すぎます（${max}文字まで）。短くしてから、もう一度送信してください。`);
  // Newlines are kept (text areas); other control characters go.
  return value.replace(controlCharacters, '').normalize('NFC');
}

/**
 * One field exactly as typed (repeated or non-string → ''), for values that must be refused
 * rather than cleaned when they hold control characters (URLs).
 */
export function formRaw(req: Request, name: string, max = 1000): string {
  const body: unknown = req.body;
  if (typeof body !== 'object' || body === null) return '';
  const value = (body as Record<string, unknown>)[name];
  if (typeof value !== 'string') return '';
  if (value.length > max) throw new StaffHttpError(400, `入力が長すぎます（${max}文字まで）。短くしてから、もう一度送信してください。`);
  return value;
}

/** One query parameter as a string ('' when absent or repeated). */
export function queryText(req: Request, name: string, max = 200): string {
  const value: unknown = (req.query as Record<string, unknown>)[name];
  if (typeof value !== 'string' || value.length > max) return '';
  return value;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A UUID path parameter (booking, account, token ids), or 404: a malformed id names nothing. */
export function uuidParam(req: Request, name = 'id'): string {
  const value = req.params[name];
  if (typeof value !== 'string' || !uuidPattern.test(value)) throw new StaffHttpError(404, '指定されたものが見つかりません。一覧から選び直してください。');
  return value;
}

/** A LINE user id path parameter (U + 32 hex), or 404. */
export function lineUserParam(req: Request, name = 'id'): string {
  const value = req.params[name];
  if (typeof value !== 'string' || !/^U[0-9a-f]{32}$/.test(value)) throw new StaffHttpError(404, '指定された利用者が見つかりません。検索し直してください。');
  return value;
}

/** A same-site path to return to after sign-in; anything else becomes the home page. */
export function safeNextPath(value: string): string {
  return /^\/staff(\/[A-Za-z0-9\-._~%/?=&]*)?$/.test(value) && !value.includes('//') && !value.includes('..') && !value.startsWith('/staff/login')
    ? value
    : '/staff/bookings';
}
