/**
 * What the rules emit for an alert state change: the Alert record (labels, fingerprint, rendered
 * templates) and its row for the `alerts` table; and what the rules see of a point or a record.
 */
import type { Output, SinkRow } from '../contract.ts';
import type { Alert, AlertStatus, Environment, Metric } from '../../schemas/index.ts';
import { seriesKey } from '../../topics/catalogue.ts';
import { formatDuration } from '../../core/durations.ts';
import { alertFingerprint } from './fingerprint.ts';
import { renderTemplate, type TemplateValues } from './template.ts';
import type { CompiledRule, Template } from './types.ts';

/** The QuestDB table alert state changes are written to. */
export const ALERTS_TABLE = 'alerts';

/** A record of a topic that rules over records watch, decoded. */
export type RuleRecord = Readonly<Record<string, unknown>>;

/** What the rules see of one point or one record: the same lifecycle applies to both. */
export interface Observation {
  /** Event time, epoch ms. */
  readonly ts: number;
  /** The point's value, or the record's `field`; null for a rule over records without one. */
  readonly value: number | null;
  /** The series' labels (the record's label fields), env included: group_by, templates. */
  readonly labels: Readonly<Record<string, string>>;
  /** The record, for `{{record.<field>}}`; null for a metric point. */
  readonly record: RuleRecord | null;
  /** The series or record, for logs. */
  readonly describe: string;
}

/** A metric point as an observation. */
export function metricObservation(metric: Metric): Observation {
  return {
    ts: metric.ts,
    value: metric.value,
    labels: metric.labels,
    record: null,
    describe: seriesKey(metric.name, metric.labels),
  };
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

/** What the rule's templates are rendered with, for a point of a series (or a record). */
export function templateValues(rule: CompiledRule, observation: Observation, env: string): TemplateValues {
  return {
    value: observation.value,
    threshold: rule.kind === 'threshold' ? rule.threshold : null,
    clear: rule.kind === 'threshold' ? rule.clear : null,
    consecutive: rule.consecutive,
    env,
    rule: rule.name,
    for: formatDuration(rule.forMs),
    keep_firing_for: formatDuration(rule.keepFiringForMs),
    labels: { ...observation.labels, ...rule.labels },
    record: observation.record,
  };
}

/** A template of the rule (its summary or description) rendered for a point of a series (or a record). */
export function renderRuleTemplate(
  template: Template,
  rule: CompiledRule,
  observation: Observation,
  env: string,
): string {
  return renderTemplate(template, templateValues(rule, observation, env));
}

export function buildAlert(
  rule: CompiledRule,
  metric: Observation,
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
    unit: rule.unit,
    starts_at: startsAt,
    ends_at: status === 'resolved' ? metric.ts : null,
    ts: metric.ts,
  };
}

export function emitAlert(context: { emit(output: Output): void }, alert: Alert): void {
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
      description: alert.description,
    },
  };
}
