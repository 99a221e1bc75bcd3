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
 * lost answer) is sent again; the dedup keys make that a no-op.
 */
import { SerialQueue } from '../../core/serial-queue.ts';
import http from 'node:http';
import https from 'node:https';
import { Sender } from '@questdb/nodejs-client';
import { TradewatchError, toError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { Namespace } from '../../core/namespace.ts';
import type { SinkRow } from '../../processors/contract.ts';
import { ensureTables } from './ensure-tables.ts';
import { parseEndpoint, senderConfig, type QuestDbEndpoint } from './endpoint.ts';
import { exec, ilpProtocolVersion, type QueryResult } from './exec.ts';
import { compileOptions, type CompiledQuestDbSinkOptions, type QuestDbSinkOptions } from './options.ts';
import { checkRow, describeProblem, prepareTable, type CheckedTable, type RowProblem } from './row-check.ts';
import { waitForRows } from './wait-for-rows.ts';

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
  readonly #sender: Sender;
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
    sender: Sender,
  ) {
    this.#options = options;
    this.#endpoint = endpoint;
    this.#logger = logger;
    this.#agent = agent;
    this.#sender = sender;
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
      await ensureTables(endpoint, physical, {
        exec: execOptions,
        logger,
        alterTimeoutMs: compiled.alterTimeoutMs,
      });
      const config = senderConfig(endpoint, {
        protocol_version: protocolVersion,
        // Node's http transport (not undici) so that the sink's agent is used and a refused connection
        // fails at once: the caller retries outages with backoff and keeps consuming in step.
        stdlib_http: 'on',
        auto_flush: 'off',
        request_timeout: compiled.requestTimeoutMs,
        retry_timeout: compiled.retryTimeoutMs,
      });
      const sender = await Sender.fromConfig(config, {
        agent,
        // Its debug lines come on every row: trace for us.
        log: (level, message) =>
          logger[level === 'debug' ? 'trace' : level]({ source: '@questdb/nodejs-client' }, String(message)),
      });
      logger.debug(
        { url: endpoint.display, tables: physical.map((t) => t.name), protocolVersion },
        'QuestDB sink ready',
      );
      return new QuestDbSink(compiled, endpoint, logger, agent, sender);
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
    rows.forEach((row, index) => problems.push(...checkRow(row, index, this.#tables)));
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
   * request (one transaction) per table and per `maxRows` rows; rows of a table go in the order written.
   * On failure it throws TW_QUESTDB_UNAVAILABLE (retriable) and keeps every unacknowledged row: the next
   * `flush()` sends them again. A flush called while one runs starts after it.
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
    for (const [name, queue] of this.#queues) {
      // Only what is there now: rows written during this flush wait for the next one.
      let remaining = queue.length;
      while (remaining > 0) {
        const batch = queue.slice(0, Math.min(remaining, this.#options.maxRows));
        await this.#send(name, batch);
        queue.splice(0, batch.length);
        this.#pending -= batch.length;
        remaining -= batch.length;
      }
      if (queue.length === 0) this.#queues.delete(name);
    }
  }

  /** One request, one transaction: `batch` (rows of table `name`) acknowledged, or an error. */
  async #send(name: string, batch: readonly PendingRow[]): Promise<void> {
    const started = performance.now();
    try {
      try {
        await this.#request(name, batch);
      } catch (e: unknown) {
        // A kept-alive connection the server (or a proxy) closed just as we reused it. Sending again on a
        // fresh one is safe: the rows are the same and the dedup keys make a second commit a no-op.
        if (!isStaleConnection(e)) throw e;
        this.#logger.debug({ err: e, table: name }, 'QuestDB connection was closed under us; sending again');
        await this.#request(name, batch);
      }
    } catch (e: unknown) {
      if (e instanceof TradewatchError) throw e;
      const error = new TradewatchError(
        'TW_QUESTDB_UNAVAILABLE',
        `QuestDB at ${this.#endpoint.display} did not acknowledge ${batch.length} rows for table "${name}": ` +
          `${toError(e).message}. All ${this.#pending} unacknowledged rows are kept and sent again by the ` +
          'next flush(); check that QuestDB is running (`tradewatch stack status`) and QUESTDB_HTTP_URL.',
        {
          cause: e,
          details: { url: this.#endpoint.display, table: name, rows: batch.length, pending: this.#pending },
        },
      );
      this.#logger.warn({ err: error, table: name, rows: batch.length }, 'QuestDB flush failed');
      throw error;
    }
    this.#logger.debug(
      { table: name, rows: batch.length, ms: Math.round(performance.now() - started) },
      'rows acknowledged by QuestDB',
    );
  }

  /**
   * Encodes `batch` afresh into the client's buffer and sends it as one request. The client empties its
   * buffer before sending, whatever the outcome, so a failed request leaves nothing behind in it.
   */
  async #request(name: string, batch: readonly PendingRow[]): Promise<void> {
    this.#sender.reset();
    try {
      for (const pending of batch) await this.#encode(pending);
    } catch (e: unknown) {
      this.#sender.reset();
      throw new TradewatchError(
        'TW_INTERNAL',
        `a row for table "${name}" passed the checks but the ILP client refused it: ${toError(e).message}`,
        { cause: e, details: { table: name } },
      );
    }
    try {
      await this.#sender.flush();
    } finally {
      this.#sender.reset();
    }
  }

  async #encode({ row, table }: PendingRow): Promise<void> {
    const sender = this.#sender.table(table.physical);
    // ILP wants every symbol before the other columns.
    for (const name of table.symbols.keys()) {
      const value = row.symbols[name];
      if (value !== undefined) sender.symbol(name, value);
    }
    for (const [name, column] of table.columns) {
      const value = row.columns[name];
      if (value === undefined || value === null) continue;
      switch (column.type) {
        case 'DOUBLE':
          sender.floatColumn(name, value as number);
          break;
        case 'LONG':
        case 'INT':
          sender.intColumn(name, value as number);
          break;
        case 'BOOLEAN':
          sender.booleanColumn(name, value as boolean);
          break;
        case 'VARCHAR':
        case 'SYMBOL':
          sender.stringColumn(name, value as string);
          break;
        case 'TIMESTAMP':
          sender.timestampColumn(name, value as number, 'ms');
          break;
      }
    }
    await sender.at(row.ts, 'ms');
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
      await this.#sender.close();
    } catch (e: unknown) {
      first ??= toError(e);
    }
    // Also aborts a request still in flight after the deadline.
    this.#agent.destroy();
    if (first !== undefined) throw first;
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
