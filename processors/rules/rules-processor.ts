/**
 * The rules processor: evaluates the alert rules on every point of the `metrics` topic and emits one
 * `firing` alert when an episode starts and one `resolved` alert when it ends, with a row for the
 * `alerts` table each time.
 *
 * Per rule and series (the state key is the series, so its state partitions with its input), on each
 * point in event-time order, with "holds" meaning the rule's condition (`value op threshold`, or `expr`):
 * - inactive or pending, the condition holds → the run of points in a row on which it held grows (a
 *   streak counted in the state); once the run has `consecutive` points AND spans `for` (from its first
 *   point's ts to this one's), emit `firing` (starts_at = the ts of the run's first point), else pending;
 * - inactive or pending, it does not hold → inactive (the run starts again);
 * - firing, the point is on the resolving side (`value op clear` no longer holds; or `clear_expr` holds
 *   and `expr` does not; or, without clear_expr, `expr` does not hold) → once such points have lasted
 *   `keep_firing_for` (from the first of them to this one), emit `resolved` (ends_at = this point's ts);
 *   a point that is not on the resolving side starts that count again;
 * - otherwise nothing: a firing alert is announced once per episode, not once per point.
 * A point older than the newest one evaluated for the rule and series (out of order), a NaN value, and a
 * point on which an expression fails (e.g. a missing label; logged) change nothing: state never moves
 * backwards in event time. None is rejected: they are legitimate metric data, only not evidence for an
 * alert transition. A point with the same ts as the newest one is evaluated.
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
import { formatDuration } from './duration.ts';
import { evaluateCondition, metricVariables } from './expression.ts';
import { alertFingerprint } from './fingerprint.ts';
import { matchesAll } from './matchers.ts';
import { holds } from './operators.ts';
import { renderTemplate, type TemplateValues } from './template.ts';
import type { CompiledRule, CompiledRules, RuleSeriesState, RulesState, Template } from './types.ts';

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

  // The CEL variables of the point, made once for every expression rule.
  let variables: Record<string, unknown> | undefined;
  const condition = (rule: CompiledRule): Verdict => {
    if (rule.kind === 'threshold') {
      return {
        holds: holds(rule.op, metric.value, rule.threshold),
        clears: !holds(rule.op, metric.value, rule.clear),
      };
    }
    variables ??= metricVariables(metric);
    const firing = evaluateCondition(rule.expr, variables);
    if (typeof firing !== 'boolean') return { error: `expr: ${firing.error}` };
    if (rule.clearExpr === null) return { holds: firing, clears: !firing };
    const clearing = evaluateCondition(rule.clearExpr, variables);
    if (typeof clearing !== 'boolean') return { error: `clear_expr: ${clearing.error}` };
    // The firing condition wins: contradictory expressions cannot resolve and re-fire on every point.
    return { holds: firing, clears: clearing && !firing };
  };

  for (const rule of matched) {
    if (!rule.environments.includes(env)) continue;
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
    const verdict = condition(rule);
    if ('error' in verdict) {
      // A rule that cannot be decided on this point (e.g. labels.venue on a series without venue):
      // no evidence either way. Warned, as the rule most likely needs a has() guard.
      context.logger.warn(
        {
          rule: rule.name,
          series: seriesKey(metric.name, metric.labels),
          ts: metric.ts,
          reason: verdict.error,
        },
        'alert rule expression failed on a point: the point is ignored for this rule',
      );
      if (previous !== undefined) next[rule.name] = previous;
      continue;
    }
    next[rule.name] = evaluate(rule, metric, env, previous, verdict, context);
  }
  return next;
}

/** What a point says for a rule: whether the condition holds, and whether it is on the resolving side. */
type Verdict = { readonly holds: boolean; readonly clears: boolean } | { readonly error: string };

function evaluate(
  rule: CompiledRule,
  metric: Metric,
  env: Environment,
  previous: RuleSeriesState | undefined,
  verdict: { readonly holds: boolean; readonly clears: boolean },
  context: ProcessContext,
): RuleSeriesState {
  const firing = previous?.firing === true && previous.starts_at !== null;
  if (!firing) {
    if (!verdict.holds) return { firing: false, starts_at: null, last_ts: metric.ts };
    // The run of points in a row meeting the condition (complete at once with consecutive 1 and for 0).
    const streak = (previous?.streak ?? 0) + 1;
    const streakStart = streak === 1 ? metric.ts : (previous?.streak_start ?? metric.ts);
    if (streak < rule.consecutive || metric.ts - streakStart < rule.forMs) {
      // Pending: kept in the state only (the Alert record has no pending status).
      return { firing: false, starts_at: null, last_ts: metric.ts, streak, streak_start: streakStart };
    }
    emitAlert(context, buildAlert(rule, metric, env, 'firing', streakStart));
    return { firing: true, starts_at: streakStart, last_ts: metric.ts };
  }
  const startsAt = previous.starts_at ?? metric.ts;
  if (!verdict.clears) return { firing: true, starts_at: startsAt, last_ts: metric.ts };
  const clearSince = previous.clear_since ?? metric.ts;
  if (metric.ts - clearSince < rule.keepFiringForMs) {
    return { firing: true, starts_at: startsAt, last_ts: metric.ts, clear_since: clearSince };
  }
  emitAlert(context, buildAlert(rule, metric, env, 'resolved', startsAt));
  return { firing: false, starts_at: null, last_ts: metric.ts };
}

/** The alert's labels: the series' (all but env, or the rule's group_by) and the rule's static labels, sorted. */
export function alertLabels(
  rule: CompiledRule,
  seriesLabels: Readonly<Record<string, string>>,
): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of rule.groupBy ?? Object.keys(seriesLabels)) {
    if (name !== 'env' && Object.hasOwn(seriesLabels, name)) picked[name] = seriesLabels[name] ?? '';
  }
  const merged: Record<string, string> = { ...picked, ...rule.labels };
  const labels: Record<string, string> = {};
  for (const name of Object.keys(merged).sort()) labels[name] = merged[name] ?? '';
  return labels;
}

/** What the rule's templates are rendered with, for a point of a series. */
export function templateValues(rule: CompiledRule, metric: Metric, env: string): TemplateValues {
  return {
    value: metric.value,
    threshold: rule.kind === 'threshold' ? rule.threshold : null,
    clear: rule.kind === 'threshold' ? rule.clear : null,
    consecutive: rule.consecutive,
    env,
    rule: rule.name,
    for: formatDuration(rule.forMs),
    keep_firing_for: formatDuration(rule.keepFiringForMs),
    labels: { ...metric.labels, ...rule.labels },
  };
}

/** A template of the rule (its summary or description) rendered for a point of a series. */
export function renderRuleTemplate(
  template: Template,
  rule: CompiledRule,
  metric: Metric,
  env: string,
): string {
  return renderTemplate(template, templateValues(rule, metric, env));
}

function buildAlert(
  rule: CompiledRule,
  metric: Metric,
  env: Environment,
  status: AlertStatus,
  startsAt: number,
): Alert {
  const labels = alertLabels(rule, metric.labels);
  return {
    fingerprint: alertFingerprint(rule.name, env, labels),
    rule: rule.name,
    severity: rule.severity,
    status,
    env,
    summary: renderRuleTemplate(rule.summary, rule, metric, env),
    description: rule.description === null ? null : renderRuleTemplate(rule.description, rule, metric, env),
    labels,
    value: metric.value,
    threshold: rule.kind === 'threshold' ? rule.threshold : null,
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
