/**
 * 予約一覧 and 予約詳細: placeholder until the bookings pages land (next commit).
 */
import type { PageModule } from '../console.ts';

export const bookingPages: PageModule = (routes, kit) => {
  routes.get('/bookings', { role: 'staff' }, async (_req, res) => {
    await kit.render(res, 'bookings/index.njk', { bookings: [] });
  });
};
