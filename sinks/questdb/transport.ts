/**
 * Where the sink's requests are encoded and sent (`encodeIn`): {@link ThreadTransport} on the sink's
 * own thread, or `WorkerTransport` (worker-transport.ts) in a worker thread. Either way one call is one
 * HTTP request, one QuestDB transaction, encoded afresh from the rows given.
 */
import type http from 'node:http';
import type { Logger } from '../../core/logger.ts';
import type { SinkRow } from '../../processors/contract.ts';
import { CLIENT_LOG_LEVEL } from './ilp-messages.ts';
import { IlpSenders } from './ilp-senders.ts';
import type { CheckedTable } from './row-check.ts';
import { encodeRow } from './row-encode.ts';

export interface IlpTransport {
  /**
   * Sends `rows` (all of `table`, checked) as one request; resolves once QuestDB acknowledged it. Rejects
   * with the cause otherwise (TW_INTERNAL for a row the client refused; an error with Node's `code`,
   * ECONNRESET..., for a failed request); the caller keeps the rows. At most one call per table at a
   * time; calls of different tables may overlap.
   */
  request(table: CheckedTable, rows: readonly SinkRow[]): Promise<void>;
  /** Releases the clients; a request still in flight is abandoned (it rejects, or never settles). */
  close(): Promise<void>;
}

/** The ILP client's lines on `logger`, at the sink's levels (its per-row debug lines at trace). */
export function clientLog(logger: Logger): (level: keyof typeof CLIENT_LOG_LEVEL, message: string) => void {
  return (level, message) =>
    logger[CLIENT_LOG_LEVEL[level].level]({ source: '@questdb/nodejs-client' }, message);
}

/** Encodes and sends on the sink's own thread (`encodeIn: 'thread'`), with the sink's connection pool. */
export class ThreadTransport implements IlpTransport {
  readonly #senders: IlpSenders;

  private constructor(senders: IlpSenders) {
    this.#senders = senders;
  }

  /** `config` is the client's configuration string (it holds the password: never log it). */
  static async create(config: string, agent: http.Agent, logger: Logger): Promise<ThreadTransport> {
    return new ThreadTransport(await IlpSenders.create(config, agent, clientLog(logger)));
  }

  request(table: CheckedTable, rows: readonly SinkRow[]): Promise<void> {
    return this.#senders.send(table.physical, table.definition.name, async (sender) => {
      for (const row of rows) await encodeRow(sender, table, row);
    });
  }

  close(): Promise<void> {
    return this.#senders.close();
  }
}
