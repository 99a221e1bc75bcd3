/**
 * The table catalogue: every QuestDB table tradewatch writes, with its columns and their QuestDB types.
 * Every table has the designated timestamp `ts` (event time), is partitioned by day, is a WAL table and
 * deduplicates on `(ts, <keys>)` (`DEDUP UPSERT KEYS`): writing a row whose keys already exist replaces
 * it, so replaying a batch after a crash writes no duplicates (DESIGN.md, principle 2).
 *
 * Terminology:
 * - designated timestamp: the column `ts` QuestDB orders and partitions by; given in epoch ms in a
 *   `SinkRow` (runtime/processor/types.ts) and stored with microsecond resolution;
 * - keys: the columns that, with `ts`, identify a row; a row must give every key;
 * - SYMBOL: an interned low-cardinality string (portfolio, env, rule...), given in `SinkRow.symbols`;
 *   every other column is given in `SinkRow.columns`.
 */
/** The column types a table may declare (besides the designated timestamp). */
export const COLUMN_TYPES = ['SYMBOL', 'DOUBLE', 'LONG', 'INT', 'BOOLEAN', 'VARCHAR', 'TIMESTAMP'] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

/** What a {@link SinkRow} must carry for a column of each type (used in error messages). */
export const EXPECTED_VALUE: Readonly<Record<ColumnType, string>> = {
  SYMBOL: 'a string in `symbols`',
  DOUBLE: 'a finite number (or null) in `columns`',
  LONG: 'a safe integer (or null) in `columns`',
  INT: 'an integer between -2147483647 and 2147483647 (or null) in `columns`',
  BOOLEAN: 'a boolean in `columns`',
  VARCHAR: 'a string (or null) in `columns`',
  TIMESTAMP: 'an integer epoch-milliseconds timestamp (or null) in `columns`',
};

export interface ColumnDefinition {
  readonly name: string;
  readonly type: ColumnType;
  /** What the column holds, for people (and Grafana panel authors). */
  readonly doc?: string;
}

export interface TableDefinition {
  /** Table name in QuestDB; also `SinkRow.table`. */
  readonly name: string;
  /** What a row of the table is. */
  readonly doc: string;
  /** Columns besides the designated timestamp `ts`, in table order. */
  readonly columns: readonly ColumnDefinition[];
  /** Dedup upsert keys besides `ts`: names of columns above. A row must give every key. */
  readonly keys: readonly string[];
}

/** The designated timestamp column of every table. */
export const TIMESTAMP_COLUMN = 'ts';

const sym = (name: string, doc?: string): ColumnDefinition => ({ name, type: 'SYMBOL', doc });
const dbl = (name: string, doc?: string): ColumnDefinition => ({ name, type: 'DOUBLE', doc });

