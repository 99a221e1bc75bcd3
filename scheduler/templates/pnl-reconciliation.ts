/**
 * `pnl-reconciliation`: the daily PnL reconciliation of the job's env. For each of the `days` calendar
 * days (in `timezone`) before the occurrence's day, and each portfolio:
 * - the opening mark is the last mark before the day, the closing mark the last mark of the day
 *   (`portfolio_marks`); a mark values the book after every trade up to its time;
 * - the trades are those after the opening mark up to the closing mark (`trades`), so that each trade
 *   counts in exactly one day, the one whose marks include it;
 * - from the trades: `trade_cash_flow = sell notional - buy notional - fees` (fees charged in another
 *   currency than the quote currency are left out, and said so in `problems`);
 * - with `basis: cash` (default) the marks' change in cash must equal the trades' cash flow; with
 *   `basis: equity` the change in equity must (a portfolio flat at both marks: the day's PnL is its
 *   realised PnL);
 * - `difference` is the marks' change minus the trades' cash flow; beyond `tolerance` (absolute, in
 *   the base currency) the day is a `breach`. Without an opening or a closing mark (or without cash
 *   on them, for basis cash) it is `no_data`: a breach too when there were trades (they cannot be
 *   reconciled), not otherwise.
 * Out: a `pnl_reconciliation` row per portfolio and day (ts = the start of the day), and a point
 * `pnl_reconciliation_breach{portfolio,env}` (1 or 0; none for a quiet no_data day) on `metrics`.
 */
import { z } from 'zod';
import type { SinkRow } from '../../processors/contract.ts';
import type { Metric } from '../../schemas/index.ts';
import { at, epochMs, inList, nameList, num, text, timezoneParam } from './sql.ts';
import type { JobTemplate, TemplateContext } from './types.ts';
import { addDays, isoDate, localDateTime, startOfDay } from '../../core/zoned-time.ts';

const params = z.strictObject({
  portfolios: nameList('Portfolios to reconcile (default: every portfolio with a mark in the job’s env)'),
  days: z
    .number()
    .int()
    .min(1)
    .max(366)
    .default(1)
    .describe('How many whole days before the occurrence’s day to reconcile (1: yesterday)'),
  timezone: timezoneParam('Time zone of the calendar days'),
  tolerance: z.number().min(0).default(0.01).describe('Largest tolerated |difference|, in the base currency'),
  basis: z
    .enum(['cash', 'equity'])
    .default('cash')
    .describe(
      'What the trades are compared with: the change in cash of the marks, or in equity (flat books)',
    ),
});
export type PnlReconciliationParams = z.infer<typeof params>;

interface Mark {
  readonly ts: number;
  readonly equity: number | null;
  readonly cash: number | null;
}

