/** Rules over raw records (`record: <topic>`): loading, evaluation, grouping, state and the inputs they add. */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.ts';
import { createLogger } from '../../../core/logger.ts';
import { changelogsOf } from '../../../runtime/processor/processor-runner.ts';
import { inMemorySource, isRejection, type Output } from '../../../processors/contract.ts';
import {
  RECORD_TOPICS,
  alertFingerprint,
  createRulesProcessor,
  parseRules,
  recordShape,
  type RulesState,
} from '../../../processors/rules/index.ts';
import {
  SchemaRegistry,
  type InferenceCycle,
  type IngestRun,
  type Outcome,
  type Trade,
} from '../../../schemas/index.ts';
import { TOPICS } from '../../../topics/catalogue.ts';
import { MINUTE, T0, harness, rulesInvalid } from './harness.ts';

function run(minutes: number, extra: Partial<IngestRun> = {}): IngestRun {
  return {
    ingest: 'prices',
    env: 'prod',
    run_id: `r${minutes}`,
    started_at: T0 + minutes * MINUTE - 5_000,
    finished_at: T0 + minutes * MINUTE,
    status: 'success',
    rows: 120,
    duration_ms: 5_000,
    error: null,
    data_until: T0 + minutes * MINUTE,
    ...extra,
  };
}

function trade(minutes: number, extra: Partial<Trade> = {}): Trade {
  return {
    trade_id: `t${minutes}`,
    order_id: `o${minutes}`,
    client_order_id: null,
    strategy: 'momentum',
    env: 'prod',
    portfolio: 'alpha',
    asset: 'BTC',
    side: 'buy',
    quantity: 1,
    price: 50_000,
    notional: 50_000,
    quote_currency: 'USD',
    fee: 10,
    fee_currency: 'USD',
    liquidity: null,
    venue: 'binance',
    cycle_id: null,
    ts: T0 + minutes * MINUTE,
    ...extra,
  };
}

const EMPTY_RUNS = `rules:
  - name: ingest_runs_empty
    description: 'Last run {{record.run_id}} finished {{record.finished_at}} with {{record.rows}} rows.'
    record: ingest.runs
    expr: record.status == "success" && record.rows == 0
    clear_expr: record.status == "success" && record.rows > 0
    consecutive: 3
    severity: warning
    summary: 'ingest {{labels.ingest}} ({{env}}) wrote no rows {{consecutive}} runs in a row'
`;

const BIG_FILLS = `rules:
  - name: big_fill
    record: trades
    field: notional
    op: '>'
    threshold: 1000000
    clear: 1000000
    group_by: [portfolio, venue]
    labels: { team: execution }
    severity: error
    summary: '{{labels.portfolio}} filled {{value | fixed 0}} {{record.quote_currency}} on {{labels.venue}} ({{record.side}} {{record.asset}})'
`;

