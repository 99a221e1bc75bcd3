/**
 * The freshness processor: watches that every source keeps producing (silence raises `source_stale`
 * through wall-clock timers), counts failed ingest runs and inference cycles in a row, and judges the
 * age of a cycle's model weights. Its inputs are the topics of the configured sources.
 *
 * - State key: `<topic>|<source key>`, the source key being the record's Kafka key (or, for a record
 *   without one, the catalogue key derived from its value); one state per key, with one entry per env.
 * - Seen time: the record's Kafka timestamp (when it was produced), capped at the wall clock; the
 *   event time is kept beside it for the lag. See README.md for why not the processing time.
 * - Timers: `timer(state)` is the earliest due time, forget time or report slot of the key's envs;
 *   `onTimer` plays what is due at the wall clock's now. Outputs are stamped with the time a transition
 *   happened, not the time the timer fired (source-freshness.ts).
 */
import type { Processor, ProcessContext, RecordSource, Rejection } from '../contract.ts';
import type {
  Environment,
  InferenceCycle,
  IngestRun,
  RecordTypeName,
  RecordTypes,
} from '../../schemas/index.ts';
import { TOPICS } from '../../topics/catalogue.ts';
import {
  assertFreshnessOptions,
  isIgnored,
  settingsFor,
  type FreshnessOptions,
  type SourceSettings,
  type SourceTopicOptions,
} from './options.ts';
import { emitInferenceCycle, emitIngestRun, emitTransition, type SourceId } from './outputs.ts';
import { envOf, eventTimeOf, isRetirement } from './record-kinds.ts';
import { countRun } from './run-health.ts';
import {
  advance,
  expectedSince,
  firstSeen,
  nextTimerAt,
  observe,
  retire,
  unwatch,
  type TransitionSink,
} from './source-freshness.ts';
import type { FreshnessState, SourceEnvState } from './types.ts';
import type { Logger } from '../../core/logger.ts';
import type { Output } from '../contract.ts';

/** A record of any of the source topics. */
export type FreshnessRecord = RecordTypes[RecordTypeName];

/**
 * Builds the processor (named `freshness`) over validated options (see loadFreshnessOptions).
 * @throws ConfigError when options built in code are invalid.
 */
