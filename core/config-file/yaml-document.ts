/**
 * A YAML document with node positions: parsing it (syntax errors located), locating a problem found in
 * its parsed value (a path such as `['rules', 2, 'threshold']`) back to `file:line:col`, and reading a
 * configuration file. The ground under core/config-file's loader (and the older hand-written loaders).
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Document } from 'yaml';
import { displayPath } from '../display-path.ts';
import { closest, renderValue } from '../problems.ts';

/** Where a value is, from the top of the document: `['rules', 2, 'threshold']`. */
export type YamlPath = readonly (string | number)[];

/** One problem, before it is located in the file. */
export interface YamlProblem {
  readonly path: YamlPath;
  /** Point at the key of the last path segment (an unknown key) rather than its value. */
  readonly onKey?: boolean;
  /**
   * Point this many characters into the text of the string at `path` (e.g. where an expression goes
   * wrong), when the file shows that text as written: a plain or quoted scalar without escapes, or a
   * literal block (`|`). Otherwise the problem points at the start of the value.
   */
  readonly within?: number;
  readonly message: string;
}

/** A parsed file: the document (for positions) and its plain value. */
export interface ParsedYaml {
  readonly doc: Document;
  readonly lineCounter: LineCounter;
  /** The document as plain JavaScript (null for an empty file). */
  readonly root: unknown;
  /** The file's text (to point inside a string); absent in values not made by {@link parseYaml}. */
  readonly text?: string;
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
  return { parsed: { doc, lineCounter, root: doc.toJS() as unknown, text } };
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
  missingAt: MissingAt = 'file',
): string[] {
  const located = problems.map((p) => {
    const offset = locate(parsed.doc, p.path, p.onKey === true, missingAt);
    return { p, offset: p.within === undefined ? offset : locateWithin(parsed, p.path, p.within, offset) };
  });
  located.sort((a, b) => a.offset - b.offset);
  return located.map(({ p, offset }) => {
    const { line, col } = parsed.lineCounter.linePos(offset);
    return `${file}:${line}:${col}: ${where(p.path)}${p.message}`;
  });
}

/**
 * Reads `file` and parses it with `parse(text, shown)` (`shown`: the file as shown in messages).
 * @throws what `unreadable(shown, reason, cause)` makes when it cannot be read.
 */
export async function loadYamlFile<T>(
  file: string,
  parse: (text: string, shown: string) => T,
  unreadable: (shown: string, reason: string, cause: unknown) => Error,
): Promise<T> {
  const shown = displayPath(file);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e: unknown) {
    throw unreadable(shown, e instanceof Error ? e.message : String(e), e);
  }
  return parse(text, shown);
}

/**
 * {@link loadYamlFile} for a configuration file: when it cannot be read, throws `error(shown,
 * ["<shown>: cannot read it: <reason>. Check the path (the default configuration is <defaultFile>)."])`.
 */
export function loadYamlConfig<T>(
  file: string,
  parse: (text: string, shown: string) => T,
  error: (shown: string, problems: readonly string[]) => Error,
  defaultFile?: string,
): Promise<T> {
  return loadYamlFile(file, parse, (shown, reason) =>
    error(shown, [
      `${shown}: cannot read it: ${reason}. Check the path` +
        `${defaultFile === undefined ? '' : ` (the default configuration is ${displayPath(defaultFile)})`}.`,
    ]),
  );
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

/**
 * Where a problem whose path is missing from the top of the document points: the start of the file
 * (`file`, the default) or the start of the document's contents (`contents`: after leading comments).
 */
export type MissingAt = 'file' | 'contents';

/** The offset of the node at `path` (or its key), or of the nearest existing parent. */
export function locate(doc: Document, path: YamlPath, onKey = false, missingAt: MissingAt = 'file'): number {
  let node: unknown = doc.contents;
  let offset = missingAt === 'contents' ? (rangeStart(node) ?? 0) : 0;
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

/** The offset of character `within` of the string at `path`, or `fallback` when the file does not show it as is. */
function locateWithin(parsed: ParsedYaml, path: YamlPath, within: number, fallback: number): number {
  const node = parsed.doc.getIn(path, true);
  const text = parsed.text;
  if (!isScalar(node) || typeof node.value !== 'string' || text === undefined || node.range == null) {
    return fallback;
  }
  const value = node.value;
  const start = node.range[0];
  if (node.type === 'PLAIN' || node.type === 'QUOTE_SINGLE' || node.type === 'QUOTE_DOUBLE') {
    const quote = node.type === 'PLAIN' ? 0 : 1;
    // Escapes ('' or \n) make the text differ from the value: then only the start is known.
    return text.slice(start + quote, start + quote + value.length) === value
      ? start + quote + within
      : fallback;
  }
  if (node.type === 'BLOCK_LITERAL') {
    const before = value.slice(0, within).split('\n');
    const lineIndex = before.length - 1;
    const column = before[lineIndex]?.length ?? 0;
    const lines = value.split('\n');
    // The block's content starts on the line after its header (`|`, `|-`, ...); its indentation is its
    // first line's (deeper lines keep their extra spaces in the value).
    const first = text.indexOf('\n', start) + 1;
    if (first <= 0) return fallback;
    const lineAt = (offset: number): string => {
      const end = text.indexOf('\n', offset);
      return text.slice(offset, end === -1 ? undefined : end);
    };
    const firstLine = lineAt(first);
    const indent = firstLine.length - firstLine.trimStart().length;
    let at = first;
    for (let i = 0; i < lineIndex; i++) {
      at = text.indexOf('\n', at) + 1;
      if (at <= 0) return fallback;
    }
    return lineAt(at).slice(indent) === lines[lineIndex] ? at + indent + column : fallback;
  }
  return fallback;
}

function isRecordWithValue(value: unknown): value is { value: unknown } {
  return typeof value === 'object' && value !== null && 'value' in value;
}

function rangeStart(node: unknown): number | undefined {
  if (typeof node !== 'object' || node === null || !('range' in node)) return undefined;
  const range = (node as { range?: unknown }).range;
  return Array.isArray(range) && typeof range[0] === 'number' ? range[0] : undefined;
}
