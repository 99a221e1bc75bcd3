/**
 * Phase 4, the other processors as a user runs them: baseline, freshness, precision@K (its three stages,
 * one chain) and the rules (the shipped default rules over the metrics topic). For each, seeded events
 * (processor-events.ts, event times ending a minute before now, each its record's Kafka timestamp) are
 * pre-loaded to the input topics under a fresh prefix; the reference is a no-op consumer through the
 * Kafka port reading those topics together in a fresh group; then `node bin/tradewatch.js run
 * --processors <names>` runs as a child (fresh prefix, groups, namespace and no state), timed from the
 * spawn until every stage's committed offsets reach the end of its inputs (for an internal topic the
 * chain writes, once the stage before caught up: its end minus the final commit marker). The figure is
 * `overNoop`, the child's events/s ÷ the no-op consumer's records/s. The same events also run alone in
 * memory on one wired virtual runner (cheap; `overInMemory`).
 */
import path from 'node:path';
import { SchemaRegistry } from '../schemas/index.ts';
import type { KafkaAdmin, KafkaClient, OutgoingRecord } from '../runtime/kafka/index.ts';
import { VirtualRunner } from '../runtime/processor/index.ts';
import { createProcessors, type AnyProcessor, type ProcessorName } from '../processors/index.ts';
import { TOPICS, processorGroup } from '../topics/index.ts';
import { groupProgress } from './group-progress.ts';
import type { StackProcesses } from './machine.ts';
import { summarizeProfile, type ProfileSummary } from './cpu-profile.ts';
import { profileFlags, startPipelineProcess, type PipelineExit } from './pipeline-process.ts';
import {
  baselineEvents,
  freshnessEvents,
  metricEvents,
  rankingEvents,
  recentEvents,
  type BenchEvent,
} from './processor-events.ts';
import { cpuSeconds } from './proc.ts';
import { num, progress, round } from './progress.ts';
import { runNoopConsumer, type ReferenceResult } from './reference-consumer.ts';
import type { Releasers } from './releasers.ts';
import type { Workspace } from './workspace.ts';

export interface ChildRun {
  /** From spawning `tradewatch run` to every stage's committed offsets at the end of its inputs. */
  readonly ms: number;
  readonly eventsPerSecond: number;
  /** From spawn to the first stage's first commit: process start, table checks, group join. */
  readonly firstCommitMs: number | null;
  /**
   * Events/s after that first commit: (events − what it committed) ÷ (time − firstCommitMs); the
   * start-up excluded (approximate for a stage of several inputs: other inputs' first batches count).
   */
  readonly steadyEventsPerSecond: number | null;
  /** When each stage caught up on each input, ms since spawn. */
  readonly stages: readonly { readonly processor: string; readonly topic: string; readonly atMs: number }[];
  readonly exit: PipelineExit;
  /** CPU seconds over the child's run (Kafka and QuestDB only when they are the local stack's). */
  readonly cpuSeconds: {
    readonly child: number | null;
    readonly kafka: number | null;
    readonly questdb: number | null;
  };
  /** With `--profile`: where the child's CPU went. */
  readonly profile?: ProfileSummary | null;
}

export interface ProcessorBenchResult {
  /** The processors run together (a chain for precision@K). */
  readonly processors: readonly string[];
  readonly events: number;
  /** The events' input topics and counts. */
  readonly inputs: Readonly<Record<string, number>>;
  /** Event times (and Kafka timestamps) of the first and last event. */
  readonly eventTime: { readonly from: string; readonly to: string };
  readonly inMemory: { readonly ms: number; readonly eventsPerSecond: number; readonly outputs: number };
  /** The no-op consumer through the Kafka port on the same pre-loaded input topics. */
  readonly noop: ReferenceResult | { readonly error: string };
  /** `tradewatch run --processors <processors>` as a child process. */
  readonly child: ChildRun | { readonly error: string };
  /** child events/s ÷ the no-op consumer's records/s (issue 13's goal: ≥ 0.10). */
  readonly overNoop: number | null;
  /** The same without start-up on either side: child steady ÷ the no-op consumer's steady rate. */
  readonly steadyOverNoop: number | null;
  /** child events/s ÷ in-memory events/s. */
  readonly overInMemory: number | null;
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
  readonly stack: StackProcesses;
  readonly events: number;
  readonly timeoutMs: number;
  /** With `--profile`: each suite's child runs under `node --cpu-prof`, its profile in `<dir>/<suite>`. */
  readonly profileDir?: string;
}

