/**
 * An environment's namespace: what keeps two environments on one cluster (prod and the demo, staging
 * and a developer's laptop) out of each other's stores. Kafka is isolated by TOPIC_PREFIX; the
 * namespace does the same for every other store an environment writes:
 * - QuestDB: each table is `<namespace>__<table>` (`demo__drawdown`); the empty namespace keeps the
 *   plain names (`drawdown`), so a deployment without a prefix sees no change;
 * - PostgreSQL: the scheduler's and the dispatcher's tables live in the schema `tw_<namespace>`
 *   (`public` for the empty namespace).
 * The namespace is TW_NAMESPACE when set, else derived from TOPIC_PREFIX: lower-cased, every run of
 * characters other than letters and digits made one `_`, leading and trailing `_` dropped
 * (`demo.` → `demo`, `Team-A.staging.` → `team_a_staging`).
 */
import { ConfigError } from './errors.ts';

/** A namespace: a lower-case identifier, or empty. */
export const NAMESPACE_PATTERN = /^(?:[a-z][a-z0-9_]{0,39})?$/;
/** What separates a namespace from a QuestDB table name. */
export const TABLE_SEPARATOR = '__';

export interface Namespace {
  /** The namespace itself; '' for the default environment. */
  readonly name: string;
  /** How it was chosen, for logs and errors: `TW_NAMESPACE` or `TOPIC_PREFIX`. */
  readonly from: 'TW_NAMESPACE' | 'TOPIC_PREFIX';
  /** The PostgreSQL schema of the environment's scheduler and dispatcher tables. */
  readonly postgresSchema: string;
  /** What goes before every QuestDB table name ('' or `<name>__`). */
  readonly tablePrefix: string;
  /** The physical QuestDB table of the logical table `name` (`drawdown` → `demo__drawdown`). */
  table(name: string): string;
  /** The logical name of a physical table of this namespace, or undefined when it is not one. */
  logicalTable(physical: string): string | undefined;
}

/** The namespace TOPIC_PREFIX implies (`demo.` → `demo`); '' for no prefix. */
export function namespaceOfPrefix(topicPrefix: string): string {
  const name = topicPrefix
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  // A namespace starts with a letter and has at most 40 characters.
  const lettered = /^[0-9]/.test(name) ? `n${name}` : name;
  return lettered.slice(0, 40).replace(/_+$/, '');
}

/**
 * The namespace of an environment: `setting` (TW_NAMESPACE) when given, else derived from `topicPrefix`.
 * @throws ConfigError when `setting` is not a lower-case identifier.
 */
export function resolveNamespace(setting: string | undefined, topicPrefix: string): Namespace {
  if (setting !== undefined && !NAMESPACE_PATTERN.test(setting)) {
    throw new ConfigError([
      `TW_NAMESPACE=${JSON.stringify(setting)} is not a namespace: use lower-case letters, digits and _, ` +
        `starting with a letter, at most 40 characters (or leave it unset to derive it from TOPIC_PREFIX)`,
    ]);
  }
  return namespace(
    setting ?? namespaceOfPrefix(topicPrefix),
    setting === undefined ? 'TOPIC_PREFIX' : 'TW_NAMESPACE',
  );
}

/** The namespace `name` (already valid). */
export function namespace(name: string, from: Namespace['from'] = 'TW_NAMESPACE'): Namespace {
  if (!NAMESPACE_PATTERN.test(name)) throw new RangeError(`bad namespace ${JSON.stringify(name)}`);
  const tablePrefix = name === '' ? '' : `${name}${TABLE_SEPARATOR}`;
  return Object.freeze({
    name,
    from,
    postgresSchema: name === '' ? 'public' : `tw_${name}`,
    tablePrefix,
    table: (table: string) => `${tablePrefix}${table}`,
    logicalTable: (physical: string) => {
      if (tablePrefix === '') return physical.includes(TABLE_SEPARATOR) ? undefined : physical;
      return physical.startsWith(tablePrefix) ? physical.slice(tablePrefix.length) : undefined;
    },
  });
}

/** The default environment's namespace (plain table names, schema `public`). */
export const DEFAULT_NAMESPACE: Namespace = namespace('', 'TOPIC_PREFIX');
