/**
 * Starts processors as the `run` command and the demo do: one runner and one QuestDB sink per
 * processor, all released through the context (runners first, then sinks) when the command ends.
 */
import { ProcessorRunner } from '../runtime/processor/index.ts';
import { createProcessors, type ProcessorName, type ProcessorSettings } from '../processors/index.ts';
import { RETIRED_LABEL } from '../processors/freshness/index.ts';
import { claimInstanceId } from '../runtime/instance-id.ts';
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
    const sink = await QuestDbSink.create({ httpUrl: ctx.config.questdb.httpUrl, logger: ctx.logger });
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
    await startHeartbeat(ctx, instanceId, prefix);
  }
  return running;
}

/**
 * Produces a `tradewatch_heartbeat` point (value: seconds since start) keyed by the instance id to the
 * `heartbeats` topic every TW_HEARTBEAT_INTERVAL_MS, so that another instance's freshness processor or
 * an outside check sees this one stop. A failed beat is logged and the next one tried. A graceful stop
 * (SIGINT, SIGTERM) ends with a last point labelled `retired="true"`: the freshness processor then stops
 * watching the instance instead of calling it stopped; a crash or a hang sends none, and still alerts.
 */
async function startHeartbeat(ctx: CliContext, instance: string, prefix: string): Promise<void> {
  const registry = await ctx.registry();
  const producer = await ctx.kafka().producer();
  const topic = physicalName('heartbeats', prefix);
  const started = Date.now();
  let beating: Promise<void> = Promise.resolve();
  const point = (now: number, retired: boolean) =>
    registry.codec('Metric').encode({
      name: 'tradewatch_heartbeat',
      labels: retired ? { instance, [RETIRED_LABEL]: 'true' } : { instance },
      value: Math.round((now - started) / 1000),
      ts: now,
    });
  const beat = () => {
    const now = Date.now();
    const value = point(now, false);
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
    if (ctx.signal.aborted) {
      const now = Date.now();
      await producer
        .send([{ topic, key: instance, value: point(now, true), timestamp: now }])
        .then(() => ctx.logger.info({ instance, topic }, 'instance retired: its heartbeat stops on purpose'))
        .catch((error: unknown) => ctx.logger.warn({ err: error, topic }, 'could not send the retirement'));
    }
    await producer.close();
  });
}
