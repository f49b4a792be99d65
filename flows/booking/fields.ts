/**
 * The four fields of Art. 6(2) — name, job-seeker number, phone (and whether it is the
 * registered one), topic — and who attends (Art. 13(1)): children of `questions`.
 */
import { validateJobSeekerNumber, validateName, validatePhoneNumber, validateTopic } from '../../src/domain/booking-fields.ts';
import type { BookingField } from '../../src/domain/booking-fields.ts';
import { askAgain, ask, fieldQuestion, machineSetup, next, say, setDraft, tap, textOf, typedAnswers, yesNoQuestion } from './shared.ts';
import type { Args } from './shared.ts';
import type { Say } from './types.ts';

/** Text that answers the interpreter-language question: a short name of a language. */
function validLanguage(text: string): string | null {
  const t = text
    .normalize('NFKC')
    .replace(/[\p{Cc}\p{Cf}\p{Cs}\u2028\u2029]/gu, '')
    .replace(/\s+/gu, ' ')
    .trim();
  if (!t || [...t].length > 30 || /https?:|www\.|:\/\//iu.test(t) || !/\p{L}/u.test(t)) return null;
  return t;
}

/** A validator's result for the language question (any short name of a language). */
const languageResult = (text: string): { ok: true; value: string } | { ok: false; reason: string } => {
  const language = validLanguage(text);
  return language === null ? { ok: false, reason: 'invalid' } : { ok: true, value: language };
};

const fieldError =
  (field: BookingField) =>
  (reason: string): Say => ({ key: 'fieldError', field, reason });

// ---------------------------------------------------------------------------------------------
// The four fields of Art. 6(2), each validated with a specific re-prompt.
// ---------------------------------------------------------------------------------------------

export const fieldQuestions = {
  name: fieldQuestion('name', { validate: validateName, store: (name) => ({ name }), invalid: fieldError('name'), target: 'afterName' }),
  afterName: next('number'),
  number: fieldQuestion('number', {
    validate: validateJobSeekerNumber,
    store: (jobSeekerNumber) => ({ jobSeekerNumber }),
    invalid: fieldError('jobSeekerNumber'),
    target: 'afterNumber',
    beforeCommands: true,
  }),
  afterNumber: next('phone'),
  phone: fieldQuestion('phone', {
    validate: validatePhoneNumber,
    store: (phone) => ({ phone }),
    invalid: fieldError('phone'),
    target: 'phoneRegistered',
    beforeCommands: true,
  }),
  // "Tell us if it changed" (Art. 6(2)③): a changed number is flagged for staff.
  phoneRegistered: yesNoQuestion('phoneRegistered', {
    yes: { target: 'afterPhone', actions: setDraft(() => ({ phoneChanged: false })) },
    no: { target: 'afterPhone', actions: [setDraft(() => ({ phoneChanged: true })), say({ key: 'phoneChangeNoted' })] },
  }),
  afterPhone: next('topic'),
  topic: fieldQuestion('topic', {
    validate: (text) => validateTopic(text),
    store: (topic) => ({ topic }),
    invalid: fieldError('topic'),
    target: 'afterTopic',
    // A gentle warning about sensitive data; the user decides.
    special: [
      {
        guard: ({ event }: Args) => {
          const r = validateTopic(textOf(event));
          return r.ok && r.sensitiveHint;
        },
        actions: setDraft(({ event }) => {
          const r = validateTopic(textOf(event));
          return r.ok ? { topic: r.value } : {};
        }),
        target: 'topicSensitive',
      },
    ],
  }),
  topicSensitive: yesNoQuestion('topicSensitive', {
    yes: { target: 'afterTopic' },
    no: { target: 'topic' },
    buttons: { yes: 'topic.keep', no: 'topic.rewrite' },
  }),
  afterTopic: next('attendant'),

  // Interpreter or assistant attending (Art. 13(1)).
  attendant: machineSetup.createStateConfig({
    entry: ask('attendant'),
    on: {
      // Typed answers mention 通訳 or 介助, as the interpreter FAQ does: only a question gets the FAQ.
      TEXT: typedAnswers([
        {
          guard: ({ event }) => /(通訳|介助|付き?添).*(不要|いらな|いりません|いない|いません|なし|無し)/u.test(textOf(event)),
          actions: setDraft(() => ({ attendant: 'none', attendantLanguage: undefined })),
          target: 'afterAttendant',
        },
        { guard: ({ event }) => /通訳/u.test(textOf(event)), target: 'language' },
        {
          guard: ({ event }) => /介助|付き?添/u.test(textOf(event)),
          actions: setDraft(() => ({ attendant: 'assistant', attendantLanguage: undefined })),
          target: 'afterAttendant',
        },
        {
          guard: ({ event }) => (event.type === 'TEXT' && event.intent === 'no') || /^(なし|無し|いない|いません|不要|ない)$/u.test(textOf(event).trim()),
          actions: setDraft(() => ({ attendant: 'none', attendantLanguage: undefined })),
          target: 'afterAttendant',
        },
        { actions: askAgain },
      ]),
      POSTBACK: [
        { guard: tap('attendant.none'), actions: setDraft(() => ({ attendant: 'none', attendantLanguage: undefined })), target: 'afterAttendant' },
        { guard: tap('attendant.interpreter'), target: 'language' },
        { guard: tap('attendant.assistant'), actions: setDraft(() => ({ attendant: 'assistant', attendantLanguage: undefined })), target: 'afterAttendant' },
      ],
    },
  }),
  language: fieldQuestion('language', {
    validate: languageResult,
    store: (language) => ({ attendant: 'interpreter', attendantLanguage: language }),
    invalid: () => ({ key: 'languageInvalid' }),
    target: 'afterAttendant',
  }),
  afterAttendant: next('date'),
};
