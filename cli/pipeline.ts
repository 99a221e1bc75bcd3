/**
 * Starts processors as the `run` command and the demo do: one runner and one QuestDB sink per
 * processor, all released through the context (runners first, then sinks) when the command ends.
 */
import { ProcessorRunner } from '../runtime/processor/index.ts';
import { createProcessors, type ProcessorName } from '../processors/index.ts';
import { QuestDbSink } from '../sinks/questdb/index.ts';
import type { CliContext } from './context.ts';

export interface PipelineSettings {
  readonly processors: readonly ProcessorName[];
  readonly rulesFile?: string;
  readonly instanceId?: string;
  /** Overrides TOPIC_PREFIX (the demo runs under its own prefix). */
  readonly topicPrefix?: string;
}

export interface RunningProcessor {
  readonly runner: ProcessorRunner<unknown, unknown>;
  readonly sink: QuestDbSink;
}

export async function startPipeline(
  ctx: CliContext,
  settings: PipelineSettings,
): Promise<RunningProcessor[]> {
  const processors = await createProcessors(
    settings.processors,
    settings.rulesFile ? { rulesFile: settings.rulesFile } : {},
  );
  const registry = await ctx.registry();
  const running: RunningProcessor[] = [];
  for (const processor of processors) {
    // One sink per runner: each flushes exactly the rows of the batch it is about to commit.
    const sink = await QuestDbSink.create({ httpUrl: ctx.config.questdb.httpUrl, logger: ctx.logger });
    ctx.onClose(() => sink.close());
    const runner = await ProcessorRunner.start({
      processor,
      kafka: ctx.kafka(),
      registry,
      sink,
      logger: ctx.logger,
      topicPrefix: settings.topicPrefix ?? ctx.config.kafka.topicPrefix,
      sessionTimeoutMs: ctx.config.kafka.sessionTimeoutMs,
      ...(settings.instanceId ? { instanceId: settings.instanceId } : {}),
    });
    ctx.onClose(() => runner.close());
    running.push({ runner, sink });
  }
  return running;
}
