/**
 * Where a field of a parsed YAML document is: the offset of the node at a path (or of its key), for
 * `file:line:col` in configuration errors. The same walk as processors/rules/rule-file.ts's (private
 * there) and processors/ranking/yaml-locate.ts's: one shared helper would serve all three.
 */
import { isMap, isSeq, type Document } from 'yaml';

export type YamlPath = readonly (string | number)[];

/** The offset of the node at `path` (or of its key with `onKey`), or of the nearest existing parent. */
export function locate(doc: Document, path: YamlPath, onKey = false): number {
  let node: unknown = doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (const [i, segment] of path.entries()) {
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => {
        const key: unknown = p.key;
        return String(hasValue(key) ? key.value : key) === String(segment);
      });
      if (pair === undefined) break;
      const target: unknown = last && onKey ? pair.key : pair.value;
      offset = rangeStart(target) ?? rangeStart(pair.key) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item: unknown = node.items[segment];
      if (item === undefined) break;
      offset = rangeStart(item) ?? offset;
      node = item;
    } else break;
  }
  return offset;
}

function hasValue(value: unknown): value is { value: unknown } {
  return typeof value === 'object' && value !== null && 'value' in value;
}

function rangeStart(node: unknown): number | undefined {
  if (typeof node !== 'object' || node === null || !('range' in node)) return undefined;
  const range = (node as { range?: unknown }).range;
  return Array.isArray(range) && typeof range[0] === 'number' ? range[0] : undefined;
}
