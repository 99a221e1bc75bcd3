/**
 * The tradewatch contracts: one Avro schema per record type (`schemas/*.avsc`), the codec that puts
 * records on the wire with Avro single-object encoding, and the TypeScript types generated from the
 * schemas. See schemas/README.md for the wire format and the evolution rules.
 *
 * ```ts
 * const registry = await SchemaRegistry.load();
 * const marks = registry.codec('PortfolioMark');
 * const bytes = marks.encode({ portfolio: 'main', env: 'prod', ts: Date.now(), equity: 1e6, cash: null });
 * marks.decode(bytes); // the same record
 * ```
 */
export { RECORD_TYPES, NAMESPACE, isRecordTypeName } from './record-types.ts';
export type { RecordTypeName } from './record-types.ts';
export { SchemaRegistry, DEFAULT_SCHEMAS_DIR } from './registry.ts';
export type { RegistryOptions, VersionInfo } from './registry.ts';
export type { Codec } from './codec.ts';
export { isoTimestamp, parseIsoTimestamp } from './json-form.ts';
export type { JsonOutputOptions } from './json-form.ts';
export type { Problem } from '../core/problems.ts';
export { canonicalForm } from './canonical-form.ts';
export { fingerprintHex } from './rabin.ts';
export { HEADER_LENGTH, MARKER } from './wire.ts';
export {
  ALERT_STATUSES,
  CYCLE_STATUSES,
  ENVIRONMENTS,
  INGEST_STATUSES,
  JOB_OUTCOMES,
  JOB_TRIGGERS,
  LIQUIDITIES,
  SEVERITIES,
  TRADE_SIDES,
} from './types.generated.ts';
export type {
  Alert,
  AlertStatus,
  BacktestTask,
  CycleStatus,
  Environment,
  InferenceCycle,
  IngestRun,
  IngestStatus,
  JobOutcome,
  JobRun,
  JobTrigger,
  Liquidity,
  Metric,
  Outcome,
  PortfolioMark,
  Prediction,
  RecordTypes,
  Severity,
  Signal,
  Trade,
  TradeSide,
} from './types.generated.ts';
