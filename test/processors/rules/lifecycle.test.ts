/**
 * The lifecycle of a rule on a series: inactive → pending (`for`, `consecutive`) → firing → resolved
 * (`clear`, `clear_expr`, `keep_firing_for`), through the processor harness (state through JSON after
 * every point, as the changelog).
 */
import { describe, expect, it } from 'vitest';
import { createRulesProcessor, parseRules, type RulesState } from '../../../processors/rules/index.ts';
import type { Alert, Metric } from '../../../schemas/index.ts';
import { seriesKey } from '../../../topics/catalogue.ts';
import { VirtualRunner } from '../../../runtime/processor/index.ts';
import { MINUTE, T0, oneRule } from './harness.ts';

/** A firing entry's stored alert (its content is checked in rules-processor.test.ts). */
const OPEN: unknown = expect.objectContaining({ fingerprint: expect.any(String) as unknown });

const KEY = 'drawdown_1h{env=prod,portfolio=alpha}';

function run(yaml: string) {
  const h = new VirtualRunner(createRulesProcessor(parseRules(yaml, 'rules.yaml')));
  const feed = (value: number, minutes: number, labels: Record<string, string> = {}) => {
    const metric: Metric = {
      name: 'drawdown_1h',
      labels: { env: 'prod', portfolio: 'alpha', ...labels },
      value,
      ts: T0 + minutes * MINUTE,
    };
    const fed = h.feed('metrics', metric, { key: seriesKey(metric.name, metric.labels) });
    expect(fed.rejected).toBeNull();
  };
  return {
    h,
    /** Points one a minute from `from` minutes. */
    series: (values: readonly number[], from = 0) => values.forEach((v, i) => feed(v, from + i)),
    feed,
    alerts: (): Alert[] => h.outputs.flatMap((o) => (o.kind === 'alert' ? [o.alert] : [])),
    state: (): RulesState | undefined => h.state('metrics', KEY),
  };
}

const transitions = (alerts: Alert[]) =>
  alerts.map((a) => [a.status, (a.starts_at - T0) / MINUTE, (a.ts - T0) / MINUTE, a.value]);

describe('rules: for', () => {
  it('fires once the condition has held on every point for the duration, starting at the first', () => {
    const r = run(oneRule('clear: 0.04\nfor: 5m'));
    // Over 0.05 at minutes 1-4 (4 minutes: pending), 0.03 at 5 (inactive again), over from 6:
    // 6 → 11 spans 5 minutes: fires at 11 with starts_at 6. Resolves at 13 (0.035 is not > 0.04).
    r.series([0.01, 0.06, 0.07, 0.08, 0.09, 0.03, 0.06, 0.06, 0.06, 0.06, 0.06, 0.07, 0.045, 0.035]);
    expect(transitions(r.alerts())).toEqual([
      ['firing', 6, 11, 0.07],
      ['resolved', 6, 13, 0.035],
    ]);
  });

  it('is pending in the state only: streak and streak_start, no alert', () => {
    const r = run(oneRule('for: 10m'));
    r.series([0.06, 0.07, 0.08]);
    expect(r.alerts()).toEqual([]);
    expect(r.state()).toEqual({
      dd: { firing: false, starts_at: null, last_ts: T0 + 2 * MINUTE, streak: 3, streak_start: T0 },
    });
  });

  it('counts event time, not points: sparse points fire as soon as the run spans the duration', () => {
    const r = run(oneRule('for: 5m'));
    r.feed(0.06, 0);
    r.feed(0.06, 30); // 30 - 0 ≥ 5: fires at once, starting at 0
    expect(transitions(r.alerts())).toEqual([['firing', 0, 30, 0.06]]);
  });

  it('with consecutive, both must be met: N points in a row AND the duration', () => {
    // for 5m, consecutive 3. A: one point a minute, fires at 5 (6 points, 5 minutes).
    const a = run(oneRule('for: 5m\nconsecutive: 3'));
    a.series([0.06, 0.06, 0.06, 0.06, 0.06, 0.06]);
    expect(transitions(a.alerts())).toEqual([['firing', 0, 5, 0.06]]);
    // B: one point every 10 minutes: the duration is met at the 2nd, the 3rd point fires (at 20).
    const b = run(oneRule('for: 5m\nconsecutive: 3'));
    b.feed(0.06, 0);
    b.feed(0.06, 10);
    expect(b.alerts()).toEqual([]);
    b.feed(0.06, 20);
    expect(transitions(b.alerts())).toEqual([['firing', 0, 20, 0.06]]);
  });
});

