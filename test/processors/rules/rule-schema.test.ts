/**
 * The published JSON Schema of rules files (processors/rules/rules.schema.json) and the loader's
 * validation of the new keys: expressions compiled at load time, durations, environments, group_by,
 * every problem with its file:line:col.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { problemsOf } from './harness.ts';
import { DEFAULT_RULES_FILE, parseRules, rulesJsonSchema } from '../../../processors/rules/index.ts';

const SCHEMA_FILE = new URL('../../../processors/rules/rules.schema.json', import.meta.url);
const EXAMPLES_FILE = new URL('../../../processors/rules/examples/expression-rules.yaml', import.meta.url);

describe('rules JSON Schema', () => {
  it('is generated from the loader’s schema, and the committed file is not stale', async () => {
    const committed = JSON.parse(await readFile(SCHEMA_FILE, 'utf8')) as unknown;
    // If this fails: npm run tradewatch -- rules schema > processors/rules/rules.schema.json, then prettier.
    expect(committed).toEqual(rulesJsonSchema());
    expect(committed).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      title: 'tradewatch alert rules',
      additionalProperties: false,
      required: ['rules'],
    });
  });

  it('as a validator (zod from the committed JSON), accepts the shipped and example rules and rejects bad ones', async () => {
    const schema = z.fromJSONSchema(
      JSON.parse(await readFile(SCHEMA_FILE, 'utf8')) as Parameters<typeof z.fromJSONSchema>[0],
    );
    for (const file of [DEFAULT_RULES_FILE, EXAMPLES_FILE]) {
      const result = schema.safeParse(parseYaml(await readFile(file, 'utf8')));
      expect(result.error).toBeUndefined();
    }
    const rule = { name: 'a_rule', metric: 'm', severity: 'info', summary: 'x' };
    const bad = [
      { ...rule }, // no condition
      { ...rule, expr: 'value > 1', op: '>', threshold: 1 }, // both forms
      { ...rule, expr: 'value > 1', for: '5 minutes' },
      { ...rule, expr: 'value > 1', environments: ['live'] },
      { ...rule, op: '>', threshold: 1, clear_expr: 'value < 1' },
      { ...rule, op: '=>', threshold: 1 },
      { ...rule, name: 'Bad-Name', op: '>', threshold: 1 },
      { ...rule, op: '>', threshold: 1, tresh: 1 },
    ];
    for (const r of bad) expect(schema.safeParse({ rules: [r] }).success, JSON.stringify(r)).toBe(false);
    expect(
      schema.safeParse({ rules: [{ ...rule, expr: 'value > 1', for: '1h30m', keep_firing_for: 0 }] }).success,
    ).toBe(true);
  });
});

describe('rules file: expressions and the new keys', () => {
  const rule = (lines: string) =>
    `rules:
  - name: r
    metric: drawdown_1h
    severity: warning
    summary: x
${lines
  .split('\n')
  .map((l) => `    ${l}`)
  .join('\n')}
`;

  it('reads the expression form with every new key', () => {
    const [compiled] = parseRules(
      rule(`expr: value > 0.03
clear_expr: value < 0.02
for: 10m
keep_firing_for: 1h30m
environments: [prod, paper]
group_by: [portfolio]`),
      'rules.yaml',
    ).rules;
    expect(compiled).toMatchObject({
      kind: 'expr',
      forMs: 600_000,
      keepFiringForMs: 5_400_000,
      environments: ['prod', 'paper'],
      groupBy: ['portfolio'],
      consecutive: 1,
    });
    expect(compiled?.kind === 'expr' && [compiled.expr.source, compiled.clearExpr?.source]).toEqual([
      'value > 0.03',
      'value < 0.02',
    ]);
  });

  it('reports expression errors at load time with the line and column inside the expression', () => {
    expect(problemsOf(rule('expr: value > 0.05 && valeu < 1.0'))).toEqual([
      // Line 6 is the expr line; "valeu" is at column 27 (4 spaces, "expr: " and 16 characters).
      'rules.yaml:6:27: rule "r" (rules[0]): expr: Unknown variable: valeu (did you mean "value"?); variables: value, labels, name, ts, time',
    ]);
    // The end of the expression: column 12 (after the quote) + 7 characters.
    expect(problemsOf(rule("expr: 'value +'"))).toEqual([
      'rules.yaml:6:19: rule "r" (rules[0]): expr: Unexpected token: EOF',
    ]);
    // A literal block: the problem is on the block's second line, at "labels".
    expect(problemsOf(rule('expr: |\n  value > 0.05 &&\n    labels.portfolio == 3'))).toEqual([
      expect.stringMatching(
        /^rules\.yaml:8:9: rule "r" \(rules\[0\]\): expr: no such overload: string == int: label values are text/,
      ),
    ]);
    expect(problemsOf(rule('expr: value == 3'))).toEqual([
      expect.stringMatching(
        /^rules\.yaml:6:11: .*expr: no such overload: double == int: .*write the number with a decimal point \(3\.0\)/,
      ),
    ]);
    expect(problemsOf(rule('expr: value + 1.0'))).toEqual([
      'rules.yaml:6:11: rule "r" (rules[0]): expr: a condition must be true or false (a bool); this expression is a double',
    ]);
    expect(problemsOf(rule('expr: size(http_get("x")) > 0'))).toEqual([
      expect.stringMatching(
        /expr: found no matching overload for 'http_get\(string\)'.*only the functions of the CEL standard library/,
      ),
    ]);
    expect(problemsOf(rule('expr: value > 1.0\nclear_expr: "labels.x"'))).toEqual([
      expect.stringMatching(
        /^rules\.yaml:7:18: .*clear_expr: a condition must be true or false \(a bool\); this expression is a string/,
      ),
    ]);
  });

  it('rejects mixing the two forms, clear_expr without expr, and a rule without a condition', () => {
    expect(problemsOf(rule("expr: value > 1.0\nop: '>'\nthreshold: 1"))).toEqual([
      expect.stringMatching(/^rules\.yaml:7:5: .*op: "op" does not go with "expr"/),
      expect.stringMatching(/^rules\.yaml:8:5: .*threshold: "threshold" does not go with "expr"/),
    ]);
    expect(problemsOf(rule("op: '>'\nthreshold: 1\nclear_expr: value < 1.0"))).toEqual([
      expect.stringMatching(/^rules\.yaml:8:5: .*clear_expr: "clear_expr" goes with "expr"/),
    ]);
    expect(problemsOf(rule('labels: { a: b }'))).toEqual([
      expect.stringMatching(
        /^rules\.yaml:2:5: rule "r" \(rules\[0\]\): the condition is missing: op and threshold .* or expr/,
      ),
    ]);
    expect(problemsOf(rule("op: '>'"))).toEqual([expect.stringMatching(/"threshold" is missing/)]);
  });

  it('rejects {{threshold}} and {{clear}} in an expression rule’s templates', () => {
    expect(
      problemsOf(rule("expr: value > 0.05\ndescription: 'over {{threshold}}, clears at {{clear | pct}}'")),
    ).toEqual([
      expect.stringMatching(
        /^rules\.yaml:7:18: .*description: \{\{threshold\}\}: a rule with expr has no threshold/,
      ),
      expect.stringMatching(/description: \{\{clear \| pct\}\}: a rule with expr has no clear/),
    ]);
  });

  it('checks durations, environments and group_by, each with its line', () => {
    expect(
      problemsOf(
        rule(`expr: value > 1.0
for: 5 minutes
keep_firing_for: 300
environments: [prod, live]
group_by: [env, portfolio, portfolio]`),
      ),
    ).toEqual([
      'rules.yaml:7:10: rule "r" (rules[0]): for: expected a duration such as 30s, 5m, 1h30m, 2d or 0 (units: w, d, h, m, s, ms), found "5 minutes"',
      'rules.yaml:8:22: rule "r" (rules[0]): keep_firing_for: expected a duration such as 30s, 5m, 1h30m, 2d or 0 (units: w, d, h, m, s, ms), found 300',
      'rules.yaml:9:26: rule "r" (rules[0]): environments.1: expected one of prod, staging, paper, found "live"',
      'rules.yaml:10:15: rule "r" (rules[0]): group_by: a label is listed twice',
      'rules.yaml:10:16: rule "r" (rules[0]): group_by.0: env is always part of the alert: leave it out of group_by',
    ]);
    expect(problemsOf(rule('expr: value > 1.0\nenvironments: []\ngroup_by: [a, a]'))).toEqual([
      expect.stringMatching(/^rules\.yaml:7:19: .*environments: expected at least one environment/),
      expect.stringMatching(/^rules\.yaml:8:15: .*group_by: a label is listed twice/),
    ]);
  });
});
