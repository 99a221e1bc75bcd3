import type { ProcessContext } from '../contract.ts';
import type { PortfolioMark } from '../../schemas/index.ts';
import type { DrawdownFigures } from './env-window.ts';
import { DRAWDOWN_METRICS, DRAWDOWN_TABLES } from './types.ts';

/** Emits the metric points and sink rows of one accepted mark; a repeat emits the same outputs. */
export function emitDrawdownOutputs(
  context: ProcessContext,
  mark: PortfolioMark,
  figures: DrawdownFigures,
): void {
  const { portfolio, env, ts, equity } = mark;
  const metric = (name: string, value: number): void =>
    context.emit({ kind: 'metric', metric: { name, labels: { portfolio, env }, value, ts } });
  metric(DRAWDOWN_METRICS.drawdown1h, figures.drawdownWindow);
  metric(DRAWDOWN_METRICS.drawdownDaily, figures.drawdownDaily);
  metric(DRAWDOWN_METRICS.maxDrawdown1h, figures.maxDrawdownWindow);
  metric(DRAWDOWN_METRICS.maxDrawdownDaily, figures.maxDrawdownDaily);
  context.emit({
    kind: 'row',
    row: {
      table: DRAWDOWN_TABLES.marks,
      ts,
      symbols: { portfolio, env },
      columns: { equity, cash: mark.cash },
    },
  });
  context.emit({
    kind: 'row',
    row: {
      table: DRAWDOWN_TABLES.drawdown,
      ts,
      symbols: { portfolio, env },
      columns: {
        equity,
        drawdown_1h: figures.drawdownWindow,
        drawdown_daily: figures.drawdownDaily,
        max_drawdown_1h: figures.maxDrawdownWindow,
        max_drawdown_daily: figures.maxDrawdownDaily,
        peak_1h: figures.peakWindow,
        peak_daily: figures.peakDaily,
      },
    },
  });
}
