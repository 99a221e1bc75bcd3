/**
 * Starts processors as the `run` command and the demo do: one runner and one QuestDB sink per
 * processor, all released through the context (runners first, then sinks) when the command ends.
 */
import { ProcessorRunner } from '../runtime/processor/index.ts';
import { createProcessors, type ProcessorName, type ProcessorSettings } from '../processors/index.ts';
import { claimInstanceId } from '../runtime/instance-id.ts';
import { QuestDbSink } from '../sinks/questdb/index.ts';
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

export async function startPipeline(
  ctx: CliContext,
  settings: PipelineSettings,
): Promise<RunningProcessor[]> {
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
  const running: RunningProcessor[] = [];
  for (const processor of processors) {
    // One sink per runner: each flushes exactly the rows of the batch it is about to commit.
    const sink = await QuestDbSink.create({
      httpUrl: ctx.config.questdb.httpUrl,
      logger: ctx.logger,
      namespace: settings.namespace ?? ctx.config.namespace,
    });
    ctx.onClose(() => sink.close());
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
    });
    ctx.onClose(() => runner.close());
    running.push({ runner, sink });
  }
  if (settings.heartbeat !== false) {
    await startHeartbeat(ctx, { kind: 'run', instance: instanceId, topicPrefix: prefix });
  }
  return running;
}
