/**
 * The freshness processor's points through the shipped rules (processors/rules/default-rules.yaml), in
 * memory: one alert per silence episode and one resolve, at the severity each kind of source deserves.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.ts';
import type { Output } from '../../../processors/contract.ts';
import {
  createFreshnessProcessor,
  type FreshnessRecord,
  type FreshnessState,
} from '../../../processors/freshness/index.ts';
import { DEFAULT_RULES_FILE, createRulesProcessor, loadRules } from '../../../processors/rules/index.ts';
import type { Alert } from '../../../schemas/index.ts';
import { seriesKey } from '../../../topics/catalogue.ts';
import { VirtualRunner } from '../../../runtime/processor/index.ts';
import { BASE_YAML, MINUTE, SECOND, T0, cycle, heartbeat, ingestRun, options, signal } from './helpers.ts';

const rules = createRulesProcessor(await loadRules(DEFAULT_RULES_FILE));

/** Feeds the metric points of `outputs` to the rules; returns the alerts, as `rule severity status labels`. */
function alertsOf(outputs: readonly Output[]): string[] {
  const h = new VirtualRunner(rules);
  for (const o of outputs) {
    if (o.kind === 'metric') h.feed('metrics', o.metric, { key: seriesKey(o.metric.name, o.metric.labels) });
  }
  return h.outputs.flatMap((o) => (o.kind === 'alert' ? [line(o.alert)] : []));
}

function line(a: Alert): string {
  const labels = Object.entries(a.labels).map(([k, v]) => `${k}=${v}`);
  return `${a.rule} ${a.severity} ${a.status} ${a.env} ${labels.join(',')}`;
}

const freshness = () =>
  new VirtualRunner<FreshnessRecord, FreshnessState>(createFreshnessProcessor(options(BASE_YAML)), {
    clock: new ManualClock(T0),
  });

describe('freshness points through the default rules', () => {
  it('raises one alert per silence and one resolve, an error for heartbeats and cycles, a warning otherwise', () => {
    const h = freshness();
    h.feed('heartbeats', heartbeat('host-1', T0), { key: 'host-1' });
    h.feed('inference.cycles', cycle('momentum', T0), { key: 'momentum' });
    h.feed('ingest.runs', ingestRun('coinmetrics', T0), { key: 'coinmetrics' });
    h.feed('signals', signal('BTC-USD', T0), { key: 'BTC-USD' });
    // Everything silent for 2 min, with ticks every second: each goes stale once.
    for (let t = T0; t <= T0 + 2 * MINUTE; t += SECOND) h.advanceTo(t);
    h.clock.set(T0 + 3 * MINUTE);
    h.feed('heartbeats', heartbeat('host-1', h.clock.now()), { key: 'host-1' });
    h.feed('inference.cycles', cycle('momentum', h.clock.now()), { key: 'momentum' });
    h.feed('ingest.runs', ingestRun('coinmetrics', h.clock.now()), { key: 'coinmetrics' });
    h.feed('signals', signal('BTC-USD', h.clock.now()), { key: 'BTC-USD' });
    expect(alertsOf(h.outputs).sort()).toEqual(
      [
        // The heartbeat was forgotten after 1 min (forget_after), which resolved it.
        'tradewatch_heartbeat_missing error firing prod source=host-1,topic=heartbeats',
        'tradewatch_heartbeat_missing error resolved prod source=host-1,topic=heartbeats',
        'inference_cycles_stale error firing prod source=momentum,topic=inference.cycles',
        'inference_cycles_stale error resolved prod source=momentum,topic=inference.cycles',
        'source_stale warning firing prod source=coinmetrics,topic=ingest.runs',
        'source_stale warning resolved prod source=coinmetrics,topic=ingest.runs',
        'source_stale warning firing staging source=BTC-USD,topic=signals',
        'source_stale warning resolved staging source=BTC-USD,topic=signals',
      ].sort(),
    );
  });

  it('alerts on three failed ingest runs in a row, two failed cycles in a row and stale weights, and resolves each', () => {
    const h = freshness();
    const at = (i: number) => T0 + i * SECOND;
    for (const [i, status] of (['failure', 'failure', 'failure', 'success'] as const).entries()) {
      h.clock.set(at(i));
      h.feed('ingest.runs', ingestRun('x', at(i), status), { key: 'x' });
      h.feed('inference.cycles', cycle('m', at(i), i < 2 ? 'failure' : 'success'), { key: 'm' });
      // Weights 2 days old (the topic allows 1 d) until the last cycle.
      h.feed(
        'inference.cycles',
        cycle('w', at(i), 'success', {
          as_of: at(i),
          weights_updated_at: at(i) - (i < 3 ? 2 : 0.5) * 86_400_000,
        }),
        { key: 'w' },
      );
    }
    expect(alertsOf(h.outputs).sort()).toEqual(
      [
        'ingest_failing error firing prod ingest=x',
        'ingest_failing error resolved prod ingest=x',
        'inference_cycle_failing error firing prod strategy=m',
        'inference_cycle_failing error resolved prod strategy=m',
        'model_weights_stale warning firing prod strategy=w',
        'model_weights_stale warning resolved prod strategy=w',
      ].sort(),
    );
  });
});
