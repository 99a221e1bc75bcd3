/**
 * Payload shapes: every field path of a JSON payload with its type (array items collapse into `[]`,
 * so a page of 100 items has the shape of one), and a fingerprint of the sorted shape. Comparing a
 * payload's shape with the last one seen on its endpoint tells which fields are new, missing or
 * retyped: schema drift.
 */
import { createHash } from 'node:crypto';

export type Shape = Record<string, string>;

/** The field paths of `value` and their JSON types (`null`, `boolean`, `number`, `string`, `array`, `object`). */
export function shapeOf(value: unknown, path = '$', into: Shape = {}): Shape {
  const type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  // A null says nothing about the field's type: keep any type seen for it.
  if (type === 'null') {
    into[path] ??= 'null';
    return into;
  }
  into[path] = type;
  if (Array.isArray(value)) {
    for (const item of value) shapeOf(item, `${path}[]`, into);
  } else if (typeof value === 'object') {
    for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
      shapeOf(inner, `${path}.${key}`, into);
    }
  }
  return into;
}

/** The fingerprint of a shape: SHA-256 of its sorted `path:type` lines, 16 hex characters. */
export function fingerprintOf(shape: Shape): string {
  const lines = Object.keys(shape)
    .sort()
    .map((k) => `${k}:${shape[k]}`);
  return createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16);
}

/** What changed from `before` to `after`. */
export interface Drift {
  readonly added: readonly string[];
  readonly missing: readonly string[];
  readonly retyped: readonly string[];
}

/** The fields added, missing and retyped (a field seen only as null is not retyped by a value). */
export function driftBetween(before: Readonly<Shape>, after: Readonly<Shape>): Drift {
  const added = Object.keys(after)
    .filter((k) => !(k in before))
    .sort();
  const missing = Object.keys(before)
    .filter((k) => !(k in after))
    .sort();
  const retyped = Object.keys(after)
    .filter((k) => k in before && before[k] !== after[k] && before[k] !== 'null' && after[k] !== 'null')
    .sort();
  return { added, missing, retyped };
}

/** `added: a, b; missing: c; retyped: d` (the parts that are not empty). */
export function describeDrift(drift: Drift): string {
  return (['added', 'missing', 'retyped'] as const)
    .filter((k) => drift[k].length > 0)
    .map((k) => `${k}: ${drift[k].join(', ')}`)
    .join('; ');
}