/** The suites, by the name `processors.<name>` has in the result. */
export const SUITES: readonly {
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
  { label: 'rules', processors: ['rules'], events: metricEvents },
];

export async function runProcessorBenches(
  settings: ProcessorsBenchSettings,
): Promise<Record<string, ProcessorBenchResult>> {
  const registry = await SchemaRegistry.load();
  const results: Record<string, ProcessorBenchResult> = {};
  for (const suite of SUITES) {
    const events = recentEvents(suite.events, settings.events, Date.now());
    const inputs: Record<string, number> = {};
    for (const e of events) inputs[e.topic] = (inputs[e.topic] ?? 0) + 1;
    progress(`phase 4 (${suite.label}): ${num(events.length)} events in memory`);
    const memory = runProcessorsInMemory(await createProcessors(suite.processors), events);
    const inMemory = {
      ms: round(memory.ms, 1),
      eventsPerSecond: Math.round(events.length / (memory.ms / 1000)),
      outputs: memory.outputs,
    };
    const workspace = await settings.openWorkspace(suite.label);
    let noop: ProcessorBenchResult['noop'] = { error: 'not run' };
    let child: ProcessorBenchResult['child'] = { error: 'not run' };
    try {
      await preload(settings.kafka, registry, workspace, suite.label, events);
      progress(`phase 4 (${suite.label}): the no-op consumer reads ${Object.keys(inputs).join(', ')}`);
      noop = await runNoopConsumer(
        settings.kafka,
        settings.admin,
        Object.keys(inputs).map((t) => workspace.topic(t)),
        workspace.group(`${workspace.prefix}bench.noop`),
        settings.timeoutMs,
      );
      if (noop.records !== events.length) {
        throw new Error(`the no-op consumer read ${noop.records} records, ${events.length} were produced`);
      }
      progress(`phase 4 (${suite.label}): \`tradewatch run --processors ${suite.processors.join(',')}\``);
      child = await runChild(settings, workspace, suite.processors, events, suite.label);
      progress(
        `  ${suite.label}: ${num(child.eventsPerSecond)} events/s (${num(child.ms / 1000, 1)} s from spawn); ` +
          `no-op consumer ${num(noop.recordsPerSecond)} records/s`,
      );
    } catch (error: unknown) {
      const message = error instanceof Error ? error.message : String(error);
      if ('error' in noop) noop = { error: message };
      else child = { error: message };
      progress(`phase 4 (${suite.label}) through Kafka failed: ${message}`);
    } finally {
      await workspace.close();
    }
    results[suite.label] = {
      processors: suite.processors,
      events: events.length,
      inputs,
      eventTime: {
        from: new Date(events[0]?.ts ?? 0).toISOString(),
        to: new Date(events.at(-1)?.ts ?? 0).toISOString(),
      },
      inMemory,
      noop,
      child,
      overNoop:
        'error' in child || 'error' in noop ? null : round(child.eventsPerSecond / noop.recordsPerSecond, 4),
      steadyOverNoop:
        'error' in child || 'error' in noop || child.steadyEventsPerSecond === null
          ? null
          : round(child.steadyEventsPerSecond / noop.steadyRecordsPerSecond, 4),
      overInMemory: 'error' in child ? null : round(child.eventsPerSecond / inMemory.eventsPerSecond, 4),
    };
  }
  return results;
}

async function preload(
  kafka: KafkaClient,
  registry: SchemaRegistry,
  workspace: Workspace,
  label: string,
  events: readonly BenchEvent[],
): Promise<void> {
  progress(`phase 4 (${label}): pre-loading ${num(events.length)} events`);
  const producer = await kafka.producer();
  try {
    for (let i = 0; i < events.length; i += 10_000) {
      const batch: OutgoingRecord[] = events.slice(i, i + 10_000).map((e) => ({
        topic: workspace.topic(e.topic),
        key: e.key,
        value: registry.codec(e.type).encode(e.value as never),
        // Event time as the Kafka timestamp, as a producer would (recent: retention deletes by it).
        timestamp: e.ts,
      }));
      await producer.send(batch);
    }
  } finally {
    await producer.close();
  }
}

