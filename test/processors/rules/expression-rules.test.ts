/** Rules in the expression form (CEL), environments, group_by and descriptions. */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.ts';
import { createLogger } from '../../../core/logger.ts';
import { inMemorySource, type Output } from '../../../processors/contract.ts';
import {
  alertFingerprint,
  compileCondition,
  createRulesProcessor,
  evaluateCondition,
  metricVariables,
  parseRules,
  metricObservation,
  renderRuleTemplate,
} from '../../../processors/rules/index.ts';
import type { Metric } from '../../../schemas/index.ts';
import { MINUTE, T0, harness, point } from './harness.ts';

/** A firing entry's stored alert (its content is checked in rules-processor.test.ts). */
const OPEN: unknown = expect.objectContaining({ fingerprint: expect.any(String) as unknown });

const exprRule = (expr: string, extra = '') =>
  `rules:
  - name: dd
    metric: drawdown_1h
    expr: '${expr}'
    severity: error
    summary: '{{labels.portfolio}} ({{env}}) at {{value | pct}}'
${extra
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => `    ${l}`)
  .join('\n')}`;

describe('rules: expressions', () => {
  it('evaluates value, labels, name, ts and time', () => {
    const at = (source: string, metric: Metric) => {
      const condition = compileCondition(source);
      if (!('evaluate' in condition)) throw new Error(condition.message);
      return evaluateCondition(condition, metricVariables(metric));
    };
    const m = point(0.06, 0, { venue: 'binance' }); // T0 is 2026-01-05 14:00 UTC, 09:00 in New York
    expect(at('value > 0.05 && labels.venue == "binance" && name == "drawdown_1h"', m)).toBe(true);
    expect(at(`ts == ${T0}`, m)).toBe(true);
    expect(at('time.getHours("America/New_York") == 9 && time.getHours() == 14', m)).toBe(true);
    expect(at('"strategy" in labels || has(labels.strategy)', m)).toBe(false);
    expect(at('labels.strategy == "x"', m)).toEqual({ error: 'No such key: strategy' });
    expect(at('value > 3', m)).toBe(false); // int literals compare with doubles
  });

  it('fires and resolves like a threshold rule, with a null threshold in the alert', () => {
    const h = harness(exprRule('value > 0.05 && labels.portfolio.startsWith("al")'));
    h.pushAll([
      point(0.01, 0),
      point(0.06, 1),
      point(0.07, 2),
      point(0.02, 3),
      point(0.09, 4, { portfolio: 'beta' }),
    ]);
    expect(h.alerts().map((a) => [a.status, a.ts, a.value, a.threshold, a.summary])).toEqual([
      ['firing', T0 + MINUTE, 0.06, null, 'alpha (prod) at 6.00%'],
      ['resolved', T0 + 3 * MINUTE, 0.02, null, 'alpha (prod) at 2.00%'],
    ]);
  });

  it('a point on which the expression fails changes nothing and is logged as a warning', () => {
    const rules = parseRules(exprRule('labels.venue == "binance" && value > 0.05'), 'rules.yaml');
    const processor = createRulesProcessor(rules);
    const logged: string[] = [];
    const logger = createLogger({
      level: 'warn',
      destination: new Writable({
        write(chunk: Buffer, _encoding, done) {
          logged.push(chunk.toString('utf8'));
          done();
        },
      }),
    });
    const outputs: Output[] = [];
    const context = {
      clock: new ManualClock(T0),
      logger,
      source: inMemorySource(processor.inputs[0]!),
      emit: (o: Output) => void outputs.push(o),
    };
    const withVenue = processor.process(point(0.06, 0, { venue: 'binance' }), {}, context);
    expect(withVenue).toEqual({
      dd: {
        firing: true,
        starts_at: T0,
        last_ts: T0,
        open: OPEN,
      },
    });
    // No venue label: the expression fails; the state of the series stays as it was ({} here).
    const without = processor.process(point(0.06, 1), {}, context);
    expect(without).toEqual({});
    expect(outputs.filter((o) => o.kind === 'alert')).toHaveLength(1);
    expect(logged).toHaveLength(1);
    expect(JSON.parse(logged[0]!)).toMatchObject({
      level: 40,
      rule: 'dd',
      series: 'drawdown_1h{env=prod,portfolio=alpha}',
      reason: 'expr: No such key: venue',
      msg: 'alert rule expression failed on a point: the point is ignored for this rule',
    });
  });

  it('NaN points change nothing for expression rules either', () => {
    const h = harness(exprRule('!(value > 0.05)'));
    h.pushAll([point(0.01, 0), point(Number.NaN, 1), point(0.06, 2)]);
    expect(h.alerts().map((a) => [a.status, a.ts])).toEqual([
      ['firing', T0],
      ['resolved', T0 + 2 * MINUTE],
    ]);
  });
});

