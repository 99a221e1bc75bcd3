/**
 * Phase 4, the issue-4 processors: baseline, freshness and precision@K (its three stages), each
 * measured twice on the same generated events: alone in memory (on the virtual runner, no JSON round
 * trip) and through Kafka (the events pre-loaded to their input topics, then the processor's
 * runners started in this process with fresh groups and no state, timed until every stage's committed
 * offsets reach the end of its inputs). The reference of the Kafka figure, measured in the same run: a
 * no-op consumer (bench/reference-consumer.ts) reading the same pre-loaded input topics.
 */
import { SchemaRegistry, type RecordTypeName } from '../schemas/index.ts';
import type { KafkaAdmin, KafkaClient, OutgoingRecord } from '../runtime/kafka/index.ts';
import type { Logger } from '../core/logger.ts';
import { ProcessorRunner, VirtualRunner } from '../runtime/processor/index.ts';
import { createProcessors, type AnyProcessor, type ProcessorName } from '../processors/index.ts';
import { QuestDbSink } from '../sinks/questdb/index.ts';
import { TOPICS, processorGroup } from '../topics/index.ts';
import { groupProgress } from './group-progress.ts';
import { runReferenceConsumer } from './reference-consumer.ts';
import { num, progress, round } from './progress.ts';
import { seededRandom } from './random.ts';
import type { Releasers } from './releasers.ts';
import type { Workspace } from './workspace.ts';

/** One generated input event. */
export interface BenchEvent {
  readonly topic: string;
  readonly type: RecordTypeName;
  readonly key: string;
  readonly value: unknown;
}

export interface ProcessorBenchResult {
  /** The processors run together (a chain for precision@K). */
  readonly processors: readonly string[];
  readonly events: number;
  /** The events' input topics and counts. */
  readonly inputs: Readonly<Record<string, number>>;
  readonly inMemory: { readonly ms: number; readonly eventsPerSecond: number; readonly outputs: number };
  readonly kafka:
    | {
        readonly ms: number;
        readonly eventsPerSecond: number;
        /** A no-op consumer reading the same input topics, one after the other: the client's ceiling. */
        readonly reference: { readonly ms: number; readonly recordsPerSecond: number };
      }
    | { readonly error: string };
  /** Kafka events/s ÷ in-memory events/s. */
  readonly kafkaOverInMemory: number | null;
  /** Kafka events/s ÷ the no-op consumer's records/s. */
  readonly kafkaOverReference: number | null;
}

const STRATEGIES = 20;
const ASSETS = 50;
const PREDICTED = 10;
const CYCLE_EVERY_MS = 60_000;

/** Events for the baseline processor: inference cycles (4 snapshot metrics each) and trades. */
export function baselineEvents(count: number, start: number): BenchEvent[] {
  const random = seededRandom(4);
  const events: BenchEvent[] = [];
  const position = new Map<string, number>();
  for (let i = 0; events.length < count; i += 1) {
    const strategy = `s${i % STRATEGIES}`;
    const ts = start + Math.floor(i / STRATEGIES) * CYCLE_EVERY_MS;
    if (i % 2 === 0) {
      events.push({
        topic: 'inference.cycles',
        type: 'InferenceCycle',
        key: strategy,
        value: cycle(strategy, ts, random.next(), []),
      });
    } else {
      const portfolio = `p${i % STRATEGIES}`;
      const asset = `A${i % 5}`;
      const held = position.get(`${portfolio}|${asset}`) ?? 0;
      const side = held > 0 && random.next() < 0.5 ? 'sell' : 'buy';
      position.set(`${portfolio}|${asset}`, held + (side === 'buy' ? 1 : -1));
      const price = 100 + 10 * random.normal();
      events.push({
        topic: 'trades',
        type: 'Trade',
        key: portfolio,
        value: {
          trade_id: `t${i}`,
          order_id: `o${i}`,
          client_order_id: null,
          strategy,
          env: 'prod',
          portfolio,
          asset,
          side,
          quantity: 1,
          price,
          notional: price,
          quote_currency: 'USD',
          fee: 0.01,
          fee_currency: 'USD',
          liquidity: 'taker',
          venue: 'bench',
          cycle_id: null,
          ts,
        },
      });
    }
  }
  return events;
}

