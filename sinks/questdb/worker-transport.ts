/**
 * Encodes and sends the sink's requests in a worker thread (`encodeIn: 'worker'`, the default): the
 * ILP encoding (~8 µs a row, names and values written character by character) leaves the sink's
 * thread, which only lays each request's rows out in columns (columnar.ts) and transfers them.
 *
 * The thread (ilp-thread.ts) is started by `start()`. When it crashes or exits, every request in flight
 * rejects (the sink keeps their rows, and says TW_QUESTDB_UNAVAILABLE) and the next request starts a
 * new thread. It keeps the process alive only while a request is in flight, so a sink never closed does
 * not hold the process open; `close()` terminates it.
 */
import { Worker } from 'node:worker_threads';
import { TradewatchError, toError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { SinkRow } from '../../processors/contract.ts';
import { toColumnar } from './columnar.ts';
import {
  deserializeError,
  type IlpThreadInit,
  type IlpThreadMessage,
  type IlpThreadRequest,
} from './ilp-messages.ts';
import type { CheckedTable } from './row-check.ts';
import type { IlpTransport } from './transport.ts';

export class WorkerTransport implements IlpTransport {
  readonly #init: IlpThreadInit;
  readonly #logger: Logger;
  #thread: IlpThread | undefined;
  #closed = false;

  private constructor(init: IlpThreadInit, logger: Logger) {
    this.#init = init;
    this.#logger = logger;
  }

  /** Starts the worker thread; throws TW_INTERNAL if it does not start. */
  static async start(init: IlpThreadInit, logger: Logger): Promise<WorkerTransport> {
    const transport = new WorkerTransport(init, logger);
    try {
      await transport.#running();
    } catch (e: unknown) {
      await transport.close();
      throw new TradewatchError('TW_INTERNAL', toError(e).message, { cause: e });
    }
    return transport;
  }

  async request(table: CheckedTable, rows: readonly SinkRow[]): Promise<void> {
    const thread = await this.#running();
    const { batch, transfer } = toColumnar(table, rows);
    return thread.request(batch, transfer);
  }

  /** The worker thread now running, if any (for tests and diagnostics: do not post to it). */
  get worker(): Worker | undefined {
    return this.#thread?.exited === false ? this.#thread.worker : undefined;
  }

  /** Terminates the thread; requests still in flight reject. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#thread?.worker.terminate();
  }

  /** The running thread, or a new one if there is none (the first, or the last one exited). */
  #running(): Promise<IlpThread> {
    if (this.#closed) {
      return Promise.reject(new TradewatchError('TW_INTERNAL', 'a request on a closed QuestDB sink'));
    }
    if (this.#thread === undefined || this.#thread.exited) {
      this.#thread = new IlpThread(this.#init, this.#logger, () => this.#closed);
    }
    return this.#thread.ready;
  }
}

interface Call {
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/** One worker thread and the requests in flight on it. */
class IlpThread {
  readonly worker: Worker;
  /** Resolves once the thread can take requests; rejects if it fails to start. */
  readonly ready: Promise<IlpThread>;
  #exited = false;
  readonly #calls = new Map<number, Call>();
  #nextId = 0;

  constructor(init: IlpThreadInit, logger: Logger, closing: () => boolean) {
    this.worker = new Worker(new URL('./ilp-thread.ts', import.meta.url), {
      workerData: init,
      name: 'questdb-sink',
    });
    let uncaught: Error | undefined;
    let started = false;
    this.ready = new Promise<IlpThread>((resolve, reject) => {
      this.worker.on('message', (message: IlpThreadMessage) => {
        switch (message.kind) {
          case 'ready':
            started = true;
            // From now on the thread keeps the process alive only while a request is in flight.
            this.worker.unref();
            resolve(this);
            break;
          case 'start-failed':
            reject(
              new Error(
                `the QuestDB sink's worker thread did not start: ${deserializeError(message.error).message}`,
              ),
            );
            break;
          case 'acknowledged':
            this.#settle(message.id)?.resolve();
            break;
          case 'failed':
            this.#settle(message.id)?.reject(deserializeError(message.error));
            break;
          case 'log':
            logger[message.level]({ source: message.source }, message.message);
            break;
        }
      });
      // An uncaught error in the thread: 'exit' follows.
      this.worker.on('error', (e: Error) => (uncaught = e));
      this.worker.on('exit', (code: number) => {
        this.#exited = true;
        const why = `exited with code ${code}${uncaught === undefined ? '' : ` after an uncaught error (${uncaught.message})`}`;
        if (!started) reject(new Error(`the QuestDB sink's worker thread ${why} before it started`));
        if (!closing()) {
          logger.warn(
            { err: uncaught, code, inFlight: this.#calls.size },
            'the QuestDB sink worker thread exited; the next flush starts a new one',
          );
        }
        const error = new Error(
          `the sink's worker thread (encodeIn: 'worker') ${why} before QuestDB acknowledged the request; ` +
            'the next flush() starts a new one',
          { cause: uncaught },
        );
        for (const call of this.#calls.values()) call.reject(error);
        this.#calls.clear();
      });
    });
  }

  get exited(): boolean {
    return this.#exited;
  }

  request(batch: IlpThreadRequest['batch'], transfer: ArrayBuffer[]): Promise<void> {
    if (this.#exited) {
      return Promise.reject(new Error("the sink's worker thread exited before the request was sent"));
    }
    const id = this.#nextId++;
    return new Promise<void>((resolve, reject) => {
      this.#calls.set(id, { resolve, reject });
      if (this.#calls.size === 1) this.worker.ref();
      try {
        this.worker.postMessage({ id, batch } satisfies IlpThreadRequest, transfer);
      } catch (e: unknown) {
        this.#settle(id);
        reject(toError(e));
      }
    });
  }

  /** Takes call `id` off the list; the thread stops holding the process open when none is left. */
  #settle(id: number): Call | undefined {
    const call = this.#calls.get(id);
    this.#calls.delete(id);
    if (this.#calls.size === 0 && !this.#exited) this.worker.unref();
    return call;
  }
}
