/**
 * Starts processors as the `run` command and the demo do: one runner and one QuestDB sink per
 * processor, all released through the context (runners first, then sinks) when the command ends.
 */
import { hostname } from 'node:os';
import { ProcessorRunner } from '../runtime/processor/index.ts';
import { createProcessors, type ProcessorName, type ProcessorSettings } from '../processors/index.ts';
import { physicalName } from '../topics/index.ts';
import { QuestDbSink } from '../sinks/questdb/index.ts';
import type { CliContext } from './context.ts';

export interface PipelineSettings extends ProcessorSettings {
  readonly processors: readonly ProcessorName[];
  readonly instanceId?: string;
  /** Produce the instance's heartbeat to `heartbeats` (default true). */
  readonly heartbeat?: boolean;
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
  const processors = await createProcessors(settings.processors, {
    heartbeatIntervalMs: ctx.config.heartbeatIntervalMs,
    ...settings,
  });
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
      timerTickMs: ctx.config.timerTickMs,
      ...(settings.instanceId ? { instanceId: settings.instanceId } : {}),
    });
    ctx.onClose(() => runner.close());
    running.push({ runner, sink });
  }
  if (settings.heartbeat !== false) {
    await startHeartbeat(ctx, settings.instanceId ?? `${hostname()}-${process.pid}`, settings.topicPrefix);
  }
  return running;
}

/**
 * Produces a `tradewatch_heartbeat` point (value: seconds since start) keyed by the instance id to the
 * `heartbeats` topic every TW_HEARTBEAT_INTERVAL_MS, so that another instance's freshness processor or
 * an outside check sees this one stop. A failed beat is logged and the next one tried.
 */
async function startHeartbeat(ctx: CliContext, instance: string, prefix?: string): Promise<void> {
  const registry = await ctx.registry();
  const producer = await ctx.kafka().producer();
  const topic = physicalName('heartbeats', prefix ?? ctx.config.kafka.topicPrefix);
  const started = Date.now();
  let beating: Promise<void> = Promise.resolve();
  const beat = () => {
    const now = Date.now();
    const value = registry.codec('Metric').encode({
      name: 'tradewatch_heartbeat',
      labels: { instance },
      value: Math.round((now - started) / 1000),
      ts: now,
    });
    beating = producer
      .send([{ topic, key: instance, value, timestamp: now }])
      .then(() => undefined)
      .catch((error: unknown) => ctx.logger.warn({ err: error, topic }, 'could not send the heartbeat'));
  };
  beat();
  const timer = setInterval(beat, ctx.config.heartbeatIntervalMs);
  timer.unref();
  ctx.onClose(async () => {
    clearInterval(timer);
    await beating;
    await producer.close();
  });
}
