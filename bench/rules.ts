/**
 * Phase 5a, the rules engine: 1,000 rules over a stream of metric points, in memory. 20 rules per
 * metric name on 50 names, each matching one `strategy` label value among 20: 900 threshold rules
 * (half with `consecutive: 2`, a tenth with `for: 5m`) and 100 CEL expression rules. The points are
 * 1,000 series (50 names × 20 strategies) with values that cross the thresholds now and then.
 * Figures: points/s; rule evaluations/s, where each point is checked against the 20 rules of its
 * metric name (their matchers) and evaluated by the one that selects it; against a reference
 * measured in the same run: the same points through a rules processor whose one rule selects no point
 * (what decoding-free routing of a point to its series state costs).
 *
 * Phase 5b, rules over records: 100 rules over 200,000 `trades` records (100 portfolios on 20 venues),
 * 5 rules per venue (4 threshold rules on `field: notional`, 1 CEL rule over three record fields with
 * `consecutive: 3`), grouped by portfolio and venue. Figures: records/s; against the same records
 * through a rules processor whose one rule over trades selects no record (what reading a record's label
 * fields and routing it costs).
 */
import { VirtualRunner, type Output, type Processor } from '../runtime/processor/index.ts';
import { createRulesProcessor, parseRules } from '../processors/rules/index.ts';
import type { Metric, Trade } from '../schemas/index.ts';
import { round } from './progress.ts';
import { seededRandom } from './random.ts';

const NAMES = 50;
const STRATEGIES = 20;

export interface RulesBenchResult {
  readonly rules: number;
  readonly points: number;
  readonly series: number;
  /** Points through the processor with the 1,000 rules. */
  readonly withRules: { readonly ms: number; readonly pointsPerSecond: number; readonly alerts: number };
  /** Rules considered per second: every rule of a point's metric name (matchers checked). */
  readonly evaluationsPerSecond: number;
  readonly evaluations: number;
  /** Conditions evaluated (rule × selected point): one per point here. */
  readonly conditions: number;
  /** The same points through a processor with one rule on a metric no point has. */
  readonly reference: { readonly ms: number; readonly pointsPerSecond: number };
  /** with rules ÷ reference points/s. */
  readonly ratio: number;
}

