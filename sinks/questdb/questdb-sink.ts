/**
 * The QuestDB sink: buffers {@link SinkRow}s and writes them with ILP over HTTP into WAL tables with
 * dedup keys. The processor runtime owns the timing: it writes rows, asks `shouldFlush()`, calls
 * `flush()`, and commits Kafka offsets only once `flush()` has resolved.
 *
 * Delivery: each HTTP request carries rows of one table only (at most `maxRows`), so each is one
 * all-or-nothing QuestDB transaction. A row leaves the sink's own list only when QuestDB acknowledged
 * the request that carried it. The ILP client's buffer is not trusted with anything: its `flush()` takes
 * the bytes out of the buffer *before* sending them, so after a failed request they are gone from it.
 * Every request is therefore encoded afresh from the sink's list, and a failed `flush()` leaves every
 * unacknowledged row in the list for the next one. A request that failed after QuestDB committed it (a
 * lost answer) is sent again; the dedup keys make that a no-op. Requests of different tables go at once;
 * those of one table one after the other, in the order written.
 *
 * Where requests are encoded and sent (`encodeIn`): by default in a worker thread (worker-transport.ts),
 * because the ILP client encodes ~8 µs a row (names and values character by character) and a busy
 * pipeline flushes tens of thousands of rows a commit: on the sink's thread that is time the runtime
 * cannot spend on records or on Kafka. The sink's thread keeps the rows, the checks and the timing, and
 * hands each request's rows over in columns (columnar.ts: typed arrays, transferred), a fraction of the
 * encoding's cost. The worker keeps no rows, so nothing of the above changes: a request it could not
 * send, or one in flight when it crashed, fails `flush()` with TW_QUESTDB_UNAVAILABLE and its rows stay.
 */
