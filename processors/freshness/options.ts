/**
 * The freshness processor's options: which topics are sources, the cadence each source is expected to
 * keep, and the health settings of ingests and inference cycles. Durations are in milliseconds.
 * The YAML file (config-file.ts) compiles to these; README.md documents every field and its default.
 *
 * Terminology:
 * - source: what is expected to keep producing: one Kafka key of one topic, in one environment (an
 *   ingest on `ingest.runs`, a strategy on `inference.cycles`, an instance on `heartbeats`);
 * - cadence: the expected time between two records of a source; slack: the tolerance on top of it. A
 *   source is stale once nothing was seen for cadence + slack;
 * - seen: when the pipeline learned of a record (its Kafka timestamp, capped at the wall clock).
 */
import { formatDuration } from '../../core/durations.ts';
import { ConfigError } from '../../core/errors.ts';
import type { Environment, RecordTypeName } from '../../schemas/index.ts';
import { TOPICS } from '../../topics/catalogue.ts';
import { matchesKey, type KeyPattern } from './key-pattern.ts';

/** How a `partial` ingest run counts: as a failure (default) or as a success. */
export const PARTIAL_POLICIES = ['failure', 'success'] as const;
export type PartialPolicy = (typeof PARTIAL_POLICIES)[number];

/** A cadence in ms, or `heartbeat`: the tradewatch heartbeat interval ({@link FreshnessOptions.heartbeatIntervalMs}). */
export type Cadence = number | 'heartbeat';

/** The settings of a source as written (defaults of a topic, or an override's subset of them). */
export interface SourceSettingsSpec {
  /** Expected time between two records of a source. Positive. */
  readonly cadence: Cadence;
  /** Tolerance on top of the cadence before the source is stale. Non-negative. */
  readonly slackMs: number;
  /**
   * A source silent this long (since it was last seen) is forgotten: its stale alert resolves and it is
   * no longer reported, until it sends again. Longer than cadence + slack. Null (default): never.
   */
  readonly forgetAfterMs: number | null;
  /** InferenceCycle topics: the allowed age of a cycle's weights (as_of − weights_updated_at); null: not judged. */
  readonly weightsMaxAgeMs: number | null;
  /** IngestRun topics: how a `partial` run counts. Default `failure`. */
  readonly partial: PartialPolicy;
}

/** The settings of one source, its cadence resolved. */
export interface SourceSettings extends Omit<SourceSettingsSpec, 'cadence'> {
  readonly cadenceMs: number;
}

/** Settings for the keys a pattern matches (the first matching override of a topic wins). */
export interface SourceOverride {
  readonly key: KeyPattern;
  readonly settings: Partial<SourceSettingsSpec>;
}

/** One source topic. */
export interface SourceTopicOptions {
  /** A catalogue topic (logical name) whose values are of one record type. */
  readonly topic: string;
  /** Its record type (from the catalogue). */
  readonly type: RecordTypeName;
  /** The env of its records that carry none (see record-kinds.ts). */
  readonly env: Environment;
  /** The settings of every key of the topic unless an override matches. */
  readonly defaults: SourceSettingsSpec;
  readonly overrides: readonly SourceOverride[];
  /** Keys that are not watched for silence (their ingest and cycle health still are). */
  readonly ignore: readonly KeyPattern[];
}

export interface FreshnessOptions {
  /** The file the options came from (for messages), or null when built in code. */
  readonly file: string | null;
  /** The env of records that carry none, unless their topic says otherwise. Default `prod`. */
  readonly env: Environment;
  /**
   * The tradewatch heartbeat interval, the cadence written `heartbeat`: keep it equal to
   * TW_HEARTBEAT_INTERVAL_MS (the runtime may set it from there). Default 5000.
   */
  readonly heartbeatIntervalMs: number;
  /**
   * How often (wall clock, aligned to multiples of it) each source's `source_staleness_ms` and
   * `source_lag_ms` are reported, with a `freshness` row, fresh or stale. Null: only on state changes.
   * Default 60000.
   */
  readonly reportEveryMs: number | null;
  /** The source topics, at least one, each once. */
  readonly sources: readonly SourceTopicOptions[];
  /**
   * Sources watched from the pipeline's start, before their first record (the connectors of
   * `tradewatch run --connectors`): one that never sends goes stale cadence + slack after the watch
   * began. Default none: a source is watched from its first record.
   */
  readonly expected?: readonly ExpectedSource[];
}

/** A source watched before its first record. */
export interface ExpectedSource {
  /** A source topic of the options (`ingest.runs`). */
  readonly topic: string;
  /** Its Kafka key (`connector-github`). */
  readonly key: string;
  /** The env its records will carry. Default: the topic's env. */
  readonly env?: Environment;
}

/** The defaults of what a file may leave out. */
export interface FreshnessDefaults {
  readonly env: Environment;
  readonly heartbeatIntervalMs: number;
  readonly reportEveryMs: number | null;
  readonly forgetAfterMs: number | null;
  readonly weightsMaxAgeMs: number | null;
  readonly partial: PartialPolicy;
}