export const pnlReconciliation: JobTemplate<PnlReconciliationParams> = {
  name: 'pnl-reconciliation',
  description:
    'Daily PnL from trades against the change in portfolio marks, per portfolio, into pnl_reconciliation.',
  params,
  async run(p, context) {
    const env = context.job.env;
    const today = localDateTime(context.scheduledAt, p.timezone);
    const rows: SinkRow[] = [];
    const points: Metric[] = [];
    let breaches = 0;
    for (let back = p.days; back >= 1; back -= 1) {
      const day = addDays(today, -back);
      const start = startOfDay(day, p.timezone);
      const end = startOfDay(addDays(day, 1), p.timezone);
      const opening = await latestMarks(context, env, start, p.portfolios);
      const closing = await latestMarks(context, env, end, p.portfolios);
      const portfolios = [...new Set([...(p.portfolios ?? []), ...closing.keys()])].sort();
      for (const portfolio of portfolios) {
        const open = opening.get(portfolio);
        const close = closing.get(portfolio);
        const dayClose = close !== undefined && close.ts >= start ? close : undefined;
        // Trades the two marks account for; without marks, the day's trades (to tell a quiet day apart).
        const from = open?.ts ?? start - 1;
        const to = dayClose?.ts ?? end - 1;
        const trades = await tradeFlows(context, env, portfolio, from, to);
        const problems: string[] = [];
        if (trades.foreignFees > 0) {
          problems.push(
            `${trades.foreignFees} trade(s) paid fees in another currency than their quote currency: not counted`,
          );
        }
        let difference: number | null = null;
        if (open === undefined) problems.push(`no mark before ${isoDate(day)}: nothing to compare with`);
        if (dayClose === undefined) problems.push(`no mark during ${isoDate(day)}`);
        if (open !== undefined && dayClose !== undefined) {
          const before = p.basis === 'cash' ? open.cash : open.equity;
          const after = p.basis === 'cash' ? dayClose.cash : dayClose.equity;
          if (before === null || after === null) problems.push(`the marks carry no ${p.basis}`);
          else difference = after - before - trades.cashFlow;
        }
        const status = difference === null ? 'no_data' : Math.abs(difference) > p.tolerance ? 'breach' : 'ok';
        if (status === 'breach') {
          problems.push(
            `the marks’ change in ${p.basis} differs from the trades’ cash flow by ${(difference ?? 0).toFixed(2)} (tolerance ${p.tolerance})`,
          );
        }
        const breach = status === 'breach' || (status === 'no_data' && trades.count > 0);
        if (breach) breaches += 1;
        rows.push({
          table: 'pnl_reconciliation',
          ts: start,
          symbols: { portfolio, env, status },
          columns: {
            day_end: end,
            opening_ts: open?.ts ?? null,
            closing_ts: dayClose?.ts ?? null,
            equity_open: open?.equity ?? null,
            equity_close: dayClose?.equity ?? null,
            pnl_marks: diff(dayClose?.equity, open?.equity),
            cash_open: open?.cash ?? null,
            cash_close: dayClose?.cash ?? null,
            cash_change: diff(dayClose?.cash, open?.cash),
            trade_cash_flow: trades.cashFlow,
            buy_notional: trades.buy,
            sell_notional: trades.sell,
            fees: trades.fees,
            trades: trades.count,
            difference,
            tolerance: p.tolerance,
            problems: problems.length === 0 ? null : problems.join('\n'),
          },
        });
        if (status !== 'no_data' || trades.count > 0) {
          points.push({
            name: 'pnl_reconciliation_breach',
            labels: { portfolio, env },
            value: breach ? 1 : 0,
            ts: start,
          });
        }
      }
    }
    await context.outputs.writeRows(rows);
    await context.outputs.metrics(points);
    return { rows: rows.length, breaches };
  },
};

function diff(after: number | null | undefined, before: number | null | undefined): number | null {
  return after === null || after === undefined || before === null || before === undefined
    ? null
    : after - before;
}

/** The latest mark strictly before `before`, per portfolio. */
async function latestMarks(
  context: TemplateContext,
  env: string,
  before: number,
  portfolios: readonly string[] | undefined,
): Promise<Map<string, Mark>> {
  const result = await context.outputs.query(
    `SELECT portfolio, equity, cash, ts FROM ${context.outputs.table('portfolio_marks')} WHERE env = ${text(env)} AND ts < ${at(before)}` +
      `${inList('portfolio', portfolios)} LATEST ON ts PARTITION BY portfolio`,
  );
  return new Map(
    result.rows.map((r) => [
      String(r['portfolio']),
      { ts: epochMs(r['ts']) ?? 0, equity: num(r['equity']), cash: num(r['cash']) },
    ]),
  );
}

/** Cash flows of a portfolio's trades in (from, to]. */
async function tradeFlows(
  context: TemplateContext,
  env: string,
  portfolio: string,
  from: number,
  to: number,
): Promise<{
  count: number;
  buy: number;
  sell: number;
  fees: number;
  foreignFees: number;
  cashFlow: number;
}> {
  const result = await context.outputs.query(
    `SELECT side, count() n, sum(notional) notional, ` +
      `sum(CASE WHEN fee_currency = quote_currency THEN fee ELSE 0.0 END) fees, ` +
      `sum(CASE WHEN fee_currency = quote_currency THEN 0 ELSE 1 END) foreign_fees ` +
      `FROM ${context.outputs.table('trades')} WHERE env = ${text(env)} AND portfolio = ${text(portfolio)} ` +
      `AND ts > ${at(from)} AND ts <= ${at(to)} GROUP BY side`,
  );
  let count = 0;
  let buy = 0;
  let sell = 0;
  let fees = 0;
  let foreignFees = 0;
  for (const r of result.rows) {
    count += Number(r['n']);
    fees += num(r['fees']) ?? 0;
    foreignFees += Number(r['foreign_fees'] ?? 0);
    if (r['side'] === 'buy') buy += num(r['notional']) ?? 0;
    else sell += num(r['notional']) ?? 0;
  }
  return { count, buy, sell, fees, foreignFees, cashFlow: sell - buy - fees };
}
