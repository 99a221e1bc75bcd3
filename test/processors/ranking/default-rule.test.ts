/** The shipped precision@K rule: 7-day precision@5 below 0.2 → warning, resolved at 0.25. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_RULES_FILE, createRulesProcessor, loadRules } from '../../../processors/rules/index.ts';
import type { Metric } from '../../../schemas/index.ts';
import { seriesKey } from '../../../topics/index.ts';
import { VirtualRunner } from '../../../runtime/processor/index.ts';
import { DAY, T0 } from './fixtures.ts';

describe('the default precision@K rule', () => {
  it('warns when precision_at_k_7d for K=5 drops below 0.2 and resolves at 0.25', async () => {
    const rules = await loadRules(DEFAULT_RULES_FILE);
    const rule = rules.rules.find((r) => r.name === 'ranking_precision_at_5_low');
    expect(rule).toMatchObject({
      input: { kind: 'metric', metric: 'precision_at_k_7d' },
      op: '<',
      threshold: 0.2,
      clear: 0.25,
      severity: 'warning',
    });
    const h = new VirtualRunner(createRulesProcessor(rules));
    const point = (k: string, value: number, day: number): Metric => ({
      name: 'precision_at_k_7d',
      labels: { strategy: 'momentum', env: 'prod', k },
      value,
      ts: T0 + day * DAY,
    });
    const feed = (m: Metric) => h.feed('metrics', m, { key: seriesKey(m.name, m.labels) }).outputs;
    const alerts = (outputs: ReturnType<typeof feed>) =>
      outputs.flatMap((o) => (o.kind === 'alert' ? [[o.alert.status, o.alert.summary]] : []));
    // K=1 is not watched.
    expect(alerts(feed(point('1', 0.05, 0)))).toEqual([]);
    expect(alerts(feed(point('5', 0.2, 0)))).toEqual([]);
    expect(alerts(feed(point('5', 0.15, 1)))).toEqual([
      ['firing', 'momentum (prod): 7-day precision@5 is 15.00% (floor 20.00%)'],
    ]);
    // 0.22 is above the threshold but below the clear level: still firing.
    expect(alerts(feed(point('5', 0.22, 2)))).toEqual([]);
    expect(alerts(feed(point('5', 0.25, 3))).map(([status]) => status)).toEqual(['resolved']);
  });
});
