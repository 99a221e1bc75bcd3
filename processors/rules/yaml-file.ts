/**
 * What every YAML configuration file of the processors needs to report its problems well: parsing
 * with positions, and locating a problem found in the parsed value (a path such as
 * `['rules', 2, 'threshold']`) back to its `file:line:col`. The rules file (rule-file.ts) and the
 * baseline file (processors/baseline/) use it.
 */
import { LineCounter, isMap, isSeq, parseDocument, type Document } from 'yaml';
import { closest, renderValue } from '../../schemas/problems.ts';

/** Where a value is, from the top of the document: `['rules', 2, 'threshold']`. */
export type YamlPath = readonly (string | number)[];

/** One problem, before it is located in the file. */
export interface YamlProblem {
  readonly path: YamlPath;
  /** Point at the key of the last path segment (an unknown key) rather than its value. */
  readonly onKey?: boolean;
  readonly message: string;
}

/** A parsed file: the document (for positions) and its plain value. */
export interface ParsedYaml {
  readonly doc: Document;
  readonly lineCounter: LineCounter;
  /** The document as plain JavaScript (null for an empty file). */
  readonly root: unknown;
}

/**
 * Parses `text`. On YAML syntax errors returns them, each as `file:line:col: YAML syntax error: ...`
 * plus what `hint` says about the offending source line (e.g. ": quote the operator").
 */
export function parseYaml(
  text: string,
  file: string,
  hint: (sourceLine: string) => string = () => '',
): { readonly parsed: ParsedYaml } | { readonly syntax: string[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    // The structure of a document with syntax errors is a guess: report the syntax alone.
    const lines = text.split('\n');
    return {
      syntax: doc.errors.map((e) => {
        const { line, col } = lineCounter.linePos(e.pos[0]);
        return `${file}:${line}:${col}: YAML syntax error: ${e.message}${hint(lines[line - 1] ?? '')}`;
      }),
    };
  }
  return { parsed: { doc, lineCounter, root: doc.toJS() as unknown } };
}

/**
 * The problems as `file:line:col: <where(path)><message>`, in file order (problems at one place keep
 * the order they were found in).
 */
export function locateProblems(
  parsed: ParsedYaml,
  file: string,
  problems: readonly YamlProblem[],
  where: (path: YamlPath) => string,
): string[] {
  const located = problems.map((p) => ({ p, offset: locate(parsed.doc, p.path, p.onKey === true) }));
  located.sort((a, b) => a.offset - b.offset);
  return located.map(({ p, offset }) => {
    const { line, col } = parsed.lineCounter.linePos(offset);
    return `${file}:${line}:${col}: ${where(p.path)}${p.message}`;
  });
}

/** A value as shown in a problem (`"production"`, `12.5`, `nothing (missing)`). */
export const found = (input: unknown): string => renderValue(input);

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `unknown key "tresh" (did you mean "threshold"?); known keys: ...`. */
export function unknownKey(key: string, known: readonly string[]): string {
  const guess = closest(key, known);
  return `unknown key "${key}"${guess === undefined ? '' : ` (did you mean "${guess}"?)`}; known keys: ${known.join(', ')}`;
}

/** The offset of the node at `path` (or its key), or of the nearest existing parent. */
export function locate(doc: Document, path: YamlPath, onKey: boolean): number {
  let node: unknown = doc.contents;
  let offset = 0;
  for (const [i, segment] of path.entries()) {
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => {
        const key: unknown = p.key;
        return String(isRecordWithValue(key) ? key.value : key) === String(segment);
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
  if (path.length === 0) offset = rangeStart(node) ?? 0;
  return offset;
}

function isRecordWithValue(value: unknown): value is { value: unknown } {
  return typeof value === 'object' && value !== null && 'value' in value;
}

function rangeStart(node: unknown): number | undefined {
  if (typeof node !== 'object' || node === null || !('range' in node)) return undefined;
  const range = (node as { range?: unknown }).range;
  return Array.isArray(range) && typeof range[0] === 'number' ? range[0] : undefined;
}
