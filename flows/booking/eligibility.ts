/**
 * Before the booking questions: the checks (consent to the terms in force, no suspension or
 * refusal, the number of upcoming bookings, something to book), the terms and the consent; then
 * the eligibility questions of Art. 2 and the environment checklist, children of `questions`.
 */
import { or } from 'xstate';
import { isFaq } from './intents.ts';
import {
  aboutBooking,
  askAgain,
  checksBefore,
  erasureRequest,
  factsOf,
  faqAnswer,
  machineSetup,
  said,
  say,
  sayWith,
  tap,
  termsFull,
  viewOf,
  yesNoQuestion,
} from './shared.ts';

export const eligibilityStates = {
  // Checks before anything personal is asked: consent to the terms in force (Art. 6
  // preamble), no suspension (Art. 12), no refusal (Art. 6(4)), and the number of upcoming bookings.
  startBooking: machineSetup.createStateConfig({
    always: checksBefore({ target: 'questions.registered', actions: say({ key: 'startBooking' }) }, [
      { guard: 'noAvailability', target: 'idle', actions: say({ key: 'noAvailability' }) },
    ]),
  }),

  terms: machineSetup.createStateConfig({
    entry: [
      'askTerms',
      sayWith(({ context, event }) => ({ key: 'ask', question: 'terms', view: viewOf(context), changed: factsOf(event).consentedToEarlier })),
    ],
    on: {
      // Nothing has been entered yet, so there is nothing to discard: the terms question
      // (and its buttons) stays valid however long the user takes to read.
      TIMEOUT: { actions: [] },
      POSTBACK: [
        { guard: tap('terms.agree'), target: 'consenting' },
        { guard: tap('terms.decline'), target: 'idle', actions: say({ key: 'declined' }) },
        { guard: tap('terms.full'), actions: [termsFull, askAgain] },
      ],
      TEXT: [
        { guard: or([said('agree'), said('yes')]), target: 'consenting' },
        { guard: or([said('decline'), said('no'), said('quit')]), target: 'idle', actions: say({ key: 'declined' }) },
        { guard: or([said('terms'), said('faq.terms')]), actions: [termsFull, askAgain] },
        { guard: ({ event }) => event.type === 'TEXT' && isFaq(event.intent), actions: [faqAnswer, askAgain] },
        // 「URLが届かない」「通訳が来られない」 were FAQ words before they had answers of their own.
        { guard: or([said('urlMissing'), said('attendantCannotCome')]), actions: [aboutBooking, askAgain] },
        { guard: said('eraseData'), actions: [...erasureRequest, askAgain] },
        { actions: askAgain },
      ],
    },
  }),
  consenting: machineSetup.createStateConfig({
    // Consent is for the version that was shown; if another version came into force in
    // the meantime, the user is asked again about that one.
    always: [
      {
        guard: ({ context, event }) => context.termsVersion === factsOf(event).terms.version,
        target: 'startBooking',
        actions: [
          { type: 'recordConsent', params: ({ event }) => ({ termsId: factsOf(event).terms.id }) },
          'rememberConsent',
          sayWith(({ event }) => ({ key: 'consentRecorded', version: factsOf(event).terms.version })),
        ],
      },
      { target: 'terms' },
    ],
  }),
};

// ---------------------------------------------------------------------------------------------
// Eligibility (Art. 2): a "no" explains how to meet the condition instead of continuing.
// ---------------------------------------------------------------------------------------------

export const eligibilityQuestions = {
  registered: yesNoQuestion('registered', { yes: { target: 'myPage' }, no: { target: '#booking.idle', actions: say({ key: 'notRegistered' }) } }),
  myPage: yesNoQuestion('myPage', { yes: { target: 'device' }, no: { target: '#booking.idle', actions: say({ key: 'noMyPage' }) } }),
  device: yesNoQuestion('device', { yes: { target: 'checklist' }, no: { target: '#booking.idle', actions: say({ key: 'noDevice' }) } }),
  // Environment checklist (Art. 5, 13), confirmed with one button.
  checklist: yesNoQuestion('checklist', { yes: { target: 'name' } }),
};
