/**
 * Rules over raw records: the topics a rule can watch with `record: <topic>` (instead of `metric:`),
 * and what the rules engine knows of each: its record type and that type's fields (read from the
 * type's Avro schema in schemas/, so a rule naming a field that does not exist is refused at load), the
 * field its Kafka key is made of, the field that is its event time and where its env comes from.
 *
 * Terminology, for a record of one of these topics:
 * - label fields: its top-level fields of a scalar type that identifies things (string, enum, int,
 *   long, boolean, and those made optional), as text; a null one is absent. They are what `match`,
 *   `group_by` and `{{labels.<name>}}` see, and the CEL variable `labels` (env included);
 * - value fields: its numeric fields (int, long, float, double, optional or not): what `field:` may name
 *   (the alert's value, and `value` in expressions and templates);
 * - template fields: every scalar field (the above, plus timestamps, shown as ISO 8601): what
 *   `{{record.<name>}}` may show.
 */
import { readFileSync } from 'node:fs';
import { fileStem, type RecordTypeName } from '../../schemas/record-types.ts';
import { buildModel, type FieldNode, type RecordNode, type SchemaNode } from '../../schemas/schema-model.ts';
import type { Environment } from '../../schemas/index.ts';

/** A topic whose records rules can watch. */
export interface RecordTopic {
  /** Logical topic name (a catalogue topic). */
  readonly topic: string;
  readonly type: RecordTypeName;
  /** The field the topic's Kafka key is (topics/catalogue.ts): one key's records share a partition. */
  readonly keyField: string;
  /** The timestamp field that is the record's event time. */
  readonly timeField: string;
  /** Whether the record has an `env` field; without one, a rule names its one environment. */
  readonly hasEnv: boolean;
}

/**
 * Every topic rules can watch, in the order shown in messages. Not `metrics` (that is `metric:`), not
 * `alerts` (rules over alerts would feed on their own output), not internal topics, not `heartbeats`
 * (the freshness processor watches them) and not `backtest.tasks` (work items, not observations).
 */
export const RECORD_TOPICS: readonly RecordTopic[] = [
  { topic: 'portfolio.marks', type: 'PortfolioMark', keyField: 'portfolio', timeField: 'ts', hasEnv: true },
  { topic: 'trades', type: 'Trade', keyField: 'portfolio', timeField: 'ts', hasEnv: true },
  {
    topic: 'inference.cycles',
    type: 'InferenceCycle',
    keyField: 'strategy',
    timeField: 'finished_at',
    hasEnv: true,
  },
  { topic: 'outcomes', type: 'Outcome', keyField: 'asset', timeField: 'as_of', hasEnv: false },
  { topic: 'ingest.runs', type: 'IngestRun', keyField: 'ingest', timeField: 'finished_at', hasEnv: true },
  { topic: 'signals', type: 'Signal', keyField: 'asset', timeField: 'ts', hasEnv: false },
  { topic: 'jobs.runs', type: 'JobRun', keyField: 'job', timeField: 'finished_at', hasEnv: true },
];

export const RECORD_TOPIC_NAMES = RECORD_TOPICS.map((t) => t.topic);

/** The topic `record:` names, or undefined when rules cannot watch it. */
export function recordTopic(topic: string): RecordTopic | undefined {
  return RECORD_TOPICS.find((t) => t.topic === topic);
}

/** How a field can be used in a rule. */
export type FieldUse =
  /** A label (text) and shown by templates. */
  | 'label'
  /** A number: `field:`, and shown by templates (with number formatters). */
  | 'number'
  /** A timestamp: shown by templates as ISO 8601. */
  | 'time'
  /** Only through the CEL variable `record` (maps, lists). */
  | 'record';

/** One top-level field of a record type, as rules see it. */
export interface RuleField {
  readonly name: string;
  readonly use: FieldUse;
  /** Its CEL type in the `record` variable. */
  readonly celType: string;
  /** Its Avro type, for converting values to CEL's (longs become CEL ints, i.e. BigInt). */
  readonly node: SchemaNode;
}

/** What rules know of a record type. */
export interface RecordShape {
  readonly type: RecordTypeName;
  /** The type's schema model (schemas/schema-model.ts), for checking values. */
  readonly model: RecordNode;
  /** In schema order. */
  readonly fields: readonly RuleField[];
  readonly byName: ReadonlyMap<string, RuleField>;
  /** Label fields (see the module comment): `match`, `group_by`, `labels`. */
  readonly labelFields: readonly string[];
  /** Value fields, every numeric field (int, long, float, double): what `field:` may name. */
  readonly numberFields: readonly string[];
  /** Fields `{{record.<name>}}` can show: labels, numbers and timestamps. */
  readonly templateFields: readonly string[];
}

