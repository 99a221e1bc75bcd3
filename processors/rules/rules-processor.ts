/**
 * The rules processor: evaluates the alert rules on every point of the `metrics` topic (and on every
 * record of the topics that rules over records watch) and emits one `firing` alert when an episode
 * starts and one `resolved` alert when it ends, with a row for the `alerts` table each time.
 *
 * A record is evaluated as a point would be, for each rule over its topic, in the series that is its
 * group: its env and the values of the rule's `group_by` fields. Its ts is its event-time field and its
 * value the rule's `field` (or none); see record-inputs.ts.
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
 * alert transition. A point with the same ts as the newest one is evaluated. The alerts and rows
 * themselves are built in alert-output.ts.
 */
import {
  isRejection,
  type Output,
  type Processor,
  type ProcessContext,
  type Rejection,
} from '../contract.ts';
import {
  ENVIRONMENTS,
  type Alert,
  type Environment,
  type Metric,
  type RecordTypeName,
  type RecordTypes,
} from '../../schemas/index.ts';
import { seriesKey } from '../../topics/catalogue.ts';
import { evaluateCondition, metricVariables, recordVariables } from './expression.ts';
import {
  buildAlert,
  emitAlert,
  metricObservation,
  type Observation,
  type RuleRecord,
} from './alert-output.ts';
import { matchesAll } from '../../core/label-matchers.ts';
import { RuleIndex } from './matchers.ts';
import { holds } from './operators.ts';
import { recordEnv, recordLabels, recordTopic, type RecordTopic } from './record-inputs.ts';
import type { CompiledRule, CompiledRules, OpenEpisode, RuleSeriesState, RulesState } from './types.ts';

/** What the rules processor reads: metric points, and the records of the topics its rules name. */
export type RulesInputValue = RecordTypes[RecordTypeName];

/**
 * The processor that turns metric points (and records) into alerts, for `rules` (see
 * {@link loadRules}). It reads `metrics` and every topic a rule over records names.
 */
export function createRulesProcessor(rules: CompiledRules): Processor<RulesInputValue, RulesState> {
  const names: ReadonlySet<string> = new Set(rules.rules.map((r) => r.name));
  const metricIndexes = new Map(
    [...rules.byMetric].map(([metric, list]) => [metric, new RuleIndex(list)] as const),
  );
  /** States returned by process or onTimer: they hold no entry of a rule missing from `rules`. */
  const clean = new WeakSet<RulesState>();
  const topics = new Map<string, TopicRules>();
  for (const [name, list] of rules.byTopic) {
    const topic = recordTopic(name);
    if (topic === undefined) continue;
    topics.set(name, {
      topic,
      rules: list,
      index: new RuleIndex(list),
      byName: new Map(list.map((r) => [r.name, r])),
      pruned: new WeakSet(),
    });
  }
  return {
    name: 'rules',
    inputs: [
      // Primary: the metric rules' state keeps its changelog when rules over records come and go.
      { topic: 'metrics', type: 'Metric', primary: true },
      ...[...topics.values()].map(({ topic }) => ({ topic: topic.topic, type: topic.type })),
    ],
    key: (value, source) => {
      const topic = topics.get(source.topic)?.topic;
      if (topic === undefined) {
        const metric = value as Metric;
        return seriesKey(metric.name, metric.labels);
      }
      // The topic's key field is what the producer keys its records by (topics/catalogue.ts).
      return `${topic.topic}|${String((value as unknown as RuleRecord)[topic.keyField])}`;
    },
    initialState: () => ({}),
    // The open episodes of rules removed from the file are resolved on the next timer tick after a
    // restore, not only on their series' next point (which may never come). A state this processor
    // returned holds no such entry (process and onTimer leave none), so only restored ones are looked at.
    timer: (state) => (!clean.has(state) && hasOrphan(state, names) ? 0 : null),
    onTimer: (_key, state, context) => {
      const next: RulesState = {};
      for (const [entry, entryState] of Object.entries(state)) {
        if (names.has(ruleOfEntry(entry))) next[entry] = entryState;
        else resolveOrphan(entry, entryState, null, context);
      }
      clean.add(next);
      return next;
    },
    process: (value, state, context) => {
      const topic = topics.get(context.source.topic);
      const next =
        topic === undefined
          ? processPoint(metricIndexes, value as Metric, state, context)
          : processRecord(topic, value as unknown as RuleRecord, state, context);
      if (!isRejection(next)) clean.add(next);
      return next;
    },
  };
}

