import { withoutUndefined } from '../../core/without-undefined.ts';
import { ConfigError } from '../../core/errors.ts';

/** Options of the drawdown processor. Durations are in milliseconds of event time. */
export interface DrawdownOptions {
  /**
   * Length of the trailing window of `drawdown_1h` and `max_drawdown_1h`: a mark at `ts` sees the marks
   * in `(ts - windowMs, ts]`. A positive safe integer. Default `3_600_000` (one hour).
   */
  windowMs?: number;
  /**
   * How far behind the newest mark of its (portfolio, env) a mark may arrive and still be folded in.
   * Later marks are rejected as late (see `isLateRejection`). A non-negative safe integer.
   * Default `300_000` (five minutes).
   */
  graceMs?: number;
}

/** The options with every default applied, frozen. */
export type CompiledDrawdownOptions = Readonly<Required<DrawdownOptions>>;

/** The defaults of {@link DrawdownOptions}. */
export const DEFAULT_DRAWDOWN_OPTIONS: CompiledDrawdownOptions = Object.freeze({
  windowMs: 3_600_000,
  graceMs: 300_000,
});

/** Applies the defaults and validates; throws a ConfigError listing every problem. */
export function compileDrawdownOptions(options: DrawdownOptions = {}): CompiledDrawdownOptions {
  const compiled = { ...DEFAULT_DRAWDOWN_OPTIONS, ...withoutUndefined(options) };
  const problems: string[] = [];
  if (!Number.isSafeInteger(compiled.windowMs) || compiled.windowMs <= 0) {
    problems.push(`windowMs must be a positive integer of milliseconds; got ${String(compiled.windowMs)}`);
  }
  if (!Number.isSafeInteger(compiled.graceMs) || compiled.graceMs < 0) {
    problems.push(`graceMs must be a non-negative integer of milliseconds; got ${String(compiled.graceMs)}`);
  }
  const known = new Set(Object.keys(DEFAULT_DRAWDOWN_OPTIONS));
  for (const key of Object.keys(options)) {
    if (!known.has(key)) problems.push(`unknown option ${key}; known: ${[...known].join(', ')}`);
  }
  if (problems.length > 0) throw new ConfigError(problems, 'drawdown processor options');
  return Object.freeze(compiled);
}
