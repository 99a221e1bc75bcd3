import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { rulesInvalid } from './harness.ts';
import { DEFAULT_RULES_FILE, loadRules, parseRules } from '../../../processors/rules/index.ts';

const problemsOf = rulesInvalid;

const VALID_RULE = `
  - name: ok_rule
    metric: drawdown_1h
    op: '>'
    threshold: 0.05
    severity: warning
    summary: '{{value}}'`;

describe('rules file', () => {
  it('loads the default file: the drawdown rules and the baseline deviation rule', async () => {
    const rules = await loadRules(DEFAULT_RULES_FILE);
    const shipped = ['portfolio_drawdown_1h', 'portfolio_drawdown_daily', 'strategy_metric_deviation'];
    expect(
      rules.rules
        .filter((r) => shipped.includes(r.name))
        .map((r) => [
          r.name,
          r.input.kind === 'metric' ? r.input.metric : r.input.topic.topic,
          r.kind === 'threshold' ? r.op : r.kind,
          r.kind === 'threshold' ? r.threshold : null,
          r.severity,
          r.consecutive,
        ]),
    ).toEqual([
      ['portfolio_drawdown_1h', 'drawdown_1h', '>', 0.05, 'critical', 1],
      ['portfolio_drawdown_daily', 'drawdown_daily', '>', 0.1, 'critical', 1],
      ['strategy_metric_deviation', 'baseline_zscore_abs', '>', 3, 'warning', 3],
    ]);
    for (const rule of rules.rules.filter((r) => shipped.includes(r.name))) {
      if (rule.kind !== 'threshold') throw new Error(`${rule.name} is not a threshold rule`);
      expect(rule.clear).toBeLessThan(rule.threshold);
    }
    expect(rules.byMetric.get('drawdown_1h')?.map((r) => r.name)).toEqual(['portfolio_drawdown_1h']);
    expect(Object.isFrozen(rules.rules)).toBe(true);
  });

  it('reads the full format: matchers, static labels, description, version', () => {
    const rules = parseRules(
      `version: 1
rules:
  - name: lag_high
    description: the ingest is behind
    metric: freshness_lag_ms
    match:
      ingest: binance-candles
      strategy: { regex: 'momentum-.*' }
      env: { in: [prod, staging] }
    op: '>='
    threshold: 600000
    severity: error
    summary: '{{labels.ingest}} lags {{value | fixed 0}} ms'
    labels: { team: data }
`,
      'rules.yaml',
    );
    const [rule] = rules.rules;
    expect(rule).toMatchObject({ kind: 'threshold', clear: 600000 }); // default: the threshold
    expect(rule?.labels).toEqual({ team: 'data' });
    expect(rule?.description?.source).toBe('the ingest is behind');
    expect(rule?.match.map((m) => [m.label, m.kind])).toEqual([
      ['ingest', 'equals'],
      ['strategy', 'regex'],
      ['env', 'in'],
    ]);
  });

  it('lists every problem in one error, each with file, line, rule and problem', () => {
    const { error, problems } = problemsOf(
      `rules:
  - name: first_rule
    metric: drawdown_1h
    op: '=>'
    threshold: 0.05
    severity: page
    summary: '{{value}}'
  - metric: drawdown_daily
    op: '>'
    threshold: 5%
    severity: critical
    summary: '{{value}}'
`,
    );
    expect(problems).toEqual([
      expect.stringMatching(
        /^rules\.yaml:4:9: rule "first_rule" \(rules\[0\]\): op: expected one of '>', '>=', '<', '<=', found "=>"/,
      ),
      expect.stringMatching(
        /^rules\.yaml:6:15: rule "first_rule" \(rules\[0\]\): severity: expected one of critical, error, warning, info, found "page"/,
      ),
      expect.stringMatching(/^rules\.yaml:8:5: rules\[1\]: "name" is missing/),
      expect.stringMatching(
        /^rules\.yaml:10:16: rules\[1\]: threshold: expected a number, found "5%": write ratios as fractions/,
      ),
    ]);
    expect(error.message).toContain('the alert rules file rules.yaml is invalid (4 problems)');
    for (const p of problems) expect(error.message).toContain(p);
  });

  it('reports YAML syntax errors with line and column, and hints at quoting an operator', () => {
    const { problems } = problemsOf('rules:\n  - name: a\n    op: >=\n    threshold: 1\n');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^rules\.yaml:3:\d+: YAML syntax error: .*quote the operator/);

    const flow = problemsOf('rules:\n  - name: a\n    match: { portfolio: alpha\n');
    expect(flow.problems[0]).toMatch(/^rules\.yaml:\d+:\d+: YAML syntax error/);
  });

  it('reports duplicate keys in a mapping as a YAML error', () => {
    const { problems } = problemsOf(`rules:${VALID_RULE}\n    threshold: 0.06\n`);
    expect(problems).toEqual([
      expect.stringMatching(/^rules\.yaml:8:5: YAML syntax error: Map keys must be unique/),
    ]);
  });

  it('rejects an unquoted > (an empty folded block) with a hint', () => {
    const { problems } = problemsOf(`rules:${VALID_RULE.replace("op: '>'", 'op: >')}\n`);
    expect(problems).toEqual([
      expect.stringMatching(
        /rule "ok_rule" \(rules\[0\]\): op: expected one of .*found "": quote the operator/,
      ),
    ]);
  });

  it('rejects a clear bound on the wrong side of the threshold, for every operator', () => {
    const rule = (name: string, op: string, threshold: number, clear: number) => `
  - name: ${name}
    metric: m
    op: '${op}'
    threshold: ${threshold}
    clear: ${clear}
    severity: info
    summary: x`;
    const { problems } = problemsOf(
      `rules:${rule('gt', '>', 0.05, 0.06)}${rule('ge', '>=', 1, 2)}${rule('lt', '<', 10, 5)}${rule('le', '<=', 10, 9)}` +
        `${rule('gt_ok', '>', 0.05, 0.05)}${rule('lt_ok', '<', 10, 12)}\n`,
    );
    expect(problems).toEqual([
      expect.stringMatching(
        /rule "gt" .*clear: clear 0\.06 is on the wrong side of threshold 0\.05: with op '>' it must be at or below/,
      ),
      expect.stringMatching(/rule "ge" .*clear: .*at or below/),
      expect.stringMatching(/rule "lt" .*clear: .*at or above/),
      expect.stringMatching(/rule "le" .*clear: .*at or above/),
    ]);
  });

  it('rejects unknown placeholders and formatters in the summary, with a did-you-mean', () => {
    const { problems } = problemsOf(
      `rules:${VALID_RULE.replace("'{{value}}'", "'{{valeu}} {{labels}} {{env | pct}} {{value | pc}} {{value | fixed}} {{value'")}\n`,
    );
    expect(problems).toEqual([
      expect.stringMatching(/summary: \{\{valeu\}\}: unknown placeholder "valeu" \(did you mean "value"\?\)/),
      expect.stringMatching(/summary: \{\{labels\}\}: unknown placeholder "labels"; known: .*labels\.<name>/),
      expect.stringMatching(/summary: \{\{env \| pct\}\}: "env" is text/),
      expect.stringMatching(/summary: \{\{value \| pc\}\}: unknown formatter "pc" \(did you mean "pct"\?\)/),
      expect.stringMatching(/summary: \{\{value \| fixed\}\}: "fixed" takes one argument/),
      expect.stringMatching(/summary: "\{\{" at character \d+ is never closed/),
    ]);
  });

  it('rejects duplicate rule names, naming the first', () => {
    const { problems } = problemsOf(`rules:${VALID_RULE}${VALID_RULE}\n`);
    expect(problems).toEqual([
      expect.stringMatching(
        /^rules\.yaml:8:11: rule "ok_rule" \(rules\[1\]\): name: duplicate name: rules\[0\] is also named "ok_rule"/,
      ),
    ]);
  });

  it('rejects unknown keys at every level, with a did-you-mean', () => {
    const { problems } = problemsOf(
      `versoin: 1
rules:${VALID_RULE}
    treshold: 1
    match: { portfolio: { regx: 'a.*' } }
`,
    );
    expect(problems).toEqual([
      expect.stringMatching(/^rules\.yaml:1:1: versoin: unknown key "versoin" \(did you mean "version"\?\)/),
      expect.stringMatching(
        /^rules\.yaml:9:5: rule "ok_rule" \(rules\[0\]\): treshold: unknown key "treshold" \(did you mean "threshold"\?\)/,
      ),
      expect.stringMatching(
        /^rules\.yaml:10:27: rule "ok_rule" \(rules\[0\]\): match\.portfolio\.regx: unknown key "regx" \(did you mean "regex"\?\)/,
      ),
    ]);
  });

  it('checks names, matchers and static labels', () => {
    const { problems } = problemsOf(
      `rules:
  - name: Bad-Name
    metric: drawdown-1h
    op: '<'
    threshold: 1
    severity: info
    summary: x
    match: { portfolio: { regex: '(' }, env: { in: [] }, strategy: 3 }
    labels: { env: prod, team: 1 }
`,
    );
    expect(problems).toEqual([
      expect.stringMatching(/name: expected a snake_case name .*found "Bad-Name"/),
      expect.stringMatching(/metric: expected a metric name in snake_case .*found "drawdown-1h"/),
      expect.stringMatching(/match\.portfolio\.regex: "\(" is not a valid regular expression/),
      expect.stringMatching(/match\.env\.in: expected at least one value/),
      expect.stringMatching(/match\.strategy: label values are text: quote it \('3'\)/),
      expect.stringMatching(/labels\.env: "env" cannot be set here/),
      expect.stringMatching(/labels\.team: label values are text/),
    ]);
  });

  it('rejects a file without rules, a wrong version and an empty file', () => {
    expect(problemsOf('').problems).toEqual([
      expect.stringMatching(/^rules\.yaml:1:1: expected a mapping with a "rules:" list, found an empty file/),
    ]);
    expect(problemsOf('version: 2\nrules: []\n').problems).toEqual([
      expect.stringMatching(/^rules\.yaml:1:10: version: expected 1, found 2/),
    ]);
    expect(problemsOf('version: 1\n').problems).toEqual([expect.stringMatching(/"rules:" is missing/)]);
    expect(problemsOf('rules: {}\n').problems).toEqual([
      expect.stringMatching(/^rules\.yaml:1:8: rules: expected a list of rules, found \{\}/),
    ]);
    expect(problemsOf('rules:\n  - 3\n').problems).toEqual([
      expect.stringMatching(/^rules\.yaml:2:5: rules\[0\]: expected a mapping/),
    ]);
  });

  it('loadRules names the file it read, and says so when it cannot read it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tw-rules-'));
    try {
      const file = path.join(dir, 'bad.yaml');
      await writeFile(file, 'rules:\n  - name: a\n');
      await expect(loadRules(file)).rejects.toThrow(
        /bad\.yaml:2:5: rule "a" \(rules\[0\]\): "metric" is missing/,
      );
      await expect(loadRules(path.join(dir, 'missing.yaml'))).rejects.toMatchObject({
        code: 'TW_RULES_INVALID',
        message: expect.stringMatching(/cannot read the alert rules file .*missing\.yaml: ENOENT/) as unknown,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
