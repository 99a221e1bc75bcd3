/**
 * The rule test file's schema, in zod (strict mappings at every level: the file, a test, an input
 * series, an expected alert; input records are rule-test-records.ts's). Each level is checked on its
 * own, so that one bad test (or series, or alert) does not hide the problems of the others; the loader
 * (rule-test-file.ts) turns what it reads into tests.
 */
import { z } from 'zod';
import { crossCheck, duration, found, reportTo } from '../../core/config-file/index.ts';
import { DURATION_FORMS } from '../../core/durations.ts';
import { ALERT_STATUSES, ENVIRONMENTS, SEVERITIES } from '../../schemas/index.ts';
import { RECORDS } from './rule-test-records.ts';
import { LABEL_NAME } from './rule-labels.ts';
import { expandValues, parseSeries } from './series-notation.ts';

const text = (what: string) => z.string({ error: (i) => `expected ${what}, found ${found(i.input)}` });

/** A duration from the start (`0`, `1m30s`): ms. */
const TIME = duration();

/** Between two samples: longer than 0. */
const INTERVAL = duration().refine((ms) => ms > 0, { error: 'the interval must be longer than 0' });

const labelMap = z.record(
  z.string().regex(LABEL_NAME, { error: (i) => `"${String(i.input)}" is not a label name` }),
  text('a label value (text): quote it'),
  { error: (i) => `expected a mapping of labels (e.g. { portfolio: alpha }), found ${found(i.input)}` },
);

const listOf = <T extends z.ZodType>(item: T, what: string, missing = '') =>
  z.array(item, {
    error: (i) => (i.input === undefined ? missing : `expected a list of ${what}, found ${found(i.input)}`),
  });

const mappingOf = (what: string) => ({
  error: (i: z.core.$ZodRawIssue) =>
    i.code === 'invalid_type' ? `expected ${what}, found ${found(i.input)}` : undefined,
});

/** An input series: its selector and samples read (the test's interval applies when it has none). */
const SERIES = z
  .strictObject(
    {
      metric: text('a series such as drawdown_1h{portfolio="alpha",env="prod"}'),
      values: z.union([z.string(), z.number()], {
        error: (i) => `expected values such as '0.01 0.02 0.06x3 _ 0.03', found ${found(i.input)}`,
      }),
      interval: INTERVAL.optional(),
    },
    mappingOf('a series (metric, values)'),
  )
  .transform((s, ctx) => {
    const report = reportTo(ctx);
    const selector = parseSeries(s.metric);
    if ('problem' in selector) report(['metric'], selector.problem);
    const samples = expandValues(String(s.values));
    if ('problem' in samples) report(['values'], samples.problem);
    return {
      selector: s.metric,
      name: 'name' in selector ? selector.name : '',
      labels: 'labels' in selector ? selector.labels : {},
      interval: s.interval,
      samples: Array.isArray(samples) ? samples : [],
    };
  });

const ALERT = z.strictObject(
  {
    time: TIME,
    rule: text('a rule name'),
    status: z
      .string({ error: (i) => `expected firing or resolved, found ${found(i.input)}` })
      .superRefine((status, ctx) => {
        if ((ALERT_STATUSES as readonly string[]).includes(status)) return;
        ctx.addIssue({
          code: 'custom',
          message:
            status === 'pending'
              ? 'pending is a state of the rule, not an alert: the rules emit firing and resolved only (see README.md, "Lifecycle")'
              : `expected ${ALERT_STATUSES.join(' or ')}, found ${found(status)}`,
        });
      }),
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
    starts_at: TIME.optional(),
    ends_at: z
      .union(
        [z.null(), duration({ message: (i) => `expected ${DURATION_FORMS} or null, found ${found(i)}` })],
        {
          error: (i) => `expected ${DURATION_FORMS} or null, found ${found(i.input)}`,
        },
      )
      .optional(),
  },
  mappingOf('an alert (time, rule, status, ...)'),
);

const TEST = crossCheck(
  z.strictObject(
    {
      name: text('a test name (text)').optional(),
      interval: INTERVAL.optional(),
      input_series: listOf(SERIES, 'input series').optional(),
      input_records: listOf(RECORDS, 'input records by topic').optional(),
      expected_alerts: listOf(
        ALERT,
        'alerts',
        '"expected_alerts" is missing: list the alerts the input must produce ([] for none)',
      ),
    },
    mappingOf('a test (name, interval, input_series and/or input_records, expected_alerts)'),
  ),
  (test, report) => {
    if (test.input_series === undefined && test.input_records === undefined) {
      report(
        [],
        '"input_series" is missing: expected a list of series (metric, values), or input_records for rules over records',
      );
    }
  },
);

/** The whole rule test file. */
export const RULE_TEST_FILE_SCHEMA = z.strictObject(
  {
    rule_files: z
      .array(text('a rules file path'), {
        error: (i) =>
          i.input === undefined
            ? '"rule_files" is missing (e.g. rule_files: [../default-rules.yaml])'
            : `expected a list of rules files, found ${found(i.input)}`,
      })
      .min(1, { error: 'expected at least one rules file' }),
    tests: listOf(TEST, 'tests', '"tests" is missing: expected a list of tests'),
  },
  {
    error: (i) =>
      i.code === 'invalid_type'
        ? `expected a mapping with rule_files and tests, found ${i.input === null ? 'an empty file' : found(i.input)}`
        : undefined,
  },
);
