/** Runs the rules processor like the runtime does, without Kafka: state per key, outputs collected. */
import { expect } from 'vitest';
import { ManualClock } from '../../../core/clock.ts';
import { TradewatchError } from '../../../core/errors.ts';
import { silentLogger } from '../../../core/logger.ts';
import {
  inMemorySource,
  isRejection,
  type Output,
  type ProcessContext,
  type Rejection,
} from '../../../processors/contract.ts';
import type { Alert, Metric } from '../../../schemas/index.ts';
import {
  createRulesProcessor,
  parseRules,
  type RulesInputValue,
  type RulesState,
} from '../../../processors/rules/index.ts';

export const T0 = Date.UTC(2026, 0, 5, 14, 0, 0);
export const MINUTE = 60_000;

export interface Harness {
  /** Processes one point; returns the Rejection if there was one. */
  push(metric: Metric): Rejection | undefined;
  /** Processes points in order. */
  pushAll(metrics: readonly Metric[]): void;
  /** Processes one record of `topic` (an input of the processor); returns the Rejection if there was one. */
  pushRecord(topic: string, record: RulesInputValue): Rejection | undefined;
  readonly outputs: Output[];
  /** The alerts emitted so far. */
  alerts(): Alert[];
  /** The state of every key, as the changelog would hold it. */
  readonly states: Map<string, RulesState>;
}

/** A harness over the rules in `yaml` (or given state, e.g. restored from JSON). */
export function harness(yaml: string, states = new Map<string, RulesState>()): Harness {
  const processor = createRulesProcessor(parseRules(yaml, 'test.yaml'));
  const outputs: Output[] = [];
  const clock = new ManualClock(T0);
  const logger = silentLogger();
  const run = (topic: string, value: RulesInputValue): Rejection | undefined => {
    const input = processor.inputs.find((i) => i.topic === topic);
    if (input === undefined) throw new Error(`the rules processor does not read ${topic}`);
    const source = inMemorySource(input);
    const context: ProcessContext = { clock, logger, source, emit: (output) => outputs.push(output) };
    const key = processor.key(value, source);
    const state = states.get(key) ?? processor.initialState(key, value, source);
    const result = processor.process(value, state, context);
    if (isRejection(result)) return result;
    states.set(key, result);
    return undefined;
  };
  const push = (metric: Metric): Rejection | undefined => run('metrics', metric);
  return {
    push,
    pushRecord: run,
    pushAll: (metrics) => {
      for (const m of metrics) {
        const rejection = push(m);
        if (rejection !== undefined) throw new Error(`unexpected rejection: ${rejection.reject}`);
      }
    },
    outputs,
    alerts: () => outputs.flatMap((o) => (o.kind === 'alert' ? [o.alert] : [])),
    states,
  };
}

/** A drawdown_1h point of portfolio `alpha` in prod, `minutes` after T0. */
export function point(value: number, minutes: number, labels: Record<string, string> = {}): Metric {
  return {
    name: 'drawdown_1h',
    labels: { env: 'prod', portfolio: 'alpha', ...labels },
    value,
    ts: T0 + minutes * MINUTE,
  };
}

/** Points with the given values, one a minute from T0. */
export function series(values: readonly number[], labels: Record<string, string> = {}): Metric[] {
  return values.map((v, i) => point(v, i, labels));
}

/** A rules file with one `drawdown_1h > 0.05` rule; `extra` lines are added to the rule. */
export function oneRule(extra = 'clear: 0.04'): string {
  return [
    'rules:',
    '  - name: dd',
    '    metric: drawdown_1h',
    "    op: '>'",
    '    threshold: 0.05',
    '    severity: critical',
    "    summary: '{{labels.portfolio}} ({{env}}) is down {{value | pct}} (threshold {{threshold | pct}})'",
    ...extra
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => `    ${l}`),
  ].join('\n');
}

/** The TW_RULES_INVALID error `parseRules` throws on `yaml` (never retriable), and its problem lines. */
export function rulesInvalid(
  yaml: string,
  file = 'rules.yaml',
): { error: TradewatchError; problems: string[] } {
  try {
    parseRules(yaml, file);
  } catch (e: unknown) {
    expect(e).toBeInstanceOf(TradewatchError);
    const error = e as TradewatchError;
    expect(error.code).toBe('TW_RULES_INVALID');
    expect(error.retriable).toBe(false);
    return { error, problems: error.details['problems'] as string[] };
  }
  throw new Error('expected parseRules to throw');
}

/** The problem lines of the TW_RULES_INVALID error for `yaml`. */
export function problemsOf(yaml: string): string[] {
  return rulesInvalid(yaml).problems;
}
