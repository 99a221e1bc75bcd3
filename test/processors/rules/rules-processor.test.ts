import { describe, expect, it } from 'vitest';
import type { Alert } from '../../../schemas/index.ts';
import { seriesKey } from '../../../topics/catalogue.ts';
import { ManualClock } from '../../../core/clock.ts';
import { silentLogger } from '../../../core/logger.ts';
import { inMemorySource, type Output } from '../../../processors/contract.ts';
import {
  DEFAULT_RULES_FILE,
  loadRules,
  createRulesProcessor,
  parseRules,
  type RulesState,
} from '../../../processors/rules/index.ts';
import { readFile } from 'node:fs/promises';
import { checkRow, prepareTable } from '../../../sinks/questdb/row-check.ts';
import { TABLES } from '../../../sinks/questdb/tables.ts';
import { MINUTE, T0, harness, oneRule, point, series } from './harness.ts';

/** A firing entry's stored alert (its content is checked in rules-processor.test.ts). */
const OPEN: unknown = expect.objectContaining({ fingerprint: expect.any(String) as unknown });

const statuses = (alerts: Alert[]) => alerts.map((a) => a.status);

describe('rules processor', () => {
  it('is named rules, reads metrics, and keys state by the series key of the metrics topic', async () => {
    const processor = createRulesProcessor(await loadRules(DEFAULT_RULES_FILE));
    expect(processor.name).toBe('rules');
    expect(processor.inputs).toEqual([{ topic: 'metrics', type: 'Metric', primary: true }]);
    const metric = point(0.01, 0, { strategy: 'momentum' });
    const source = inMemorySource(processor.inputs[0]!);
    expect(processor.key(metric, source)).toBe(seriesKey(metric.name, metric.labels));
    expect(processor.key(metric, source)).toBe('drawdown_1h{env=prod,portfolio=alpha,strategy=momentum}');
  });

  it('emits one firing alert and one resolved alert across many points, with a row each', () => {
    const h = harness(oneRule());
    h.pushAll(series([0.01, 0.03, 0.062, 0.07, 0.08, 0.09, 0.06, 0.05, 0.045, 0.041, 0.03, 0.02, 0.01]));
    const [firing, resolved] = h.alerts();
    expect(h.alerts()).toHaveLength(2);
    expect(firing).toEqual({
      fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/) as unknown,
      rule: 'dd',
      severity: 'critical',
      status: 'firing',
      env: 'prod',
      summary: 'alpha (prod) is down 6.20% (threshold 5.00%)',
      description: null,
      unit: null,
      labels: { portfolio: 'alpha' },
      value: 0.062,
      threshold: 0.05,
      starts_at: T0 + 2 * MINUTE,
      ends_at: null,
      ts: T0 + 2 * MINUTE,
    });
    expect(resolved).toEqual({
      ...firing,
      status: 'resolved',
      summary: 'alpha (prod) is down 3.00% (threshold 5.00%)',
      description: null,
      value: 0.03,
      starts_at: T0 + 2 * MINUTE,
      ends_at: T0 + 10 * MINUTE,
      ts: T0 + 10 * MINUTE,
    });
    expect(h.outputs.map((o) => o.kind)).toEqual(['alert', 'row', 'alert', 'row']);
    expect(h.outputs[1]).toEqual({
      kind: 'row',
      row: {
        table: 'alerts',
        ts: T0 + 2 * MINUTE,
        symbols: {
          fingerprint: firing?.fingerprint,
          rule: 'dd',
          severity: 'critical',
          status: 'firing',
          env: 'prod',
        },
        columns: {
          summary: 'alpha (prod) is down 6.20% (threshold 5.00%)',
          value: 0.062,
          threshold: 0.05,
          starts_at: T0 + 2 * MINUTE,
          ends_at: null,
          labels: '{"portfolio":"alpha"}',
          description: null,
        },
      },
    });
    expect(h.outputs[3]).toMatchObject({
      row: { symbols: { status: 'resolved' }, columns: { ends_at: T0 + 10 * MINUTE } },
    });
  });

  it('writes rows the QuestDB sink accepts for its alerts table', () => {
    const h = harness(oneRule('clear: 0.04\nlabels: { team: risk }'));
    h.pushAll(series([0.06, 0.01]));
    const tables = new Map(TABLES.map((t) => [t.name, prepareTable(t)]));
    const rows = h.outputs.flatMap((o) => (o.kind === 'row' ? [o.row] : []));
    expect(rows).toHaveLength(2);
    expect(rows.flatMap((row, i) => checkRow(row, i, tables))).toEqual([]);
  });

  it('hysteresis: oscillating between threshold and clear fires once and resolves once; a new crossing opens a new episode with the same fingerprint', () => {
    const h = harness(oneRule());
    // 0.06 fires; 0.045 ... 0.055 stay between clear (0.04) and threshold (0.05) or above: still firing.
    h.pushAll(series([0.06, 0.045, 0.055, 0.041, 0.06, 0.0401, 0.051, 0.04, 0.045, 0.05, 0.049, 0.0501]));
    const alerts = h.alerts();
    expect(statuses(alerts)).toEqual(['firing', 'resolved', 'firing']);
    expect(alerts.map((a) => a.value)).toEqual([0.06, 0.04, 0.0501]);
    // `> 0.05`: 0.05 does not fire; resolved means `value > clear` no longer holds, 0.04 included.
    expect(alerts[1]?.ends_at).toBe(T0 + 7 * MINUTE);
    expect(alerts[2]?.starts_at).toBe(T0 + 11 * MINUTE);
    expect(new Set(alerts.map((a) => a.fingerprint)).size).toBe(1);
  });

  it('without clear, resolves as soon as the condition stops holding', () => {
    const h = harness(oneRule(''));
    h.pushAll(series([0.051, 0.05, 0.06, 0.07]));
    expect(statuses(h.alerts())).toEqual(['firing', 'resolved', 'firing']);
  });

  it('works for < and <= rules', () => {
    const h = harness(`rules:
  - name: equity_low
    metric: equity_ratio
    op: '<='
    threshold: 0.5
    clear: 0.6
    severity: warning
    summary: '{{labels.portfolio}} at {{value | pct 0}}'`);
    h.pushAll(
      [0.7, 0.5, 0.55, 0.59, 0.6, 0.61, 0.4].map((value, i) => ({
        name: 'equity_ratio',
        labels: { env: 'paper', portfolio: 'beta' },
        value,
        ts: T0 + i,
      })),
    );
    expect(h.alerts().map((a) => [a.status, a.value, a.summary])).toEqual([
      ['firing', 0.5, 'beta at 50%'],
      ['resolved', 0.61, 'beta at 61%'],
      ['firing', 0.4, 'beta at 40%'],
    ]);
  });

  it('fingerprints are stable across runs and label order, and differ by portfolio, env and rule', () => {
    const run = (labels: Record<string, string>) => {
      const h = harness(oneRule());
      h.push({ name: 'drawdown_1h', labels, value: 0.1, ts: T0 });
      const [alert] = h.alerts();
      if (alert === undefined) throw new Error('no alert');
      return alert.fingerprint;
    };
    const a = run({ env: 'prod', portfolio: 'alpha', strategy: 'momentum' });
    expect(run({ strategy: 'momentum', portfolio: 'alpha', env: 'prod' })).toBe(a);
    expect(run({ portfolio: 'alpha', env: 'prod', strategy: 'momentum' })).toBe(a);
    // Pinned: a change here re-identifies every alert (notifiers would see new alerts).
    expect(a).toBe('cc74f177c0ad0d5c');
    expect(run({ env: 'prod', portfolio: 'beta', strategy: 'momentum' })).not.toBe(a);
    expect(run({ env: 'staging', portfolio: 'alpha', strategy: 'momentum' })).not.toBe(a);

    const renamed = harness(oneRule().replace('name: dd', 'name: dd_other'));
    renamed.push({
      name: 'drawdown_1h',
      labels: { env: 'prod', portfolio: 'alpha', strategy: 'momentum' },
      value: 0.1,
      ts: T0,
    });
    expect(renamed.alerts()[0]?.fingerprint).not.toBe(a);
  });

  it('keeps separate episodes per series, and per rule on one series', () => {
    const h = harness(
      `${oneRule()}
  - name: dd_warn
    metric: drawdown_1h
    op: '>'
    threshold: 0.03
    severity: warning
    summary: '{{labels.portfolio}} {{value}}'
    labels: { team: risk }`,
    );
    h.pushAll([point(0.04, 0), point(0.06, 1, { portfolio: 'beta' }), point(0.06, 2), point(0.01, 3)]);
    expect(h.alerts().map((a) => [a.rule, a.status, a.labels['portfolio'], a.ts])).toEqual([
      ['dd_warn', 'firing', 'alpha', T0],
      ['dd', 'firing', 'beta', T0 + MINUTE],
      ['dd_warn', 'firing', 'beta', T0 + MINUTE],
      ['dd', 'firing', 'alpha', T0 + 2 * MINUTE],
      ['dd', 'resolved', 'alpha', T0 + 3 * MINUTE],
      ['dd_warn', 'resolved', 'alpha', T0 + 3 * MINUTE],
    ]);
    expect(h.alerts()[0]?.labels).toEqual({ portfolio: 'alpha', team: 'risk' });
    expect(h.states.get('drawdown_1h{env=prod,portfolio=alpha}')).toEqual({
      dd: { firing: false, starts_at: null, last_ts: T0 + 3 * MINUTE },
      dd_warn: { firing: false, starts_at: null, last_ts: T0 + 3 * MINUTE },
    });
  });

  it('applies matchers: exact, regex (anchored) and in; a matcher needs its label', () => {
    const h = harness(
      oneRule(`clear: 0.04
match:
  portfolio: { regex: 'alpha-.*' }
  env: { in: [prod, staging] }
  strategy: momentum`),
    );
    const labels = (portfolio: string, env: string, strategy?: string) => ({
      portfolio,
      env,
      ...(strategy === undefined ? {} : { strategy }),
    });
    h.pushAll([
      point(0.1, 0, labels('alpha-1', 'prod', 'momentum')), // fires
      point(0.1, 1, labels('alpha-2', 'staging', 'momentum')), // fires
      point(0.1, 2, labels('alpha-3', 'paper', 'momentum')), // env not in the list
      point(0.1, 3, labels('x-alpha-4', 'prod', 'momentum')), // regex is anchored
      point(0.1, 4, labels('alpha-5', 'prod', 'carry')), // strategy differs
      point(0.1, 5, labels('alpha-6', 'prod')), // no strategy label
    ]);
    expect(h.alerts().map((a) => a.labels['portfolio'])).toEqual(['alpha-1', 'alpha-2']);
    expect(h.states.get('drawdown_1h{env=paper,portfolio=alpha-3,strategy=momentum}')).toEqual({});
  });

  it('gives identical outputs when the state goes through JSON mid-stream', () => {
    const values = [0.01, 0.06, 0.045, 0.07, 0.03, 0.02, 0.08, 0.05, 0.02];
    const points = [
      ...series(values),
      ...series(
        values.map((v) => v * 1.1),
        { portfolio: 'beta' },
      ),
    ].sort((a, b) => a.ts - b.ts);
    const straight = harness(oneRule());
    straight.pushAll(points);

    for (const cut of [1, 5, 9, 13]) {
      const first = harness(oneRule());
      first.pushAll(points.slice(0, cut));
      const restored = new Map(
        Object.entries(
          JSON.parse(JSON.stringify(Object.fromEntries(first.states))) as Record<string, RulesState>,
        ),
      );
      const second = harness(oneRule(), restored);
      second.pushAll(points.slice(cut));
      expect([...first.outputs, ...second.outputs]).toEqual(straight.outputs);
      expect(second.states).toEqual(straight.states);
    }
    expect(statuses(straight.alerts())).toEqual([
      'firing',
      'firing',
      'resolved',
      'resolved',
      'firing',
      'firing',
      'resolved',
      'resolved',
    ]);
  });

  it('ignores out-of-order points for transitions, without rejecting them', () => {
    const h = harness(oneRule());
    expect(h.push(point(0.06, 10))).toBeUndefined(); // fires at minute 10
    expect(h.push(point(0.01, 5))).toBeUndefined(); // older: would resolve, ignored
    expect(h.push(point(0.07, 11))).toBeUndefined();
    expect(h.alerts()).toHaveLength(1);
    expect(h.push(point(0.01, 12))).toBeUndefined(); // resolves at 12
    expect(h.push(point(0.09, 11))).toBeUndefined(); // older: would fire, ignored
    expect(h.push(point(0.09, 12))).toBeUndefined(); // same ts as the newest: evaluated, fires
    expect(h.alerts().map((a) => [a.status, a.ts])).toEqual([
      ['firing', T0 + 10 * MINUTE],
      ['resolved', T0 + 12 * MINUTE],
      ['firing', T0 + 12 * MINUTE],
    ]);
  });

  it('NaN values change nothing', () => {
    const h = harness(oneRule());
    h.pushAll([point(NaN, 0), point(0.06, 1), point(NaN, 2), point(0.07, 3)]);
    expect(statuses(h.alerts())).toEqual(['firing']);
    expect(h.states.get('drawdown_1h{env=prod,portfolio=alpha}')).toEqual({
      dd: {
        firing: true,
        starts_at: T0 + MINUTE,
        last_ts: T0 + 3 * MINUTE,
        open: OPEN,
      },
    });
  });

  it('rejects a matched metric without a valid env label; ignores unmatched ones', () => {
    const h = harness(oneRule());
    const missing = h.push({ name: 'drawdown_1h', labels: { portfolio: 'alpha' }, value: 0.1, ts: T0 });
    expect(missing?.reject).toMatch(
      /^metric drawdown_1h\{portfolio=alpha\} matches rule "dd" but has no env label: an alert needs env=prod\|staging\|paper/,
    );
    const wrong = h.push({
      name: 'drawdown_1h',
      labels: { env: 'production', portfolio: 'alpha' },
      value: 0.1,
      ts: T0,
    });
    expect(wrong?.reject).toMatch(/env label "production"/);
    expect(h.push({ name: 'freshness_lag_ms', labels: { ingest: 'x' }, value: 1, ts: T0 })).toBeUndefined();
    expect(h.outputs).toEqual([]);
    expect(h.states.get('drawdown_1h{portfolio=alpha}')).toBeUndefined();
  });

  it('resolves the open alert of a rule removed from the file (or no longer covering the series) on the next point, and forgets its state', () => {
    const h = harness(oneRule('description: Down.'));
    h.push(point(0.06, 0));
    const [firing] = h.alerts();
    const state = h.states.get('drawdown_1h{env=prod,portfolio=alpha}');
    expect(state).toEqual({
      dd: {
        firing: true,
        starts_at: T0,
        last_ts: T0,
        open: {
          fingerprint: firing?.fingerprint,
          severity: 'critical',
          env: 'prod',
          labels: { portfolio: 'alpha' },
          summary: 'alpha (prod) is down 6.00% (threshold 5.00%)',
          description: 'Down.',
        },
      },
    });
    const other = harness(oneRule().replace('name: dd', 'name: dd_renamed'), new Map(h.states));
    other.push(point(0.01, 1));
    expect(other.states.get('drawdown_1h{env=prod,portfolio=alpha}')).toEqual({
      dd_renamed: { firing: false, starts_at: null, last_ts: T0 + MINUTE },
    });
    expect(other.alerts()).toEqual([
      {
        ...firing,
        status: 'resolved',
        value: null,
        threshold: null,
        description:
          'Down. (Resolved because the rule was removed from the rules file or no longer covers this series.)',
        ends_at: T0 + MINUTE,
        ts: T0 + MINUTE,
      },
    ]);
    // A rule whose environments no longer cover the series resolves it too; an inactive entry emits nothing.
    const narrowed = harness(oneRule('environments: [paper]'), new Map(h.states));
    narrowed.push(point(0.07, 2));
    expect(narrowed.alerts().map((a) => [a.status, a.fingerprint])).toEqual([
      ['resolved', firing?.fingerprint],
    ]);
    expect(narrowed.states.get('drawdown_1h{env=prod,portfolio=alpha}')).toEqual({});
  });

  it('resolves the open alerts of removed rules on a timer after a restore, without waiting for a point', () => {
    const h = harness(oneRule());
    h.push(point(0.06, 0));
    const processor = createRulesProcessor(
      parseRules(oneRule().replace('name: dd', 'name: other'), 'r.yaml'),
    );
    const key = 'drawdown_1h{env=prod,portfolio=alpha}';
    const state = h.states.get(key)!;
    expect(processor.timer?.(state)).toBe(0);
    expect(createRulesProcessor(parseRules(oneRule(), 'r.yaml')).timer?.(state)).toBeNull();
    const outputs: Output[] = [];
    const clock = new ManualClock(T0 + 60 * MINUTE);
    const next = processor.onTimer!(key, state, {
      clock,
      logger: silentLogger(),
      topic: 'metrics',
      partition: 0,
      emit: (o) => void outputs.push(o),
    });
    expect(next).toEqual({});
    expect(processor.timer?.(next)).toBeNull();
    expect(outputs.map((o) => o.kind)).toEqual(['alert', 'row']);
    expect(outputs[0]).toMatchObject({
      kind: 'alert',
      alert: {
        rule: 'dd',
        status: 'resolved',
        starts_at: T0,
        ends_at: T0 + 60 * MINUTE,
        ts: T0 + 60 * MINUTE,
      },
    });
  });

  it('runs the default rules on the fixture metrics', async () => {
    const text = await readFile(new URL('../../fixtures/jsonl/metrics.jsonl', import.meta.url), 'utf8');
    const h = harness(await readFile(DEFAULT_RULES_FILE, 'utf8'));
    h.pushAll([
      ...text
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as ReturnType<typeof point>),
      point(0.062, 30),
      point(0.021, 75),
    ]);
    const alerts = h.alerts();
    expect(alerts.map((a) => [a.rule, a.status, a.summary])).toEqual([
      ['portfolio_drawdown_1h', 'firing', 'alpha (prod) is down 6.20% over the last hour (threshold 5.00%)'],
      [
        'portfolio_drawdown_1h',
        'resolved',
        'alpha (prod) is down 2.10% over the last hour (threshold 5.00%)',
      ],
    ]);
  });

  it('renders the rule’s description into each alert’s description', () => {
    const h = harness(
      oneRule(
        "clear: 0.04\ndescription: '{{labels.portfolio}} lost {{value | pct 1}} of its hourly peak: check its fills'",
      ),
    );
    h.pushAll([point(0.062, 0), point(0.03, 1)]);
    expect(h.alerts().map((a) => [a.status, a.description])).toEqual([
      ['firing', 'alpha lost 6.2% of its hourly peak: check its fills'],
      ['resolved', 'alpha lost 3.0% of its hourly peak: check its fills'],
    ]);
  });
});