export function createFreshnessProcessor(
  options: FreshnessOptions,
): Processor<FreshnessRecord, FreshnessState> {
  assertFreshnessOptions(options);
  const byTopic = new Map(options.sources.map((s) => [s.topic, s]));
  const topicOf = (name: string): SourceTopicOptions => {
    const topic = byTopic.get(name);
    // The runtime only hands us records of our inputs, which are these topics.
    if (topic === undefined) throw new Error(`freshness does not read ${name}`);
    return topic;
  };

  const processor: Processor<FreshnessRecord, FreshnessState> = {
    name: 'freshness',
    inputs: Object.freeze(options.sources.map((s) => Object.freeze({ topic: s.topic, type: s.type }))),
    key: (record, source) => `${source.topic}|${sourceKeyOf(record, source) ?? ''}`,
    initialState: (_key, record, source) => ({
      topic: source.topic,
      source: sourceKeyOf(record, source) ?? '',
      envs: {},
    }),
    process(record, state, context) {
      const topic = topicOf(context.source.topic);
      const type = context.source.type;
      if (state.source === '') {
        const spec = TOPICS.find((t) => t.name === topic.topic)?.key.doc ?? 'its key';
        return {
          reject:
            `a ${type} record on ${topic.topic} without a Kafka key, and without a usable ${spec} to ` +
            'stand for one: freshness cannot tell which source it is from. Produce it with its key.',
        };
      }
      const invalid = validateRecord(type, record);
      if (invalid !== undefined) return invalid;

      const env = envOf(record, topic.env);
      const now = context.clock.now();
      const seen = seenTime(context.source.timestamp, now);
      const id: SourceId = { topic: topic.topic, source: state.source, env };
      const entry: SourceEnvState = state.envs[env] ?? { freshness: null, health: null };
      const settings = settingsFor(options, topic, state.source);
      const sink = transitionSink(id, context);

      if (isIgnored(topic, state.source)) {
        if (entry.freshness !== null) unwatch(entry.freshness, seen, sink);
        entry.freshness = null;
      } else {
        const eventTs = eventTimeOf(type, record);
        if (isRetirement(type, record)) {
          if (entry.freshness !== null) {
            retire(entry.freshness, seen, settings, options.reportEveryMs, sink);
          }
        } else if (entry.freshness === null) {
          entry.freshness = firstSeen(seen, eventTs, settings, options.reportEveryMs, sink);
        } else observe(entry.freshness, seen, eventTs, settings, options.reportEveryMs, sink);
      }

      if (type === 'IngestRun') countIngestRun(record as IngestRun, entry, settings, context);
      else if (type === 'InferenceCycle') countCycle(record as InferenceCycle, entry, settings, context);

      state.envs[env] = entry;
      return state;
    },
    // Sources watched from the start: one that never sends goes stale too (options.expected).
    ...(options.expected === undefined || options.expected.length === 0
      ? {}
      : {
          expected: Object.freeze(options.expected.map((e) => Object.freeze({ topic: e.topic, key: e.key }))),
          expectedState: (expected: { topic: string; key: string }, now: number) => {
            const topic = topicOf(expected.topic);
            const declared = options.expected?.find(
              (e) => e.topic === expected.topic && e.key === expected.key,
            );
            const env = declared?.env ?? topic.env;
            const state: FreshnessState = { topic: topic.topic, source: expected.key, envs: {} };
            if (!isIgnored(topic, expected.key)) {
              const settings = settingsFor(options, topic, expected.key);
              state.envs[env] = {
                freshness: expectedSince(now, settings, options.reportEveryMs),
                health: null,
              };
            }
            return { key: `${topic.topic}|${expected.key}`, state };
          },
        }),
    timer(state) {
      let earliest: number | null = null;
      for (const entry of Object.values(state.envs)) {
        const at = entry.freshness === null ? null : nextTimerAt(entry.freshness);
        if (at !== null && (earliest === null || at < earliest)) earliest = at;
      }
      return earliest;
    },
    onTimer(_key, state, context) {
      const topic = topicOf(state.topic);
      const now = context.clock.now();
      const ignored = isIgnored(topic, state.source);
      const settings = settingsFor(options, topic, state.source);
      for (const [env, entry] of Object.entries(state.envs)) {
        if (entry.freshness === null) continue;
        const id: SourceId = { topic: topic.topic, source: state.source, env: env as Environment };
        const sink = transitionSink(id, context);
        if (ignored) {
          unwatch(entry.freshness, now, sink);
          entry.freshness = null;
        } else advance(entry.freshness, now, true, settings, options.reportEveryMs, sink);
      }
      return state;
    },
  };
  return Object.freeze(processor);
}

/** The source key of a record: its Kafka key, else the catalogue key of its value; null if neither. */
export function sourceKeyOf(record: unknown, source: RecordSource): string | null {
  if (source.key !== null && source.key !== '') return source.key;
  const definition = TOPICS.find((t) => t.name === source.topic);
  if (definition === undefined || typeof record !== 'object' || record === null) return null;
  try {
    const key = definition.key.of(record as Readonly<Record<string, unknown>>);
    return key === '' || key === 'undefined' ? null : key;
  } catch {
    // A value without its key field: the record is rejected in `process`.
    return null;
  }
}

/** The seen time of a record: its Kafka timestamp, capped at the wall clock (`now` if it has none). */
export function seenTime(kafkaTimestamp: number, now: number): number {
  return Number.isSafeInteger(kafkaTimestamp) && kafkaTimestamp > 0 ? Math.min(kafkaTimestamp, now) : now;
}

function transitionSink(
  id: SourceId,
  context: { emit(output: Output): void; readonly logger: Logger },
): TransitionSink {
  const { logger } = context;
  return (f, transition) => {
    emitTransition((o) => context.emit(o), id, f, transition);
    if (transition.event === 'report' || transition.event === 'first_seen') return;
    logger.info(
      {
        ...id,
        event: transition.event,
        ts: transition.ts,
        lastSeen: f.last_seen,
        silenceMs: transition.silenceMs,
      },
      `source ${id.source} of ${id.topic} (${id.env}) ${
        transition.event === 'stale'
          ? `is stale: nothing seen for ${f.cadence_ms + f.slack_ms} ms (cadence ${f.cadence_ms} + slack ${f.slack_ms})`
          : transition.event === 'resumed'
            ? `is back after ${transition.silenceMs ?? 0} ms of silence`
            : transition.event === 'forgotten'
              ? `is forgotten after ${transition.stalenessMs} ms of silence`
              : transition.event === 'retired'
                ? 'stopped on purpose (retired): no longer watched until it is back'
                : 'is no longer watched (ignored)'
      }`,
    );
  };
}

