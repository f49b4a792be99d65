/**
 * The menu, where a user with or without a booking asks about it (予約確認, キャンセル, the
 * terms, FAQ), and cancelling in the chat where the office allows it.
 */
import { and, or } from 'xstate';
import { isFaq } from './intents.ts';
import {
  askAgain,
  ask,
  bookings,
  cancellationInfo,
  changeBookingInfo,
  erasureRequest,
  faqAnswer,
  machineSetup,
  said,
  say,
  sayWith,
  tap,
  termsFull,
  urlStatus,
} from './shared.ts';

/** What a user asks about their own booking (issue #11): the URL, a change of time, of phone, of attendant. */
const aboutMyBooking = [
  { guard: said('urlMissing'), actions: urlStatus },
  { guard: said('changeBooking'), actions: changeBookingInfo },
  { guard: said('phoneChanged'), actions: say({ key: 'phoneChangedInfo' }) },
  { guard: said('attendantCannotCome'), actions: say({ key: 'attendantChangeInfo' }) },
];

export const afterBookingStates = {
  idle: machineSetup.createStateConfig({
    entry: 'reset',
    on: {
      TEXT: [
        { guard: said('book'), target: 'startBooking' },
        { guard: said('checkBooking'), actions: bookings },
        ...aboutMyBooking,
        { guard: said('eraseData'), actions: erasureRequest },
        { guard: and([or([said('cancelBooking'), said('quit')]), 'chatCancellable']), target: 'confirmCancel' },
        { guard: said('cancelBooking'), actions: cancellationInfo },
        { guard: said('quit'), actions: cancellationInfo },
        { guard: or([said('terms'), said('faq.terms')]), actions: termsFull },
        { guard: ({ event }) => event.type === 'TEXT' && isFaq(event.intent), actions: faqAnswer },
        { actions: say({ key: 'help' }) },
      ],
      POSTBACK: [
        { guard: tap('menu.book'), target: 'startBooking' },
        { guard: tap('menu.check'), actions: bookings },
        { guard: and([tap('menu.cancel'), 'chatCancellable']), target: 'confirmCancel' },
        { guard: tap('menu.cancel'), actions: cancellationInfo },
        { guard: tap('menu.terms'), actions: termsFull },
        // キャンセルする on a booking's card (予約確認, 時間を変更したい): that booking, while the chat may still cancel it.
        { guard: and([tap('booking.cancel'), 'cardCancellable']), target: 'confirmCancel' },
        { guard: tap('booking.cancel'), actions: [say({ key: 'cancelClosed' }), cancellationInfo] },
      ],
    },
  }),

  // Cancelling in the chat, where the office allows it (off by default: the terms say by phone).
  confirmCancel: machineSetup.createStateConfig({
    entry: ['pickCancellableBooking', ...ask('confirmCancel')],
    on: {
      TEXT: [
        { guard: said('yes'), target: 'cancellingBooking' },
        { guard: or([said('no'), said('back'), said('quit')]), target: 'idle', actions: say({ key: 'cancelKept' }) },
        { actions: askAgain },
      ],
      POSTBACK: [
        { guard: tap('cancel.yes'), target: 'cancellingBooking' },
        { guard: tap('cancel.no'), target: 'idle', actions: say({ key: 'cancelKept' }) },
      ],
    },
  }),
  // Waiting for the runner's answer to cancelBooking, within the same turn.
  cancellingBooking: machineSetup.createStateConfig({
    entry: { type: 'cancelBooking', params: ({ context }) => ({ bookingId: context.cancelling?.id ?? '' }) },
    on: {
      BOOKING_CANCELLED: {
        target: 'idle',
        actions: sayWith(({ event }) => ({
          key: 'bookingCancelled',
          booking: event.type === 'BOOKING_CANCELLED' ? event.booking : { id: '', date: '', time: '' },
        })),
      },
      CANCEL_FAILED: { target: 'idle', actions: [say({ key: 'cancelClosed' }), cancellationInfo] },
    },
  }),
};
