import type { Processor } from '../contract.ts';
import type { PortfolioMark } from '../../schemas/index.ts';
import { emptyEnvWindow, observeMark } from './env-window.ts';
import { LATE_REJECTION_PREFIX } from './late.ts';
import { fromLegacyEnvWindow, isLegacyEnvWindow } from './legacy-state.ts';
import { compileDrawdownOptions, type DrawdownOptions } from './options.ts';
import { emitDrawdownOutputs } from './outputs.ts';
import type { DrawdownState } from './types.ts';
import { validateMark } from './validate.ts';

/**
 * The drawdown processor: from `portfolio.marks`, per (portfolio, env), the trailing-window and daily
 * (since 00:00 UTC) drawdown and max drawdown of the equity, as metric points and sink rows (see
 * `DRAWDOWN_METRICS`, `DRAWDOWN_TABLES`). Event time only: the clock is never read.
 *
 * - Invalid marks (equity not finite or <= 0, ts not a safe integer, cash not finite) are rejected.
 * - A mark older than the newest of its (portfolio, env) by at most `graceMs` is folded in as if it had
 *   arrived in order; its own figures are computed against the marks with ts <= its ts. One older than
 *   that is rejected with a message starting with `late:` (see `isLateRejection`), state unchanged.
 * - A repeat (same ts, same equity, e.g. a replay after a crash) within the grace period changes nothing
 *   and emits the same outputs again. A mark with the ts of a retained one but another equity restates it
 *   (last write wins, like the sink's upsert).
 *
 * Throws a ConfigError if the options are invalid.
 */
export function createDrawdownProcessor(
  options: DrawdownOptions = {},
): Processor<PortfolioMark, DrawdownState> {
  const compiled = compileDrawdownOptions(options);
  const processor: Processor<PortfolioMark, DrawdownState> = {
    name: 'drawdown',
    inputs: Object.freeze([Object.freeze({ topic: 'portfolio.marks', type: 'PortfolioMark' as const })]),
    // The Kafka key of portfolio.marks is the portfolio: environments share the key's state.
    key: (mark: PortfolioMark): string => mark.portfolio,
    initialState: (): DrawdownState => ({ envs: {} }),
    process(mark, state, context) {
      const invalid = validateMark(mark);
      if (invalid !== undefined) return invalid;
      const restored = state.envs[mark.env];
      // A state written by an earlier version is converted at the environment's next mark (a copy:
      // a rejected mark leaves the state as it was).
      const envState =
        restored === undefined
          ? emptyEnvWindow()
          : isLegacyEnvWindow(restored)
            ? fromLegacyEnvWindow(restored, compiled)
            : restored;
      const observation = observeMark(envState, mark.ts, mark.equity, compiled);
      if (observation.kind === 'late') {
        return {
          reject:
            `${LATE_REJECTION_PREFIX} mark of portfolio ${mark.portfolio}, env ${mark.env} at ts ${mark.ts} ` +
            `(${isoTime(mark.ts)}) is ${observation.lateByMs} ms older than the newest mark (ts ` +
            `${observation.newestTs}), ${observation.lateByMs - compiled.graceMs} ms beyond the grace period of ` +
            `${compiled.graceMs} ms; not folded in` +
            (observation.duplicate ? ' (it repeats a mark already folded in, e.g. a replay)' : ''),
        };
      }
      state.envs[mark.env] = envState;
      emitDrawdownOutputs(context, mark, observation.figures);
      return state;
    },
  };
  return Object.freeze(processor);
}

function isoTime(ts: number): string {
  const date = new Date(ts);
  return Number.isNaN(date.getTime()) ? 'out of the Date range' : date.toISOString();
}
