/**
 * The rules processor: evaluates the alert rules on every point of the `metrics` topic and emits one
 * `firing` alert when an episode starts and one `resolved` alert when it ends, with a row for the
 * `alerts` table each time.
 *
 * Per rule and series (the state key is the series, so its state partitions with its input):
 * - not firing, `value op threshold` holds on this point and the `consecutive - 1` points before it
 *   (a streak counted in the state; any point that does not hold starts it again) → emit `firing`
 *   (starts_at = the ts of the streak's first point; with `consecutive: 1`, this point's);
 * - firing, `value op clear` no longer holds → emit `resolved` (ends_at = the point's ts);
 * - otherwise nothing: a firing alert is announced once per episode, not once per point.
 * A point older than the newest one evaluated for the rule and series (out of order) and a NaN value
 * change nothing: state never moves backwards in event time. Neither is rejected: late and NaN points
 * are legitimate metric data, only not evidence for an alert transition. A point with the same ts as the
 * newest one is evaluated.
 */
import type { Processor, ProcessContext, Rejection, SinkRow } from '../../runtime/processor/types.ts';
import {
  ENVIRONMENTS,
  type Alert,
  type AlertStatus,
  type Environment,
  type Metric,
} from '../../schemas/index.ts';
import { seriesKey } from '../../topics/catalogue.ts';
import { alertFingerprint } from './fingerprint.ts';
import { matchesAll } from './matchers.ts';
import { holds } from './operators.ts';
import { renderTemplate } from './template.ts';
import type { CompiledRule, CompiledRules, RuleSeriesState, RulesState } from './types.ts';

/** The QuestDB table alert state changes are written to. */
export const ALERTS_TABLE = 'alerts';

/** The processor that turns metric points into alerts, for `rules` (see {@link loadRules}). */
export function createRulesProcessor(rules: CompiledRules): Processor<Metric, RulesState> {
  return {
    name: 'rules',
    inputs: [{ topic: 'metrics', type: 'Metric' }],
    key: (metric) => seriesKey(metric.name, metric.labels),
    initialState: () => ({}),
    process: (metric, state, context) => processPoint(rules, metric, state, context),
  };
}

function isEnvironment(value: unknown): value is Environment {
  return (ENVIRONMENTS as readonly unknown[]).includes(value);
}

function processPoint(
  rules: CompiledRules,
  metric: Metric,
  state: RulesState,
  context: ProcessContext,
): RulesState | Rejection {
  const matched = (rules.byMetric.get(metric.name) ?? []).filter((rule) =>
    matchesAll(rule.match, metric.labels),
  );
  // Only rules that match this series keep an entry: one removed from the file, or whose matchers
  // changed, is forgotten (a firing alert of it is never resolved: see README.md).
  const next: RulesState = {};
  if (matched.length === 0) return next;

  const env = metric.labels['env'];
  if (!isEnvironment(env)) {
    return {
      reject:
        `metric ${seriesKey(metric.name, metric.labels)} matches rule "${matched[0]?.name}" but has ` +
        (env === undefined ? 'no env label' : `env label ${JSON.stringify(env)}`) +
        `: an alert needs env=${ENVIRONMENTS.join('|')}. Fix the producer of this metric.`,
    };
  }

  for (const rule of matched) {
    const previous = Object.hasOwn(state, rule.name) ? state[rule.name] : undefined;
    if (Number.isNaN(metric.value)) {
      if (previous !== undefined) next[rule.name] = previous;
      continue;
    }
    if (previous !== undefined && metric.ts < previous.last_ts) {
      context.logger.debug(
        { rule: rule.name, ts: metric.ts, lastTs: previous.last_ts },
        'point older than the newest evaluated: ignored for alert state',
      );
      next[rule.name] = previous;
      continue;
    }
    next[rule.name] = evaluate(rule, metric, env, previous, context);
  }
  return next;
}

function evaluate(
  rule: CompiledRule,
  metric: Metric,
  env: Environment,
  previous: RuleSeriesState | undefined,
  context: ProcessContext,
): RuleSeriesState {
  const firing = previous?.firing === true && previous.starts_at !== null;
  if (!firing && holds(rule.op, metric.value, rule.threshold)) {
    // The streak of points in a row meeting the threshold (always complete at 1 when `consecutive` is 1).
    const streak = (previous?.streak ?? 0) + 1;
    const streakStart = streak === 1 ? metric.ts : (previous?.streak_start ?? metric.ts);
    if (streak < rule.consecutive) {
      return { firing: false, starts_at: null, last_ts: metric.ts, streak, streak_start: streakStart };
    }
    emitAlert(context, buildAlert(rule, metric, env, 'firing', streakStart));
    return { firing: true, starts_at: streakStart, last_ts: metric.ts };
  }
  if (firing && !holds(rule.op, metric.value, rule.clear)) {
    emitAlert(context, buildAlert(rule, metric, env, 'resolved', previous.starts_at ?? metric.ts));
    return { firing: false, starts_at: null, last_ts: metric.ts };
  }
  return { firing, starts_at: firing ? (previous?.starts_at ?? null) : null, last_ts: metric.ts };
}

function buildAlert(
  rule: CompiledRule,
  metric: Metric,
  env: Environment,
  status: AlertStatus,
  startsAt: number,
): Alert {
  const merged: Record<string, string> = { ...metric.labels, ...rule.labels };
  const labels: Record<string, string> = {};
  for (const name of Object.keys(merged).sort()) {
    if (name !== 'env') labels[name] = merged[name] ?? '';
  }
  const summary = renderTemplate(rule.summary, {
    value: metric.value,
    threshold: rule.threshold,
    clear: rule.clear,
    consecutive: rule.consecutive,
    env,
    rule: rule.name,
    labels: merged,
  });
  return {
    fingerprint: alertFingerprint(rule.name, env, labels),
    rule: rule.name,
    severity: rule.severity,
    status,
    env,
    summary,
    labels,
    value: metric.value,
    threshold: rule.threshold,
    starts_at: startsAt,
    ends_at: status === 'resolved' ? metric.ts : null,
    ts: metric.ts,
  };
}

function emitAlert(context: ProcessContext, alert: Alert): void {
  context.emit({ kind: 'alert', alert });
  context.emit({ kind: 'row', row: alertRow(alert) });
}

/** The `alerts` table row of an alert state change. */
export function alertRow(alert: Alert): SinkRow {
  return {
    table: ALERTS_TABLE,
    ts: alert.ts,
    symbols: {
      fingerprint: alert.fingerprint,
      rule: alert.rule,
      severity: alert.severity,
      status: alert.status,
      env: alert.env,
    },
    columns: {
      summary: alert.summary,
      value: alert.value,
      threshold: alert.threshold,
      starts_at: alert.starts_at,
      ends_at: alert.ends_at,
      labels: JSON.stringify(alert.labels),
    },
  };
}
