/**
 * Coming back to a half-finished booking (issue #11). The runner sends RETURNED instead of the
 * user's first message when a conversation rests in a booking question and the user writes again
 * after CONVERSATION_IDLE_MINUTES but within CONVERSATION_RESUME_HOURS of their last message; the
 * bot then offers 「続きから」 (the question they were at, through the history of `questions`) or
 * 「最初から」 (the checks and the first question again, the draft discarded). After that window
 * the runner sends TIMEOUT, and the draft is discarded as before.
 */
import { ask, askAgain, machineSetup, said, say, tap, textOf } from './shared.ts';
import type { Args } from './shared.ts';

const saysContinue = ({ event }: Args) => event.type === 'TEXT' && (event.intent === 'yes' || /続き|つづき|再開|続け/u.test(textOf(event)));
const saysRestart = ({ event }: Args) => event.type === 'TEXT' && /最初|はじめから|初めから|やり直|やりなお/u.test(textOf(event));

export const resumeStates = {
  resumeOffer: machineSetup.createStateConfig({
    entry: ask('resumeOffer'),
    on: {
      POSTBACK: [
        { guard: tap('resume.continue'), target: 'questions.resume' },
        { guard: tap('resume.restart'), target: 'startBooking', actions: 'reset' },
        { guard: tap('nav.quit'), target: 'idle', actions: say({ key: 'quitDone' }) },
      ],
      TEXT: [
        { guard: saysRestart, target: 'startBooking', actions: 'reset' },
        { guard: saysContinue, target: 'questions.resume' },
        { guard: said('quit'), target: 'idle', actions: say({ key: 'quitDone' }) },
        { actions: askAgain },
      ],
    },
  }),
};
