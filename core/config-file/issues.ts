/**
 * zod's issues as located problems: every issue of a schema's parse becomes one (an unknown-keys issue
 * one per key), with the field, what was found and what is accepted. A schema words its own messages
 * with zod's `error` parameter; the default wording here covers the rest.
 */
import type { z } from 'zod';
import { found, isRecord, unknownKey, type YamlPath, type YamlProblem } from './yaml-document.ts';

/**
 * What a custom issue (`ctx.addIssue({ code: 'custom', ..., params })`) may add about where it points:
 * at the key of its last path segment rather than the value, or this many characters into the string.
 */
export interface IssueParams {
  readonly onKey?: boolean;
  readonly within?: number;
}

// zod drops the schema from a finished issue: the known keys travel in the message of an
// unknown-keys issue, from the error map (which sees the schema) to `problemsOf` (which sees the file).
const KNOWN_KEYS = 'known keys:';

type RawIssue = z.core.$ZodRawIssue;

/** The message of a missing key, which {@link problemsOf} makes `"<key>" is missing` at its mapping. */
const MISSING = 'is missing';

/**
 * The error map passed to every parse: messages that say what was found and what is accepted, for the
 * issues whose schema does not word its own. (A schema's `error` function must return undefined for
 * the issue codes it does not word, so that unknown keys reach this map.)
 */
export function defaultMessage(issue: RawIssue): string | undefined {
  const input: unknown = issue.input;
  if (input === undefined && issue.code !== 'custom' && issue.code !== 'unrecognized_keys') return MISSING;
  switch (issue.code) {
    case 'unrecognized_keys': {
      const shape: unknown = (issue.inst as { _zod?: { def?: { shape?: unknown } } } | undefined)?._zod?.def
        ?.shape;
      return `${KNOWN_KEYS}${JSON.stringify(isRecord(shape) ? Object.keys(shape) : [])}`;
    }
    case 'invalid_type':
      return input === undefined
        ? 'is missing'
        : `expected ${article(issue.expected)}, found ${found(input)}`;
    case 'invalid_value':
      return `expected ${issue.values.length === 1 ? found(issue.values[0]) : `one of ${issue.values.map(String).join(', ')}`}, found ${found(input)}`;
    case 'too_small':
      return issue.origin === 'array'
        ? `expected at least ${String(issue.minimum)} item${issue.minimum === 1 ? '' : 's'}, found ${found(input)}`
        : `expected ${issue.inclusive === false ? 'more than' : 'at least'} ${String(issue.minimum)}, found ${found(input)}`;
    case 'too_big':
      return issue.origin === 'array'
        ? `expected at most ${String(issue.maximum)} items, found ${found(input)}`
        : `expected ${issue.inclusive === false ? 'less than' : 'at most'} ${String(issue.maximum)}, found ${found(input)}`;
    default:
      return undefined;
  }
}

function article(type: string): string {
  if (type === 'object') return 'a mapping';
  if (type === 'array') return 'a list';
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/**
 * Which field a missing key's problem names: its mapping (`sums[0]: "window" is missing`, the default)
 * or the key itself (`sums[0].window: "window" is missing`).
 */
export type MissingKeys = 'mapping' | 'key';

/**
 * The problems of `issues` (from parsing `root`): an unknown key at the key, with a did-you-mean; a
 * missing key at its parent mapping (`"slack" is missing ...`); a custom issue where its
 * {@link IssueParams} say.
 */
export function problemsOf(
  issues: readonly z.core.$ZodIssue[],
  root: unknown,
  missingKeys: MissingKeys = 'mapping',
): YamlProblem[] {
  return issues.flatMap((issue): YamlProblem[] => {
    const path: YamlPath = issue.path.map((s) => (typeof s === 'number' ? s : String(s)));
    if (issue.code === 'unrecognized_keys') {
      const known = issue.message.startsWith(KNOWN_KEYS)
        ? (JSON.parse(issue.message.slice(KNOWN_KEYS.length)) as string[])
        : [];
      return issue.keys.map((key) => ({
        path: [...path, key],
        onKey: true,
        message: unknownKey(key, known),
      }));
    }
    const key = path.at(-1);
    if (issue.code !== 'custom' && typeof key === 'string' && isAbsent(root, path)) {
      const message = issue.message === MISSING ? `"${key}" is missing` : issue.message;
      // Either way it points at the mapping: the key is not in the file.
      return [{ path: missingKeys === 'mapping' ? path.slice(0, -1) : path, message }];
    }
    const params = issue.code === 'custom' ? (issue.params as IssueParams | undefined) : undefined;
    return [
      {
        path,
        message: issue.message,
        ...(params?.onKey === true ? { onKey: true } : {}),
        ...(params?.within === undefined ? {} : { within: params.within }),
      },
    ];
  });
}

/** Whether the last key of `path` is absent from its mapping in `root`. */
function isAbsent(root: unknown, path: YamlPath): boolean {
  let node = root;
  for (const segment of path.slice(0, -1)) {
    if (typeof segment === 'number' ? !Array.isArray(node) : !isRecord(node)) return false;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return isRecord(node) && !Object.hasOwn(node, String(path.at(-1)));
}
