/**
 * The record types tradewatch publishes, and where their schemas live. The list is the contract's
 * table of contents: adding a record type means adding its `.avsc`, its name here, and regenerating
 * the types (`npm run schemas:types`).
 */

/** Every record type, by its Avro record name (namespace `tradewatch`). */
export const RECORD_TYPES = [
  'PortfolioMark',
  'Alert',
  'InferenceCycle',
  'Outcome',
  'Metric',
  'Trade',
  'IngestRun',
  'Signal',
  'JobRun',
  'BacktestTask',
] as const;

/** The name of one record type. */
export type RecordTypeName = (typeof RECORD_TYPES)[number];

/** The Avro namespace every tradewatch record lives in. */
export const NAMESPACE = 'tradewatch';

/** Whether `name` is one of {@link RECORD_TYPES}. */
export function isRecordTypeName(name: string): name is RecordTypeName {
  return (RECORD_TYPES as readonly string[]).includes(name);
}

/** The kebab-case file stem of a record type: `PortfolioMark` → `portfolio-mark`. */
export function fileStem(name: RecordTypeName): string {
  return name.replace(/(?<=[a-z0-9])([A-Z])/g, '-$1').toLowerCase();
}