/** Every table tradewatch writes. */
export const TABLES: readonly TableDefinition[] = [
  {
    name: 'portfolio_marks',
    doc: 'A portfolio valuation (mark) at a point in time.',
    columns: [sym('portfolio'), sym('env', 'live, paper, backtest...'), dbl('equity'), dbl('cash')],
    keys: ['portfolio', 'env'],
  },
  {
    name: 'drawdown',
    doc: 'Drawdown of a portfolio from its rolling (1 h) and daily peaks, as fractions (0.05 = 5 %).',
    columns: [
      sym('portfolio'),
      sym('env'),
      dbl('equity'),
      dbl('drawdown_1h'),
      dbl('drawdown_daily'),
      dbl('max_drawdown_1h'),
      dbl('max_drawdown_daily'),
      dbl('peak_1h'),
      dbl('peak_daily'),
    ],
    keys: ['portfolio', 'env'],
  },
  {
    name: 'alerts',
    doc: 'An alert state change (firing, resolved...), identified by its stable fingerprint.',
    columns: [
      sym('fingerprint', 'stable identity of the alert (rule + labels)'),
      sym('rule'),
      sym('severity'),
      sym('status'),
      sym('env'),
      { name: 'summary', type: 'VARCHAR' },
      dbl('value', 'the value that crossed the threshold'),
      dbl('threshold'),
      { name: 'starts_at', type: 'TIMESTAMP' },
      { name: 'ends_at', type: 'TIMESTAMP' },
      { name: 'labels', type: 'VARCHAR', doc: 'labels as a JSON object' },
    ],
    keys: ['fingerprint', 'status'],
  },
  {
    name: 'metrics',
    doc: 'A point of a metric series (the `metrics` topic).',
    columns: [
      sym('name'),
      sym('series', 'name and sorted labels, `name{k1=v1,k2=v2}` (topics seriesKey)'),
      { name: 'labels', type: 'VARCHAR', doc: 'labels as a JSON object' },
      dbl('value'),
    ],
    keys: ['name', 'series'],
  },
  // baseline tables (processors/baseline)
  {
    name: 'baseline',
    doc: 'One observation of a strategy metric and its baseline before it: EWMA mean/std, optional trailing-window mean/std, z-scores (null until enough observations).',
    columns: [
      sym('strategy'),
      sym('env'),
      sym('metric', 'the observed metric (a cycle snapshot entry, latency_ms, realized_pnl_1d)'),
      dbl('value', 'the observation'),
      dbl('mean', 'EWMA mean before this observation'),
      dbl('std', 'EWMA standard deviation before this observation'),
      dbl('z', '(value - mean) / std; null before min_observations or when std is 0'),
      dbl('window_mean', 'trailing-window mean before this observation; null without a window'),
      dbl('window_std'),
      dbl('window_z'),
      { name: 'observations', type: 'LONG', doc: 'observations folded in before this one' },
    ],
    keys: ['strategy', 'env', 'metric'],
  },
  // freshness tables (processors/freshness)
  // ranking tables (processors/ranking)
  {
    name: 'ranking_scores',
    doc: 'Precision@K and its siblings of one scored inference cycle for one K (ts = the cycle’s as_of).',
    columns: [
      sym('strategy'),
      sym('env'),
      sym('k', 'K, as text (1, 5, 10...)'),
      sym('cycle_id'),
      dbl('precision_at_k'),
      dbl('recall_at_k'),
      dbl('hit_at_k'),
      dbl('ndcg_at_k'),
    ],
    keys: ['strategy', 'env', 'k', 'cycle_id'],
  },
  // scheduler tables (scheduler/)
];

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** Every problem with a catalogue (names, duplicates, keys); empty when it is valid. */
export function checkTables(tables: readonly TableDefinition[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const table of tables) {
    const where = `table "${table.name}"`;
    if (!IDENTIFIER.test(table.name)) {
      problems.push(
        `${where}: the name must be lower-case letters, digits and _ (not starting with a digit)`,
      );
    }
    if (seen.has(table.name)) problems.push(`${where} is declared twice`);
    seen.add(table.name);
    const columns = new Set<string>();
    for (const column of table.columns) {
      if (!IDENTIFIER.test(column.name)) {
        problems.push(`${where}, column "${column.name}": the name must be lower-case letters, digits and _`);
      }
      if (column.name === TIMESTAMP_COLUMN) {
        problems.push(
          `${where}: do not declare "${TIMESTAMP_COLUMN}", it is the designated timestamp of every table`,
        );
      }
      if (columns.has(column.name)) problems.push(`${where}, column "${column.name}" is declared twice`);
      if (!(COLUMN_TYPES as readonly string[]).includes(column.type)) {
        problems.push(
          `${where}, column "${column.name}": type ${column.type} is not one of ${COLUMN_TYPES.join(', ')}`,
        );
      }
      columns.add(column.name);
    }
    for (const key of table.keys) {
      if (!columns.has(key)) problems.push(`${where}: key "${key}" is not one of its columns`);
    }
  }
  return problems;
}

/** `CREATE TABLE IF NOT EXISTS` for a table: WAL, partitioned by day, deduplicated on `(ts, keys)`. */
export function createTableSql(table: TableDefinition): string {
  const columns = [`${TIMESTAMP_COLUMN} TIMESTAMP`, ...table.columns.map((c) => `${c.name} ${c.type}`)];
  const keys = [TIMESTAMP_COLUMN, ...table.keys].join(', ');
  return (
    `CREATE TABLE IF NOT EXISTS ${table.name} (${columns.join(', ')}) ` +
    `TIMESTAMP(${TIMESTAMP_COLUMN}) PARTITION BY DAY WAL DEDUP UPSERT KEYS(${keys})`
  );
}
