/** The office's scheduling rules: pure functions of `now` and the office configuration. */
export {
  bookableDates,
  bookableSlots,
  bookingDeadline,
  capacitiesOn,
  capacityAt,
  dayInfo,
  holidayDataYears,
  isBookableDate,
  isOpenDay,
  noShowMomentFor,
  nthOpenDayBefore,
  reminderDayFor,
  reminderInstantFor,
  slotsOn,
} from './calendar.ts';
export type { ClosedReason, DayInfo, DaySlots, HorizonSlots, TakenByDate, TakenOnDate } from './calendar.ts';
export { OfficeCalendarConfigError, checkBlockedTime, defaultOfficeCalendarConfig, parseSlotStarts, validateOfficeCalendarConfig } from './office-config.ts';
export type { BlockedTime, OfficeCalendarConfig } from './office-config.ts';
export { addDays, isJpDate, isTimeOfDay, tokyoDateOf, tokyoInstant, tokyoTimeOf, weekdayOf } from './tokyo-time.ts';
export type { JpDate, TimeOfDay } from './tokyo-time.ts';