/** Events for the freshness processor: cycles, ingest runs (1 in 10 failing) and signals. */
export function freshnessEvents(count: number, start: number): BenchEvent[] {
  const random = seededRandom(5);
  const events: BenchEvent[] = [];
  for (let i = 0; events.length < count; i += 1) {
    const ts = start + i * 1000;
    switch (i % 3) {
      case 0: {
        const strategy = `s${i % STRATEGIES}`;
        events.push({
          topic: 'inference.cycles',
          type: 'InferenceCycle',
          key: strategy,
          value: cycle(strategy, ts, random.next(), []),
        });
        break;
      }
      case 1: {
        const ingest = `ingest-${i % 30}`;
        const failed = random.next() < 0.1;
        events.push({
          topic: 'ingest.runs',
          type: 'IngestRun',
          key: ingest,
          value: {
            ingest,
            env: 'prod',
            run_id: `r${i}`,
            started_at: ts - 5000,
            finished_at: ts,
            status: failed ? 'failure' : 'success',
            rows: failed ? 0 : 1000,
            duration_ms: 5000,
            error: failed ? 'upstream timeout' : null,
            data_until: ts - 60_000,
          },
        });
        break;
      }
      default: {
        const asset = `A${i % ASSETS}`;
        events.push({
          topic: 'signals',
          type: 'Signal',
          key: asset,
          value: { source: 'github', asset, name: 'stars', value: i, unit: null, ts, labels: {} },
        });
      }
    }
  }
  return events;
}

/**
 * Events for precision@K: per as_of, one cycle per strategy ranking 10 of 50 assets, then the 50
 * assets' outcomes (the next as_of's first outcome closes the previous one).
 */
export function rankingEvents(count: number, start: number): BenchEvent[] {
  const random = seededRandom(6);
  const events: BenchEvent[] = [];
  const strategies = 5;
  for (let step = 0; events.length < count; step += 1) {
    const asOf = start + step * CYCLE_EVERY_MS;
    for (let s = 0; s < strategies; s += 1) {
      const strategy = `s${s}`;
      const predictions = Array.from({ length: PREDICTED }, (_, rank) => ({
        asset: `A${(rank * 7 + step + s) % ASSETS}`,
        score: 1 - rank / PREDICTED,
        rank: rank + 1,
      }));
      events.push({
        topic: 'inference.cycles',
        type: 'InferenceCycle',
        key: strategy,
        value: cycle(strategy, asOf, random.next(), predictions),
      });
    }
    for (let a = 0; a < ASSETS; a += 1) {
      events.push({
        topic: 'outcomes',
        type: 'Outcome',
        key: `A${a}`,
        value: { asset: `A${a}`, as_of: asOf, horizon_ms: 3_600_000, forward_return: 0.02 * random.normal() },
      });
    }
  }
  return events.slice(0, count);
}

function cycle(
  strategy: string,
  asOf: number,
  noise: number,
  predictions: { asset: string; score: number; rank: number }[],
) {
  return {
    cycle_id: `${strategy}-${asOf}`,
    strategy,
    env: 'prod',
    model_version: 'm1',
    weights_version: 'w1',
    weights_updated_at: asOf - 3_600_000,
    as_of: asOf,
    started_at: asOf,
    finished_at: asOf + 200 + Math.round(100 * noise),
    status: 'success',
    error: null,
    horizon_ms: 3_600_000,
    metrics: { hit_rate: 0.5 + 0.1 * noise, mean_score: 0.3 + 0.05 * noise, coverage: 0.9, turnover: noise },
    predictions,
  };
}

/** Runs `processors` over `events` on one wired virtual runner (outputs fed to the stages that read them). */
export function runProcessorsInMemory(
  processors: readonly AnyProcessor[],
  events: readonly BenchEvent[],
): { ms: number; outputs: number } {
  const runner = new VirtualRunner(processors, { roundTrip: false });
  let outputs = 0;
  const started = performance.now();
  for (let i = 0; i < events.length; i += 1) {
    const { topic, type, key, value } = events[i]!;
    runner.push(topic, value, { type, key });
    if (i % 10_000 === 9_999) outputs += runner.take().length;
  }
  outputs += runner.take().length;
  return { ms: performance.now() - started, outputs };
}

export interface ProcessorsBenchSettings {
  readonly kafka: KafkaClient;
  readonly admin: KafkaAdmin;
  readonly releasers: Releasers;
  readonly openWorkspace: (label: string) => Promise<Workspace>;
  readonly questdbHttpUrl: string;
  readonly logger: Logger;
  readonly events: number;
  readonly startTs: number;
  readonly timeoutMs: number;
}

const SUITES: readonly {
  readonly label: string;
  readonly processors: readonly ProcessorName[];
  readonly events: (count: number, start: number) => BenchEvent[];
}[] = [
  { label: 'baseline', processors: ['baseline'], events: baselineEvents },
  { label: 'freshness', processors: ['freshness'], events: freshnessEvents },
  {
    label: 'ranking',
    processors: ['ranking-repartition', 'ranking', 'ranking-rolling'],
    events: rankingEvents,
  },
];

