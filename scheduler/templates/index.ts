/** The job templates tradewatch ships (scheduler/README.md describes each and its parameters). */
import { backtestFanout } from './backtest-fanout.ts';
import { connectorRun } from './connector-run.ts';
import { pnlReconciliation } from './pnl-reconciliation.ts';
import { precisionDaily } from './precision-daily.ts';
import { riskCheck } from './risk-check.ts';
import { tradingWindowCheck } from './trading-window.ts';
import type { JobTemplate, TemplateRegistry } from './types.ts';

/** Every built-in template, by name. */
export const TEMPLATES: TemplateRegistry = new Map(
  (
    [
      tradingWindowCheck,
      pnlReconciliation,
      precisionDaily,
      riskCheck,
      backtestFanout,
      connectorRun,
    ] as JobTemplate<never>[]
  ).map((t) => [t.name, t as unknown as JobTemplate]),
);

export { describeParams, parseParams } from './params.ts';
export { latestWindow } from './trading-window.ts';
export type { JobTemplate, TemplateContext, TemplateRegistry, TemplateSummary } from './types.ts';