function isEnvironment(value: unknown): value is Environment {
  return (ENVIRONMENTS as readonly unknown[]).includes(value);
}

function processPoint(
  indexes: ReadonlyMap<string, RuleIndex<CompiledRule>>,
  metric: Metric,
  state: RulesState,
  context: ProcessContext,
): RulesState | Rejection {
  const env = metric.labels['env'];
  const matched = (indexes.get(metric.name)?.candidates(metric.labels) ?? []).filter(
    (rule) =>
      matchesAll(rule.match, metric.labels) && (!isEnvironment(env) || rule.environments.includes(env)),
  );
  // Only rules that cover this series keep an entry: the open episode of one removed from the file,
  // or that no longer covers the series (its matchers or environments changed), is resolved now.
  const next: RulesState = {};
  const covering = new Set(matched.map((r) => r.name));
  for (const [name, entry] of Object.entries(state)) {
    if (!covering.has(name)) resolveOrphan(name, entry, metric.ts, context);
  }
  if (matched.length === 0) return next;

  if (!isEnvironment(env)) {
    return {
      reject:
        `metric ${seriesKey(metric.name, metric.labels)} matches rule "${matched[0]?.name}" but has ` +
        (env === undefined ? 'no env label' : `env label ${JSON.stringify(env)}`) +
        `: an alert needs env=${ENVIRONMENTS.join('|')}. Fix the producer of this metric.`,
    };
  }

  const observation = metricObservation(metric);
  // The CEL variables of the point, made once for every expression rule.
  let variables: Record<string, unknown> | undefined;
  for (const rule of matched) {
    const previous = Object.hasOwn(state, rule.name) ? state[rule.name] : undefined;
    const updated = observe(rule, observation, env, previous, context, () => {
      variables ??= metricVariables(metric);
      return variables;
    });
    if (updated !== undefined) next[rule.name] = updated;
  }
  return next;
}

/**
 * The state key of one rule and group of a record: the rule name and the group's labels with env, as
 * JSON with sorted keys (`ingest_runs_empty{"env":"prod","ingest":"prices"}`), so that the labels can
 * be read back whatever characters their values hold (see {@link isStaleGroup}).
 */
export function recordEntryKey(
  rule: CompiledRule,
  labels: Readonly<Record<string, string>>,
  env: string,
): string {
  const group: Record<string, string> = { env };
  for (const name of rule.groupBy ?? []) if (Object.hasOwn(labels, name)) group[name] = labels[name] ?? '';
  const sorted: Record<string, string> = {};
  for (const name of Object.keys(group).sort()) sorted[name] = group[name] ?? '';
  return `${rule.name}${JSON.stringify(sorted)}`;
}

/**
 * Whether a record state entry was keyed by other group labels than its rule's current `group_by`
 * (the rule's group_by changed): such an entry is never reached again, and its open episode would stay
 * open, so it is resolved like that of a removed rule. Stale: a label outside env + group_by, or one
 * missing that every record has (a field that cannot be null; a null one is left out of the key).
 */
function isStaleGroup(entry: string, rule: CompiledRule | undefined): boolean {
  if (rule === undefined || rule.input.kind !== 'record') return true;
  const { shape } = rule.input;
  const allowed = ['env', ...(rule.groupBy ?? [])];
  // A group label from a field that cannot be null is in every key of the rule.
  const required = allowed.filter((n) => n === 'env' || shape.byName.get(n)?.node.kind !== 'optional');
  try {
    const labels = JSON.parse(entry.slice(entry.indexOf('{'))) as Record<string, unknown>;
    const names = Object.keys(labels);
    return names.some((n) => !allowed.includes(n)) || required.some((n) => !names.includes(n));
  } catch {
    return true;
  }
}

/** What the processor keeps per topic of rules over records, made once. */
interface TopicRules {
  readonly topic: RecordTopic;
  readonly rules: readonly CompiledRule[];
  /** The same rules, indexed by a label they match exactly. */
  readonly index: RuleIndex<CompiledRule>;
  /** The rules by name: a state entry of any other rule is an orphan. */
  readonly byName: ReadonlyMap<string, CompiledRule>;
  /** States already pruned of orphans and inactive entries (kept up to date in place from then on). */
  readonly pruned: WeakSet<RulesState>;
}

