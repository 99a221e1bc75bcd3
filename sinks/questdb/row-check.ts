/**
 * Checks a {@link SinkRow} against its table before it is buffered, so that a bad row fails at `write()`
 * with what was wrong (table, column, value, what was expected) instead of failing a whole QuestDB
 * transaction later, or worse, being stored as something else.
 */
import type { SinkRow } from '../../processors/contract.ts';
import { EXPECTED_VALUE, TIMESTAMP_COLUMN, type ColumnDefinition, type TableDefinition } from './tables.ts';

/** One thing wrong with one row. */
export interface RowProblem {
  /** Position of the row in the `write()` call. */
  readonly index: number;
  readonly table: string;
  /** The column at fault; absent when the problem is the row itself (its table, its shape). */
  readonly column?: string;
  /** The value found (strings cut to 100 characters). */
  readonly value?: unknown;
  /** What was expected instead. */
  readonly expected: string;
}

/** A table prepared for checking rows: columns by name, split as a {@link SinkRow} splits them. */
export interface CheckedTable {
  readonly definition: TableDefinition;
  /** The table's name in QuestDB (its catalogue name in the sink's namespace). */
  readonly physical: string;
  readonly symbols: ReadonlyMap<string, ColumnDefinition>;
  readonly columns: ReadonlyMap<string, ColumnDefinition>;
}

export function prepareTable(definition: TableDefinition, physical = definition.name): CheckedTable {
  const symbols = new Map<string, ColumnDefinition>();
  const columns = new Map<string, ColumnDefinition>();
  for (const column of definition.columns) {
    (column.type === 'SYMBOL' ? symbols : columns).set(column.name, column);
  }
  return { definition, physical, symbols, columns };
}

const INT_MAX = 2_147_483_647;

/** Every problem with `row` (empty when it can be written). `tables` is the sink's catalogue by name. */
export function checkRow(
  row: SinkRow,
  index: number,
  tables: ReadonlyMap<string, CheckedTable>,
): readonly RowProblem[] {
  const tableName = typeof row.table === 'string' ? row.table : String(row.table);
  const table = tables.get(tableName);
  if (table === undefined) {
    return [
      {
        index,
        table: tableName,
        value: shown(row.table),
        expected: `one of the tables ${[...tables.keys()].join(', ')} (declared in sinks/questdb/tables.ts)`,
      },
    ];
  }
  // On every row's path: nothing allocated for a row without problems.
  let problems: RowProblem[] | undefined;
  const problem = (column: string | undefined, value: unknown, expected: string): void => {
    (problems ??= []).push({
      index,
      table: tableName,
      ...(column === undefined ? {} : { column }),
      value: shown(value),
      expected,
    });
  };

  if (!isEpochMs(row.ts)) problem(TIMESTAMP_COLUMN, row.ts, 'an integer epoch-milliseconds timestamp (`ts`)');
  if (!isObject(row.symbols)) problem(undefined, row.symbols, '`symbols` to be an object of strings');
  if (!isObject(row.columns)) problem(undefined, row.columns, '`columns` to be an object');
  if (!isObject(row.symbols) || !isObject(row.columns)) return problems ?? [];

  const { symbols, columns } = row;
  for (const name in symbols) {
    if (!Object.hasOwn(symbols, name)) continue;
    const value = symbols[name];
    const column = table.symbols.get(name);
    if (column === undefined) {
      problem(name, value, unknownColumn(table, name));
    } else if (typeof value !== 'string') {
      problem(name, value, EXPECTED_VALUE.SYMBOL);
    }
  }
  for (const name in columns) {
    if (!Object.hasOwn(columns, name)) continue;
    const value = columns[name];
    const column = table.columns.get(name);
    if (column === undefined) {
      problem(name, value, unknownColumn(table, name));
    } else if (value !== null && !fits(column, value)) {
      problem(name, value, EXPECTED_VALUE[column.type]);
    }
  }
  for (const key of table.definition.keys) {
    const value = table.symbols.has(key) ? row.symbols[key] : row.columns[key];
    if (value === undefined || value === null) {
      problem(key, value, `a value: "${key}" is a dedup key of "${tableName}", every row must give it`);
    }
  }
  return problems ?? NO_PROBLEMS;
}

/** What checkRow returns for a row without problems (shared: nothing to allocate). */
const NO_PROBLEMS: readonly RowProblem[] = Object.freeze([]);

/** One line per problem, for error messages. */
export function describeProblem(p: RowProblem): string {
  const where = p.column === undefined ? `table "${p.table}"` : `table "${p.table}", column "${p.column}"`;
  return `row ${p.index} (${where}): found ${literal(p.value)} (${typeOf(p.value)}); expected ${p.expected}`;
}

function unknownColumn(table: CheckedTable, name: string): string {
  if (table.symbols.has(name)) return `"${name}" in \`symbols\` (it is a SYMBOL column), not in \`columns\``;
  if (table.columns.has(name)) {
    return `"${name}" in \`columns\` (it is a ${table.columns.get(name)?.type} column), not in \`symbols\``;
  }
  const known = [...table.symbols.keys(), ...table.columns.keys()].join(', ');
  return `a column of "${table.definition.name}" (${known}); declare new columns in sinks/questdb/tables.ts`;
}

function fits(column: ColumnDefinition, value: unknown): boolean {
  switch (column.type) {
    case 'SYMBOL':
    case 'VARCHAR':
      return typeof value === 'string';
    case 'DOUBLE':
      // NaN and ±Infinity would be stored as null or rejected: say null when there is no value.
      return typeof value === 'number' && Number.isFinite(value);
    case 'LONG':
      return typeof value === 'number' && Number.isSafeInteger(value);
    case 'INT':
      return typeof value === 'number' && Number.isInteger(value) && Math.abs(value) <= INT_MAX;
    case 'BOOLEAN':
      return typeof value === 'boolean';
    case 'TIMESTAMP':
      return isEpochMs(value);
  }
}

function isEpochMs(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function shown(value: unknown): unknown {
  return typeof value === 'string' && value.length > 100 ? `${value.slice(0, 100)}…` : value;
}

function literal(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return `an unprintable ${typeof value}`;
  }
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'missing';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return typeof value;
}