describe('rules: keep_firing_for', () => {
  it('resolves once the resolving side has held for the duration; a bad point starts it again', () => {
    const r = run(oneRule('clear: 0.04\nkeep_firing_for: 3m'));
    // Fires at 0. Under the clear level (≤ 0.04) at 1, 2 (2 minutes), over it at 3 (count reset),
    // under from 4: 4 → 7 is 3 minutes: resolves at 7 with the value of that point.
    r.series([0.06, 0.03, 0.02, 0.045, 0.03, 0.03, 0.03, 0.01, 0.01]);
    expect(transitions(r.alerts())).toEqual([
      ['firing', 0, 0, 0.06],
      ['resolved', 0, 7, 0.01],
    ]);
    expect(r.alerts()[1]?.ends_at).toBe(T0 + 7 * MINUTE);
  });

  it('keeps clear_since in the state while it counts, and drops it on a bad point', () => {
    const r = run(oneRule('keep_firing_for: 10m'));
    r.series([0.06, 0.01, 0.02]);
    expect(r.state()).toEqual({
      dd: {
        firing: true,
        starts_at: T0,
        last_ts: T0 + 2 * MINUTE,
        clear_since: T0 + MINUTE,
        open: OPEN,
      },
    });
    r.feed(0.07, 3);
    expect(r.state()).toEqual({
      dd: {
        firing: true,
        starts_at: T0,
        last_ts: T0 + 3 * MINUTE,
        open: OPEN,
      },
    });
  });

  it('works with for: pending, firing, kept firing, resolved', () => {
    const r = run(oneRule('for: 2m\nkeep_firing_for: 2m'));
    // Over at 0, 1, 2 (fires at 2, starting at 0); under at 3, 4, 5: resolves at 5 (5 - 3 = 2).
    r.series([0.06, 0.06, 0.06, 0.01, 0.01, 0.01, 0.01]);
    expect(transitions(r.alerts())).toEqual([
      ['firing', 0, 2, 0.06],
      ['resolved', 0, 5, 0.01],
    ]);
  });
});

describe('rules: flapping', () => {
  // 50 points oscillating around the threshold 0.05: 0.045, 0.055, 0.045, ... (25 crossings up).
  const flapping = Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? 0.045 : 0.055));

  it('without hysteresis, a value oscillating around the threshold fires on every crossing', () => {
    const r = run(oneRule(''));
    r.series(flapping);
    // 25 points over 0.05 (the odd ones), each after one under it: 25 firing and 24 resolved.
    expect(r.alerts().filter((a) => a.status === 'firing')).toHaveLength(25);
  });

  it('with clear, 50 oscillating points and a final drop give exactly one firing and one resolved', () => {
    const r = run(oneRule('clear: 0.04'));
    r.series([...flapping, 0.03]);
    // Fires at minute 1 (0.055); 0.045 stays above the clear level 0.04; 0.03 at 50 resolves.
    expect(transitions(r.alerts())).toEqual([
      ['firing', 1, 1, 0.055],
      ['resolved', 1, 50, 0.03],
    ]);
  });

  it('with an expr rule and keep_firing_for, a value dipping under the threshold for 1 minute at a time is one alert', () => {
    const r = run(`rules:
  - name: dd
    metric: drawdown_1h
    expr: value > 0.05
    keep_firing_for: 2m
    severity: critical
    summary: x`);
    // Each dip lasts one point (under 2 minutes): never resolves until the final run of 3 points.
    r.series([...flapping, 0.01, 0.01, 0.01]);
    expect(transitions(r.alerts())).toEqual([
      ['firing', 1, 1, 0.055],
      ['resolved', 1, 52, 0.01],
    ]);
  });
});

describe('rules: clear_expr', () => {
  const rule = (clearExpr: string) => `rules:
  - name: dd
    metric: drawdown_1h
    expr: value > 0.05
    clear_expr: '${clearExpr}'
    severity: critical
    summary: '{{value}}'`;

  it('resolves only where clear_expr holds: hysteresis in the expression form', () => {
    const r = run(rule('value < 0.04'));
    // Fires at 0 (0.06); 0.045 and 0.04 are neither over 0.05 nor under 0.04: firing; 0.039 resolves.
    r.series([0.06, 0.045, 0.04, 0.039, 0.045, 0.051]);
    expect(transitions(r.alerts())).toEqual([
      ['firing', 0, 0, 0.06],
      ['resolved', 0, 3, 0.039],
      ['firing', 5, 5, 0.051],
    ]);
    expect(r.alerts()[0]?.threshold).toBeNull();
  });

  it('lets the firing condition win over a contradictory clear_expr (no resolve-and-fire-again)', () => {
    const r = run(rule('value < 0.1'));
    // 0.06 is both over 0.05 and under 0.1: still firing. 0.02 resolves.
    r.series([0.06, 0.06, 0.07, 0.02]);
    expect(transitions(r.alerts())).toEqual([
      ['firing', 0, 0, 0.06],
      ['resolved', 0, 3, 0.02],
    ]);
  });
});