export async function runProcessorBenches(
  settings: ProcessorsBenchSettings,
): Promise<ProcessorBenchResult[]> {
  const registry = await SchemaRegistry.load();
  const results: ProcessorBenchResult[] = [];
  for (const suite of SUITES) {
    const events = suite.events(settings.events, settings.startTs);
    const inputs: Record<string, number> = {};
    for (const e of events) inputs[e.topic] = (inputs[e.topic] ?? 0) + 1;
    progress(`phase 4 (${suite.label}): ${num(events.length)} events in memory`);
    const memory = runProcessorsInMemory(await createProcessors(suite.processors), events);
    const inMemory = {
      ms: round(memory.ms, 1),
      eventsPerSecond: Math.round(events.length / (memory.ms / 1000)),
      outputs: memory.outputs,
    };
    let kafka: ProcessorBenchResult['kafka'];
    try {
      kafka = await throughKafka(settings, registry, suite.label, suite.processors, events);
    } catch (error: unknown) {
      kafka = { error: error instanceof Error ? error.message : String(error) };
      progress(`phase 4 (${suite.label}) through Kafka failed: ${kafka.error}`);
    }
    results.push({
      processors: suite.processors,
      events: events.length,
      inputs,
      inMemory,
      kafka,
      kafkaOverInMemory: 'error' in kafka ? null : round(kafka.eventsPerSecond / inMemory.eventsPerSecond, 4),
      kafkaOverReference:
        'error' in kafka ? null : round(kafka.eventsPerSecond / kafka.reference.recordsPerSecond, 4),
    });
  }
  return results;
}

async function throughKafka(
  settings: ProcessorsBenchSettings,
  registry: SchemaRegistry,
  label: string,
  names: readonly ProcessorName[],
  events: readonly BenchEvent[],
): Promise<{
  ms: number;
  eventsPerSecond: number;
  reference: { ms: number; recordsPerSecond: number };
}> {
  const workspace = await settings.openWorkspace(label);
  try {
    progress(`phase 4 (${label}): pre-loading ${num(events.length)} events`);
    const producer = await settings.kafka.producer();
    try {
      for (let i = 0; i < events.length; i += 10_000) {
        const batch: OutgoingRecord[] = events.slice(i, i + 10_000).map((e) => ({
          topic: workspace.topic(e.topic),
          key: e.key,
          value: registry.codec(e.type).encode(e.value as never),
          // Event time as the Kafka timestamp, as a producer would.
          timestamp: settings.startTs,
        }));
        await producer.send(batch);
      }
    } finally {
      await producer.close();
    }
    let referenceMs = 0;
    for (const topic of new Set(events.map((e) => e.topic))) {
      const result = await runReferenceConsumer(
        settings.kafka,
        settings.admin,
        workspace.topic(topic),
        workspace.group(`${workspace.prefix}reference-${topic}`),
        settings.timeoutMs,
      );
      referenceMs += result.ms;
    }
    const reference = {
      ms: round(referenceMs, 1),
      recordsPerSecond: Math.round(events.length / (referenceMs / 1000)),
    };
    const processors = await createProcessors(names);
    const runners: ProcessorRunner<unknown, unknown>[] = [];
    const sinks: QuestDbSink[] = [];
    progress(`phase 4 (${label}): ${names.join(' → ')} through Kafka`);
    const started = performance.now();
    try {
      for (const processor of processors) {
        const sink = await QuestDbSink.create({ httpUrl: settings.questdbHttpUrl, logger: settings.logger });
        sinks.push(sink);
        runners.push(
          await ProcessorRunner.start({
            processor,
            kafka: settings.kafka,
            registry,
            sink,
            logger: settings.logger,
            topicPrefix: workspace.prefix,
            instanceId: `bench-${label}`,
          }),
        );
      }
      // Stage by stage: an internal topic's end is known once the stages before it have caught up.
      const deadline = Date.now() + settings.timeoutMs;
      const preloaded = new Set(events.map((e) => e.topic));
      for (const processor of processors) {
        for (const input of processor.inputs) {
          const topic = workspace.topic(input.topic);
          if (!TOPICS.some((t) => t.name === input.topic)) continue;
          // A topic the processors write (metrics, internal topics) is written in transactions only, so
          // its last offset is a commit marker, which a consumer group's committed offset never passes.
          const marker = preloaded.has(input.topic) ? 0n : 1n;
          const ends = (await settings.admin.offsets(topic)).map((p) => ({
            ...p,
            high: (BigInt(p.high) > BigInt(p.low) ? BigInt(p.high) - marker : BigInt(p.high)).toString(),
          }));
          const group = processorGroup(processor.name, workspace.prefix);
          for (;;) {
            const at = await groupProgress(settings.admin, group, topic, ends);
            if (at.caughtUp) break;
            if (Date.now() > deadline) {
              throw new Error(`${processor.name} did not catch up on ${topic} in ${settings.timeoutMs} ms`);
            }
            await new Promise((resolve) => setTimeout(resolve, 200));
          }
        }
      }
      const ms = performance.now() - started;
      return { ms: round(ms, 1), eventsPerSecond: Math.round(events.length / (ms / 1000)), reference };
    } finally {
      for (const runner of runners.reverse()) await runner.close().catch(() => undefined);
      for (const sink of sinks) await sink.close().catch(() => undefined);
    }
  } finally {
    await workspace.close();
  }
}
