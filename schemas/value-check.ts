/**
 * Checks a JS value against a schema before it is encoded, listing every problem with its path.
 * avsc's own check only says yes or no; this says where and why.
 */
import { LONG_LIMIT, isSafeLong } from './long-type.ts';
import { closest, fieldPath, indexPath, keyPath, renderValue } from '../core/problems.ts';
import type { Problem } from '../core/problems.ts';
import type { SchemaNode } from './schema-model.ts';

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;

export { isSafeLong };

/** Whether `value` is a 32-bit signed integer. */
export function isInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= INT_MIN && value <= INT_MAX;
}

/** Whether `value` is a plain object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What an in-memory value of `node` must be, for encode errors. */
export function expectedValue(node: SchemaNode): string {
  switch (node.kind) {
    case 'timestamp':
      return 'timestamp-millis (epoch ms, a safe integer)';
    case 'long':
      return `long (an integer within ±${LONG_LIMIT})`;
    case 'int':
      return 'int (an integer within ±2^31)';
    case 'float':
    case 'double':
      return `${node.kind} (a number)`;
    case 'enum':
      return `one of ${node.symbols.join(', ')}`;
    case 'record':
      return `an object (${node.name} record)`;
    case 'array':
      return `an array of ${expectedValue(node.items)}`;
    case 'map':
      return `an object (map) of ${expectedValue(node.values)}`;
    case 'optional':
      return `null or ${expectedValue(node.type)}`;
    default:
      return node.kind;
  }
}

/** Every problem of `value` as a value of `node` (empty when it can be encoded). */
export function checkValue(node: SchemaNode, value: unknown, path = ''): Problem[] {
  const problems: Problem[] = [];
  check(node, value, path, problems);
  return problems;
}

function check(node: SchemaNode, value: unknown, path: string, problems: Problem[]): void {
  const fail = (): void => {
    problems.push({ path, expected: expectedValue(node), found: renderValue(value) });
  };
  switch (node.kind) {
    case 'null':
      if (value !== null) fail();
      return;
    case 'boolean':
      if (typeof value !== 'boolean') fail();
      return;
    case 'int':
      if (!isInt(value)) fail();
      return;
    case 'long':
    case 'timestamp':
      if (!isSafeLong(value)) fail();
      return;
    case 'float':
    case 'double':
      if (typeof value !== 'number') fail();
      return;
    case 'string':
      if (typeof value !== 'string') fail();
      return;
    case 'enum':
      if (typeof value !== 'string' || !node.symbols.includes(value)) fail();
      return;
    case 'optional':
      if (value !== null) {
        if (value === undefined) fail();
        else check(node.type, value, path, problems);
      }
      return;
    case 'array':
      if (!Array.isArray(value)) return fail();
      value.forEach((item: unknown, i) => check(node.items, item, indexPath(path, i), problems));
      return;
    case 'map':
      if (!isObject(value)) return fail();
      for (const [key, item] of Object.entries(value)) check(node.values, item, keyPath(path, key), problems);
      return;
    case 'record': {
      if (!isObject(value)) return fail();
      const names = node.fields.map((f) => f.name);
      for (const field of node.fields) {
        const item = value[field.name];
        // Like avsc, which writes the default for a missing field that has one (as fromJson does).
        if (item === undefined && field.hasDefault) continue;
        check(field.type, item, fieldPath(path, field.name), problems);
      }
      for (const [key, item] of Object.entries(value)) {
        // An extra key set to undefined is how JS spells "absent"; avsc ignores it too.
        if (item !== undefined && !names.includes(key))
          problems.push(unknownField(node.name, names, path, key, item));
      }
      return;
    }
  }
}

/** The problem for a key that is not a field of the record. */
export function unknownField(
  record: string,
  names: readonly string[],
  path: string,
  key: string,
  value: unknown,
): Problem {
  const guess = closest(key, names);
  const hint = guess === undefined ? '' : `did you mean ${guess}? `;
  return {
    path: fieldPath(path, key),
    expected: `no field of this name (${hint}${record} has ${names.join(', ')})`,
    found: renderValue(value),
  };
}