/** The defaults of what a file may leave out. */
export const DEFAULT_FRESHNESS_SETTINGS: FreshnessDefaults = Object.freeze({
  env: 'prod',
  heartbeatIntervalMs: 5000,
  reportEveryMs: 60_000,
  forgetAfterMs: null,
  weightsMaxAgeMs: null,
  partial: 'failure',
});

/** The topic's settings for `key`: the first matching override over the topic's defaults. */
export function settingsFor(
  options: FreshnessOptions,
  topic: SourceTopicOptions,
  key: string,
): SourceSettings {
  const override = topic.overrides.find((o) => matchesKey(o.key, key));
  const spec: SourceSettingsSpec = { ...topic.defaults, ...override?.settings };
  return resolveSettings(options.heartbeatIntervalMs, spec);
}

/** Whether `key` of the topic is not watched for silence (its `ignore` list matches it). */
export function isIgnored(topic: SourceTopicOptions, key: string): boolean {
  return topic.ignore.some((p) => matchesKey(p, key));
}

function resolveSettings(heartbeatIntervalMs: number, spec: SourceSettingsSpec): SourceSettings {
  const { cadence, ...rest } = spec;
  return { ...rest, cadenceMs: cadence === 'heartbeat' ? heartbeatIntervalMs : cadence };
}

/**
 * The problems of options built in code or changed after loading (e.g. heartbeatIntervalMs set by the
 * runtime): the file's loader reports the same ones with their lines.
 */
export function checkFreshnessOptions(options: FreshnessOptions): string[] {
  const problems: string[] = [];
  const positive = (ms: number) => Number.isSafeInteger(ms) && ms > 0;
  if (!positive(options.heartbeatIntervalMs)) {
    problems.push(`heartbeatIntervalMs must be a positive integer of ms; got ${options.heartbeatIntervalMs}`);
  }
  if (options.reportEveryMs !== null && !positive(options.reportEveryMs)) {
    problems.push(`reportEveryMs must be a positive integer of ms or null; got ${options.reportEveryMs}`);
  }
  if (options.sources.length === 0) problems.push('at least one source topic is needed');
  for (const e of options.expected ?? []) {
    if (!options.sources.some((s) => s.topic === e.topic))
      problems.push(
        `expected source ${e.key} of ${e.topic}: ${e.topic} is not a source topic of the options`,
      );
  }
  const seen = new Set<string>();
  for (const source of options.sources) {
    const where = `source topic ${source.topic}`;
    if (seen.has(source.topic)) problems.push(`${where} is listed twice`);
    seen.add(source.topic);
    const topic = TOPICS.find((t) => t.name === source.topic);
    if (topic === undefined) problems.push(`${where} is not in the topic catalogue (topics/catalogue.ts)`);
    else if (topic.value.kind !== 'avro' || topic.value.type !== source.type) {
      problems.push(`${where} does not carry ${source.type} records only`);
    }
    const specs = [
      { at: where, spec: source.defaults },
      ...source.overrides.map((o) => ({
        at: `${where}, override for key ${o.key.source}`,
        spec: { ...source.defaults, ...o.settings },
      })),
    ];
    for (const { at, spec } of specs) {
      problems.push(
        ...checkSpec(resolveSettings(options.heartbeatIntervalMs, spec)).map(
          (p) => `${at}: ${p.field}: ${p.message}`,
        ),
      );
    }
  }
  return problems;
}

/** One problem of a source's settings: the field it is about (YAML name) and what is wrong. */
export interface SettingsProblem {
  readonly field: 'cadence' | 'slack' | 'forget_after' | 'weights_max_age';
  readonly message: string;
}

/** What is wrong with one source's resolved settings (also used by the file loader). */
export function checkSpec(settings: SourceSettings): SettingsProblem[] {
  const problems: SettingsProblem[] = [];
  if (!Number.isSafeInteger(settings.cadenceMs) || settings.cadenceMs <= 0) {
    problems.push({ field: 'cadence', message: `must be a positive duration; got ${settings.cadenceMs} ms` });
  }
  if (!Number.isSafeInteger(settings.slackMs) || settings.slackMs < 0) {
    problems.push({ field: 'slack', message: `must be 0 or more; got ${settings.slackMs} ms` });
  }
  const staleAfter = settings.cadenceMs + settings.slackMs;
  if (settings.forgetAfterMs !== null && !(settings.forgetAfterMs > staleAfter)) {
    problems.push({
      field: 'forget_after',
      message:
        `${formatDuration(settings.forgetAfterMs, 'largest')} must be longer than cadence + slack ` +
        `(${formatDuration(staleAfter, 'largest')}): a source is forgotten only after it went stale`,
    });
  }
  if (settings.weightsMaxAgeMs !== null && !(settings.weightsMaxAgeMs > 0)) {
    problems.push({
      field: 'weights_max_age',
      message: `must be positive; got ${settings.weightsMaxAgeMs} ms`,
    });
  }
  return problems;
}

/** Throws a ConfigError when {@link checkFreshnessOptions} finds problems. */
export function assertFreshnessOptions(options: FreshnessOptions): void {
  const problems = checkFreshnessOptions(options);
  if (problems.length > 0) {
    throw new ConfigError(
      problems,
      `the freshness options${options.file === null ? '' : ` of ${options.file}`} (processors/freshness/README.md)`,
    );
  }
}
