/**
 * The rules processor's types.
 *
 * Terminology:
 * - rule: one entry of the rules file: a condition on the points of one metric, or on the records of one
 *   topic (`value op threshold`, or a CEL expression), and the alert it raises;
 * - series: one metric name with one set of labels (the Kafka key of the `metrics` topic, see
 *   `seriesKey`); a rule is evaluated on every series whose name and labels it matches. For a rule over
 *   records, a series is one group: the records of one env with the same values of the rule's
 *   `group_by` fields (default: the topic's key field);
 * - episode: the time between a rule starting to fire for a series and resolving; one `firing` alert
 *   opens it, one `resolved` alert closes it, both with the same fingerprint and `starts_at`;
 * - clear: the hysteresis bound: a firing alert resolves when `value op clear` stops holding, so a value
 *   hovering around the threshold does not open a new episode on every point;
 * - streak: the points in a row of a series that met the condition; a rule with `consecutive: N` opens
 *   its episode on the N-th (a spike of one point does not page anyone);
 * - lifecycle per rule and series: inactive → pending (the condition holds but `for` or `consecutive`
 *   is not met yet; kept in the state only: the Alert record has no such status) → firing (a `firing`
 *   alert) → resolved (a `resolved` alert; then inactive again). `keep_firing_for` delays resolving.
 */
import type { LabelMatcher } from '../../core/label-matchers.ts';
import type { Unit } from '../../core/units.ts';
import type { Environment, Severity } from '../../schemas/index.ts';
import type { Condition } from './expression.ts';
import type { Operator } from './operators.ts';
import type { RecordShape, RecordTopic } from './record-inputs.ts';

export type { Operator } from './operators.ts';

export type { LabelMatcher };

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
  /** `{{env}}`, `{{rule}}`, `{{for}}`, `{{keep_firing_for}}`. */
  | { readonly kind: 'string'; readonly field: 'env' | 'rule' | 'for' | 'keep_firing_for' }
  /** `{{labels.portfolio}}`: the metric's label (or the rule's static label); empty when absent. */
  | { readonly kind: 'label'; readonly name: string }
  /**
   * `{{record.error}}`: a field of the record (rules over records only); empty when null. Numbers take
   * the number formatters; timestamps are shown as ISO 8601.
   */
  | {
      readonly kind: 'record';
      readonly name: string;
      /** A number formatter (numeric fields only); null: as JavaScript prints it. */
      readonly format: NumberFormat | null;
      /** Whether the field is a timestamp (shown as ISO 8601). */
      readonly time: boolean;
    };

/** A template checked at start-up: rendering it cannot fail. */
export interface Template {
  /** The text as written in the rules file. */
  readonly source: string;
  readonly parts: readonly TemplatePart[];
}

/** What a rule watches. */
export type RuleInput =
  /** The points of one metric (`metric:`). */
  | { readonly kind: 'metric'; readonly metric: string }
  /** The records of one topic (`record:`). */
  | {
      readonly kind: 'record';
      readonly topic: RecordTopic;
      readonly shape: RecordShape;
      /** The numeric field that is the alert's value (`field:`); null: the alert has no value. */
      readonly field: string | null;
    };

/** What every validated rule has, whatever the form of its condition. */
interface RuleBase {
  /** snake_case, unique in the file; the alert's `rule`, part of the fingerprint and of the state. */
  readonly name: string;
  /** The metric points or the records the rule is evaluated on. */
  readonly input: RuleInput;
  /**
   * All must hold for a series (a record) to be evaluated (empty: every series of the metric, every
   * record of the topic). On records they test the label fields.
   */
  readonly match: readonly LabelMatcher[];
  /** The environments whose series the rule watches (default all: prod, staging, paper). */
  readonly environments: readonly Environment[];
  readonly severity: Severity;
  /** The alert's `summary`. */
  readonly summary: Template;
  /**
   * The rule's description, a template rendered like the summary into the alert's `description` (which
   * the notifiers show under the summary). Null when not given.
   */
  readonly description: Template | null;
  /** How the alert's value and threshold read (the rule's `unit`); null: the plain number. */
  readonly unit: Unit | null;
  /** Static labels added to the alert's labels (they win over the metric's labels of the same name). */
  readonly labels: Readonly<Record<string, string>>;
  /**
   * The series' labels that identify the alert (with the rule, the env and the static labels): the
   * alert's labels and its fingerprint. Null (the default for metrics): every label of the series but
   * env. Never null for a rule over records (default: the topic's key field).
   */
  readonly groupBy: readonly string[] | null;
  /**
   * How many points in a row of a series must meet the condition before the episode opens (≥ 1;
   * default 1, the first such point). A point that does not meet it starts the count again.
   */
  readonly consecutive: number;
  /**
   * `for`, in ms (default 0): how long (event time, from the first point of the run to the current one)
   * the condition must have held on every point before the episode opens; pending until then.
   */
  readonly forMs: number;
  /**
   * `keep_firing_for`, in ms (default 0): once firing, how long the resolving condition must have held
   * on every point (event time) before the episode closes.
   */
  readonly keepFiringForMs: number;
}