function processRecord(
  topicRules: TopicRules,
  record: RuleRecord,
  state: RulesState,
  context: ProcessContext,
): RulesState {
  const { topic } = topicRules;
  // The state is updated in place. Once per state object (e.g. after a restore): entries of removed
  // rules (or of an older group_by) are resolved and forgotten, inactive ones dropped. From then on,
  // entries are only kept while pending or firing (other groups of the same key), so a record costs
  // O(its rules), not O(the state).
  if (!topicRules.pruned.has(state)) {
    for (const [key, entry] of Object.entries(state)) {
      if (isStaleGroup(key, topicRules.byName.get(ruleOfEntry(key)))) {
        resolveOrphan(key, entry, null, context);
        delete state[key];
      } else if (!entry.firing && entry.streak === undefined) delete state[key];
    }
    topicRules.pruned.add(state);
  }
  const first = topicRules.rules[0];
  if (first === undefined || first.input.kind !== 'record') return state;
  const shape = first.input.shape;
  const timeValue = record[topic.timeField];
  const ts = typeof timeValue === 'number' ? timeValue : NaN;
  const labels = recordLabels(shape, record);
  const describe = `${topic.topic}|${labels[topic.keyField] ?? ''}`;
  let base: Record<string, unknown> | undefined;

  for (const rule of topicRules.index.candidates(labels)) {
    if (rule.input.kind !== 'record' || !matchesAll(rule.match, labels)) continue;
    const env = recordEnv(topic, record, rule.environments);
    if (!isEnvironment(env) || !rule.environments.includes(env)) continue;
    const field = rule.input.field;
    const raw = field === null ? null : record[field];
    const value = field === null ? null : typeof raw === 'number' ? raw : NaN;
    const observation: Observation = {
      ts,
      value,
      labels: topic.hasEnv ? labels : { ...labels, env },
      record,
      describe,
    };
    const key = recordEntryKey(rule, labels, env);
    const previous = Object.hasOwn(state, key) ? state[key] : undefined;
    const updated = observe(rule, observation, env, previous, context, () => {
      base ??= recordVariables(shape, record, labels, env, ts);
      const variables = topic.hasEnv ? base : { ...base, labels: observation.labels, env };
      return value === null ? variables : { ...variables, value };
    });
    if (updated === undefined || (!updated.firing && updated.streak === undefined)) delete state[key];
    else state[key] = updated;
  }
  return state;
}

/** The rule name of a state entry: the whole key (metrics) or what precedes `{` (records). */
function ruleOfEntry(key: string): string {
  const brace = key.indexOf('{');
  return brace === -1 ? key : key.slice(0, brace);
}

/**
 * Resolves the open episode of an entry whose rule is gone (or no longer covers the series), at `ts`
 * (the event time of the point that showed it; null: the wall clock), from the alert as it fired.
 * Nothing for an entry that is not firing; a firing entry from before `open` was kept is only logged.
 */
function resolveOrphan(
  entry: string,
  state: RuleSeriesState,
  ts: number | null,
  context: {
    readonly clock: { now(): number };
    readonly logger: ProcessContext['logger'];
    emit(o: Output): void;
  },
): void {
  if (!state.firing || state.starts_at === null) return;
  const rule = ruleOfEntry(entry);
  const open = state.open;
  if (open === undefined) {
    context.logger.warn(
      { rule, entry },
      'a firing alert of a rule removed from the rules file (or no longer covering its series) cannot be resolved: its state predates the stored alert; resolve it by hand in the receivers',
    );
    return;
  }
  const at = ts ?? context.clock.now();
  context.logger.info(
    { rule, fingerprint: open.fingerprint },
    'resolving the open alert of a rule removed from the rules file (or no longer covering its series)',
  );
  emitAlert(context, {
    fingerprint: open.fingerprint,
    rule,
    severity: open.severity,
    status: 'resolved',
    env: open.env,
    summary: open.summary,
    description: `${open.description === null ? '' : `${open.description} `}(Resolved because the rule was removed from the rules file or no longer covers this series.)`,
    labels: open.labels,
    value: null,
    threshold: null,
    unit: open.unit ?? null,
    starts_at: state.starts_at,
    ends_at: at,
    ts: at,
  });
}

