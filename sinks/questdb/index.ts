export { QuestDbSink } from './questdb-sink.ts';
export {
  ENCODE_IN,
  QUESTDB_SINK_DEFAULTS,
  compileOptions,
  type CompiledQuestDbSinkOptions,
  type EncodeIn,
  type QuestDbSinkOptions,
} from './options.ts';
export {
  COLUMN_TYPES,
  TABLES,
  TIMESTAMP_COLUMN,
  checkTables,
  createTableSql,
  type ColumnDefinition,
  type ColumnType,
  type TableDefinition,
} from './tables.ts';
export { BACKTEST_TABLES } from './backtest-tables.ts';
export type { RowProblem } from './row-check.ts';
export type { QueryResult } from './exec.ts';