/** What the schemas cannot check about ingest runs and cycles; undefined when the record is valid. */
function validateRecord(type: RecordTypeName, record: unknown): Rejection | undefined {
  const problems: string[] = [];
  let what = '';
  if (type === 'IngestRun') {
    const run = record as IngestRun;
    what = `ingest run ${run.run_id} of ${run.ingest} (${run.env})`;
    if (run.finished_at < run.started_at) {
      problems.push(`finished_at ${run.finished_at} is before started_at ${run.started_at}`);
    }
    if (run.rows < 0) problems.push(`rows must be 0 or more, got ${run.rows}`);
    if (run.duration_ms < 0) problems.push(`duration_ms must be 0 or more, got ${run.duration_ms}`);
  } else if (type === 'InferenceCycle') {
    const cycle = record as InferenceCycle;
    what = `inference cycle ${cycle.cycle_id} of ${cycle.strategy} (${cycle.env})`;
    if (cycle.finished_at < cycle.started_at) {
      problems.push(`finished_at ${cycle.finished_at} is before started_at ${cycle.started_at}`);
    }
  }
  return problems.length === 0 ? undefined : { reject: `invalid ${what}: ${problems.join('; ')}` };
}

function countIngestRun(
  run: IngestRun,
  entry: SourceEnvState,
  settings: SourceSettings,
  context: ProcessContext,
): void {
  const failed = run.status === 'failure' || (run.status === 'partial' && settings.partial === 'failure');
  const counted = countInHealth(
    entry,
    run.run_id,
    run.finished_at,
    failed,
    context,
    (newest) =>
      `ingest run ${run.run_id} of ${run.ingest} (${run.env}) finished at ${run.finished_at}, before run ` +
      `${newest} already counted: not counted in ingest_consecutive_failures`,
  );
  emitIngestRun((o) => context.emit(o), run, { failed, ...counted });
}

/**
 * Counts a run (an ingest run or an inference cycle) in the entry's health. One that finished before the
 * newest counted run is sent to `late` with `lateReason(newest)`, where newest reads "<id> (finished at
 * <ms>)"; it has no consecutive failures count and no points.
 */
function countInHealth(
  entry: SourceEnvState,
  id: string,
  finishedAt: number,
  failed: boolean,
  context: ProcessContext,
  lateReason: (newest: string) => string,
): { consecutiveFailures: number | null; points: boolean } {
  const { health, verdict } = countRun(entry.health, id, finishedAt, failed);
  entry.health = health;
  if (verdict.kind !== 'late') {
    return { consecutiveFailures: verdict.consecutiveFailures, points: verdict.kind === 'counted' };
  }
  const newest = `${verdict.newestId} (finished at ${verdict.newestFinishedAt})`;
  context.emit({ kind: 'late', reason: lateReason(newest) });
  return { consecutiveFailures: null, points: false };
}

function countCycle(
  cycle: InferenceCycle,
  entry: SourceEnvState,
  settings: SourceSettings,
  context: ProcessContext,
): void {
  const failed = cycle.status === 'failure';
  const counted = countInHealth(
    entry,
    cycle.cycle_id,
    cycle.finished_at,
    failed,
    context,
    (newest) =>
      `inference cycle ${cycle.cycle_id} of ${cycle.strategy} (${cycle.env}) finished at ${cycle.finished_at}, ` +
      `before cycle ${newest} already counted: not counted in inference_consecutive_failures nor judged ` +
      'for stale weights',
  );
  const weightsAgeMs = cycle.weights_updated_at === null ? null : cycle.as_of - cycle.weights_updated_at;
  const maxAge = settings.weightsMaxAgeMs;
  // No separate weights (weights_version null too): nothing can be stale. Weights of unknown age: not judged.
  const weightsStale =
    maxAge === null
      ? null
      : weightsAgeMs !== null
        ? weightsAgeMs > maxAge
        : cycle.weights_version === null
          ? false
          : null;
  emitInferenceCycle((o) => context.emit(o), cycle, { failed, ...counted, weightsAgeMs, weightsStale });
}
