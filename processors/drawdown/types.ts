import type { Environment } from '../../schemas/index.ts';
import type { EnvWindowState } from './env-window.ts';
import type { LegacyEnvWindowState } from './legacy-state.ts';

/**
 * The state of one portfolio (the Kafka key of portfolio.marks, so a portfolio's state lives in its
 * partition): one window state per environment, created at the environment's first valid mark. Plain
 * JSON-safe data: the runtime writes it to the changelog (state-codec.ts) once per touched key and commit.
 * An environment restored from a changelog written before the compact state is in the earlier format
 * until its next mark converts it (legacy-state.ts).
 */
export interface DrawdownState {
  envs: Partial<Record<Environment, EnvWindowState | LegacyEnvWindowState>>;
}

/** Names of the metric points emitted for each accepted mark (labels: portfolio, env). */
export const DRAWDOWN_METRICS = {
  /** `1 − equity / peak` over the trailing window (one hour by default). */
  drawdown1h: 'drawdown_1h',
  /** `1 − equity / peak` since 00:00 UTC. */
  drawdownDaily: 'drawdown_daily',
  /** Largest peak-before-trough drawdown over the trailing window. */
  maxDrawdown1h: 'max_drawdown_1h',
  /** Largest peak-before-trough drawdown since 00:00 UTC. */
  maxDrawdownDaily: 'max_drawdown_daily',
} as const;

/** Sink tables written for each accepted mark (symbols: portfolio, env; ts: the mark's ts). */
export const DRAWDOWN_TABLES = {
  /** Columns: equity, cash. */
  marks: 'portfolio_marks',
  /** Columns: equity, drawdown_1h, drawdown_daily, max_drawdown_1h, max_drawdown_daily, peak_1h, peak_daily. */
  drawdown: 'drawdown',
} as const;
