/**
 * `tradewatch rules check | test | schema`: exit codes and output (the command runs from the repository
 * root, so relative paths are shown as given).
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';

const DEFAULT_RULES = 'processors/rules/default-rules.yaml';
const EXAMPLES = 'processors/rules/examples/expression-rules.yaml';
const RECORD_EXAMPLES = 'processors/rules/examples/record-rules.yaml';
const BROKEN = 'test/fixtures/rules/broken.yaml';
const SHIPPED_TESTS = [
  'processors/rules/tests/baseline.yaml',
  'processors/rules/tests/drawdown.yaml',
  'processors/rules/tests/expression-rules.yaml',
];

describe('tradewatch rules check', () => {
  it('exits 0 with one line per valid file', async () => {
    const result = await runCli(['rules', 'check', DEFAULT_RULES, EXAMPLES, RECORD_EXAMPLES]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(
        /^processors\/rules\/default-rules\.yaml: OK, \d+ rules \(\d+ threshold, 0 expr\)$/,
      ),
      'processors/rules/examples/expression-rules.yaml: OK, 2 rules (0 threshold, 2 expr)',
      'processors/rules/examples/record-rules.yaml: OK, 6 rules (2 threshold, 4 expr; 6 over records of ingest.runs, trades, inference.cycles, jobs.runs, outcomes)',
    ]);
  });

  it('exits 2 listing every problem of every invalid file, and still checks the others', async () => {
    const result = await runCli([
      'rules',
      'check',
      BROKEN,
      DEFAULT_RULES,
      'test/fixtures/rules/missing.yaml',
    ]);
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/^processors\/rules\/default-rules\.yaml: OK/);
    expect(result.stderr).toContain(
      'tradewatch: TW_RULES_INVALID: the alert rules file test/fixtures/rules/broken.yaml is invalid (4 problems)',
    );
    for (const problem of [
      'test/fixtures/rules/broken.yaml:6:12: rule "portfolio_drawdown_1h" (rules[0]): clear: clear 0.06 is on the wrong side',
      'test/fixtures/rules/broken.yaml:8:14: rule "portfolio_drawdown_1h" (rules[0]): summary: {{valu | pct}}: unknown placeholder "valu"',
      'test/fixtures/rules/broken.yaml:9:11: rule "Bad-Name" (rules[1]): name: expected a snake_case name',
      'test/fixtures/rules/broken.yaml:13:15: rule "Bad-Name" (rules[1]): severity: expected one of critical, error, warning, info, found "urgent"',
    ]) {
      expect(result.stderr).toContain(problem);
    }
    expect(result.stderr).toMatch(
      /TW_RULES_INVALID: cannot read the alert rules file test\/fixtures\/rules\/missing\.yaml: ENOENT/,
    );
  });

  it('catches an expression that does not compile, at its line', async () => {
    const result = await runCli(['rules', 'check', 'test/fixtures/rules/bad-expression.yaml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'test/fixtures/rules/bad-expression.yaml:5:27: rule "drawdown_and_venue" (rules[0]): expr: Unknown variable: lables (did you mean "labels"?)',
    );
  });
});

describe('tradewatch rules test', () => {
  it('exits 0 when every test passes, with one summary line per file', async () => {
    const result = await runCli(['rules', 'test', ...SHIPPED_TESTS]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.trimEnd().split('\n')).toEqual([
      'processors/rules/tests/baseline.yaml: 1 test, 1 passed, 0 failed',
      'processors/rules/tests/drawdown.yaml: 4 tests, 4 passed, 0 failed',
      'processors/rules/tests/expression-rules.yaml: 3 tests, 3 passed, 0 failed',
    ]);
  });

  it('exits 1 on a failed test, printing what differed', async () => {
    const result = await runCli(['rules', 'test', 'test/fixtures/rules/failing-tests.yaml']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      'FAIL test/fixtures/rules/failing-tests.yaml: "wrong expectations" (tests[1])\n',
    );
    expect(result.stdout).toContain(
      '  alert differs (test/fixtures/rules/failing-tests.yaml:16:9): 1m firing portfolio_drawdown_1h {portfolio="beta"}\n',
    );
    expect(result.stdout).toContain('      labels: expected {portfolio="beta"}, got {portfolio="alpha"}\n');
    expect(result.stdout).toContain(
      '  missing alert (test/fixtures/rules/failing-tests.yaml:21:9): 2m resolved portfolio_drawdown_1h\n',
    );
    expect(result.stdout).toContain(
      '  unexpected alert: 3m resolved portfolio_drawdown_1h {portfolio="alpha"}',
    );
    expect(result.stdout).toMatch(
      /test\/fixtures\/rules\/failing-tests\.yaml: 3 tests, 1 passed, 2 failed\n$/,
    );
    expect(result.stderr).toContain('TW_RULE_TEST_FAILED');
  });

  it('exits 2 on an invalid test file, a test of an unknown rule, or a broken rules file', async () => {
    for (const [file, code] of [
      ['invalid-tests.yaml', 'TW_RULE_TEST_INVALID'],
      ['unknown-rule-tests.yaml', 'TW_RULE_TEST_INVALID'],
      ['broken-rules-tests.yaml', 'TW_RULES_INVALID'],
      ['no-such-file.yaml', 'TW_RULE_TEST_INVALID'],
    ] as const) {
      const result = await runCli(['rules', 'test', `test/fixtures/rules/${file}`]);
      expect({ file, code: result.code }).toEqual({ file, code: 2 });
      expect(result.stderr).toContain(`tradewatch: ${code}: `);
    }
    // With a failing file too, the invalid file decides: 2.
    const both = await runCli([
      'rules',
      'test',
      'test/fixtures/rules/failing-tests.yaml',
      'test/fixtures/rules/invalid-tests.yaml',
    ]);
    expect(both.code).toBe(2);
    expect(both.stdout).toContain('3 tests, 1 passed, 2 failed');
  });
});

describe('tradewatch rules schema', () => {
  it('prints the committed JSON Schema', async () => {
    const result = await runCli(['rules', 'schema']);
    expect(result.code).toBe(0);
    const committed = JSON.parse(
      await readFile(new URL('../../processors/rules/rules.schema.json', import.meta.url), 'utf8'),
    ) as unknown;
    expect(JSON.parse(result.stdout)).toEqual(committed);
  });
});