import { SerialQueue } from '../../core/serial-queue.ts';
import http from 'node:http';
import https from 'node:https';
import type { Worker } from 'node:worker_threads';
import { TradewatchError, toError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { Namespace } from '../../core/namespace.ts';
import type { SinkRow } from '../../processors/contract.ts';
import { ensureTables } from './ensure-tables.ts';
import { parseEndpoint, senderConfig, type QuestDbEndpoint } from './endpoint.ts';
import { exec, ilpProtocolVersion, type QueryResult } from './exec.ts';
import { compileOptions, type CompiledQuestDbSinkOptions, type QuestDbSinkOptions } from './options.ts';
import { checkRow, describeProblem, prepareTable, type CheckedTable, type RowProblem } from './row-check.ts';
import { ThreadTransport, type IlpTransport } from './transport.ts';
import { waitForRows } from './wait-for-rows.ts';
import { WorkerTransport } from './worker-transport.ts';

/** A row waiting for QuestDB's acknowledgement. */
interface PendingRow {
  readonly row: SinkRow;
  readonly table: CheckedTable;
  /** When `write()` took it (the sink's clock), for `shouldFlush()`. */
  readonly writtenAt: number;
}

export class QuestDbSink {
  readonly #options: CompiledQuestDbSinkOptions;
  readonly #endpoint: QuestDbEndpoint;
  readonly #logger: Logger;
  readonly #agent: http.Agent;
  readonly #transport: IlpTransport;
  readonly #tables: ReadonlyMap<string, CheckedTable>;
  /** Unacknowledged rows per table, oldest first (a Map keeps the order tables first appeared in). */
  readonly #queues = new Map<string, PendingRow[]>();
  #pending = 0;
  /** Flushes run one after the other. */
  readonly #flushes = new SerialQueue();
  #closing: Promise<void> | undefined;

  /** Use {@link QuestDbSink.create}. */
  private constructor(
    options: CompiledQuestDbSinkOptions,
    endpoint: QuestDbEndpoint,
    logger: Logger,
    agent: http.Agent,
    transport: IlpTransport,
  ) {
    this.#options = options;
    this.#endpoint = endpoint;
    this.#logger = logger;
    this.#agent = agent;
    this.#transport = transport;
    this.#tables = new Map(
      options.tables.map((t) => [t.name, prepareTable(t, options.namespace.table(t.name))]),
    );
  }

  /**
   * Connects to QuestDB, creates every table of the catalogue that is missing, adds to existing tables
   * the nullable columns the catalogue gained (each logged at info) and checks they all match it. Throws
   * TW_CONFIG_INVALID (bad options, or tables that differ otherwise: each difference listed, with its
   * fix), TW_QUESTDB_UNAVAILABLE (retriable) when QuestDB does not answer, or TW_TIMEOUT (retriable) when
   * an added column is not applied within `alterTimeoutMs`.
   */
  static async create(options: QuestDbSinkOptions): Promise<QuestDbSink> {
    const compiled = compileOptions(options);
    const endpoint = parseEndpoint(compiled.httpUrl);
    const logger = compiled.logger.child({ component: 'questdb-sink' });
    // The sink's own connection pool, so that close() can release it.
    const agent =
      endpoint.protocol === 'https'
        ? new https.Agent({ keepAlive: true })
        : new http.Agent({ keepAlive: true });
    try {
      const execOptions = { agent, timeoutMs: compiled.requestTimeoutMs };
      const protocolVersion = await ilpProtocolVersion(endpoint, execOptions);
      const physical = compiled.tables.map((t) => ({ ...t, name: compiled.namespace.table(t.name) }));
      if (compiled.ensureTables) {
        await ensureTables(endpoint, physical, {
          exec: execOptions,
          logger,
          alterTimeoutMs: compiled.alterTimeoutMs,
        });
      }
      const config = senderConfig(endpoint, {
        protocol_version: protocolVersion,
        // Node's http transport (not undici) so that the sink's agent is used and a refused connection
        // fails at once: the caller retries outages with backoff and keeps consuming in step.
        stdlib_http: 'on',
        auto_flush: 'off',
        request_timeout: compiled.requestTimeoutMs,
        retry_timeout: compiled.retryTimeoutMs,
      });
      const transport =
        compiled.encodeIn === 'worker'
          ? await WorkerTransport.start(
              { config, protocol: endpoint.protocol, levelValue: logger.levelVal },
              logger,
            )
          : await ThreadTransport.create(config, agent, logger);
      logger.debug(
        {
          url: endpoint.display,
          tables: physical.map((t) => t.name),
          protocolVersion,
          encodeIn: compiled.encodeIn,
        },
        'QuestDB sink ready',
      );
      return new QuestDbSink(compiled, endpoint, logger, agent, transport);
    } catch (e: unknown) {
      agent.destroy();
      throw e;
    }
  }

  /**
   * Checks every row against its table and buffers them all, or none: if any row is bad (unknown table
   * or column, a value of the wrong type, a missing dedup key), it throws TW_RECORD_INVALID listing every
   * bad row (index, table, column, value, what was expected) and buffers nothing from this call; rows
   * written before stay buffered. Throws TW_INTERNAL after `close()`.
   */
  write(rows: readonly SinkRow[]): void {
    if (this.#closing !== undefined) {
      throw new TradewatchError('TW_INTERNAL', 'write() on a closed QuestDB sink: no rows were buffered');
    }
    const problems: RowProblem[] = [];
    for (let index = 0; index < rows.length; index += 1) {
      const found = checkRow(rows[index]!, index, this.#tables);
      if (found.length > 0) problems.push(...found);
    }
    if (problems.length > 0) {
      const bad = new Set(problems.map((p) => p.index)).size;
      throw new TradewatchError(
        'TW_RECORD_INVALID',
        `${bad} of ${rows.length} rows cannot be written to QuestDB, so none of them was buffered:\n` +
          `${problems.map((p) => `  - ${describeProblem(p)}`).join('\n')}\n` +
          'Fix the processor that emits them; tables and their columns are declared in sinks/questdb/tables.ts.',
        { details: { problems } },
      );
    }
    const now = this.#options.clock.now();
    for (const row of rows) {
      const table = this.#tables.get(row.table);
      if (table === undefined) continue; // checked above
      let queue = this.#queues.get(row.table);
      if (queue === undefined) this.#queues.set(row.table, (queue = []));
      queue.push({ row, table, writtenAt: now });
    }
    this.#pending += rows.length;
  }

  /** Rows written and not yet acknowledged by QuestDB (including those of a flush in progress). */
  pending(): number {
    return this.#pending;
  }

  /**
   * Whether the caller should flush now: `maxRows` rows are pending, or the oldest pending row was
   * written `maxDelayMs` or more before `now` (epoch ms, on the sink's clock).
   */
  shouldFlush(now: number): boolean {
    if (this.#pending === 0) return false;
    if (this.#pending >= this.#options.maxRows) return true;
    let oldest = Infinity;
    for (const queue of this.#queues.values()) oldest = Math.min(oldest, queue[0]?.writtenAt ?? Infinity);
    return now - oldest >= this.#options.maxDelayMs;
  }

  /**
   * Sends every row written before the call and resolves once QuestDB acknowledged them all. One HTTP
   * request (one transaction) per table and per `maxRows` rows; rows of a table go in the order written,
   * tables at once. On failure (once every table's requests have settled) it throws
   * TW_QUESTDB_UNAVAILABLE (retriable) and keeps every unacknowledged row: the next `flush()` sends them
   * again. A flush called while one runs starts after it.
   */
  flush(): Promise<void> {
    if (this.#closing !== undefined) {
      return Promise.reject(new TradewatchError('TW_INTERNAL', 'flush() on a closed QuestDB sink'));
    }
    return this.#enqueueFlush();
  }

  /**
   * Flushes what is pending (within `closeTimeoutMs`), then releases the client and its connections.
   * Idempotent: every call returns the same promise. It rejects (after releasing everything) when rows
   * could not be written: TW_QUESTDB_UNAVAILABLE, or TW_TIMEOUT at the deadline; those rows are lost to
   * this sink, so the caller must not commit the offsets they came from.
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  /**
   * The worker thread that encodes and sends requests (`encodeIn: 'worker'`) while one runs: for tests
   * and diagnostics (e.g. terminating it to see a crash handled). Do not post to it.
   */
  encodingThread(): Worker | undefined {
    return this.#transport instanceof WorkerTransport ? this.#transport.worker : undefined;
  }

  /** The environment's namespace: `namespace.table(name)` is where rows of the table `name` go. */
  get namespace(): Namespace {
    return this.#options.namespace;
  }

  /** Runs one SQL statement over HTTP `/exec` (for tests, the demo, checks). Rows come back as objects. */
  query(sql: string): Promise<QueryResult> {
    return exec(this.#endpoint, sql, { agent: this.#agent, timeoutMs: this.#options.requestTimeoutMs });
  }

  /**
   * Waits until QuestDB applied every committed write to `table` (a catalogue name, in this sink's
   * namespace; WAL apply is asynchronous) and `SELECT count() FROM table [WHERE where]` reaches `count`;
   * resolves with that count (it may exceed `count`). `where` is SQL, trusted. Throws TW_TIMEOUT after
   * `timeoutMs` (default 30 000).
   */
  waitForRows(table: string, where: string | undefined, count: number, timeoutMs = 30_000): Promise<number> {
    const name = this.#options.namespace.table(table);
    return waitForRows((sql) => this.query(sql), name, where, count, timeoutMs);
  }

  #enqueueFlush(): Promise<void> {
    return this.#flushes.run(() => this.#flushPending());
  }

  async #flushPending(): Promise<void> {
    // Only the tables and rows there now: rows written during this flush wait for the next one.
    const outcomes = await Promise.allSettled(
      [...this.#queues].map(([name, queue]) => this.#flushTable(name, queue, queue.length)),
    );
    // Said once every table settled, so that the count of rows kept is the count left.
    const errors = outcomes.flatMap((o) => (o.status === 'rejected' ? [this.#failure(o.reason)] : []));
    if (errors[0] !== undefined) throw errors[0];
  }

  /** The first `count` rows of `queue` (table `name`), `maxRows` a request, one request after the other. */
  async #flushTable(name: string, queue: PendingRow[], count: number): Promise<void> {
    let remaining = count;
    while (remaining > 0) {
      const batch = queue.slice(0, Math.min(remaining, this.#options.maxRows));
      await this.#send(name, batch);
      queue.splice(0, batch.length);
      this.#pending -= batch.length;
      remaining -= batch.length;
    }
    if (queue.length === 0 && this.#queues.get(name) === queue) this.#queues.delete(name);
  }

  /** One request, one transaction: `batch` (rows of table `name`) acknowledged, or a FailedRequest. */
  async #send(name: string, batch: readonly PendingRow[]): Promise<void> {
    const started = performance.now();
    const table = batch[0]?.table;
    if (table === undefined) return;
    const rows = batch.map((p) => p.row);
    try {
      try {
        await this.#transport.request(table, rows);
      } catch (e: unknown) {
        // A kept-alive connection the server (or a proxy) closed just as we reused it. Sending again on a
        // fresh one is safe: the rows are the same and the dedup keys make a second commit a no-op.
        if (!isStaleConnection(e)) throw e;
        this.#logger.debug({ err: e, table: name }, 'QuestDB connection was closed under us; sending again');
        await this.#transport.request(table, rows);
      }
    } catch (e: unknown) {
      throw new FailedRequest(name, batch.length, e);
    }
    this.#logger.debug(
      { table: name, rows: batch.length, ms: Math.round(performance.now() - started) },
      'rows acknowledged by QuestDB',
    );
  }

  /** The error a failed request makes `flush()` throw (logged at warn unless it is our own already). */
  #failure(reason: unknown): Error {
    if (!(reason instanceof FailedRequest)) return toError(reason);
    const { table: name, rows, cause } = reason;
    if (cause instanceof TradewatchError) return cause;
    const error = new TradewatchError(
      'TW_QUESTDB_UNAVAILABLE',
      `QuestDB at ${this.#endpoint.display} did not acknowledge ${rows} rows for table "${name}": ` +
        `${toError(cause).message}. All ${this.#pending} unacknowledged rows are kept and sent again by the ` +
        'next flush(); check that QuestDB is running (`tradewatch stack status`) and QUESTDB_HTTP_URL.',
      {
        cause,
        details: { url: this.#endpoint.display, table: name, rows, pending: this.#pending },
      },
    );
    this.#logger.warn({ err: error, table: name, rows }, 'QuestDB flush failed');
    return error;
  }

  async #shutdown(): Promise<void> {
    let first: Error | undefined;
    if (this.#pending > 0) {
      const rows = this.#pending;
      try {
        await deadline(this.#enqueueFlush(), this.#options.closeTimeoutMs, () => {
          return new TradewatchError(
            'TW_TIMEOUT',
            `close(): ${this.#pending} of ${rows} rows were not acknowledged by QuestDB at ` +
              `${this.#endpoint.display} within ${this.#options.closeTimeoutMs} ms and are not written; ` +
              'do not commit the offsets they came from',
            { details: { url: this.#endpoint.display, pending: this.#pending } },
          );
        });
      } catch (e: unknown) {
        first = toError(e);
        this.#logger.error({ err: e, pending: this.#pending }, 'QuestDB sink closed with rows not written');
      }
    }
    // Release in reverse order of acquisition; every step runs, the first error is kept.
    try {
      // Also abandons a request still in flight after the deadline (the worker thread ends).
      await this.#transport.close();
    } catch (e: unknown) {
      first ??= toError(e);
    }
    // Also aborts a request still in flight on the sink's thread after the deadline.
    this.#agent.destroy();
    if (first !== undefined) throw first;
  }
}

/**
 * A request that QuestDB did not acknowledge: `rows` rows of table `table`, and why (`cause`). Internal:
 * `flush()` turns it into the error it throws once every table's requests have settled.
 */
class FailedRequest extends Error {
  readonly table: string;
  readonly rows: number;

  constructor(table: string, rows: number, cause: unknown) {
    super(`${rows} rows for table "${table}" were not acknowledged`, { cause });
    this.table = table;
    this.rows = rows;
  }
}

/** Whether `e` is a reset or closed connection (the request may or may not have reached QuestDB). */
function isStaleConnection(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'ECONNRESET' || code === 'EPIPE';
}

/** `promise`, or the error `onTimeout` makes if it has not settled after `ms`. */
async function deadline<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}
