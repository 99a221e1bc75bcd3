/**
 * Options of {@link QuestDbSink}: public (documented, with defaults) → compiled (defaults applied,
 * checked, frozen; durations in ms).
 */
import type { Clock } from '../../core/clock.ts';
import { systemClock } from '../../core/clock.ts';
import { ConfigError } from '../../core/errors.ts';
import { DEFAULT_NAMESPACE, type Namespace } from '../../core/namespace.ts';
import type { Logger } from '../../core/logger.ts';
import { checkTables, TABLES, type TableDefinition } from './tables.ts';

export interface QuestDbSinkOptions {
  /**
   * QuestDB's HTTP endpoint (REST `/exec` and ILP `/write`): `http[s]://[user:password@]host[:port]`,
   * usually `config.questdb.httpUrl` (QUESTDB_HTTP_URL). Required. Logged only with its password hidden.
   */
  httpUrl: string;
  /** Where the sink logs (a child logger `component: questdb-sink` is made). Required. */
  logger: Logger;
  /** The tables the sink writes; rows for any other table are rejected. Default {@link TABLES}. */
  tables?: readonly TableDefinition[];
  /**
   * `shouldFlush()` says yes once this many rows are pending; also the most rows sent in one HTTP request
   * (one transaction). Default 10 000.
   */
  maxRows?: number;
  /** `shouldFlush()` says yes once the oldest pending row has waited this long, in ms. Default 1 000. */
  maxDelayMs?: number;
  /**
   * How long QuestDB may take to answer one request (ILP `request_timeout`, and each `/exec` query), in
   * ms. Default 10 000.
   */
  requestTimeoutMs?: number;
  /**
   * How long the ILP client keeps retrying a request that timed out or got a 5xx answer before
   * `flush()` fails (ILP `retry_timeout`), in ms. A refused connection fails at once: retrying an outage
   * is the caller's job (the processor runtime backs off). Default 10 000.
   */
  retryTimeoutMs?: number;
  /** How long `close()` may spend flushing what is pending, in ms. Default 30 000. */
  closeTimeoutMs?: number;
  /**
   * How long `create()` waits for QuestDB to apply the columns it added to existing tables (WAL tables
   * apply an `ALTER TABLE` asynchronously, behind the writes queued before it), in ms. Default 30 000.
   */
  alterTimeoutMs?: number;
  /**
   * The environment's namespace (config.namespace): each table is written as `namespace.table(name)`
   * (`demo__drawdown`); rows and `waitForRows` keep naming tables by their catalogue names. Default
   * the plain names.
   */
  namespace?: Namespace;
  /** Time source for `shouldFlush()`'s age of pending rows (tests inject one). Default the system clock. */
  clock?: Clock;
  /**
   * Where requests are encoded (ILP, with `@questdb/nodejs-client`) and sent: `'worker'`, in a worker
   * thread the sink starts (the sink's thread only lays each request's rows out in columns and
   * transfers them: a small part of the encoding's cost, which is ~8 µs a row); or `'thread'`, on the
   * sink's own thread (no extra thread; the encoding then delays whatever else that thread does).
   * Delivery is the same either way. Default `'worker'`.
   */
  encodeIn?: EncodeIn;
  /**
   * Whether `create()` creates and checks the tables (see ensure-tables.ts). `false` skips it: only for a
   * sink whose tables another sink of this process (same URL, namespace and tables) has just created and
   * checked, as the pipeline's later sinks do. Default true.
   */
  ensureTables?: boolean;
}

/** Where the sink encodes and sends its requests (see {@link QuestDbSinkOptions.encodeIn}). */
export const ENCODE_IN = ['worker', 'thread'] as const;
export type EncodeIn = (typeof ENCODE_IN)[number];

/** Options with defaults applied, checked and frozen. */
export interface CompiledQuestDbSinkOptions {
  readonly httpUrl: string;
  readonly logger: Logger;
  readonly tables: readonly TableDefinition[];
  readonly maxRows: number;
  readonly maxDelayMs: number;
  readonly requestTimeoutMs: number;
  readonly retryTimeoutMs: number;
  readonly closeTimeoutMs: number;
  readonly alterTimeoutMs: number;
  readonly clock: Clock;
  readonly namespace: Namespace;
  readonly encodeIn: EncodeIn;
  readonly ensureTables: boolean;
}

export const QUESTDB_SINK_DEFAULTS = Object.freeze({
  maxRows: 10_000,
  maxDelayMs: 1_000,
  requestTimeoutMs: 10_000,
  retryTimeoutMs: 10_000,
  closeTimeoutMs: 30_000,
  alterTimeoutMs: 30_000,
  encodeIn: 'worker',
  ensureTables: true,
} as const);

/** Applies the defaults and checks every option; a ConfigError lists every problem. */
export function compileOptions(options: QuestDbSinkOptions): CompiledQuestDbSinkOptions {
  const compiled = {
    httpUrl: options.httpUrl,
    logger: options.logger,
    tables: options.tables ?? TABLES,
    maxRows: options.maxRows ?? QUESTDB_SINK_DEFAULTS.maxRows,
    maxDelayMs: options.maxDelayMs ?? QUESTDB_SINK_DEFAULTS.maxDelayMs,
    requestTimeoutMs: options.requestTimeoutMs ?? QUESTDB_SINK_DEFAULTS.requestTimeoutMs,
    retryTimeoutMs: options.retryTimeoutMs ?? QUESTDB_SINK_DEFAULTS.retryTimeoutMs,
    closeTimeoutMs: options.closeTimeoutMs ?? QUESTDB_SINK_DEFAULTS.closeTimeoutMs,
    alterTimeoutMs: options.alterTimeoutMs ?? QUESTDB_SINK_DEFAULTS.alterTimeoutMs,
    clock: options.clock ?? systemClock,
    namespace: options.namespace ?? DEFAULT_NAMESPACE,
    encodeIn: options.encodeIn ?? QUESTDB_SINK_DEFAULTS.encodeIn,
    ensureTables: options.ensureTables ?? QUESTDB_SINK_DEFAULTS.ensureTables,
  };
  const problems: string[] = [];
  if (typeof compiled.httpUrl !== 'string' || compiled.httpUrl === '') problems.push('httpUrl is required');
  const positive = [
    'maxRows',
    'requestTimeoutMs',
    'retryTimeoutMs',
    'closeTimeoutMs',
    'alterTimeoutMs',
  ] as const;
  for (const key of positive) {
    if (!Number.isSafeInteger(compiled[key]) || compiled[key] < 1) {
      problems.push(`${key} must be a positive integer, got ${compiled[key]}`);
    }
  }
  if (!Number.isSafeInteger(compiled.maxDelayMs) || compiled.maxDelayMs < 0) {
    problems.push(`maxDelayMs must be an integer >= 0, got ${compiled.maxDelayMs}`);
  }
  if (!(ENCODE_IN as readonly string[]).includes(compiled.encodeIn)) {
    problems.push(`encodeIn must be one of ${ENCODE_IN.join(', ')}, got ${String(compiled.encodeIn)}`);
  }
  if (typeof compiled.ensureTables !== 'boolean') {
    problems.push(`ensureTables must be true or false, got ${String(compiled.ensureTables)}`);
  }
  if (compiled.tables.length === 0) problems.push('tables must declare at least one table');
  problems.push(...checkTables(compiled.tables));
  if (problems.length > 0) throw new ConfigError(problems, 'the QuestDB sink options');
  return Object.freeze(compiled);
}
