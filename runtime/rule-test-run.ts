/**
 * Runs rule unit tests (rule-test-file.ts): each test's input series become metric points at time
 * 0, interval, 2·interval, ... (epoch 1970-01-01T00:00:00Z, so times read as durations from the start),
 * and its input records are taken at their `time`; all are fed in time order (series, then records, in
 * file order at equal times) through the real rules processor on the virtual runner; the alerts it
 * emits are compared with the expected ones, each in full: a test passes when every expected alert was
 * emitted and nothing else was.
 */
import { Writable } from 'node:stream';
import { TradewatchError } from '../core/errors.ts';
import { createLogger } from '../core/logger.ts';
import { VirtualRunner } from './processor/virtual-runner.ts';
import type { Alert, Metric } from '../schemas/index.ts';
import type { RulesInputValue } from '../processors/rules/rules-processor.ts';
import { closest } from '../core/problems.ts';
import { seriesKey } from '../topics/catalogue.ts';
import { formatDuration } from '../core/durations.ts';
import { loadRuleFiles } from '../processors/rules/rule-file.ts';
import {
  loadRuleTests,
  type ExpectedAlert,
  type RuleTest,
  type RuleTestFile,
} from '../processors/rules/rule-test-file.ts';
import { createRulesProcessor } from '../processors/rules/rules-processor.ts';
import type { CompiledRules } from '../processors/rules/types.ts';

/** An alert the rules emitted in a test, with its description ('' when the rule renders none). */
export interface EmittedAlert {
  readonly alert: Alert;
  readonly description: string;
}

/** How one test went. */
export interface TestOutcome {
  readonly test: RuleTest;
  readonly passed: boolean;
  /** What differed (and the warnings of the run), one line each; empty when it passed cleanly. */
  readonly lines: readonly string[];
  readonly emitted: readonly EmittedAlert[];
}

/** How a test file went. */
export interface FileOutcome {
  readonly file: string;
  readonly outcomes: readonly TestOutcome[];
}

/**
 * Loads a test file and its rules files, and runs every test.
 * @throws TradewatchError TW_RULE_TEST_INVALID (the test file) or TW_RULES_INVALID (a rules file).
 */
export async function runRuleTestFile(file: string): Promise<FileOutcome> {
  const tests = await loadRuleTests(file);
  const rules = await loadRuleFiles(tests.ruleFiles);
  return runRuleTests(tests, rules);
}

/**
 * Runs every test of a validated file against `rules`.
 * @throws TradewatchError TW_RULE_TEST_INVALID when an expected alert names a rule that does not exist.
 */
export function runRuleTests(tests: RuleTestFile, rules: CompiledRules): FileOutcome {
  const names = rules.rules.map((r) => r.name);
  const unknown = tests.tests.flatMap((t) =>
    t.expected
      .filter((e) => !names.includes(e.rule))
      .map((e) => {
        const guess = closest(e.rule, names);
        return `${e.at}: rule: no rule "${e.rule}" in ${rules.file}${guess === undefined ? '' : ` (did you mean "${guess}"?)`}`;
      }),
  );
  // Records of a topic that no rule watches would pass through unnoticed: most likely a rules file is
  // missing from rule_files.
  for (const test of tests.tests) {
    for (const record of test.records) {
      if (!rules.byTopic.has(record.topic)) {
        unknown.push(
          `${record.at}: input_records: no rule in ${rules.file} watches topic ${record.topic} (record: ${record.topic})`,
        );
      }
    }
  }
  if (unknown.length > 0) {
    throw new TradewatchError(
      'TW_RULE_TEST_INVALID',
      `the rule test file ${tests.file} refers to rules that do not exist:\n${unknown.map((p) => `  - ${p}`).join('\n')}`,
      { details: { file: tests.file, problems: unknown } },
    );
  }
  return { file: tests.file, outcomes: tests.tests.map((test) => runTest(test, rules)) };
}

/** One input of a test: a metric point or a record, at its time. */
interface Input {
  readonly topic: string;
  readonly value: RulesInputValue;
  readonly time: number;
  /** Series order, then records in file order, at equal times. */
  readonly order: number;
  /** For messages. */
  readonly describe: string;
}

function runTest(test: RuleTest, rules: CompiledRules): TestOutcome {
  const points: Input[] = test.series.flatMap((s, series) =>
    s.samples.flatMap((value, i): Input[] => {
      if (value === null) return [];
      const metric: Metric = { name: s.name, labels: s.labels, value, ts: i * s.interval };
      return [
        {
          topic: 'metrics',
          value: metric,
          time: metric.ts,
          order: series,
          describe: `point ${seriesKey(metric.name, metric.labels)} ${metric.value}`,
        },
      ];
    }),
  );
  const records: Input[] = test.records.map((r, i) => ({
    topic: r.topic,
    value: r.value as unknown as RulesInputValue,
    time: r.time,
    order: test.series.length + i,
    describe: `record of ${r.topic} (${r.at})`,
  }));
  const inputs = [...points, ...records];
  // Stable: series order, then records, at equal times.
  inputs.sort((a, b) => a.time - b.time || a.order - b.order);

  const processor = createRulesProcessor(rules);
  const warnings: string[] = [];
  const logger = createLogger({
    level: 'warn',
    format: 'json',
    destination: new Writable({
      write(chunk: Buffer | string, _encoding, done) {
        warnings.push(describeLogLine(String(chunk)));
        done();
      },
    }),
  });
  const runner = new VirtualRunner(processor, { logger });
  const emitted: EmittedAlert[] = [];
  const lines: string[] = [];
  for (const { topic, value, time, describe } of inputs) {
    const fed = runner.feed(topic, value, { timestamp: time });
    if (fed.rejected !== null) lines.push(`${describe} at ${at(time)} was rejected: ${fed.rejected}`);
    for (const output of fed.outputs) {
      if (output.kind === 'alert') {
        emitted.push({ alert: output.alert, description: output.alert.description ?? '' });
      }
    }
  }

  const diff = compare(test.expected, emitted);
  return {
    test,
    passed: diff.length === 0 && lines.length === 0,
    lines: [...lines, ...diff, ...warnings],
    emitted,
  };
}

