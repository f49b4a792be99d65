/**
 * 統計 (staff and admins; Art. 7(2)): bookings, attendance, no-shows and cancellations by whom,
 * per week or month, by weekday and by start time, for a range of consultation dates — counts
 * only, never a single booking or person — and the same as a CSV download. Dates in Asia/Tokyo.
 */
import type { Request } from 'express';
import type { PageModule } from '../console.ts';
import { queryText } from '../forms.ts';
import { csvBom, csvLine } from '../csv.ts';
import { countColumns, loadStatistics, StatisticsRangeError, statisticsCsvRows } from '../stats/statistics.ts';
import type { Granularity } from '../stats/statistics.ts';
import { addDays, tokyoDateOf } from '../../rules/index.ts';

/** The range asked for, or the default: the last three months up to the end of this month (Japan). */
function rangeOf(req: Request, today: string): { from: string; to: string; granularity: Granularity } {
  const granularity: Granularity = queryText(req, 'by', 10) === 'week' ? 'week' : 'month';
  const monthStart = `${today.slice(0, 7)}-01`;
  const defaultFrom = `${addDays(addDays(monthStart, -1).slice(0, 7) + '-01', -1).slice(0, 7)}-01`;
  const defaultTo = addDays(`${addDays(`${today.slice(0, 7)}-28`, 4).slice(0, 7)}-01`, -1);
  return { from: queryText(req, 'from', 10) || defaultFrom, to: queryText(req, 'to', 10) || defaultTo, granularity };
}

export const statsPages: PageModule = (routes, kit) => {
  routes.get('/stats', { role: 'staff' }, async (req, res) => {
    const range = rangeOf(req, tokyoDateOf(kit.clock.now()));
    try {
      const stats = await loadStatistics(kit.prisma, range);
      await kit.render(res, 'stats/index.njk', { range, stats, columns: countColumns, csvQuery: `from=${range.from}&to=${range.to}&by=${range.granularity}` });
    } catch (error) {
      if (!(error instanceof StatisticsRangeError)) throw error;
      await kit.render(res, 'stats/index.njk', { range, stats: null, columns: countColumns, error: error.message }, 400);
    }
  });

  routes.get('/stats.csv', { role: 'staff' }, async (req, res) => {
    const range = rangeOf(req, tokyoDateOf(kit.clock.now()));
    let body: string;
    try {
      const stats = await loadStatistics(kit.prisma, range);
      body =
        csvBom +
        csvLine(['区分', '項目', ...countColumns.map((c) => c.title)]) +
        statisticsCsvRows(stats)
          .map((row) => csvLine(row))
          .join('');
    } catch (error) {
      if (!(error instanceof StatisticsRangeError)) throw error;
      await kit.render(res, 'stats/index.njk', { range, stats: null, columns: countColumns, error: error.message }, 400);
      return;
    }
    // Counts only, but downloads are audited like every export.
    await kit.audit(res, { action: 'stats.csv', targetType: 'list', detail: { from: range.from, to: range.to, by: range.granularity } });
    res
      .status(200)
      .set('content-type', 'text/csv; charset=utf-8')
      .set('content-disposition', `attachment; filename="statistics-${range.from}-${range.to}-${range.granularity}.csv"`)
      .send(body);
  });
};
