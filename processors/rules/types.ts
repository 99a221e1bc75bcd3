/**
 * The rules processor's types.
 *
 * Terminology:
 * - rule: one entry of the rules file: a condition on one metric (`value op threshold`) and the alert
 *   it raises;
 * - series: one metric name with one set of labels (the Kafka key of the `metrics` topic, see
 *   `seriesKey`); a rule is evaluated on every series whose name and labels it matches;
 * - episode: the time between a rule starting to fire for a series and resolving; one `firing` alert
 *   opens it, one `resolved` alert closes it, both with the same fingerprint and `starts_at`;
 * - clear: the hysteresis bound: a firing alert resolves when `value op clear` stops holding, so a value
 *   hovering around the threshold does not open a new episode on every point;
 * - streak: the points in a row of a series that met the threshold; a rule with `consecutive: N` opens
 *   its episode on the N-th (a spike of one point does not page anyone).
 */
import type { Severity } from '../../schemas/index.ts';
import type { Operator } from './operators.ts';

export type { Operator } from './operators.ts';

/** A compiled label matcher: the label must be present on the metric and satisfy it. */
export type LabelMatcher =
  /** `portfolio: alpha`: the label equals the value. */
  | { readonly label: string; readonly kind: 'equals'; readonly value: string }
  /** `portfolio: { regex: 'alpha-.*' }`: the whole label value matches (anchored, like Prometheus). */
  | { readonly label: string; readonly kind: 'regex'; readonly source: string; readonly regex: RegExp }
  /** `env: { in: [prod, staging] }`: the label is one of the values. */
  | { readonly label: string; readonly kind: 'in'; readonly values: readonly string[] };

/** A number formatter of a template placeholder. */
export type NumberFormat =
  /** The number as JavaScript prints it (`0.062`). */
  | { readonly kind: 'plain' }
  /** `| pct` or `| pct 1`: times 100 with `digits` decimals (default 2) and `%` (`6.20%`). */
  | { readonly kind: 'pct'; readonly digits: number }
  /** `| fixed 2`: `digits` decimals (`0.06`). */
  | { readonly kind: 'fixed'; readonly digits: number };

/** One piece of a compiled template. */
export type TemplatePart =
  | { readonly kind: 'text'; readonly text: string }
  /** `{{value}}`, `{{threshold}}`, `{{clear}}`, `{{consecutive}}`, with an optional formatter. */
  | {
      readonly kind: 'number';
      readonly field: 'value' | 'threshold' | 'clear' | 'consecutive';
      readonly format: NumberFormat;
    }
  /** `{{env}}`, `{{rule}}`. */
  | { readonly kind: 'string'; readonly field: 'env' | 'rule' }
  /** `{{labels.portfolio}}`: the metric's label (or the rule's static label); empty when absent. */
  | { readonly kind: 'label'; readonly name: string };

/** A template checked at start-up: rendering it cannot fail. */
export interface Template {
  /** The text as written in the rules file. */
  readonly source: string;
  readonly parts: readonly TemplatePart[];
}

/** One validated rule, ready to evaluate. */
export interface CompiledRule {
  /** snake_case, unique in the file; the alert's `rule`, part of the fingerprint and of the state. */
  readonly name: string;
  /** The metric name the rule applies to. */
  readonly metric: string;
  /** All must hold for a series to be evaluated (empty: every series of the metric). */
  readonly match: readonly LabelMatcher[];
  readonly op: Operator;
  /** The episode starts when `value op threshold` holds. */
  readonly threshold: number;
  /** The episode ends when `value op clear` stops holding. On the safe side of `threshold`; default `threshold`. */
  readonly clear: number;
  readonly severity: Severity;
  /** The alert's `summary`. */
  readonly summary: Template;
  /** Static labels added to the alert's labels (they win over the metric's labels of the same name). */
  readonly labels: Readonly<Record<string, string>>;
  /** Free text for people reading the file; not sent with the alert. Null when not given. */
  readonly description: string | null;
  /**
   * How many points in a row of a series must meet the threshold before the episode opens (≥ 1;
   * default 1, the first such point). A point that does not meet it starts the count again.
   */
  readonly consecutive: number;
}

/** A validated rules file. Frozen. */
export interface CompiledRules {
  /** The file the rules came from, as shown in messages. */
  readonly file: string;
  /** The rules in file order (alerts of one point are emitted in this order). */
  readonly rules: readonly CompiledRule[];
  /** The rules by metric name, for the processor's lookup. */
  readonly byMetric: ReadonlyMap<string, readonly CompiledRule[]>;
}

/** What the processor remembers about one rule on one series. JSON-serializable. */
export interface RuleSeriesState {
  /** Whether an episode is open (a `firing` alert was emitted and no `resolved` one since). */
  firing: boolean;
  /** Event time of the point that opened the open episode; null when not firing. */
  starts_at: number | null;
  /** Event time of the newest point evaluated; older points are ignored for transitions. */
  last_ts: number;
  /**
   * Rules with `consecutive` > 1 only, while not firing: how many points in a row met the threshold
   * so far (absent or 0: none), and the event time of the first of them (the episode's `starts_at`
   * if the streak reaches `consecutive`).
   */
  streak?: number;
  streak_start?: number;
}

/**
 * The state of one series (one state key): per rule name that matches the series. Series no rule
 * matches have `{}`. Entries of rules that no longer match (removed or changed in the rules file) are
 * dropped on the series' next point.
 */
export type RulesState = Record<string, RuleSeriesState>;
