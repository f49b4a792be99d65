/**
 * The console's page modules, in order. To add pages: write a module under src/staff/pages/
 * (see src/staff/README-pages.md) and add it to this list — one line.
 */
import type { PageModule } from '../console.ts';
import { authPages } from './auth.ts';
import { bookingPages } from './bookings.ts';
import { accountPages } from './accounts.ts';
import { auditPages } from './audit.ts';
import { userPages } from './users.ts';
import { calendarPages } from './calendar.ts';
import { statsPages } from './stats.ts';
import { termsPages } from './terms.ts';
import { announcementPages } from './announcements.ts';

export const pageModules: PageModule[] = [
  authPages,
  bookingPages,
  accountPages,
  auditPages,
  userPages,
  calendarPages,
  statsPages,
  termsPages,
  announcementPages,
];