describe('rules over records', () => {
  it('adds the topics the rules name to the inputs, and keys state by topic and Kafka key', () => {
    const rules = parseRules(`${EMPTY_RUNS}${BIG_FILLS.replace('rules:\n', '')}`, 'test.yaml');
    const processor = createRulesProcessor(rules);
    expect(processor.inputs).toEqual([
      { topic: 'metrics', type: 'Metric', primary: true },
      { topic: 'ingest.runs', type: 'IngestRun' },
      { topic: 'trades', type: 'Trade' },
    ]);
    // The metric rules' state keeps its changelog whether or not rules over records exist.
    expect(changelogsOf(processor, 'p.')).toEqual([
      { input: 'metrics', changelog: 'p.tradewatch.rules.changelog' },
      { input: 'ingest.runs', changelog: 'p.tradewatch.rules.ingest.runs.changelog' },
      { input: 'trades', changelog: 'p.tradewatch.rules.trades.changelog' },
    ]);
    const source = inMemorySource(processor.inputs[1]!);
    expect(processor.key(run(0), source)).toBe('ingest.runs|prices');
    // A rules file without rules over records reads metrics only.
    const metricsOnly =
      "rules:\n  - { name: r, metric: x, op: '>', threshold: 1, severity: info, summary: s }";
    const metricOnly = createRulesProcessor(parseRules(metricsOnly, 't.yaml'));
    expect(metricOnly.inputs).toEqual([{ topic: 'metrics', type: 'Metric', primary: true }]);
    expect(changelogsOf(metricOnly, 'p.')).toEqual([
      { input: 'metrics', changelog: 'p.tradewatch.rules.changelog' },
    ]);
  });

  it('fires on the consecutive-th matching record and resolves on the clearing one, with record fields in the texts', () => {
    const h = harness(EMPTY_RUNS);
    const values = [
      run(0),
      run(1, { rows: 0 }),
      run(2, { rows: 0 }),
      run(3, { status: 'failure', rows: 0, error: 'timeout' }), // neither: the run of empty successes ends
      run(4, { rows: 0 }),
      run(5, { rows: 0 }),
      run(6, { rows: 0 }),
      run(7, { rows: 0 }),
      run(8, { status: 'failure', rows: 0 }), // not the clearing side: stays firing
      run(9, { rows: 42 }),
    ];
    for (const v of values) expect(h.pushRecord('ingest.runs', v)).toBeUndefined();
    const alerts = h.alerts();
    expect(alerts.map((a) => [a.status, (a.ts - T0) / MINUTE, (a.starts_at - T0) / MINUTE])).toEqual([
      ['firing', 6, 4],
      ['resolved', 9, 4],
    ]);
    expect(alerts[0]).toMatchObject({
      fingerprint: alertFingerprint('ingest_runs_empty', 'prod', { ingest: 'prices' }),
      rule: 'ingest_runs_empty',
      severity: 'warning',
      env: 'prod',
      labels: { ingest: 'prices' },
      value: null,
      threshold: null,
      summary: 'ingest prices (prod) wrote no rows 3 runs in a row',
      description: `Last run r6 finished ${new Date(T0 + 6 * MINUTE).toISOString()} with 0 rows.`,
    });
    expect(alerts[1]?.ends_at).toBe(T0 + 9 * MINUTE);
    // Inactive groups are not kept.
    expect(h.states.get('ingest.runs|prices')).toEqual({});
  });

  it('keeps one episode per group and env within a Kafka key, with the field as the value', () => {
    const h = harness(BIG_FILLS);
    h.pushRecord('trades', trade(0, { notional: 2_000_000 }));
    h.pushRecord('trades', trade(1, { notional: 3_000_000, venue: 'kraken' }));
    h.pushRecord('trades', trade(2, { notional: 2_500_000, env: 'paper' }));
    // binance/prod clears; kraken/prod and binance/paper stay firing.
    h.pushRecord('trades', trade(3, { notional: 100 }));
    const alerts = h.alerts();
    expect(alerts.map((a) => [a.status, a.env, a.labels['venue'], a.value])).toEqual([
      ['firing', 'prod', 'binance', 2_000_000],
      ['firing', 'prod', 'kraken', 3_000_000],
      ['firing', 'paper', 'binance', 2_500_000],
      ['resolved', 'prod', 'binance', 100],
    ]);
    expect(alerts[0]).toMatchObject({
      labels: { portfolio: 'alpha', team: 'execution', venue: 'binance' },
      threshold: 1_000_000,
      summary: 'alpha filled 2000000 USD on binance (buy BTC)',
    });
    expect(new Set(alerts.slice(0, 3).map((a) => a.fingerprint)).size).toBe(3);
    expect(alerts[3]?.fingerprint).toBe(alerts[0]?.fingerprint);
    expect(Object.keys(h.states.get('trades|alpha') ?? {}).sort()).toEqual([
      'big_fill{"env":"paper","portfolio":"alpha","venue":"binance"}',
      'big_fill{"env":"prod","portfolio":"alpha","venue":"kraken"}',
    ]);
  });

  it('applies match to label fields and environments to the env field', () => {
    const h = harness(
      BIG_FILLS.replace(
        '    group_by',
        '    match: { venue: { in: [kraken] }, side: sell }\n    environments: [prod]\n    group_by',
      ),
    );
    h.pushRecord('trades', trade(0, { notional: 2e6 }));
    h.pushRecord('trades', trade(1, { notional: 2e6, venue: 'kraken' }));
    h.pushRecord('trades', trade(2, { notional: 2e6, venue: 'kraken', side: 'sell', env: 'staging' }));
    h.pushRecord('trades', trade(3, { notional: 2e6, venue: 'kraken', side: 'sell' }));
    expect(h.alerts().map((a) => [(a.ts - T0) / MINUTE, a.env])).toEqual([[3, 'prod']]);
  });

  it('ignores a late record of a pending or firing group, a null field, and a record its expression fails on', () => {
    const warnings: string[] = [];
    const yaml = `rules:
  - name: slow_runs
    record: ingest.runs
    field: duration_ms
    expr: value > 60000.0 && record.error.startsWith("slow")
    consecutive: 2
    severity: info
    summary: '{{labels.ingest}} took {{value}} ms'
`;
    const processor = createRulesProcessor(parseRules(yaml, 't.yaml'));
    const logger = createLogger({
      level: 'warn',
      format: 'json',
      destination: new Writable({
        write(chunk: Buffer | string, _e, done) {
          warnings.push(String(chunk));
          done();
        },
      }),
    });
    const source = inMemorySource(processor.inputs[1]!);
    const outputs: Output[] = [];
    let state: RulesState = {};
    const push = (record: IngestRun) => {
      const next = processor.process(record, state, {
        clock: new ManualClock(T0),
        logger,
        source,
        emit: (o) => void outputs.push(o),
      });
      if (isRejection(next)) throw new Error(next.reject);
      state = next;
    };
    push(run(5, { duration_ms: 90_000, error: 'slow upstream' })); // pending (1 of 2)
    push(run(1, { duration_ms: 90_000, error: 'slow upstream' })); // older: ignored
    push(run(6, { duration_ms: 90_000, error: null })); // expression fails on null: ignored, warned
    expect(outputs).toEqual([]);
    expect(warnings.join('')).toContain('alert rule expression failed');
    expect(warnings.join('')).toContain('"series":"ingest.runs|prices"');
    push(run(7, { duration_ms: 95_000, error: 'slow again' })); // 2 of 2: fires
    const alerts = outputs.flatMap((o) => (o.kind === 'alert' ? [o.alert] : []));
    expect(alerts.map((a) => [a.status, (a.starts_at - T0) / MINUTE, a.value, a.summary])).toEqual([
      ['firing', 5, 95_000, 'prices took 95000 ms'],
    ]);
  });

  it('gives records without env the rule’s one environment', () => {
    const yaml = `rules:
  - name: asset_crash
    record: outcomes
    field: forward_return
    op: '<'
    threshold: -0.3
    environments: [paper]
    severity: info
    summary: '{{labels.asset}} returned {{value | pct 0}} over {{record.horizon_ms}} ms from {{record.as_of}}'
`;
    const h = harness(yaml);
    const outcome: Outcome = { asset: 'ETH', as_of: T0, horizon_ms: 86_400_000, forward_return: -0.4 };
    h.pushRecord('outcomes', outcome);
    expect(h.alerts()).toMatchObject([
      {
        env: 'paper',
        labels: { asset: 'ETH' },
        summary: `ETH returned -40% over 86400000 ms from ${new Date(T0).toISOString()}`,
        ts: T0,
      },
    ]);
  });

  it('exposes ints and longs as CEL ints, maps, lists of records and optional fields', () => {
    const yaml = `rules:
  - name: cycle_check
    record: inference.cycles
    expr: >-
      record.horizon_ms == 3600000 && record.metrics["sharpe"] < 0.5 &&
      record.predictions.exists(p, p.asset == "BTC" && p.score > 0.9) &&
      record.weights_version == null && labels.strategy == "momentum" && env == "prod" &&
      ts == record.finished_at && time.getHours() == 14
    severity: info
    summary: '{{record.model_version}} {{record.status}}'
`;
    const h = harness(yaml);
    const cycle: InferenceCycle = {
      cycle_id: 'c1',
      strategy: 'momentum',
      env: 'prod',
      model_version: 'v3',
      weights_version: null,
      weights_updated_at: null,
      as_of: T0,
      started_at: T0,
      finished_at: T0 + 1000,
      status: 'success',
      error: null,
      horizon_ms: 3_600_000,
      metrics: { sharpe: 0.2 },
      predictions: [{ asset: 'BTC', rank: 1, score: 0.95 }],
    };
    h.pushRecord('inference.cycles', cycle);
    expect(h.alerts().map((a) => a.summary)).toEqual(['v3 success']);
  });

  it('keeps state through JSON and forgets the entries of rules removed from the file', () => {
    const states = new Map<string, RulesState>();
    const first = harness(EMPTY_RUNS, states);
    for (const m of [1, 2, 3]) first.pushRecord('ingest.runs', run(m, { rows: 0 }));
    expect(first.alerts()).toHaveLength(1);
    const restored = new Map([...states].map(([k, v]) => [k, JSON.parse(JSON.stringify(v)) as RulesState]));
    const again = harness(EMPTY_RUNS, restored);
    again.pushRecord('ingest.runs', run(4, { rows: 0 })); // still firing: nothing new
    again.pushRecord('ingest.runs', run(5, { rows: 7 }));
    expect(again.alerts().map((a) => a.status)).toEqual(['resolved']);

    const renamed = harness(EMPTY_RUNS.replace('ingest_runs_empty', 'ingest_runs_empty_v2'), states);
    renamed.pushRecord('ingest.runs', run(6, { rows: 0 }));
    // The episode the removed rule left open is resolved, from the alert as it fired.
    expect(renamed.alerts().map((a) => [a.rule, a.status, a.labels, (a.ts - T0) / MINUTE])).toEqual([
      ['ingest_runs_empty', 'resolved', { ingest: 'prices' }, 0],
    ]);
    expect(Object.keys(states.get('ingest.runs|prices') ?? {})).toEqual([
      'ingest_runs_empty_v2{"env":"prod","ingest":"prices"}',
    ]);
  });

  it('resolves the open episodes keyed by an older group_by, and keeps those its group_by still reaches', () => {
    const states = new Map<string, RulesState>();
    const byPortfolio = BIG_FILLS.replace('group_by: [portfolio, venue]', 'group_by: [portfolio]');
    const first = harness(byPortfolio, states);
    first.pushRecord('trades', trade(0, { notional: 2e6 }));
    expect(first.alerts().map((a) => a.labels)).toEqual([{ portfolio: 'alpha', team: 'execution' }]);
    // group_by gained venue: the old entry is never reached again, so its episode is resolved.
    const byVenue = harness(BIG_FILLS, states);
    byVenue.pushRecord('trades', trade(1, { notional: 3e6 }));
    expect(byVenue.alerts().map((a) => [a.status, a.labels])).toEqual([
      ['resolved', { portfolio: 'alpha', team: 'execution' }],
      ['firing', { portfolio: 'alpha', team: 'execution', venue: 'binance' }],
    ]);
    // A key of the current group_by stays, whatever its values hold.
    const odd = harness(BIG_FILLS, states);
    odd.pushRecord('trades', trade(2, { notional: 3e6, venue: 'a,b="c"}' }));
    const again = harness(
      BIG_FILLS,
      new Map([...states].map(([k, v]) => [k, JSON.parse(JSON.stringify(v)) as RulesState])),
    );
    again.pushRecord('trades', trade(3, { notional: 3e6, venue: 'kraken' }));
    expect(again.alerts().map((a) => [a.status, a.labels['venue']])).toEqual([['firing', 'kraken']]);
    expect(Object.keys(again.states.get('trades|alpha') ?? {}).sort()).toEqual([
      'big_fill{"env":"prod","portfolio":"alpha","venue":"a,b=\\"c\\"}"}',
      'big_fill{"env":"prod","portfolio":"alpha","venue":"binance"}',
      'big_fill{"env":"prod","portfolio":"alpha","venue":"kraken"}',
    ]);
  });

  it('matches the topic catalogue: the record type, and the key field the Kafka key is made of', async () => {
    const registry = await SchemaRegistry.load();
    for (const spec of RECORD_TOPICS) {
      const topic = TOPICS.find((t) => t.name === spec.topic);
      expect(topic?.value, spec.topic).toEqual({ kind: 'avro', type: spec.type });
      const shape = recordShape(spec.type);
      expect(shape.labelFields, spec.topic).toContain(spec.keyField);
      expect(topic?.key.of({ [spec.keyField]: 'k' }), spec.topic).toBe('k');
      expect(shape.byName.get(spec.timeField)?.node, spec.topic).toEqual({ kind: 'timestamp' });
      expect(shape.byName.has('env'), spec.topic).toBe(spec.hasEnv);
      expect(registry.codec(spec.type), spec.topic).toBeDefined();
    }
  });
});