/** A rule written as `value op threshold`, with the hysteresis bound `clear`. */
export interface ThresholdRule extends RuleBase {
  readonly kind: 'threshold';
  readonly op: Operator;
  /** The condition holds when `value op threshold` holds. */
  readonly threshold: number;
  /** A firing episode ends when `value op clear` stops holding. On the safe side of `threshold`; default `threshold`. */
  readonly clear: number;
}

/** A rule written as a CEL condition (`expr`) with an optional resolving condition (`clear_expr`). */
export interface ExpressionRule extends RuleBase {
  readonly kind: 'expr';
  /** The condition. */
  readonly expr: Condition;
  /**
   * When given, a firing episode ends only on points where it holds and `expr` does not (the firing
   * condition wins, so contradictory expressions cannot flap). Null: ends when `expr` stops holding.
   */
  readonly clearExpr: Condition | null;
}

/** One validated rule, ready to evaluate. */
export type CompiledRule = ThresholdRule | ExpressionRule;

/** A validated rules file. Frozen. */
export interface CompiledRules {
  /** The file the rules came from, as shown in messages. */
  readonly file: string;
  /** The rules in file order (alerts of one point are emitted in this order). */
  readonly rules: readonly CompiledRule[];
  /** The rules over metric points, by metric name, for the processor's lookup. */
  readonly byMetric: ReadonlyMap<string, readonly CompiledRule[]>;
  /** The rules over records, by topic (file order): the processor reads these topics too. */
  readonly byTopic: ReadonlyMap<string, readonly CompiledRule[]>;
}

/**
 * The alert of an open episode as it fired: what a `resolved` alert needs once its rule is gone from
 * the rules file (or no longer covers the series), when the rule cannot render it any more.
 */
export interface OpenEpisode {
  readonly fingerprint: string;
  readonly severity: Severity;
  readonly env: Environment;
  readonly labels: Readonly<Record<string, string>>;
  readonly summary: string;
  readonly description: string | null;
  /** The alert's unit (absent in states stored before units existed). */
  readonly unit?: string | null;
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
   * Pending only (not firing, the condition holds but `consecutive` or `for` is not met yet): how many
   * points in a row met the condition so far, and the event time of the first of them (the episode's
   * `starts_at` if it opens). Absent otherwise.
   */
  streak?: number;
  streak_start?: number;
  /**
   * Firing with `keep_firing_for` only: the event time of the first point of the current run of points
   * on which the episode would resolve. Absent otherwise.
   */
  clear_since?: number;
  /**
   * Firing only: the alert as it fired, so that the episode can be resolved after its rule is removed
   * (absent in states written before it existed: such an episode is forgotten with a warning).
   */
  open?: OpenEpisode;
}

/**
 * The state of one series (one state key): per rule name that matches the series. Series no rule
 * matches have `{}`. Entries of rules that no longer match (removed or changed in the rules file) are
 * dropped on the series' next point.
 *
 * For records, the state key is the topic and Kafka key (`ingest.runs|prices`), and the entries are per
 * rule and group (`ingest_runs_empty{"env":"prod","ingest":"prices"}`, see `recordEntryKey`); only pending
 * and firing entries are kept (an inactive group has nothing to remember).
 */
export type RulesState = Record<string, RuleSeriesState>;