function rulesYaml(): string {
  const lines = ['version: 1', 'rules:'];
  for (let n = 0; n < NAMES; n += 1) {
    for (let s = 0; s < STRATEGIES - 2; s += 1) {
      lines.push(
        `  - name: r_${n}_${s}`,
        `    metric: bench_metric_${n}`,
        `    match: { strategy: s${s} }`,
        `    op: '>'`,
        `    threshold: 2.5`,
        `    clear: 2`,
        ...(s % 2 === 0 ? ['    consecutive: 2'] : []),
        ...(s % 10 === 1 ? ['    for: 5m'] : []),
        `    severity: warning`,
        `    summary: '{{labels.strategy}} {{value}}'`,
      );
    }
    for (const s of [STRATEGIES - 2, STRATEGIES - 1]) {
      lines.push(
        `  - name: x_${n}_${s}`,
        `    metric: bench_metric_${n}`,
        `    match: { strategy: s${s} }`,
        `    expr: 'value > 2.5 && labels.env == "prod"'`,
        `    clear_expr: 'value < 2.0'`,
        `    severity: warning`,
        `    summary: '{{labels.strategy}} {{value}}'`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

function points(count: number): Metric[] {
  const random = seededRandom(7);
  const out: Metric[] = [];
  for (let i = 0; i < count; i += 1) {
    out.push({
      name: `bench_metric_${i % NAMES}`,
      labels: { strategy: `s${Math.floor(i / NAMES) % STRATEGIES}`, env: 'prod' },
      value: Math.abs(random.normal()) * 1.5,
      ts: 1_767_600_000_000 + i * 1000,
    });
  }
  return out;
}

function drive<In>(
  processor: Processor<In, unknown>,
  records: readonly In[],
  topic = 'metrics',
): { ms: number; alerts: number } {
  const runner = new VirtualRunner(processor, { roundTrip: false });
  let alerts = 0;
  const count = (outputs: readonly Output[]) => {
    for (const o of outputs) if (o.kind === 'alert') alerts += 1;
  };
  const started = performance.now();
  for (let i = 0; i < records.length; i += 1) {
    runner.push(topic, records[i]!);
    if (i % 10_000 === 9_999) count(runner.take());
  }
  count(runner.take());
  return { ms: performance.now() - started, alerts };
}

export function runRulesBench(count: number): RulesBenchResult {
  const rules = parseRules(rulesYaml(), 'bench-rules.yaml');
  const metrics = points(count);
  const withRules = drive(createRulesProcessor(rules), metrics);
  const reference = drive(
    createRulesProcessor(
      parseRules(
        "version: 1\nrules:\n  - name: none\n    metric: no_such_metric\n    op: '>'\n    threshold: 1\n    severity: info\n    summary: none\n",
        'bench-reference.yaml',
      ),
    ),
    metrics,
  );
  // Each point is checked against the 20 rules of its metric name; one of them selects it.
  const evaluations = metrics.length * STRATEGIES;
  const pointsPerSecond = Math.round(metrics.length / (withRules.ms / 1000));
  const referencePerSecond = Math.round(metrics.length / (reference.ms / 1000));
  return {
    rules: rules.rules.length,
    points: metrics.length,
    series: NAMES * STRATEGIES,
    withRules: { ms: round(withRules.ms, 1), pointsPerSecond, alerts: withRules.alerts },
    evaluations,
    conditions: metrics.length,
    evaluationsPerSecond: Math.round(evaluations / (withRules.ms / 1000)),
    reference: { ms: round(reference.ms, 1), pointsPerSecond: referencePerSecond },
    ratio: round(pointsPerSecond / referencePerSecond, 4),
  };
}

const VENUES = 20;
const PORTFOLIOS = 100;

export interface RecordRulesBenchResult {
  readonly rules: number;
  readonly records: number;
  /** Portfolio × venue groups. */
  readonly groups: number;
  readonly withRules: { readonly ms: number; readonly recordsPerSecond: number; readonly alerts: number };
  /** The same records through a processor whose one rule over trades selects none. */
  readonly reference: { readonly ms: number; readonly recordsPerSecond: number };
  /** with rules ÷ reference records/s. */
  readonly ratio: number;
}

function recordRulesYaml(): string {
  const lines = ['version: 1', 'rules:'];
  for (let v = 0; v < VENUES; v += 1) {
    for (const [i, threshold] of [1_000_000, 2_000_000, 4_000_000, 8_000_000].entries()) {
      lines.push(
        `  - name: fill_${v}_${i}`,
        `    record: trades`,
        `    field: notional`,
        `    match: { venue: v${v} }`,
        `    op: '>'`,
        `    threshold: ${threshold}`,
        `    clear: ${threshold / 2}`,
        `    group_by: [portfolio, venue]`,
        `    severity: warning`,
        `    summary: '{{labels.portfolio}} {{value | fixed 0}} {{record.quote_currency}}'`,
      );
    }
    lines.push(
      `  - name: fee_${v}`,
      `    record: trades`,
      `    match: { venue: v${v} }`,
      `    expr: 'record.liquidity == "taker" && record.fee > 0.002 * record.notional'`,
      `    consecutive: 3`,
      `    group_by: [portfolio, venue]`,
      `    severity: warning`,
      `    summary: '{{labels.portfolio}} {{record.fee}}'`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function trades(count: number): Trade[] {
  const random = seededRandom(11);
  const out: Trade[] = [];
  for (let i = 0; i < count; i += 1) {
    const notional = Math.round(Math.exp(11 + random.normal() * 1.2));
    out.push({
      trade_id: `t${i}`,
      order_id: `o${i}`,
      client_order_id: null,
      strategy: 'bench',
      env: 'prod',
      portfolio: `p${i % PORTFOLIOS}`,
      asset: 'BTC',
      side: i % 2 === 0 ? 'buy' : 'sell',
      quantity: notional / 50_000,
      price: 50_000,
      notional,
      quote_currency: 'USD',
      fee: notional * (random.next() < 0.3 ? 0.003 : 0.0005),
      fee_currency: 'USD',
      liquidity: random.next() < 0.5 ? 'taker' : 'maker',
      venue: `v${Math.floor(i / PORTFOLIOS) % VENUES}`,
      cycle_id: null,
      ts: 1_767_600_000_000 + i * 1000,
    });
  }
  return out;
}

export function runRecordRulesBench(count: number): RecordRulesBenchResult {
  const rules = parseRules(recordRulesYaml(), 'bench-record-rules.yaml');
  const records = trades(count);
  const withRules = drive(createRulesProcessor(rules), records, 'trades');
  const reference = drive(
    createRulesProcessor(
      parseRules(
        "version: 1\nrules:\n  - name: none\n    record: trades\n    match: { venue: none }\n    expr: 'true'\n    severity: info\n    summary: none\n",
        'bench-record-reference.yaml',
      ),
    ),
    records,
    'trades',
  );
  const recordsPerSecond = Math.round(records.length / (withRules.ms / 1000));
  const referencePerSecond = Math.round(records.length / (reference.ms / 1000));
  return {
    rules: rules.rules.length,
    records: records.length,
    groups: PORTFOLIOS * VENUES,
    withRules: { ms: round(withRules.ms, 1), recordsPerSecond, alerts: withRules.alerts },
    reference: { ms: round(reference.ms, 1), recordsPerSecond: referencePerSecond },
    ratio: round(recordsPerSecond / referencePerSecond, 4),
  };
}
