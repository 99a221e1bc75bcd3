/**
 * `precision-daily`: the nightly precision@K aggregation. For each of the `days` calendar days (in
 * `timezone`) before the occurrence's day, it reads the scored cycles of `ranking_scores` (one row per
 * cycle and K, ts = the cycle's as_of) and writes one `precision_daily` row per (strategy, env, K):
 * the number of cycles, mean / min / max precision@K, mean recall@K, hit rate and mean NDCG@K, plus a
 * metric point `precision_at_k_daily{strategy,env,k}` (the mean) on `metrics`. Days without scores
 * write nothing. Running it again rewrites the same rows (dedup keys): a re-run or backfill is safe.
 */
import { z } from 'zod';
import type { SinkRow } from '../../processors/contract.ts';
import type { Metric } from '../../schemas/index.ts';
import { at, inList, nameList, num, timezoneParam } from './sql.ts';
import type { JobTemplate } from './types.ts';
import { addDays, isoDate, localDateTime, startOfDay } from '../../core/zoned-time.ts';

const params = z.strictObject({
  days: z
    .number()
    .int()
    .min(1)
    .max(366)
    .default(1)
    .describe('How many whole days before the occurrence’s day to aggregate (1: yesterday)'),
  timezone: timezoneParam('Time zone of the calendar days'),
  strategies: nameList('Only these strategies (default: every strategy with scores)'),
});
export type PrecisionDailyParams = z.infer<typeof params>;

const ENVIRONMENTS = new Set(['prod', 'staging', 'paper']);

export const precisionDaily: JobTemplate<PrecisionDailyParams> = {
  name: 'precision-daily',
  description: 'Daily precision@K per strategy, env and K from ranking_scores into precision_daily.',
  params,
  async run(p, context) {
    const today = localDateTime(context.scheduledAt, p.timezone);
    const rows: SinkRow[] = [];
    const points: Metric[] = [];
    const days: string[] = [];
    for (let back = p.days; back >= 1; back -= 1) {
      const day = addDays(today, -back);
      const start = startOfDay(day, p.timezone);
      const end = startOfDay(addDays(day, 1), p.timezone);
      const result = await context.outputs.query(
        `SELECT strategy, env, k, count() cycles, avg(precision_at_k) p_mean, min(precision_at_k) p_min, ` +
          `max(precision_at_k) p_max, avg(recall_at_k) r_mean, avg(hit_at_k) h_mean, avg(ndcg_at_k) n_mean ` +
          `FROM ${context.outputs.table('ranking_scores')} WHERE ts >= ${at(start)} AND ts < ${at(end)}${inList('strategy', p.strategies)} ` +
          'GROUP BY strategy, env, k ORDER BY strategy, env, k',
      );
      if (result.rows.length > 0) days.push(isoDate(day));
      for (const r of result.rows) {
        const symbols = { strategy: String(r['strategy']), env: String(r['env']), k: String(r['k']) };
        const mean = num(r['p_mean']);
        rows.push({
          table: 'precision_daily',
          ts: start,
          symbols,
          columns: {
            cycles: Number(r['cycles']),
            precision_mean: mean,
            precision_min: num(r['p_min']),
            precision_max: num(r['p_max']),
            recall_mean: num(r['r_mean']),
            hit_rate: num(r['h_mean']),
            ndcg_mean: num(r['n_mean']),
          },
        });
        // The rules need a valid env label; a series without one is kept in QuestDB only.
        if (mean !== null && ENVIRONMENTS.has(symbols.env)) {
          points.push({ name: 'precision_at_k_daily', labels: symbols, value: mean, ts: start });
        }
      }
    }
    await context.outputs.writeRows(rows);
    await context.outputs.metrics(points);
    return { rows: rows.length, days: days.join(',') };
  },
};
