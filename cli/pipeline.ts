/**
 * Starts processors as the `run` command and the demo do: one runner and one QuestDB sink per
 * processor, one more sink shared by their progress reports (TW_PROGRESS_INTERVAL_MS), and the
 * dead-letter recorder when `dead-letters` is among them; all released through the context (runners
 * first, then sinks) when the command ends. The runners start concurrently.
 */
import { ProcessorRunner } from '../runtime/processor/index.ts';
import { DeadLetterRecorder } from '../runtime/dlq/index.ts';
import {
  DEAD_LETTERS,
  createProcessors,
  type ProcessorName,
  type ProcessorSettings,
} from '../processors/index.ts';
import { claimInstanceId } from '../runtime/instance-id.ts';
import { QuestDbSink, type QuestDbSinkOptions } from '../sinks/questdb/index.ts';
import type { CliContext } from './context.ts';
import type { Namespace } from '../core/namespace.ts';
import { startHeartbeat } from './heartbeat.ts';

export interface PipelineSettings extends ProcessorSettings {
  readonly processors: readonly ProcessorName[];
  readonly instanceId?: string;
  /** Produce the instance's heartbeat to `heartbeats` (default true). */
  readonly heartbeat?: boolean;
  /** Overrides TOPIC_PREFIX (the demo runs under its own prefix). */
  readonly topicPrefix?: string;
  /** Overrides the configured namespace (the demo writes its own QuestDB tables). */
  readonly namespace?: Namespace;
}

export interface RunningProcessor {
  readonly runner: ProcessorRunner<unknown, unknown>;
  readonly sink: QuestDbSink;
}

/** The processors' runners, in the order named (without `dead-letters`), and what ends the pipeline. */
export type RunningPipeline = RunningProcessor[] & {
  /** Rejects when a runner or the dead-letter recorder can no longer make progress. */
  readonly failed: Promise<never>;
};

export async function startPipeline(ctx: CliContext, settings: PipelineSettings): Promise<RunningPipeline> {
  const processors = await createProcessors(settings.processors, {
    heartbeatIntervalMs: ctx.config.heartbeatIntervalMs,
    ...settings,
  });
  const registry = await ctx.registry();
  const prefix = settings.topicPrefix ?? ctx.config.kafka.topicPrefix;
  // Stable across restarts on this host (runtime/instance-id.ts), unless given.
  let instanceId = settings.instanceId;
  if (instanceId === undefined) {
    const claimed = claimInstanceId('run', prefix);
    ctx.onClose(() => Promise.resolve(claimed.release()));
    instanceId = claimed.id;
  }
  const namespace = settings.namespace ?? ctx.config.namespace;
  const sinkFor = async (options: Pick<QuestDbSinkOptions, 'encodeIn' | 'ensureTables'>) => {
    const sink = await QuestDbSink.create({
      httpUrl: ctx.config.questdb.httpUrl,
      logger: ctx.logger,
      namespace,
      ...options,
    });
    ctx.onClose(() => sink.close());
    return sink;
  };
  const withRecorder = settings.processors.includes(DEAD_LETTERS);
  const sinkCount = processors.length + (withRecorder ? 1 : 0);
  // The tables are created and checked once, by the first sink; the others (one per runner: each
  // flushes exactly the rows of the batch it is about to commit) are then created at once, and the
  // runners started at once: one after another, they took most of a full `run`'s start-up.
  const first = sinkCount > 0 ? await sinkFor({}) : undefined;
  const later = await settleAll(
    Array.from({ length: Math.max(0, sinkCount - 1) }, () => sinkFor({ ensureTables: false })),
  );
  const sinks = first ? [first, ...later] : later;
  // The progress reports' own sink: their writes never share a flush with a batch's rows. A few rows
  // per interval: encoded on the main thread, without a worker of its own.
  const progress =
    ctx.config.progressIntervalMs > 0 && processors.length > 0
      ? {
          sink: await sinkFor({ encodeIn: 'thread', ensureTables: false }),
          intervalMs: ctx.config.progressIntervalMs,
        }
      : null;
  const failures: Promise<never>[] = [];
  const running = await settleAll(
    processors.map(async (processor, i): Promise<RunningProcessor> => {
      const sink = sinks[i]!;
      const runner = await ProcessorRunner.start({
        processor,
        kafka: ctx.kafka(),
        registry,
        sink,
        logger: ctx.logger,
        topicPrefix: prefix,
        sessionTimeoutMs: ctx.config.kafka.sessionTimeoutMs,
        timerTickMs: ctx.config.timerTickMs,
        commitIntervalMs: ctx.config.commitIntervalMs,
        instanceId,
        progress,
      });
      ctx.onClose(() => runner.close());
      failures.push(runner.failed);
      return { runner, sink };
    }),
  );
  if (withRecorder) {
    const recorder = await DeadLetterRecorder.start({
      kafka: ctx.kafka(),
      sink: sinks[processors.length]!,
      logger: ctx.logger,
      topicPrefix: prefix,
      sessionTimeoutMs: ctx.config.kafka.sessionTimeoutMs,
    });
    ctx.onClose(() => recorder.close());
    failures.push(recorder.failed);
  }
  if (settings.heartbeat !== false) {
    await startHeartbeat(ctx, { kind: 'run', instance: instanceId, topicPrefix: prefix });
  }
  const failed = Promise.race(failures);
  failed.catch(() => undefined);
  return Object.assign(running, { failed });
}

/**
 * Awaits every promise, then throws the first failure (in the order given) if any failed: what the
 * others started has registered its release on the context by then, so that nothing is left running.
 */
async function settleAll<T>(promises: readonly Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  const failure = settled.find((s) => s.status === 'rejected');
  if (failure) throw failure.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}