describe('rules over records: load errors', () => {
  const problems = (yaml: string): string => rulesInvalid(yaml, 'bad.yaml').error.message;
  const rule = (lines: string) =>
    `rules:\n  - name: r\n    severity: info\n    summary: s\n${lines
      .trim()
      .split('\n')
      .map((l) => `    ${l.trim()}`)
      .join('\n')}\n`;

  it.each([
    [
      'an unknown topic',
      'record: ingest.run\nexpr: true',
      'expected a topic whose records rules can watch (portfolio.marks, trades, inference.cycles, outcomes, ingest.runs, signals, jobs.runs), found "ingest.run"',
    ],
    ['the metrics topic', 'record: metrics\nexpr: true', 'for metric points write metric: <name>'],
    ['metric and record', 'metric: x\nrecord: trades\nexpr: true', '"record" does not go with "metric"'],
    ['neither', 'expr: true', '"metric" is missing (e.g. metric: drawdown_1h), or "record"'],
    ['field on a metric rule', "metric: x\nfield: rows\nop: '>'\nthreshold: 1", '"field" goes with "record"'],
    [
      'a threshold without field',
      "record: ingest.runs\nop: '<'\nthreshold: 1",
      '"field" is missing: a threshold rule over records compares one numeric field',
    ],
    [
      'an unknown field',
      "record: ingest.runs\nfield: rwos\nop: '<'\nthreshold: 1",
      'IngestRun records (topic ingest.runs) have no field "rwos" (did you mean "rows"?); numeric fields of IngestRun: rows, duration_ms',
    ],
    ['a text field', "record: ingest.runs\nfield: ingest\nop: '<'\nthreshold: 1", '"ingest" is not a number'],
    [
      'an unknown field in expr',
      'record: ingest.runs\nexpr: record.rwos == 0',
      'No such key: rwos (did you mean "rows"?): IngestRun records have the fields ingest, env, run_id',
    ],
    [
      'value without field',
      'record: ingest.runs\nexpr: value > 1.0',
      'a rule over records has a value only when it names a numeric field',
    ],
    [
      '{{value}} without field',
      "record: ingest.runs\nexpr: 'true'\ndescription: '{{value}}'",
      'this rule over records has no value',
    ],
    [
      'an unknown template field',
      "record: ingest.runs\nexpr: 'true'\ndescription: '{{record.eror}}'",
      'IngestRun records have no field "eror" (did you mean "record.error"?)',
    ],
    [
      'a list in a template',
      "record: inference.cycles\nexpr: 'true'\ndescription: '{{record.predictions}}'",
      '"predictions" is not a single value',
    ],
    [
      '{{record.x}} on a metric rule',
      "metric: x\nexpr: 'true'\ndescription: '{{record.rows}}'",
      'exists in rules over records (record: <topic>) only',
    ],
    [
      'group_by without the key field',
      "record: trades\nexpr: 'true'\ngroup_by: [venue]",
      'must include "portfolio", the key of topic trades',
    ],
    [
      'group_by on an unknown field',
      "record: trades\nexpr: 'true'\ngroup_by: [portfolio, venu]",
      'Trade records (topic trades) have no field "venu" (did you mean "venue"?)',
    ],
    [
      'match on a number field',
      "record: trades\nexpr: 'true'\nmatch: { price: '1' }",
      '"price" is not a label field',
    ],
    [
      'no environments on outcomes',
      "record: outcomes\nexpr: 'true'",
      '"environments" is missing: Outcome records (topic outcomes) have no env',
    ],
    [
      'two environments on signals',
      "record: signals\nexpr: 'true'\nenvironments: [prod, paper]",
      'Signal records have no env: list exactly one environment',
    ],
  ])('refuses %s', (_what, lines, message) => {
    expect(problems(rule(lines))).toContain(message);
  });

  it('reads a rule over records as one even when another of its fields is invalid (no knock-on problems)', () => {
    // A mistyped field once made the rule read as a metric rule's: {{record.venue}} and record.venue
    // were reported as existing "in rules over records only".
    const only = [expect.stringMatching(/field: Trade records \(topic trades\) have no field "notionl"/)];
    const lines =
      "record: trades\nfield: notionl\nop: '>'\nthreshold: 1\ndescription: '{{record.venue}} {{value}}'";
    expect(rulesInvalid(rule(lines), 'bad.yaml').problems).toEqual(only);
    const expr = "record: trades\nfield: notionl\nexpr: record.venue == 'kraken' && value > 1.0";
    expect(rulesInvalid(rule(expr), 'bad.yaml').problems).toEqual(only);
  });

  it('names the file, line and rule of each problem', () => {
    const message = problems(rule("record: trades\nfield: notionl\nop: '>'\nthreshold: 1"));
    expect(message).toMatch(/bad\.yaml:6:\d+: rule "r" \(rules\[0\]\): field: Trade records/);
  });
});
