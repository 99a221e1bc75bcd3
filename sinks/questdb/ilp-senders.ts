/**
 * The ILP clients (`@questdb/nodejs-client` Senders) of one thread: one per table, so that requests of
 * different tables can be in flight at once, all on one connection pool. Used on the sink's thread
 * (`encodeIn: 'thread'`) and in its worker thread (`encodeIn: 'worker'`).
 *
 * A Sender's `flush()` takes the bytes out of its buffer before sending them, so after a failed request
 * they are gone from it: every request is encoded afresh by the caller, and the buffer is emptied
 * before and after, whatever the outcome.
 */
import type http from 'node:http';
import { Sender, SenderOptions } from '@questdb/nodejs-client';
import { TradewatchError, toError } from '../../core/errors.ts';

/** How the client logs: its levels. */
export type ClientLogLevel = 'error' | 'warn' | 'info' | 'debug';

export class IlpSenders {
  readonly #options: SenderOptions;
  readonly #senders = new Map<string, Sender>();

  private constructor(options: SenderOptions) {
    this.#options = options;
  }

  /**
   * Parses the client's configuration string (`senderConfig`, it holds the password: never log it);
   * throws as the client does for a bad one. `agent` is the connection pool every Sender uses.
   */
  static async create(
    config: string,
    agent: http.Agent,
    log: (level: ClientLogLevel, message: string) => void,
  ): Promise<IlpSenders> {
    return new IlpSenders(
      await SenderOptions.fromConfig(config, { agent, log: (level, message) => log(level, String(message)) }),
    );
  }

  /**
   * One request, one transaction: `encode` writes the rows of table `table` (its name in QuestDB;
   * `name`, its catalogue name, is for errors) into a Sender, which sends them. Resolves once QuestDB
   * acknowledged them. A row the client refuses is TW_INTERNAL (the sink checked it already); a failed
   * request rejects with the client's (or Node's) error, its `code` kept (ECONNRESET...).
   */
  async send(table: string, name: string, encode: (sender: Sender) => Promise<void>): Promise<void> {
    let sender = this.#senders.get(table);
    if (sender === undefined) this.#senders.set(table, (sender = new Sender(this.#options)));
    sender.reset();
    try {
      await encode(sender);
    } catch (e: unknown) {
      sender.reset();
      throw new TradewatchError(
        'TW_INTERNAL',
        `a row for table "${name}" passed the checks but the ILP client refused it: ${toError(e).message}`,
        { cause: e, details: { table: name } },
      );
    }
    try {
      await sender.flush();
    } finally {
      sender.reset();
    }
  }

  /** Closes every Sender (their buffers are empty: nothing is lost); the first error is kept. */
  async close(): Promise<void> {
    let first: Error | undefined;
    for (const sender of this.#senders.values()) {
      try {
        await sender.close();
      } catch (e: unknown) {
        first ??= toError(e);
      }
    }
    this.#senders.clear();
    if (first !== undefined) throw first;
  }
}
