/**
 * Rule unit tests: the shipped ones (processors/rules/tests/*.yaml) pass, and the runner reports what
 * differs, what is missing and what was not expected; invalid test files are rejected with file:line.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TradewatchError } from '../../../core/errors.ts';
import { parseRuleTests } from '../../../processors/rules/index.ts';
import { runRuleTestFile } from '../../../runtime/rule-test-run.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const SHIPPED = path.join(ROOT, 'processors/rules/tests');
const FIXTURES = path.join(ROOT, 'test/fixtures/rules');

async function rejection(promise: Promise<unknown>): Promise<TradewatchError> {
  try {
    await promise;
  } catch (e: unknown) {
    expect(e).toBeInstanceOf(TradewatchError);
    return e as TradewatchError;
  }
  throw new Error('expected a rejection');
}

describe('rule tests', () => {
  it('the shipped rule tests pass (drawdown, flapping, baseline, for, keep_firing_for, group_by, records)', async () => {
    const files = (await readdir(SHIPPED)).filter((f) => f.endsWith('.yaml')).sort();
    expect(files).toEqual([
      'baseline.yaml',
      'connectors.yaml',
      'drawdown.yaml',
      'expression-rules.yaml',
      'ingest-records.yaml',
      'record-rules.yaml',
    ]);
    for (const file of files) {
      const outcome = await runRuleTestFile(path.join(SHIPPED, file));
      for (const o of outcome.outcomes)
        expect({ test: o.test.name, lines: o.lines }).toEqual({ test: o.test.name, lines: [] });
      expect(outcome.outcomes.every((o) => o.passed)).toBe(true);
    }
  });

  it('reports a differing field, a missing alert, an unexpected alert and a rejected point', async () => {
    const outcome = await runRuleTestFile(path.join(FIXTURES, 'failing-tests.yaml'));
    expect(outcome.outcomes.map((o) => o.passed)).toEqual([true, false, false]);
    const file = path.relative(process.cwd(), path.join(FIXTURES, 'failing-tests.yaml'));
    expect(outcome.outcomes[1]?.lines).toEqual([
      `alert differs (${file}:16:9): 1m firing portfolio_drawdown_1h {portfolio="beta"}`,
      '    labels: expected {portfolio="beta"}, got {portfolio="alpha"}',
      `missing alert (${file}:21:9): 2m resolved portfolio_drawdown_1h`,
      // 0.05 at 2m is above the clear level 0.04: the episode resolves at 3m (0.03).
      'unexpected alert: 3m resolved portfolio_drawdown_1h {portfolio="alpha"} (env prod, severity critical, ' +
        'value 0.03, starts_at 1m, ends_at 3m): summary "alpha (prod) is down 3.00% over the last hour (threshold 5.00%)", ' +
        'description "A portfolio lost more than 5% of its peak equity over the last hour."',
    ]);
    expect(outcome.outcomes[2]?.lines).toEqual([
      expect.stringMatching(
        /^point drawdown_1h\{portfolio=alpha\} 0\.06 at 0s was rejected: .*has no env label/,
      ),
    ]);
  });

  it('reports the warnings of expressions that fail on the input', async () => {
    const outcome = await runRuleTestFile(path.join(FIXTURES, 'warning-tests.yaml'));
    expect(outcome.outcomes[0]?.passed).toBe(true);
    expect(outcome.outcomes[0]?.lines).toEqual([
      'warning: rule needs_venue: alert rule expression failed on a point: the point is ignored for this rule on drawdown_1h{env=prod,portfolio=alpha} at 0s: expr: No such key: venue',
    ]);
  });

  it('rejects an invalid test file listing every problem with file:line:col', async () => {
    const error = await rejection(runRuleTestFile(path.join(FIXTURES, 'invalid-tests.yaml')));
    expect(error.code).toBe('TW_RULE_TEST_INVALID');
    const problems = error.details['problems'] as string[];
    expect(problems.map((p) => p.replace(/^.*invalid-tests\.yaml:/, ''))).toEqual([
      expect.stringMatching(
        /^5:5: tests\[0\]\.intervall: unknown key "intervall" \(did you mean "interval"\?\)/,
      ),
      expect.stringMatching(
        /^7:17: tests\[0\]\.input_series\[0\]\.metric: .*the value of portfolio must be quoted/,
      ),
      expect.stringMatching(/^8:17: tests\[0\]\.input_series\[0\]\.values: cannot read "0\.06x"/),
      expect.stringMatching(
        /^10:17: tests\[0\]\.expected_alerts\[0\]\.time: expected a duration .*found "1 minute"/,
      ),
      expect.stringMatching(
        /^10:64: tests\[0\]\.expected_alerts\[0\]\.status: pending is a state of the rule, not an alert/,
      ),
      expect.stringMatching(/^11:5: tests\[1\]\.expected_alerts: "expected_alerts" is missing/),
    ]);
  });

  it('rejects expectations of a rule that does not exist, and broken rules files', async () => {
    const unknown = await rejection(runRuleTestFile(path.join(FIXTURES, 'unknown-rule-tests.yaml')));
    expect(unknown.code).toBe('TW_RULE_TEST_INVALID');
    expect(unknown.message).toMatch(
      /unknown-rule-tests\.yaml:5:9: rule: no rule "portfolio_drawdown_hourly" in .*default-rules\.yaml \(did you mean "portfolio_drawdown_daily"\?\)/,
    );
    const broken = await rejection(runRuleTestFile(path.join(FIXTURES, 'broken-rules-tests.yaml')));
    expect(broken.code).toBe('TW_RULES_INVALID');
    expect(broken.message).toMatch(
      /broken\.yaml:8:14: rule "portfolio_drawdown_1h" \(rules\[0\]\): summary: \{\{valu \| pct\}\}/,
    );
  });

  it('parses the format: defaults, per-series intervals, rule files relative to the test file', () => {
    const parsed = parseRuleTests(
      `rule_files: [rules.yaml, ../other.yaml]
tests:
  - input_series:
      - { metric: 'm{a="b"}', values: '1 _ 2', interval: 30s }
      - { metric: m2, values: 3 }
    expected_alerts:
      - { time: 1m30s, rule: r, status: resolved, ends_at: null, labels: { a: b } }
`,
      'dir/tests.yaml',
    );
    expect(parsed.ruleFiles).toEqual([path.resolve('dir/rules.yaml'), path.resolve('other.yaml')]);
    expect(parsed.tests[0]).toMatchObject({
      name: 'tests[0]',
      series: [
        { name: 'm', labels: { a: 'b' }, interval: 30_000, samples: [1, null, 2] },
        { name: 'm2', labels: {}, interval: 60_000, samples: [3] },
      ],
      expected: [
        {
          at: 'dir/tests.yaml:7:9',
          time: 90_000,
          rule: 'r',
          status: 'resolved',
          ends_at: null,
          labels: { a: 'b' },
        },
      ],
    });
  });

  it('parses input records: defaults merged under each record, time setting the event-time field, durations for timestamps', () => {
    const parsed = parseRuleTests(
      `rule_files: [rules.yaml]
tests:
  - input_records:
      - topic: jobs.runs
        defaults: { job: nightly, template: risk_check, env: prod, scheduled_at: 0, trigger: schedule, attempt: 1,
                    max_attempts: 3, instance: i1, started_at: 10s, outcome: failed, final: true, next_attempt_at: null,
                    error: boom, duration_ms: 5, delay_ms: 0, summary: {} }
        records:
          - { time: 1m, attempt: 2 }
    expected_alerts: []
`,
      'dir/tests.yaml',
    );
    expect(parsed.tests[0]?.series).toEqual([]);
    expect(parsed.tests[0]?.records).toEqual([
      {
        topic: 'jobs.runs',
        type: 'JobRun',
        time: 60_000,
        at: 'dir/tests.yaml:9:13',
        value: expect.objectContaining({
          attempt: 2,
          started_at: 10_000,
          finished_at: 60_000,
          job: 'nightly',
        }) as unknown,
      },
    ]);
  });

  it('rejects input records of an unknown topic, with missing or wrong fields, or that no rule watches', async () => {
    const invalid = (yaml: string): string[] => {
      try {
        parseRuleTests(yaml, 't.yaml');
      } catch (e) {
        if (e instanceof TradewatchError) return e.details['problems'] as string[];
        throw e;
      }
      throw new Error('expected TW_RULE_TEST_INVALID');
    };
    expect(
      invalid(`rule_files: [r.yaml]
tests:
  - input_records:
      - { topic: ingest.run, records: [] }
      - topic: outcomes
        records:
          - { asset: BTC, horizon_ms: 1, forward_return: '0.1' }
          - { time: 1m, asset: BTC, horizon_ms: 1, forward_return: '0.1' }
          - { time: 1m, asset: BTC, horizon_ms: 1, forward_return: 0.1, venue: x }
          - { time: 1m, asset: BTC }
    expected_alerts: []
  - expected_alerts: []
`),
    ).toEqual([
      't.yaml:4:18: tests[0].input_records[0].topic: "ingest.run" is not a topic rules over records watch (did you mean "ingest.runs"?); they are portfolio.marks, trades, inference.cycles, outcomes, ingest.runs, signals, jobs.runs',
      't.yaml:7:13: tests[0].input_records[1].records[0]: "time" is missing: when the record happened, from the start (it sets as_of)',
      't.yaml:8:68: tests[0].input_records[1].records[1].forward_return: expected double (a number), found "0.1"',
      expect.stringMatching(
        /^t\.yaml:9:80: tests\[0\]\.input_records\[1\]\.records\[2\]\.venue: expected no field of this name/,
      ),
      't.yaml:10:13: tests[0].input_records[1].records[3]: horizon_ms: expected long (an integer within ±9007199254740991), found nothing (missing) (give it in defaults or in the record)',
      't.yaml:10:13: tests[0].input_records[1].records[3]: forward_return: expected double (a number), found nothing (missing) (give it in defaults or in the record)',
      't.yaml:12:5: tests[1]: "input_series" is missing: expected a list of series (metric, values), or input_records for rules over records',
    ]);

    const noRule = await rejection(runRuleTestFile(path.join(FIXTURES, 'unwatched-records-tests.yaml')));
    expect(noRule.code).toBe('TW_RULE_TEST_INVALID');
    expect(noRule.message).toMatch(
      /unwatched-records-tests\.yaml:7:13: input_records: no rule in .*default-rules\.yaml watches topic trades \(record: trades\)/,
    );
  });
});
