/**
 * Rule unit tests (`tradewatch rules test <file>`), in the spirit of `promtool test rules`: YAML naming
 * the rules files under test, and tests of input series in and the alerts expected out, with their times.
 *
 * ```yaml
 * rule_files: [../default-rules.yaml]   # relative to this file
 * tests:
 *   - name: a drawdown fires once and resolves once
 *     interval: 1m                      # between two samples of a series; default 1m
 *     input_series:
 *       - metric: 'drawdown_1h{portfolio="alpha",env="prod"}'
 *         values: '0.01 0.02 0.06x3 0.03' # expanding notation (series-notation.ts); time 0, 1m, 2m, ...
 *     expected_alerts:                  # every alert the rules emit, no more, no less
 *       - time: 2m                      # the alert's ts, from the start (time 0)
 *         rule: portfolio_drawdown_1h
 *         status: firing                # firing or resolved (pending is not emitted)
 *         labels: { portfolio: alpha }  # optional: compared in full
 *         summary: alpha (prod) is down 6.00% over the last hour (threshold 5.00%)  # optional
 * ```
 * Optional in an expected alert, compared when given: labels, summary, description, severity, env,
 * value, starts_at, ends_at (durations from the start, or null).
 *
 * Rules over records take records in, by topic, each a whole record of the topic's type (defaults merged
 * under each entry), with `time` setting its event-time field:
 * ```yaml
 *     input_records:
 *       - topic: ingest.runs
 *         defaults: { ingest: prices, env: prod, run_id: r1, started_at: 0, status: success, rows: 10,
 *                     duration_ms: 1000, error: null, data_until: null }
 *         records:
 *           - { time: 1m, rows: 0 }            # finished_at = 1m
 *           - { time: 2m, rows: 0, run_id: r2 }
 * ```
 * Timestamp fields take durations from the start (`30s`) or epoch ms.
 *
 * This file reads a test file through core's loader (schema: rule-test-schema.ts; input records:
 * rule-test-records.ts), every problem with its file:line:col (TW_RULE_TEST_INVALID); rule-test-run.ts
 * runs it.
 */
import path from 'node:path';
import { defineConfigFile, loadYamlFile, type YamlPath } from '../../core/config-file/index.ts';
import { parseDuration } from '../../core/durations.ts';
import type { TradewatchError } from '../../core/errors.ts';
import { invalidFileError, unreadableFileError } from '../../core/config-file/index.ts';
import type { AlertStatus, Environment, Severity } from '../../schemas/index.ts';
import type { ReadRecord } from './rule-test-records.ts';
import { RULE_TEST_FILE_SCHEMA } from './rule-test-schema.ts';
import type { Sample } from './series-notation.ts';

/** One input series of a test. */
export interface TestSeries {
  /** The selector as written. */
  readonly selector: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Between two samples, ms. */
  readonly interval: number;
  /** Sample i is at time i × interval; null: no point. */
  readonly samples: readonly Sample[];
}

/** One input record of a test. */
export interface TestRecord extends Omit<ReadRecord, 'index'> {
  /** `file:line:col` of the entry, for messages. */
  readonly at: string;
}

/** One alert a test expects; the fields not given are not compared. */
export interface ExpectedAlert {
  /** `file:line:col` of the expectation, for messages. */
  readonly at: string;
  /** The alert's ts, ms from the start (time 0). */
  readonly time: number;
  readonly rule: string;
  readonly status: AlertStatus;
  readonly labels?: Readonly<Record<string, string>>;
  readonly summary?: string;
  readonly description?: string;
  readonly severity?: Severity;
  readonly env?: Environment;
  /** Null: the alert has no value (a rule over records without `field`). */
  readonly value?: number | null;
  readonly starts_at?: number;
  readonly ends_at?: number | null;
}

export interface RuleTest {
  /** The test's name, or `tests[i]`. */
  readonly name: string;
  readonly index: number;
  readonly series: readonly TestSeries[];
  /** Fed after the points of the same time, in file order. */
  readonly records: readonly TestRecord[];
  readonly expected: readonly ExpectedAlert[];
}

/** A validated test file. */
export interface RuleTestFile {
  /** The file as shown in messages. */
  readonly file: string;
  /** The rules files under test, resolved against the test file's folder. */
  readonly ruleFiles: readonly string[];
  readonly tests: readonly RuleTest[];
}

const DEFAULT_INTERVAL_MS = parseDuration('1m') ?? 0;

const RULE_TEST_FILE = defineConfigFile({
  schema: RULE_TEST_FILE_SCHEMA,
  compile: (raw, file, at): RuleTestFile => {
    const folder = path.dirname(file);
    const tests = raw.tests.map((test, index): RuleTest => {
      const base: YamlPath = ['tests', index];
      const interval = test.interval ?? DEFAULT_INTERVAL_MS;
      return {
        name: test.name ?? `tests[${index}]`,
        index,
        series: (test.input_series ?? []).map((s) => ({ ...s, interval: s.interval ?? interval })),
        records: (test.input_records ?? []).flatMap((group, g) =>
          group.map(({ index: i, ...record }) => ({
            ...record,
            at: at([...base, 'input_records', g, 'records', i]),
          })),
        ),
        expected: test.expected_alerts.map((a, i): ExpectedAlert => {
          const { status, ...alert } = a;
          return {
            at: at([...base, 'expected_alerts', i]),
            ...dropUndefined(alert),
            status: status as AlertStatus, // the schema checked it
          };
        }),
      };
    });
    return { file, ruleFiles: raw.rule_files.map((f) => path.resolve(folder, f)), tests };
  },
  error: testFileError,
  missingKeys: 'key',
});

/** The keys of `value` that are given (an expected alert compares only those). */
function dropUndefined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}

/**
 * Parses and validates a rule test file's text. Pure: `file` names it in messages and is the base of
 * relative rule_files.
 * @throws TradewatchError TW_RULE_TEST_INVALID listing every problem.
 */
export const parseRuleTests: (text: string, file: string) => RuleTestFile = RULE_TEST_FILE.parse;

/**
 * Reads and validates a rule test file.
 * @throws TradewatchError TW_RULE_TEST_INVALID when it cannot be read or is invalid.
 */
export async function loadRuleTests(file: string): Promise<RuleTestFile> {
  return loadYamlFile(
    file,
    parseRuleTests,
    unreadableFileError('TW_RULE_TEST_INVALID', 'the rule test file'),
  );
}

function testFileError(file: string, problems: readonly string[]): TradewatchError {
  return invalidFileError(
    'TW_RULE_TEST_INVALID',
    'the rule test file',
    file,
    problems,
    'Fix the test file (see processors/rules/README.md, "Rule tests") and run it again.',
  );
}
