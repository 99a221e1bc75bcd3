/**
 * `risk-check`: the periodic risk check of the job's env at the occurrence's time T. Per portfolio:
 * the latest mark at or before T (`portfolio_marks`: equity, cash, and the exposure
 * `(equity - cash) / equity`), and the daily drawdown over `lookback` before T (`drawdown`: the latest
 * and the largest). A portfolio breaches when its largest drawdown exceeds `max_drawdown`, its exposure
 * exceeds `max_exposure`, its latest mark is older than `max_mark_age` (or it has none, for a listed
 * portfolio). Out: a `risk_checks` row per portfolio (ts = T), and on `metrics` the points
 * `risk_limit_breach{portfolio,env}` (1 or 0: the default rule alerts on 1) and
 * `risk_exposure_ratio{portfolio,env}`.
 */
import { z } from 'zod';
import type { SinkRow } from '../../processors/contract.ts';
import type { Metric } from '../../schemas/index.ts';
import { formatDuration } from '../../core/durations.ts';
import { at, durationParam, epochMs, inList, nameList, num, text } from './sql.ts';
import type { JobTemplate } from './types.ts';

const params = z.strictObject({
  portfolios: nameList('Portfolios to check (default: every portfolio with a mark in the job’s env)'),
  max_drawdown: z
    .number()
    .gt(0)
    .max(1)
    .default(0.1)
    .describe('Largest tolerated daily drawdown over the lookback, as a fraction (0.1 = 10%)'),
  max_exposure: z
    .number()
    .gt(0)
    .default(1)
    .describe(
      'Largest tolerated exposure (equity - cash) / equity (1 = fully invested, above 1 = leveraged)',
    ),
  max_mark_age: durationParam(
    'How old the latest mark may be before the portfolio counts as unwatched',
    '15m',
  ),
  lookback: durationParam('The period the drawdown summary covers, before the check time', '24h'),
});
export type RiskCheckParams = z.infer<typeof params>;

export const riskCheck: JobTemplate<RiskCheckParams> = {
  name: 'risk-check',
  description: 'Exposure and drawdown per portfolio against limits, into risk_checks; alerts on a breach.',
  params,
  async run(p, context) {
    const t = context.scheduledAt;
    const env = context.job.env;
    const marks = await context.outputs.query(
      `SELECT portfolio, equity, cash, ts FROM ${context.outputs.table('portfolio_marks')} WHERE env = ${text(env)} AND ts <= ${at(t)}` +
        `${inList('portfolio', p.portfolios)} LATEST ON ts PARTITION BY portfolio`,
    );
    const drawdowns = await context.outputs.query(
      `SELECT portfolio, max(drawdown_daily) max_dd, last(drawdown_daily) last_dd FROM ${context.outputs.table('drawdown')} ` +
        `WHERE env = ${text(env)} AND ts > ${at(t - p.lookback)} AND ts <= ${at(t)}${inList('portfolio', p.portfolios)} ` +
        'GROUP BY portfolio',
    );
    const markBy = new Map(marks.rows.map((r) => [String(r['portfolio']), r]));
    const ddBy = new Map(drawdowns.rows.map((r) => [String(r['portfolio']), r]));
    const portfolios = [...new Set([...(p.portfolios ?? []), ...markBy.keys()])].sort();

    const rows: SinkRow[] = [];
    const points: Metric[] = [];
    let breaches = 0;
    for (const portfolio of portfolios) {
      const mark = markBy.get(portfolio);
      const dd = ddBy.get(portfolio);
      const problems: string[] = [];
      const equity = num(mark?.['equity']);
      const cash = num(mark?.['cash']);
      const markTs = epochMs(mark?.['ts']);
      const age = markTs === null ? null : t - markTs;
      let exposure: number | null = null;
      if (mark === undefined) problems.push('no mark at all');
      else if (age !== null && age > p.max_mark_age) {
        problems.push(
          `the latest mark is ${formatDuration(age)} old (limit ${formatDuration(p.max_mark_age)})`,
        );
      }
      if (equity !== null && cash !== null && equity > 0) exposure = (equity - cash) / equity;
      if (exposure !== null && exposure > p.max_exposure) {
        problems.push(`exposure ${pct(exposure)} exceeds ${pct(p.max_exposure)}`);
      }
      const maxDrawdown = num(dd?.['max_dd']);
      if (maxDrawdown !== null && maxDrawdown > p.max_drawdown) {
        problems.push(
          `drawdown reached ${pct(maxDrawdown)} over the last ${formatDuration(p.lookback)} (limit ${pct(p.max_drawdown)})`,
        );
      }
      const breach = problems.length > 0;
      if (breach) breaches += 1;
      rows.push({
        table: 'risk_checks',
        ts: t,
        symbols: { portfolio, env },
        columns: {
          equity,
          cash,
          exposure,
          drawdown_daily: num(dd?.['last_dd']),
          max_drawdown: maxDrawdown,
          mark_age_ms: age,
          breach,
          problems: breach ? problems.join('\n') : null,
        },
      });
      const labels = { portfolio, env };
      points.push({ name: 'risk_limit_breach', labels, value: breach ? 1 : 0, ts: t });
      if (exposure !== null) points.push({ name: 'risk_exposure_ratio', labels, value: exposure, ts: t });
    }
    await context.outputs.writeRows(rows);
    await context.outputs.metrics(points);
    return { portfolios: portfolios.length, breaches };
  },
};

function pct(ratio: number): string {
  return `${(ratio * 100).toFixed(2)}%`;
}
