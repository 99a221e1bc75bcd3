/**
 * The table catalogue: every QuestDB table tradewatch writes, with its columns and their QuestDB types.
 * Every table has the designated timestamp `ts` (event time), is partitioned by day, is a WAL table and
 * deduplicates on `(ts, <keys>)` (`DEDUP UPSERT KEYS`): writing a row whose keys already exist replaces
 * it, so replaying a batch after a crash writes no duplicates (DESIGN.md, principle 2).
 *
 * Terminology:
 * - designated timestamp: the column `ts` QuestDB orders and partitions by; given in epoch ms in a
 *   `SinkRow` (processors/contract.ts) and stored with microsecond resolution;
 * - keys: the columns that, with `ts`, identify a row; a row must give every key;
 * - SYMBOL: an interned low-cardinality string (portfolio, env, rule...), given in `SinkRow.symbols`;
 *   every other column is given in `SinkRow.columns`.
 */
import { HISTORY_TABLES } from './history-tables.ts';
import { TELEMETRY_TABLES } from './telemetry-tables.ts';

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
  /**
   * Columns besides the designated timestamp `ts`, in table order. A column added later goes at the end:
   * `create()` appends it to existing tables (`ALTER TABLE ... ADD COLUMN`), so old and new tables then
   * have the same order. Only a nullable column can be added that way: not a key, not BOOLEAN.
   */
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
      {
        name: 'description',
        type: 'VARCHAR',
        doc: "the rule's rendered description; null when the rule has none",
      },
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
  {
    name: 'freshness',
    doc: 'A freshness event of a source (a key of a topic, in one env): first seen, stale, resumed, report, forgotten or unwatched (ts = when it happened, wall clock).',
    columns: [
      sym('topic'),
      sym('source', 'the Kafka key (ingest, strategy, asset, portfolio, instance...)'),
      sym('env'),
      sym('event', 'first_seen, stale, resumed, report, forgotten or unwatched'),
      { name: 'staleness_ms', type: 'LONG', doc: 'ts minus last_seen (0 when a record arrived)' },
      { name: 'silence_ms', type: 'LONG', doc: 'resumed: how long the source was silent' },
      { name: 'lag_ms', type: 'LONG', doc: 'last_seen minus the event time of the newest record' },
      { name: 'last_seen', type: 'TIMESTAMP' },
      { name: 'last_event_ts', type: 'TIMESTAMP' },
      { name: 'due_at', type: 'TIMESTAMP', doc: 'when the source goes (or went) stale' },
      { name: 'cadence_ms', type: 'LONG' },
      { name: 'slack_ms', type: 'LONG' },
      { name: 'records', type: 'LONG', doc: 'records seen since first seen' },
    ],
    keys: ['topic', 'source', 'env', 'event'],
  },
  {
    name: 'ingest_runs',
    doc: 'One data-ingest run (ts = its finished_at) and the consecutive failures of its ingest.',
    columns: [
      sym('ingest'),
      sym('env'),
      sym('run_id'),
      sym('status', 'success, failure or partial'),
      { name: 'failed', type: 'BOOLEAN', doc: 'failure, or partial counted as a failure' },
      { name: 'consecutive_failures', type: 'LONG', doc: 'null for a late run (not counted)' },
      { name: 'rows', type: 'LONG' },
      { name: 'duration_ms', type: 'LONG' },
      { name: 'started_at', type: 'TIMESTAMP' },
      { name: 'data_until', type: 'TIMESTAMP' },
      { name: 'data_lag_ms', type: 'LONG', doc: 'finished_at minus data_until' },
      { name: 'error', type: 'VARCHAR' },
    ],
    keys: ['ingest', 'env', 'run_id'],
  },
  {
    name: 'inference_cycles',
    doc: 'The health of one inference cycle (ts = its finished_at): failures in a row, duration, weights age.',
    columns: [
      sym('strategy'),
      sym('env'),
      sym('cycle_id'),
      sym('status', 'success or failure'),
      sym('model_version'),
      sym('weights_version'),
      { name: 'consecutive_failures', type: 'LONG', doc: 'null for a late cycle (not counted)' },
      { name: 'duration_ms', type: 'LONG', doc: 'finished_at minus started_at' },
      { name: 'as_of', type: 'TIMESTAMP' },
      { name: 'weights_updated_at', type: 'TIMESTAMP' },
      { name: 'weights_age_ms', type: 'LONG', doc: 'as_of minus weights_updated_at' },
      { name: 'weights_stale', type: 'BOOLEAN', doc: 'null when not judged (no allowed or known age)' },
      { name: 'error', type: 'VARCHAR' },
    ],
    keys: ['strategy', 'env', 'cycle_id'],
  },
  // ranking tables (processors/ranking)
  {
    name: 'ranking_cycles',
    doc: 'One inference cycle at scoring time (ts = its as_of): scored, unlabeled (no outcome) or failed.',
    columns: [
      sym('strategy'),
      sym('env'),
      sym('cycle_id'),
      sym('status', 'scored, unlabeled (no outcome arrived: not a miss) or failed (status failure)'),
      sym('closed_by', 'watermark (the outcome event time passed it) or deadline (wall clock)'),
      { name: 'horizon_ms', type: 'LONG' },
      { name: 'universe', type: 'LONG', doc: 'assets with an outcome of the as_of and horizon' },
      { name: 'predictions', type: 'LONG' },
      { name: 'labeled', type: 'LONG', doc: 'predictions whose asset has an outcome (scored cycles)' },
      dbl('rank_ic', 'Spearman of scores vs forward returns; null when undefined'),
      { name: 'note', type: 'VARCHAR', doc: 'why an unlabeled cycle is unlabeled' },
    ],
    keys: ['strategy', 'env', 'cycle_id'],
  },
  {
    name: 'ranking_rolling',
    doc: 'A trailing mean (or count) of a per-cycle ranking metric per strategy and env, at a cycle’s as_of.',
    columns: [
      sym('strategy'),
      sym('env'),
      sym('name', 'e.g. precision_at_k_7d, rank_ic_30d, ranking_unlabeled_cycles_7d'),
      sym('k', 'K, as text; none for rank_ic and the counts'),
      dbl('value'),
      { name: 'samples', type: 'LONG', doc: 'cycles in the window' },
      { name: 'window_ms', type: 'LONG' },
    ],
    keys: ['strategy', 'env', 'name', 'k'],
  },
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
  {
    name: 'job_runs',
    doc: 'A job attempt or skipped occurrence of the scheduler (ts = the scheduled time), as on the `jobs.runs` topic.',
    columns: [
      sym('job'),
      sym('template'),
      sym('env'),
      { name: 'attempt', type: 'INT', doc: '1 for the first attempt; 0 for a skipped occurrence' },
      sym('trigger', 'schedule, manual or backfill'),
      sym('outcome', 'succeeded, failed, timed_out, lost or skipped'),
      sym('instance', 'the scheduler instance'),
      { name: 'final', type: 'BOOLEAN', doc: 'false when a retry follows' },
      { name: 'started_at', type: 'TIMESTAMP' },
      { name: 'finished_at', type: 'TIMESTAMP' },
      { name: 'duration_ms', type: 'LONG' },
      { name: 'delay_ms', type: 'LONG', doc: 'start (or skip decision) minus the scheduled time' },
      { name: 'error', type: 'VARCHAR' },
      { name: 'summary', type: 'VARCHAR', doc: 'what the template reported, as a JSON object' },
    ],
    keys: ['job', 'attempt'],
  },
  {
    name: 'trading_window_checks',
    doc: 'The trading-window check of a strategy for one window (ts = the window start).',
    columns: [
      sym('strategy'),
      sym('env'),
      { name: 'window_end', type: 'TIMESTAMP' },
      { name: 'first_start', type: 'TIMESTAMP', doc: 'start of the first cycle in the window' },
      { name: 'last_finish', type: 'TIMESTAMP', doc: 'finish of the last cycle in the window' },
      { name: 'cycles', type: 'LONG' },
      { name: 'failed_cycles', type: 'LONG' },
      { name: 'outside_cycles', type: 'LONG', doc: 'cycles started outside the window (same day)' },
      { name: 'max_gap_ms', type: 'LONG', doc: 'longest time without a cycle start inside the window' },
      { name: 'ok', type: 'BOOLEAN' },
      { name: 'problems', type: 'VARCHAR', doc: 'what was wrong, one per line' },
    ],
    keys: ['strategy', 'env'],
  },
  {
    name: 'trades',
    doc: 'An executed fill (the `trades` topic); what the PnL reconciliation of the scheduler reads.',
    columns: [
      sym('portfolio'),
      sym('env'),
      sym('trade_id'),
      sym('strategy'),
      sym('asset'),
      sym('side', 'buy or sell'),
      sym('quote_currency'),
      sym('fee_currency'),
      dbl('quantity'),
      dbl('price'),
      dbl('notional', 'quantity times price, in quote_currency, positive'),
      dbl('fee'),
    ],
    keys: ['portfolio', 'env', 'trade_id'],
  },
  {
    name: 'pnl_reconciliation',
    doc: 'The daily PnL reconciliation of a portfolio (ts = the start of the day): trades against the change in marks.',
    columns: [
      sym('portfolio'),
      sym('env'),
      sym('status', 'ok, breach or no_data'),
      { name: 'day_end', type: 'TIMESTAMP' },
      { name: 'opening_ts', type: 'TIMESTAMP', doc: 'the last mark before the day' },
      { name: 'closing_ts', type: 'TIMESTAMP', doc: 'the last mark of the day' },
      dbl('equity_open'),
      dbl('equity_close'),
      dbl('pnl_marks', 'equity_close - equity_open'),
      dbl('cash_open'),
      dbl('cash_close'),
      dbl('cash_change', 'cash_close - cash_open'),
      dbl('trade_cash_flow', 'sell notional - buy notional - fees of the trades between the two marks'),
      dbl('buy_notional'),
      dbl('sell_notional'),
      dbl('fees'),
      { name: 'trades', type: 'LONG' },
      dbl('difference', 'the compared value from the marks minus the one from the trades'),
      dbl('tolerance'),
      { name: 'problems', type: 'VARCHAR' },
    ],
    keys: ['portfolio', 'env'],
  },
  {
    name: 'precision_daily',
    doc: 'Daily precision@K of a strategy for one K (ts = the start of the day), from `ranking_scores`.',
    columns: [
      sym('strategy'),
      sym('env'),
      sym('k'),
      { name: 'cycles', type: 'LONG', doc: 'scored cycles of the day' },
      dbl('precision_mean'),
      dbl('precision_min'),
      dbl('precision_max'),
      dbl('recall_mean'),
      dbl('hit_rate', 'mean of hit_at_k'),
      dbl('ndcg_mean'),
    ],
    keys: ['strategy', 'env', 'k'],
  },
  {
    name: 'risk_checks',
    doc: 'The periodic risk check of a portfolio (ts = the check time): exposure and drawdown against limits.',
    columns: [
      sym('portfolio'),
      sym('env'),
      dbl('equity', 'the latest mark'),
      dbl('cash'),
      dbl('exposure', '(equity - cash) / equity, from the latest mark'),
      dbl('drawdown_daily', 'the latest daily drawdown'),
      dbl('max_drawdown', 'the largest daily drawdown over the lookback'),
      { name: 'mark_age_ms', type: 'LONG', doc: 'check time minus the latest mark' },
      { name: 'breach', type: 'BOOLEAN' },
      { name: 'problems', type: 'VARCHAR' },
    ],
    keys: ['portfolio', 'env'],
  },
  // history tables, point in time (processors/history; read by backtest/history.ts)
  ...HISTORY_TABLES,
  // the pipeline's own telemetry (dead letters, processors' progress)
  ...TELEMETRY_TABLES,
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
