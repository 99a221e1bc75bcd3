/**
 * The heartbeat of a long-running tradewatch process (`run`, `notify`, `schedule run`): a
 * `tradewatch_heartbeat` point (value: seconds since start) keyed by its source id to the `heartbeats`
 * topic every TW_HEARTBEAT_INTERVAL_MS, so that another instance's freshness processor, `tradewatch
 * status` or an outside check sees it stop. Labels: `instance` (the source id: the instance id for
 * `run`, `<kind>/<instance id>` for the others, so that a `run` and a `notify` on one host are two
 * sources) and `kind`. A failed beat is logged and the next one tried. A graceful stop (SIGINT,
 * SIGTERM) ends with a last point labelled `retired="true"`: the freshness processor then stops
 * watching the instance instead of calling it stopped; a crash or a hang sends none, and still alerts.
 */
import { RETIRED_LABEL } from '../processors/freshness/index.ts';
import { KIND_LABEL } from '../runtime/status/index.ts';
import { physicalName } from '../topics/index.ts';
import type { CliContext } from './context.ts';

export type HeartbeatKind = 'run' | 'notify' | 'schedule';

/** The heartbeat source id of an instance of `kind`. */
export const heartbeatSource = (kind: HeartbeatKind, instance: string): string =>
  kind === 'run' ? instance : `${kind}/${instance}`;

/** Starts beating; the context's clean-up stops it (with a retirement on a graceful stop). */
export async function startHeartbeat(
  ctx: CliContext,
  options: { readonly kind: HeartbeatKind; readonly instance: string; readonly topicPrefix: string },
): Promise<void> {
  const registry = await ctx.registry();
  const producer = await ctx.kafka().producer();
  const topic = physicalName('heartbeats', options.topicPrefix);
  const source = heartbeatSource(options.kind, options.instance);
  const started = Date.now();
  let beating: Promise<void> = Promise.resolve();
  const point = (now: number, retired: boolean) =>
    registry.codec('Metric').encode({
      name: 'tradewatch_heartbeat',
      labels: {
        instance: source,
        [KIND_LABEL]: options.kind,
        ...(retired ? { [RETIRED_LABEL]: 'true' } : {}),
      },
      value: Math.round((now - started) / 1000),
      ts: now,
    });
  const beat = () => {
    const now = Date.now();
    const value = point(now, false);
    beating = producer
      .send([{ topic, key: source, value, timestamp: now }])
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
        .send([{ topic, key: source, value: point(now, true), timestamp: now }])
        .then(() =>
          ctx.logger.info({ instance: source, topic }, 'instance retired: its heartbeat stops on purpose'),
        )
        .catch((error: unknown) => ctx.logger.warn({ err: error, topic }, 'could not send the retirement'));
    }
    await producer.close();
  });
}