/** Whether a state holds the open episode of a rule that is not in `names`. */
function hasOrphan(state: RulesState, names: ReadonlySet<string>): boolean {
  for (const [key, entry] of Object.entries(state)) {
    if (entry.firing && !names.has(ruleOfEntry(key))) return true;
  }
  return false;
}

/** The stored alert of an episode that just opened. */
function openEpisode(alert: Alert): OpenEpisode {
  return {
    fingerprint: alert.fingerprint,
    severity: alert.severity,
    env: alert.env,
    labels: alert.labels,
    summary: alert.summary,
    description: alert.description ?? null,
    // Only when there is one: states of rules without a unit keep their shape.
    ...(alert.unit === null ? {} : { unit: alert.unit }),
  };
}

/**
 * The rule's next state for one observation of a series (undefined: none), emitting the alert of a
 * transition. An observation older than the newest evaluated, without a value (NaN, a null field) or on
 * which an expression fails leaves the state as it was.
 */
function observe(
  rule: CompiledRule,
  observation: Observation,
  env: Environment,
  previous: RuleSeriesState | undefined,
  context: ProcessContext,
  variables: () => Record<string, unknown>,
): RuleSeriesState | undefined {
  if (Number.isNaN(observation.value) || Number.isNaN(observation.ts)) return previous;
  if (previous !== undefined && observation.ts < previous.last_ts) {
    context.logger.debug(
      { rule: rule.name, ts: observation.ts, lastTs: previous.last_ts },
      'point older than the newest evaluated: ignored for alert state',
    );
    return previous;
  }
  const verdict = condition(rule, observation, variables);
  if ('error' in verdict) {
    // A rule that cannot be decided on this point (e.g. labels.venue on a series without venue):
    // no evidence either way. Warned, as the rule most likely needs a has() guard.
    context.logger.warn(
      { rule: rule.name, series: observation.describe, ts: observation.ts, reason: verdict.error },
      'alert rule expression failed on a point: the point is ignored for this rule',
    );
    return previous;
  }
  return evaluate(rule, observation, env, previous, verdict, context);
}

function condition(
  rule: CompiledRule,
  observation: Observation,
  variables: () => Record<string, unknown>,
): Verdict {
  if (rule.kind === 'threshold') {
    const value = observation.value ?? NaN;
    return { holds: holds(rule.op, value, rule.threshold), clears: !holds(rule.op, value, rule.clear) };
  }
  const firing = evaluateCondition(rule.expr, variables());
  if (typeof firing !== 'boolean') return { error: `expr: ${firing.error}` };
  if (rule.clearExpr === null) return { holds: firing, clears: !firing };
  const clearing = evaluateCondition(rule.clearExpr, variables());
  if (typeof clearing !== 'boolean') return { error: `clear_expr: ${clearing.error}` };
  // The firing condition wins: contradictory expressions cannot resolve and re-fire on every point.
  return { holds: firing, clears: clearing && !firing };
}

/** What a point says for a rule: whether the condition holds, and whether it is on the resolving side. */
type Verdict = { readonly holds: boolean; readonly clears: boolean } | { readonly error: string };

function evaluate(
  rule: CompiledRule,
  metric: Observation,
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
    const alert = buildAlert(rule, metric, env, 'firing', streakStart);
    emitAlert(context, alert);
    return { firing: true, starts_at: streakStart, last_ts: metric.ts, open: openEpisode(alert) };
  }
  const startsAt = previous.starts_at ?? metric.ts;
  const open = previous.open === undefined ? {} : { open: previous.open };
  if (!verdict.clears) return { firing: true, starts_at: startsAt, last_ts: metric.ts, ...open };
  const clearSince = previous.clear_since ?? metric.ts;
  if (metric.ts - clearSince < rule.keepFiringForMs) {
    return { firing: true, starts_at: startsAt, last_ts: metric.ts, clear_since: clearSince, ...open };
  }
  emitAlert(context, buildAlert(rule, metric, env, 'resolved', startsAt));
  return { firing: false, starts_at: null, last_ts: metric.ts };
}
