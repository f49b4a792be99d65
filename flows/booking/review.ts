/**
 * The summary and the correction of one field (children of `questions`); then the booking
 * itself — the same checks again, createBooking and its outcome — and the confirmation before
 * quitting, which resumes the question the user was answering (the history of `questions`).
 */
import { or } from 'xstate';
import { askAgain, ask, checksBefore, existingBooking, factsOf, isAvailable, machineSetup, said, say, sayWith, tap, textOf, typedAnswers } from './shared.ts';
import type { Args, BookingQuestion } from './shared.ts';

// ---------------------------------------------------------------------------------------------
// Summary: confirm, correct one field, or stop.
// ---------------------------------------------------------------------------------------------

const correct = (action: string, words: (text: string) => boolean, target: BookingQuestion) => {
  const actions = target === 'date' ? ('startCorrectingSlot' as const) : ('startCorrecting' as const);
  return { postback: { guard: tap(action), target, actions }, text: { guard: ({ event }: Args) => words(textOf(event)), target, actions } };
};
const matches = (words: RegExp) => (text: string) => words.test(text);

// Field words first: 「通訳・介助」 is a field here, not the interpreter FAQ, and 「日程を変更したい」
// a correction, not a cancellation. 「電話番号」 is the phone, not the job-seeker number.
const corrections = [
  correct('edit.name', matches(/名前|氏名/u), 'name'),
  correct('edit.number', (text) => /求職番号|番号/u.test(text) && !/電話/u.test(text), 'number'),
  correct('edit.phone', matches(/電話/u), 'phone'),
  correct('edit.topic', matches(/相談内容|内容/u), 'topic'),
  correct('edit.attendant', matches(/通訳|介助/u), 'attendant'),
  correct('edit.datetime', matches(/日時|日付|日程|時間|日にち/u), 'date'),
];

export const reviewQuestions = {
  summary: machineSetup.createStateConfig({
    entry: ['endCorrecting', ...ask('summary')],
    on: {
      POSTBACK: [
        { guard: tap('summary.confirm'), target: '#booking.confirming' },
        { guard: tap('summary.edit'), target: 'editField' },
      ],
      TEXT: typedAnswers([
        { guard: or([said('yes'), said('book')]), target: '#booking.confirming' },
        { guard: ({ event }) => /修正|訂正|直す|なおす|変更/u.test(textOf(event)), target: 'editField' },
        { actions: askAgain },
      ]),
    },
  }),
  editField: machineSetup.createStateConfig({
    entry: ask('editField'),
    on: {
      POSTBACK: corrections.map((c) => c.postback),
      TEXT: typedAnswers(
        [{ actions: askAgain }],
        corrections.map((c) => c.text),
      ),
    },
  }),
};

export const reviewStates = {
  confirming: machineSetup.createStateConfig({
    always: checksBefore(
      { target: 'creating', actions: { type: 'createBooking', params: ({ context, event }) => ({ draft: context.draft, termsId: factsOf(event).terms.id }) } },
      [
        {
          guard: ({ context, event }) => !isAvailable(factsOf(event), context.draft.date, context.draft.time),
          target: 'questions.time',
          actions: say({ key: 'timeTaken' }),
        },
      ],
    ),
  }),
  // Waiting for the runner's answer to createBooking, within the same turn.
  creating: machineSetup.createStateConfig({
    on: {
      BOOKING_CREATED: {
        target: 'idle',
        actions: sayWith(({ event }) => ({
          key: 'bookingConfirmed',
          booking: event.type === 'BOOKING_CREATED' ? event.booking : { id: '', date: '', time: '' },
        })),
      },
      BOOKING_FAILED: [
        { guard: ({ event }) => event.type === 'BOOKING_FAILED' && event.reason === 'full', target: 'questions.time', actions: say({ key: 'timeTaken' }) },
        { guard: ({ event }) => event.type === 'BOOKING_FAILED' && event.reason === 'refused', target: 'idle', actions: say({ key: 'refused' }) },
        { guard: ({ event }) => event.type === 'BOOKING_FAILED' && event.reason === 'suspended', target: 'idle', actions: say({ key: 'suspended' }) },
        { target: 'idle', actions: existingBooking },
      ],
    },
  }),
  confirmQuit: machineSetup.createStateConfig({
    entry: ask('confirmQuit'),
    on: {
      TEXT: [
        { guard: or([said('yes'), said('quit')]), target: 'idle', actions: say({ key: 'quitDone' }) },
        { guard: or([said('no'), said('back')]), target: 'questions.resume' },
        { actions: askAgain },
      ],
      POSTBACK: [
        { guard: tap('quit.yes'), target: 'idle', actions: say({ key: 'quitDone' }) },
        { guard: tap('quit.no'), target: 'questions.resume' },
      ],
    },
  }),
};