describe('rules: environments', () => {
  it('watches only the listed environments and keeps no state for the others', () => {
    const h = harness(exprRule('value > 0.05', 'environments: [prod, paper]'));
    h.pushAll([point(0.06, 0), point(0.06, 0, { env: 'staging' }), point(0.06, 0, { env: 'paper' })]);
    expect(h.alerts().map((a) => a.env)).toEqual(['prod', 'paper']);
    expect(h.states.get('drawdown_1h{env=staging,portfolio=alpha}')).toEqual({});
  });

  it('defaults to every environment, and still rejects a matched metric without a valid env', () => {
    const rules = parseRules(exprRule('value > 0.05'), 'rules.yaml');
    expect(rules.rules[0]?.environments).toEqual(['prod', 'staging', 'paper']);
    const h = harness(exprRule('value > 0.05', 'environments: [prod]'));
    expect(
      h.push({ name: 'drawdown_1h', labels: { portfolio: 'alpha' }, value: 0.1, ts: T0 })?.reject,
    ).toMatch(/has no env label/);
  });
});

describe('rules: group_by', () => {
  const labels = { portfolio: 'alpha', strategy: 'momentum', model_version: 'v1' };

  it("makes the alert's labels and fingerprint from the listed labels (and the static ones) only", () => {
    const h = harness(exprRule('value > 0.05', 'group_by: [portfolio, strategy]\nlabels: { team: risk }'));
    h.pushAll([
      point(0.06, 0, labels),
      point(0.01, 1, labels),
      point(0.07, 2, { ...labels, model_version: 'v2' }),
    ]);
    const alerts = h.alerts();
    expect(alerts.map((a) => [a.status, a.labels])).toEqual([
      ['firing', { portfolio: 'alpha', strategy: 'momentum', team: 'risk' }],
      ['resolved', { portfolio: 'alpha', strategy: 'momentum', team: 'risk' }],
      ['firing', { portfolio: 'alpha', strategy: 'momentum', team: 'risk' }],
    ]);
    // One identity across model versions: rule, env and the grouped labels.
    const fingerprint = alertFingerprint('dd', 'prod', {
      portfolio: 'alpha',
      strategy: 'momentum',
      team: 'risk',
    });
    expect(new Set(alerts.map((a) => a.fingerprint))).toEqual(new Set([fingerprint]));
  });

  it('leaves out a listed label the series does not have; the summary still sees every label', () => {
    const h = harness(
      exprRule(
        'value > 0.05',
        "group_by: [strategy, venue]\nsummary: '{{labels.portfolio}} {{labels.model_version}}'",
      ).replace(/^ {4}summary: '\{\{labels\.portfolio\}\} \(\{\{env\}\}\).*\n/m, ''),
    );
    h.push(point(0.06, 0, labels));
    expect(h.alerts()[0]).toMatchObject({ labels: { strategy: 'momentum' }, summary: 'alpha v1' });
  });

  it('without group_by, the fingerprint is the one of every label but env (unchanged from before)', () => {
    const h = harness(exprRule('value > 0.05'));
    h.push(point(0.06, 0, { strategy: 'momentum' }));
    expect(h.alerts()[0]?.fingerprint).toBe(
      alertFingerprint('dd', 'prod', { portfolio: 'alpha', strategy: 'momentum' }),
    );
    expect(h.alerts()[0]?.fingerprint).toBe('cc74f177c0ad0d5c');
  });
});

describe('rules: description and duration placeholders', () => {
  it('renders the description like the summary, with {{for}} and {{keep_firing_for}}', () => {
    const rules = parseRules(
      exprRule(
        'value > 0.05',
        "for: 1h30m\nkeep_firing_for: 0\ndescription: '{{labels.portfolio}} over 5% for {{for}} (kept {{keep_firing_for}}), now {{value | pct 1}}'",
      ),
      'rules.yaml',
    );
    const rule = rules.rules[0]!;
    expect([rule.forMs, rule.keepFiringForMs]).toEqual([90 * MINUTE, 0]);
    expect(renderRuleTemplate(rule.description!, rule, metricObservation(point(0.0625, 0)), 'prod')).toBe(
      'alpha over 5% for 1h30m (kept 0s), now 6.3%',
    );
  });
});