const shapes = new Map<RecordTypeName, RecordShape>();

/**
 * The shape of a record type, from its current schema (schemas/<type>.avsc, read once, synchronously:
 * rule files are validated by pure functions).
 */
export function recordShape(type: RecordTypeName): RecordShape {
  const cached = shapes.get(type);
  if (cached !== undefined) return cached;
  const file = new URL(`../../schemas/${fileStem(type)}.avsc`, import.meta.url);
  const model: RecordNode = buildModel(JSON.parse(readFileSync(file, 'utf8')));
  const fields = model.fields.map(ruleField);
  const named = (use: FieldUse) => fields.filter((f) => f.use === use).map((f) => f.name);
  const shape: RecordShape = Object.freeze({
    type,
    model,
    fields,
    byName: new Map(fields.map((f) => [f.name, f])),
    labelFields: named('label'),
    numberFields: fields.filter(isNumeric).map((f) => f.name),
    templateFields: fields.filter((f) => f.use !== 'record').map((f) => f.name),
  });
  shapes.set(type, shape);
  return shape;
}

function ruleField(field: FieldNode): RuleField {
  const node = field.type;
  const inner = node.kind === 'optional' ? node.type : node;
  return {
    name: field.name,
    use: useOf(inner),
    // An optional field may be null: CEL's dyn, compared with `!= null` before use.
    celType: node.kind === 'optional' ? 'dyn' : celType(node),
    node,
  };
}

function useOf(node: SchemaNode): FieldUse {
  switch (node.kind) {
    case 'string':
    case 'enum':
    case 'int':
    case 'long':
    case 'boolean':
      return 'label';
    case 'float':
    case 'double':
      return 'number';
    case 'timestamp':
      return 'time';
    default:
      return 'record';
  }
}

/** Whether a field's values are numbers (ints, longs, floats, doubles): what `field:` may name. */
export function isNumeric(field: RuleField): boolean {
  const inner = field.node.kind === 'optional' ? field.node.type : field.node;
  return ['int', 'long', 'float', 'double'].includes(inner.kind);
}

function celType(node: SchemaNode): string {
  switch (node.kind) {
    case 'boolean':
      return 'bool';
    case 'int':
    case 'long':
    case 'timestamp':
      return 'int';
    case 'float':
    case 'double':
      return 'double';
    case 'string':
    case 'enum':
      return 'string';
    case 'array': {
      const items = celType(node.items);
      return `list<${items === 'map<string, dyn>' ? 'dyn' : items}>`;
    }
    case 'map':
      return `map<string, ${celType(node.values)}>`;
    case 'record':
      return 'map<string, dyn>';
    default:
      return 'dyn';
  }
}

/** A decoded value as CEL sees it: ints, longs and timestamps as BigInt (CEL ints), the rest unchanged. */
export function toCelValue(node: SchemaNode, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (node.kind) {
    case 'int':
    case 'long':
    case 'timestamp':
      return typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : value;
    case 'optional':
      return toCelValue(node.type, value);
    case 'array':
      return Array.isArray(value) ? value.map((v) => toCelValue(node.items, v)) : value;
    case 'map': {
      if (typeof value !== 'object') return value;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = toCelValue(node.values, v);
      return out;
    }
    case 'record': {
      if (typeof value !== 'object') return value;
      const source = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const field of node.fields) out[field.name] = toCelValue(field.type, source[field.name]);
      return out;
    }
    default:
      return value;
  }
}

/** A record's label fields as text (null ones left out), env included. */
export function recordLabels(
  shape: RecordShape,
  record: Readonly<Record<string, unknown>>,
): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const name of shape.labelFields) {
    const value = record[name];
    // Label fields are strings, enums, numbers and booleans (see useOf).
    if (value !== null && value !== undefined) {
      labels[name] = typeof value === 'string' ? value : JSON.stringify(value);
    }
  }
  return labels;
}

/** The environment of a record of `topic`: its env field, or (no such field) the rule's only one. */
export function recordEnv(
  topic: RecordTopic,
  record: Readonly<Record<string, unknown>>,
  ruleEnvironments: readonly Environment[],
): unknown {
  return topic.hasEnv ? record['env'] : ruleEnvironments[0];
}
