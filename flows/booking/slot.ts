/**
 * Date and time, children of `questions`: only what the rules and the current capacity allow is
 * offered; a typed date or time is understood, and a date that cannot be booked is refused with
 * its reason.
 */
import { parseTypedDate, parseTypedTime } from '../../src/domain/booking-fields.ts';
import { askAgain, ask, factsOf, isAvailable, machineSetup, say, sayWith, setDraft, tap, tapped, timesOn, typedAnswers, valueOf } from './shared.ts';
import type { Args } from './shared.ts';
import type { DateRefusal, DialogueEvent, Facts, JpDate } from './types.ts';

/** Why a parsed date cannot be booked (or null if it can). */
function refusalFor(facts: Facts, date: JpDate): DateRefusal | null {
  if (timesOn(facts, date).length > 0) return null;
  if (date < facts.today) return 'past';
  if (date > facts.horizonEnd) return 'beyond';
  return facts.unavailable[date] ?? 'full';
}

const pickedDate = ({ event }: { event: DialogueEvent }): JpDate | null =>
  event.type === 'POSTBACK' && event.action === 'date.pick'
    ? (event.value ?? null)
    : event.type === 'TEXT'
      ? parseTypedDate(event.text, event.facts.today)
      : null;

const pickedTime = ({ event }: { event: DialogueEvent }): string | null =>
  event.type === 'POSTBACK' && event.action === 'time.pick'
    ? (event.value ?? null)
    : event.type === 'TEXT'
      ? parseTypedTime(event.text, { afternoonForHoursBelow: 8 })
      : null;

// ---------------------------------------------------------------------------------------------
// Date and time: only what the rules and the current capacity allow is offered.
// ---------------------------------------------------------------------------------------------

const dateRefused = (date: (args: Args) => JpDate) =>
  sayWith((args) => ({ key: 'dateRefused', date: date(args), reason: refusalFor(factsOf(args.event), date(args)) ?? 'full' }));

export const slotQuestions = {
  date: machineSetup.createStateConfig({
    entry: ['offerDates', ...ask('date')],
    always: { guard: 'noAvailability', target: '#booking.idle', actions: say({ key: 'noAvailability' }) },
    on: {
      POSTBACK: [
        { guard: tap('date.more'), target: 'date', reenter: true, actions: 'nextDatePage' },
        { guard: tap('date.prev'), target: 'date', reenter: true, actions: 'previousDatePage' },
        {
          guard: ({ event }) => tapped(event, 'date.pick') && timesOn(factsOf(event), valueOf(event)).length > 0,
          actions: setDraft(({ event }) => ({ date: valueOf(event), time: undefined })),
          target: 'time',
        },
        {
          guard: ({ event }) => tapped(event, 'date.pick') && /^\d{4}-\d{2}-\d{2}$/.test(valueOf(event)),
          target: 'date',
          reenter: true,
          actions: dateRefused(({ event }) => valueOf(event)),
        },
      ],
      TEXT: typedAnswers([
        {
          guard: ({ event }) => {
            const d = pickedDate({ event });
            return d !== null && refusalFor(factsOf(event), d) === null;
          },
          actions: setDraft(({ event }) => ({ date: pickedDate({ event }) ?? '', time: undefined })),
          target: 'time',
        },
        {
          guard: ({ event }) => pickedDate({ event }) !== null,
          target: 'date',
          reenter: true,
          actions: dateRefused(({ event }) => pickedDate({ event }) ?? ''),
        },
        { actions: [say({ key: 'dateFormatHelp' }), askAgain] },
      ]),
    },
  }),
  time: machineSetup.createStateConfig({
    entry: ['offerTimes', ...ask('time')],
    always: { guard: ({ context }) => context.offeredTimes.length === 0, target: 'date', actions: say({ key: 'dateFull' }) },
    on: {
      POSTBACK: [
        {
          guard: ({ context, event }) => tapped(event, 'time.pick') && isAvailable(factsOf(event), context.draft.date, valueOf(event)),
          actions: setDraft(({ event }) => ({ time: valueOf(event) })),
          target: 'summary',
        },
        { guard: tap('time.pick'), target: 'time', reenter: true, actions: say({ key: 'timeTaken' }) },
      ],
      TEXT: typedAnswers([
        {
          guard: ({ context, event }) => isAvailable(factsOf(event), context.draft.date, pickedTime({ event }) ?? undefined),
          actions: setDraft(({ event }) => ({ time: pickedTime({ event }) ?? '' })),
          target: 'summary',
        },
        { guard: ({ event }) => pickedTime({ event }) !== null, target: 'time', reenter: true, actions: say({ key: 'timeTaken' }) },
        // A date typed at the time grid (「12/4」「12月4日」) changes the date: its grid, or why not.
        {
          guard: ({ event }) => {
            const d = pickedDate({ event });
            return d !== null && refusalFor(factsOf(event), d) === null;
          },
          actions: setDraft(({ event }) => ({ date: pickedDate({ event }) ?? '', time: undefined })),
          target: 'time',
          reenter: true,
        },
        { guard: ({ event }) => pickedDate({ event }) !== null, target: 'date', actions: dateRefused(({ event }) => pickedDate({ event }) ?? '') },
        { actions: [say({ key: 'timeFormatHelp' }), askAgain] },
      ]),
    },
  }),
};
