/**
 * The input records of a rule test, by topic (format: rule-test-file.ts): each a whole record of the
 * topic's type, the entry's defaults merged under it, `time` setting its event-time field, timestamp
 * fields written as durations from the start; each checked against its type's schema.
 */
import { z } from 'zod';
import { found, reportTo, type Report, type YamlPath } from '../../core/config-file/index.ts';
import { DURATION_FORMS, parseDuration } from '../../core/durations.ts';
import { closest } from '../../core/problems.ts';
import type { RecordTypeName } from '../../schemas/record-types.ts';
import { checkValue } from '../../schemas/value-check.ts';
import { RECORD_TOPIC_NAMES, recordShape, recordTopic } from './record-inputs.ts';

/** One record of an `input_records` entry, read (its place in the file is added by the loader). */
export interface ReadRecord {
  /** The logical topic. */
  readonly topic: string;
  readonly type: RecordTypeName;
  /** The whole record, checked against its type's schema. */
  readonly value: Readonly<Record<string, unknown>>;
  /** Its event time, ms from the start. */
  readonly time: number;
  /** Its index in the entry's `records`. */
  readonly index: number;
}

const fieldValues = (what: string) =>
  z.record(z.string(), z.unknown(), { error: (i) => `expected ${what}, found ${found(i.input)}` });

/** An `input_records` entry: its records, read. */
export const RECORDS = z
  .strictObject(
    {
      topic: z.string({
        error: (i) => `expected a topic (${RECORD_TOPIC_NAMES.join(', ')}), found ${found(i.input)}`,
      }),
      defaults: fieldValues('a mapping of field values').optional(),
      records: z.array(fieldValues('a record (time and field values)'), {
        error: (i) =>
          i.input === undefined
            ? '"records" is missing: expected a list of records (time and field values)'
            : `expected a list of records, found ${found(i.input)}`,
      }),
    },
    {
      error: (i) =>
        i.code === 'invalid_type'
          ? `expected records of a topic (topic, defaults, records), found ${found(i.input)}`
          : undefined,
    },
  )
  .transform((group, ctx): ReadRecord[] => readRecords(group, reportTo(ctx)));

function readRecords(
  group: {
    readonly topic: string;
    readonly defaults?: Readonly<Record<string, unknown>> | undefined;
    readonly records: readonly Readonly<Record<string, unknown>>[];
  },
  problem: Report,
): ReadRecord[] {
  const topic = recordTopic(group.topic);
  if (topic === undefined) {
    const guess = closest(group.topic, RECORD_TOPIC_NAMES);
    problem(
      ['topic'],
      `${found(group.topic)} is not a topic rules over records watch` +
        (guess === undefined ? '' : ` (did you mean "${guess}"?)`) +
        `; they are ${RECORD_TOPIC_NAMES.join(', ')}`,
    );
    return [];
  }
  const ms = (value: string | number, at: YamlPath): number => {
    const result = typeof value === 'number' ? 0 : parseDuration(value);
    if (result === undefined) problem(at, `expected ${DURATION_FORMS}, found ${found(value)}`);
    return result ?? 0;
  };
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
  const defaults = withTimes(group.defaults ?? {}, ['defaults']);
  return group.records.flatMap((entry, index): ReadRecord[] => {
    const here = ['records', index];
    const rawTime = entry['time'];
    if (rawTime === undefined) {
      problem(
        here,
        `"time" is missing: when the record happened, from the start (it sets ${topic.timeField})`,
      );
      return [];
    }
    if (typeof rawTime !== 'string' && rawTime !== 0) {
      problem([...here, 'time'], `expected ${DURATION_FORMS}, found ${found(rawTime)}`);
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
      problem(
        path,
        `${prefix}expected ${p.expected}, found ${p.found}${
          Object.hasOwn(fields, field) || Object.hasOwn(defaults, field) || p.found !== 'nothing (missing)'
            ? ''
            : ' (give it in defaults or in the record)'
        }`,
      );
    }
    if (wrong.length > 0) return [];
    return [{ topic: topic.topic, type: topic.type, value, time, index }];
  });
}