async function runChild(
  settings: ProcessorsBenchSettings,
  workspace: Workspace,
  names: readonly ProcessorName[],
  events: readonly BenchEvent[],
  label: string,
): Promise<ChildRun> {
  const profileDir = settings.profileDir === undefined ? undefined : path.join(settings.profileDir, label);
  const processors = await createProcessors(names);
  const preloaded = new Set(events.map((e) => e.topic));
  const internal = new Set<string>(TOPICS.filter((t) => 'internal' in t && t.internal).map((t) => t.name));
  const stackCpu = (): { kafka: number | null; questdb: number | null } => ({
    kafka: settings.stack.kafka === undefined ? null : cpuSeconds(settings.stack.kafka),
    questdb: settings.stack.questdb === undefined ? null : cpuSeconds(settings.stack.questdb),
  });
  const stackBefore = stackCpu();
  const child = startPipelineProcess(
    ['--processors', names.join(',')],
    workspace.prefix,
    profileFlags(profileDir),
  );
  settings.releasers.add(`stop \`run --processors ${names.join(',')}\``, async () => {
    await child.stop(10_000);
  });
  const deadline = child.spawnedAt + settings.timeoutMs;
  const stages: { processor: string; topic: string; atMs: number }[] = [];
  let firstCommitMs: number | null = null;
  let firstCommitted = 0;
  // Stage by stage: an internal topic's end is known once the stages before it have caught up.
  for (const processor of processors) {
    for (const input of processor.inputs) {
      // The pre-loaded inputs, and the internal topics the chain writes; not e.g. the heartbeats the
      // child itself produces, which freshness also reads.
      if (!preloaded.has(input.topic) && !internal.has(input.topic)) continue;
      const topic = workspace.topic(input.topic);
      // An internal topic is written in transactions only, so its last offset is a commit marker,
      // which a consumer group's committed offset never passes.
      const marker = preloaded.has(input.topic) ? 0n : 1n;
      const ends = (await settings.admin.offsets(topic)).map((p) => ({
        ...p,
        high: (BigInt(p.high) > BigInt(p.low) ? BigInt(p.high) - marker : BigInt(p.high)).toString(),
      }));
      const group = processorGroup(processor.name, workspace.prefix);
      for (;;) {
        const at = await Promise.race([groupProgress(settings.admin, group, topic, ends), child.died]);
        if (firstCommitMs === null && at.committed > 0) {
          firstCommitMs = Math.round(performance.now() - child.spawnedAt);
          firstCommitted = at.committed;
        }
        if (at.caughtUp) break;
        if (performance.now() > deadline) {
          throw new Error(
            `${processor.name} committed ${num(at.committed)} of ${num(at.total)} records of ${topic} in ${settings.timeoutMs / 1000} s (--timeout)`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      stages.push({
        processor: processor.name,
        topic: input.topic,
        atMs: Math.round(performance.now() - child.spawnedAt),
      });
    }
  }
  const ms = performance.now() - child.spawnedAt;
  const stackAfter = stackCpu();
  const exit = await child.stop();
  const delta = (a: number | null, b: number | null): number | null =>
    a === null || b === null ? null : round(b - a, 2);
  return {
    ms: Math.round(ms),
    eventsPerSecond: Math.round(events.length / (ms / 1000)),
    firstCommitMs,
    steadyEventsPerSecond:
      firstCommitMs === null || ms <= firstCommitMs
        ? null
        : Math.round(((events.length - firstCommitted) / (ms - firstCommitMs)) * 1000),
    stages,
    exit,
    cpuSeconds: {
      child: exit.cpuSeconds,
      kafka: delta(stackBefore.kafka, stackAfter.kafka),
      questdb: delta(stackBefore.questdb, stackAfter.questdb),
    },
    ...(profileDir ? { profile: await summarizeProfile(profileDir) } : {}),
  };
}
