/**
 * JSON lines → Kafka records of a topic. Every line is checked before anything is sent, and every
 * problem is reported with its line number, field path, what was expected and what was found, so a
 * bad file leaves nothing behind.
 */
import { TradewatchError } from '../core/errors.ts';
import type { OutgoingRecord } from '../runtime/kafka/index.ts';
import type { Problem, SchemaRegistry } from '../schemas/index.ts';
import {
  deadLetterFromJson,
  deadLetterHeaders,
  physicalName,
  type TopicDefinition,
} from '../topics/index.ts';

/** At most this many problems are spelled out; the rest are counted. */
const MAX_SHOWN = 50;

export interface JsonLinesInput {
  /** The whole input text. */
  readonly text: string;
  /** Where it came from, for messages: a file path or `stdin`. */
  readonly source: string;
}

export function recordsFromJsonLines(
  input: JsonLinesInput,
  topic: TopicDefinition,
  registry: SchemaRegistry,
  prefix: string,
): OutgoingRecord[] {
  const problems: string[] = [];
  const records: OutgoingRecord[] = [];
  const name = physicalName(topic.name, prefix);
  const lines = input.text.split('\n');
  if (topic.value.kind === 'avro-mixed') {
    throw new TradewatchError(
      'TW_INPUT_INVALID',
      `${name} is an internal topic of several record types: it cannot be produced to`,
    );
  }
  const codec = topic.value.kind === 'avro' ? registry.codec(topic.value.type) : undefined;

  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    const where = `${input.source}:${index + 1}`;
    let json: unknown;
    // Numbers JSON.parse cannot hold exactly (a long beyond ±(2^53−1)), as the user typed them.
    const typed = new Map<string, string>();
    try {
      json = JSON.parse(line, (_key, value: unknown, context?: { source?: string }) => {
        if (typeof value === 'number' && context?.source !== undefined && context.source !== String(value)) {
          typed.set(String(value), context.source);
        }
        return value;
      });
    } catch (error: unknown) {
      problems.push(
        `${where}: not valid JSON (${(error as Error).message}); each line must be one JSON object`,
      );
      return;
    }
    try {
      if (codec) {
        const value = codec.fromJson(json);
        records.push({
          topic: name,
          key: topic.key.of(value as unknown as Record<string, unknown>),
          value: codec.encode(value),
        });
      } else {
        const letter = deadLetterFromJson(json);
        records.push({
          topic: name,
          key: letter.key,
          value: letter.value,
          headers: deadLetterHeaders(letter),
        });
      }
    } catch (error: unknown) {
      const listed = error instanceof TradewatchError ? error.details['problems'] : undefined;
      const items = Array.isArray(listed)
        ? listed.map((p) => describeProblem(p, typed))
        : [(error as Error).message];
      for (const item of items) problems.push(`${where}: ${item}`);
    }
  });

  if (problems.length > 0) {
    const shown = problems.slice(0, MAX_SHOWN);
    const more = problems.length > MAX_SHOWN ? `\n  … and ${problems.length - MAX_SHOWN} more` : '';
    const expected =
      topic.value.kind === 'avro'
        ? `records of ${topic.value.type} (schemas/README.md describes every field)`
        : 'dead letters as printed by `tradewatch consume dlq`';
    throw new TradewatchError(
      'TW_INPUT_INVALID',
      `${problems.length} problem(s) in ${input.source}; nothing was produced to ${name}:\n` +
        `${shown.map((p) => `  ${p}`).join('\n')}${more}\nEach line must be one JSON object: ${expected}.`,
      { details: { problems } },
    );
  }
  return records;
}

/** A problem as one line: codecs report `{ path, expected, found }`, other checks plain strings. */
function describeProblem(problem: unknown, typed: ReadonlyMap<string, string>): string {
  if (typeof problem === 'string') return problem;
  const { path, expected, found } = problem as Partial<Problem>;
  // Echo a number as typed, not as the double JSON.parse rounded it to.
  const source = found === undefined ? undefined : typed.get(found);
  const shown =
    source === undefined ? (found ?? '?') : `${source} (a JavaScript number holds it only as ${found})`;
  return `${path === '' || path === undefined ? '(the record)' : path}: expected ${expected ?? '?'}, found ${shown}`;
}
