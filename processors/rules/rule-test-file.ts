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
 * This file parses and validates a test file in full, each problem with its file:line:col
 * (TW_RULE_TEST_INVALID); rule-test-run.ts runs it.
 */
import path from 'node:path';
import { z } from 'zod';
import type { TradewatchError } from '../../runtime/errors.ts';
import {
  ALERT_STATUSES,
  ENVIRONMENTS,
  SEVERITIES,
  type AlertStatus,
  type Environment,
  type Severity,
} from '../../schemas/index.ts';
import { closest } from '../../schemas/problems.ts';
import type { RecordTypeName } from '../../schemas/record-types.ts';
import { checkValue } from '../../schemas/value-check.ts';
import { DURATION_FORMS, parseDuration } from '../../core/durations.ts';
import { RECORD_TOPIC_NAMES, recordShape, recordTopic } from './record-inputs.ts';
import { LABEL_NAME } from './rule-labels.ts';
import { expandValues, parseSeries, type Sample } from './series-notation.ts';
import {
  check,
  found,
  invalidFileError,
  locate,
  locateProblems,
  parseYaml,
  loadYamlFile,
  unreadableFileError,
  unknownKey,
  type ParsedYaml,
  type YamlPath,
  type YamlProblem,
} from '../../runtime/yaml-file.ts';

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
export interface TestRecord {
  /** The logical topic. */
  readonly topic: string;
  readonly type: RecordTypeName;
  /** The whole record, checked against its type's schema. */
  readonly value: Readonly<Record<string, unknown>>;
  /** Its event time, ms from the start. */
  readonly time: number;
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

const FILE_KEYS = ['rule_files', 'tests'] as const;
const TEST_KEYS = ['name', 'interval', 'input_series', 'input_records', 'expected_alerts'] as const;
const SERIES_KEYS = ['metric', 'values', 'interval'] as const;
const RECORDS_KEYS = ['topic', 'defaults', 'records'] as const;
const ALERT_KEYS = [
  'time',
  'rule',
  'status',
  'labels',
  'summary',
  'description',
  'severity',
  'env',
  'value',
  'starts_at',
  'ends_at',
] as const;
const DEFAULT_INTERVAL = '1m';

const text = (what: string) => z.string({ error: (i) => `expected ${what}, found ${found(i.input)}` });
const duration = z.union([z.string(), z.literal(0)], {
  error: (i) => `expected ${DURATION_FORMS}, found ${found(i.input)}`,
});
const labelMap = z.record(
  z.string().regex(LABEL_NAME, { error: (i) => `"${String(i.input)}" is not a label name` }),
  text('a label value (text): quote it'),
  { error: (i) => `expected a mapping of labels (e.g. { portfolio: alpha }), found ${found(i.input)}` },
);

const listOf = (what: string, missing: string) =>
  z.array(z.unknown(), {
    error: (i) => (i.input === undefined ? missing : `expected a list of ${what}, found ${found(i.input)}`),
  });

// Each level is checked on its own, so that one bad test (or series, or alert) does not hide the
// problems of the others.
const FILE_SCHEMA = z.looseObject({
  rule_files: z
    .array(text('a rules file path'), {
      error: (i) =>
        i.input === undefined
          ? '"rule_files" is missing (e.g. rule_files: [../default-rules.yaml])'
          : `expected a list of rules files, found ${found(i.input)}`,
    })
    .min(1, { error: 'expected at least one rules file' }),
  tests: listOf('tests', '"tests" is missing: expected a list of tests'),
});

const TEST_SCHEMA = z.looseObject(
  {
    name: text('a test name (text)').optional(),
    interval: duration.optional(),
    input_series: listOf('input series', '').optional(),
    input_records: listOf('input records by topic', '').optional(),
    expected_alerts: listOf(
      'alerts',
      '"expected_alerts" is missing: list the alerts the input must produce ([] for none)',
    ),
  },
  {
    error: (i) =>
      `expected a test (name, interval, input_series and/or input_records, expected_alerts), found ${found(i.input)}`,
  },
);

const SERIES_SCHEMA = z.looseObject(
  {
    metric: text('a series such as drawdown_1h{portfolio="alpha",env="prod"}'),
    values: z.union([z.string(), z.number()], {
      error: (i) => `expected values such as '0.01 0.02 0.06x3 _ 0.03', found ${found(i.input)}`,
    }),
    interval: duration.optional(),
  },
  { error: (i) => `expected a series (metric, values), found ${found(i.input)}` },
);

const RECORDS_SCHEMA = z.looseObject(
  {
    topic: text(`a topic (${RECORD_TOPIC_NAMES.join(', ')})`),
    defaults: z
      .record(z.string(), z.unknown(), {
        error: (i) => `expected a mapping of field values, found ${found(i.input)}`,
      })
      .optional(),
    records: z.array(
      z.record(z.string(), z.unknown(), {
        error: (i) => `expected a record (time and field values), found ${found(i.input)}`,
      }),
      {
        error: (i) =>
          i.input === undefined
            ? '"records" is missing: expected a list of records (time and field values)'
            : `expected a list of records, found ${found(i.input)}`,
      },
    ),
  },
  { error: (i) => `expected records of a topic (topic, defaults, records), found ${found(i.input)}` },
);

const ALERT_SCHEMA = z.looseObject(
  {
    time: duration,
    rule: text('a rule name'),
    status: z.string({ error: (i) => `expected firing or resolved, found ${found(i.input)}` }),
    labels: labelMap.optional(),
    summary: text('the summary (text)').optional(),
    description: text('the description (text)').optional(),
    severity: z
      .enum(SEVERITIES, { error: (i) => `expected one of ${SEVERITIES.join(', ')}, found ${found(i.input)}` })
      .optional(),
    env: z
      .enum(ENVIRONMENTS, {
        error: (i) => `expected one of ${ENVIRONMENTS.join(', ')}, found ${found(i.input)}`,
      })
      .optional(),
    value: z
      .number({
        error: (i) => `expected a number (or null for an alert without value), found ${found(i.input)}`,
      })
      .nullable()
      .optional(),
    starts_at: duration.optional(),
    ends_at: z
      .union([z.string(), z.literal(0), z.null()], {
        error: (i) => `expected ${DURATION_FORMS} or null, found ${found(i.input)}`,
      })
      .optional(),
  },
  { error: (i) => `expected an alert (time, rule, status, ...), found ${found(i.input)}` },
);

/** Known keys by where a mapping is: the file, a test, a series, an expected alert. */
function knownKeys(at: YamlPath): readonly string[] {
  if (at.length === 0) return FILE_KEYS;
  if (at.length === 2) return TEST_KEYS;
  if (at[2] === 'input_records') return RECORDS_KEYS;
  return at[2] === 'input_series' ? SERIES_KEYS : ALERT_KEYS;
}

/**
 * Parses and validates a rule test file's text. Pure: `file` names it in messages and is the base of
 * relative rule_files.
 * @throws TradewatchError TW_RULE_TEST_INVALID listing every problem.
 */
export function parseRuleTests(text: string, file: string): RuleTestFile {
  const result = parseYaml(text, file);
  if ('syntax' in result) throw testFileError(file, result.syntax);
  const { parsed } = result;
  if (typeof parsed.root !== 'object' || parsed.root === null || Array.isArray(parsed.root)) {
    throw testFileError(file, [
      `${file}:1:1: expected a mapping with rule_files and tests, found ${parsed.root === null ? 'an empty file' : found(parsed.root)}`,
    ]);
  }
  const problems: YamlProblem[] = [];
  unknownKeys(parsed.root, [], problems);
  const compiled = compile(parsed, file, problems);
  if (problems.length > 0 || compiled === undefined) {
    throw testFileError(file, locateProblems(parsed, file, problems, where));
  }
  return compiled;
}

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

function unknownKeys(value: unknown, at: YamlPath, problems: YamlProblem[]): void {
  if (Array.isArray(value)) {
    // Only the lists of mappings: tests, input_series, expected_alerts.
    const list = at[at.length - 1];
    if (
      list === 'tests' ||
      list === 'input_series' ||
      list === 'input_records' ||
      list === 'expected_alerts'
    ) {
      value.forEach((item: unknown, i) => unknownKeys(item, [...at, i], problems));
    }
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const known = knownKeys(at);
  for (const [key, child] of Object.entries(value)) {
    if (!known.includes(key))
      problems.push({ path: [...at, key], onKey: true, message: unknownKey(key, known) });
    else if (
      key === 'tests' ||
      key === 'input_series' ||
      key === 'input_records' ||
      key === 'expected_alerts'
    ) {
      unknownKeys(child, [...at, key], problems);
    }
  }
}

function where(at: YamlPath): string {
  if (at.length === 0) return '';
  return `${at.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('')}: `;
}

function compile(parsed: ParsedYaml, file: string, problems: YamlProblem[]): RuleTestFile | undefined {
  const ms = (value: string | number, at: YamlPath): number => {
    const result = typeof value === 'number' ? 0 : parseDuration(value);
    if (result === undefined)
      problems.push({ path: at, message: `expected ${DURATION_FORMS}, found ${found(value)}` });
    return result ?? 0;
  };
  const positive = (value: string | number | undefined, fallback: number, at: YamlPath): number => {
    if (value === undefined) return fallback;
    const result = ms(value, at);
    if (result === 0) problems.push({ path: at, message: 'the interval must be longer than 0' });
    return result;
  };
  const position = (at: YamlPath): string => {
    const { line, col } = parsed.lineCounter.linePos(locate(parsed.doc, at, false));
    return `${file}:${line}:${col}`;
  };

  const raw = check(FILE_SCHEMA, parsed.root, [], problems);
  const tests = (raw?.tests ?? []).flatMap((rawTest, index): RuleTest[] => {
    const base: YamlPath = ['tests', index];
    const test = check(TEST_SCHEMA, rawTest, base, problems);
    if (test === undefined) return [];
    const interval = positive(test.interval, ms(DEFAULT_INTERVAL, base), [...base, 'interval']);
    if (test.input_series === undefined && test.input_records === undefined) {
      problems.push({
        path: base,
        message:
          '"input_series" is missing: expected a list of series (metric, values), or input_records for rules over records',
      });
    }
    const series = (test.input_series ?? []).flatMap((rawSeries, i): TestSeries[] => {
      const at = [...base, 'input_series', i];
      const s = check(SERIES_SCHEMA, rawSeries, at, problems);
      if (s === undefined) return [];
      const selector = parseSeries(s.metric);
      if ('problem' in selector) problems.push({ path: [...at, 'metric'], message: selector.problem });
      const samples = expandValues(String(s.values));
      if ('problem' in samples) problems.push({ path: [...at, 'values'], message: samples.problem });
      return [
        {
          selector: s.metric,
          name: 'name' in selector ? selector.name : '',
          labels: 'labels' in selector ? selector.labels : {},
          interval: positive(s.interval, interval, [...at, 'interval']),
          samples: Array.isArray(samples) ? samples : [],
        },
      ];
    });
    const expected = test.expected_alerts.flatMap((rawAlert, i): ExpectedAlert[] => {
      const at = [...base, 'expected_alerts', i];
      const a = check(ALERT_SCHEMA, rawAlert, at, problems);
      if (a === undefined) return [];
      if (!(ALERT_STATUSES as readonly string[]).includes(a.status)) {
        problems.push({
          path: [...at, 'status'],
          message:
            a.status === 'pending'
              ? 'pending is a state of the rule, not an alert: the rules emit firing and resolved only (see README.md, "Lifecycle")'
              : `expected ${ALERT_STATUSES.join(' or ')}, found ${found(a.status)}`,
        });
      }
      return [
        {
          at: position(at),
          time: ms(a.time, [...at, 'time']),
          rule: a.rule,
          status: a.status as AlertStatus,
          ...(a.labels === undefined ? {} : { labels: a.labels }),
          ...(a.summary === undefined ? {} : { summary: a.summary }),
          ...(a.description === undefined ? {} : { description: a.description }),
          ...(a.severity === undefined ? {} : { severity: a.severity }),
          ...(a.env === undefined ? {} : { env: a.env }),
          ...(a.value === undefined ? {} : { value: a.value }),
          ...(a.starts_at === undefined ? {} : { starts_at: ms(a.starts_at, [...at, 'starts_at']) }),
          ...(a.ends_at === undefined
            ? {}
            : { ends_at: a.ends_at === null ? null : ms(a.ends_at, [...at, 'ends_at']) }),
        },
      ];
    });
    const records = (test.input_records ?? []).flatMap((rawGroup, i): TestRecord[] =>
      testRecords(rawGroup, [...base, 'input_records', i], ms, position, problems),
    );
    return [{ name: test.name ?? `tests[${index}]`, index, series, records, expected }];
  });
  if (raw === undefined) return undefined;
  const folder = path.dirname(file);
  return { file, ruleFiles: raw.rule_files.map((f) => path.resolve(folder, f)), tests };
}

/** The records of one `input_records` entry, each checked against its type (problems at the entry). */
function testRecords(
  raw: unknown,
  at: YamlPath,
  ms: (value: string | number, at: YamlPath) => number,
  position: (at: YamlPath) => string,
  problems: YamlProblem[],
): TestRecord[] {
  const group = check(RECORDS_SCHEMA, raw, at, problems);
  if (group === undefined) return [];
  const topic = recordTopic(group.topic);
  if (topic === undefined) {
    const guess = closest(group.topic, RECORD_TOPIC_NAMES);
    problems.push({
      path: [...at, 'topic'],
      message:
        `${found(group.topic)} is not a topic rules over records watch` +
        (guess === undefined ? '' : ` (did you mean "${guess}"?)`) +
        `; they are ${RECORD_TOPIC_NAMES.join(', ')}`,
    });
    return [];
  }
  const shape = recordShape(topic.type);
  // Timestamp fields may be written as durations from the start.
  const times = new Set(
    shape.fields
      .filter((f) => (f.node.kind === 'optional' ? f.node.type : f.node).kind === 'timestamp')
      .map((f) => f.name),
  );
  const withTimes = (values: Readonly<Record<string, unknown>>, path: YamlPath): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(values)) {
      out[name] = times.has(name) && typeof value === 'string' ? ms(value, [...path, name]) : value;
    }
    return out;
  };
  const defaults = withTimes(group.defaults ?? {}, [...at, 'defaults']);
  return group.records.flatMap((entry, i): TestRecord[] => {
    const here = [...at, 'records', i];
    if (entry['time'] === undefined) {
      problems.push({
        path: here,
        message: `"time" is missing: when the record happened, from the start (it sets ${topic.timeField})`,
      });
      return [];
    }
    const rawTime = entry['time'];
    if (typeof rawTime !== 'string' && rawTime !== 0) {
      problems.push({
        path: [...here, 'time'],
        message: `expected ${DURATION_FORMS}, found ${found(rawTime)}`,
      });
      return [];
    }
    const time = ms(rawTime, [...here, 'time']);
    const { time: _time, ...fields } = entry;
    const value = { ...defaults, ...withTimes(fields, here), [topic.timeField]: time };
    const wrong = checkValue(shape.model, value);
    for (const p of wrong) {
      const field = p.path.split(/[.[]/)[0] ?? '';
      const path = Object.hasOwn(fields, field) ? [...here, field] : here;
      const prefix =
        p.path === field && path.length > here.length ? '' : `${p.path === '' ? 'the record' : p.path}: `;
      problems.push({
        path,
        message: `${prefix}expected ${p.expected}, found ${p.found}${
          Object.hasOwn(fields, field) || Object.hasOwn(defaults, field) || p.found !== 'nothing (missing)'
            ? ''
            : ' (give it in defaults or in the record)'
        }`,
      });
    }
    if (wrong.length > 0) return [];
    return [{ topic: topic.topic, type: topic.type, value, time, at: position(here) }];
  });
}