/** `3m`: a time of a test, from its start. */
function at(ms: number): string {
  return formatDuration(ms);
}

function describeLogLine(line: string): string {
  try {
    const entry = JSON.parse(line) as Record<string, unknown>;
    const ts = typeof entry['ts'] === 'number' ? ` at ${at(entry['ts'])}` : '';
    const rule = typeof entry['rule'] === 'string' ? `rule ${entry['rule']}: ` : '';
    const series = typeof entry['series'] === 'string' ? ` on ${entry['series']}` : '';
    const reason = typeof entry['reason'] === 'string' ? `: ${entry['reason']}` : '';
    return `warning: ${rule}${String(entry['msg'])}${series}${ts}${reason}`;
  } catch {
    return `warning: ${line.trim()}`;
  }
}

/** The fields an expectation gives, compared with an emitted alert's; empty when they agree. */
function differences(expected: ExpectedAlert, emitted: EmittedAlert): string[] {
  const { alert } = emitted;
  const diffs: string[] = [];
  const check = (field: string, want: unknown, got: unknown, show = (v: unknown) => JSON.stringify(v)) => {
    if (!sameValue(want, got)) diffs.push(`${field}: expected ${show(want)}, got ${show(got)}`);
  };
  check('time', expected.time, alert.ts, (v) => at(v as number));
  check('rule', expected.rule, alert.rule);
  check('status', expected.status, alert.status);
  if (expected.labels !== undefined)
    check('labels', expected.labels, alert.labels, (v) => showLabels(v as Record<string, string>));
  if (expected.summary !== undefined) check('summary', expected.summary, alert.summary);
  if (expected.description !== undefined) check('description', expected.description, emitted.description);
  if (expected.severity !== undefined) check('severity', expected.severity, alert.severity);
  if (expected.env !== undefined) check('env', expected.env, alert.env);
  if (expected.value !== undefined) check('value', expected.value, alert.value);
  if (expected.starts_at !== undefined)
    check('starts_at', expected.starts_at, alert.starts_at, (v) => at(v as number));
  if (expected.ends_at !== undefined) {
    check('ends_at', expected.ends_at, alert.ends_at, (v) => (v === null ? 'null' : at(v as number)));
  }
  return diffs;
}

function sameValue(want: unknown, got: unknown): boolean {
  if (typeof want === 'number' && typeof got === 'number') {
    // Values built by a+bxN carry floating-point error: 0.1+0.1x2 gives 0.30000000000000004.
    return want === got || Math.abs(want - got) <= 1e-9 * Math.max(1, Math.abs(want), Math.abs(got));
  }
  if (typeof want === 'object' && want !== null && typeof got === 'object' && got !== null) {
    const a = Object.entries(want).sort(([x], [y]) => x.localeCompare(y));
    const b = Object.entries(got).sort(([x], [y]) => x.localeCompare(y));
    return JSON.stringify(a) === JSON.stringify(b);
  }
  return want === got;
}

/**
 * Pairs expectations with emitted alerts: first the exact matches, then, for what is left, an emitted
 * alert of the same time, rule and status (reported field by field), then what is missing and what was
 * not expected.
 */
function compare(expected: readonly ExpectedAlert[], emitted: readonly EmittedAlert[]): string[] {
  const used = new Set<number>();
  const left: ExpectedAlert[] = [];
  for (const e of expected) {
    const i = emitted.findIndex((a, j) => !used.has(j) && differences(e, a).length === 0);
    if (i === -1) left.push(e);
    else used.add(i);
  }
  const lines: string[] = [];
  for (const e of left) {
    const i = emitted.findIndex(
      (a, j) =>
        !used.has(j) && a.alert.ts === e.time && a.alert.rule === e.rule && a.alert.status === e.status,
    );
    if (i === -1) {
      lines.push(`missing alert (${e.at}): ${showExpected(e)}`);
      continue;
    }
    used.add(i);
    lines.push(`alert differs (${e.at}): ${showExpected(e)}`);
    for (const d of differences(e, emitted[i]!)) lines.push(`    ${d}`);
  }
  emitted.forEach((a, j) => {
    if (!used.has(j)) lines.push(`unexpected alert: ${showAlert(a)}`);
  });
  return lines;
}

function showLabels(labels: Readonly<Record<string, string>>): string {
  return `{${Object.entries(labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ')}}`;
}

function showExpected(e: ExpectedAlert): string {
  return `${at(e.time)} ${e.status} ${e.rule}${e.labels === undefined ? '' : ` ${showLabels(e.labels)}`}`;
}

/** An emitted alert in full, as a test would expect it. */
export function showAlert({ alert, description }: EmittedAlert): string {
  return (
    `${at(alert.ts)} ${alert.status} ${alert.rule} ${showLabels(alert.labels)} ` +
    `(env ${alert.env}, severity ${alert.severity}, value ${alert.value ?? 'null'}, starts_at ${at(alert.starts_at)}` +
    `${alert.ends_at === null ? '' : `, ends_at ${at(alert.ends_at)}`}): summary ${JSON.stringify(alert.summary)}` +
    (description === '' ? '' : `, description ${JSON.stringify(description)}`)
  );
}
