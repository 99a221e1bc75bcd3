/**
 * What the sink's thread and its ILP worker thread (ilp-thread.ts) say to each other, and how an error
 * crosses between them (structured cloning keeps an Error's message, not its `code`).
 */
import { ERROR_CODES, TradewatchError, type ErrorCode } from '../../core/errors.ts';
import type { ColumnarBatch } from './columnar.ts';
import type { ClientLogLevel } from './ilp-senders.ts';

/** What the worker is started with (`workerData`). */
export interface IlpThreadInit {
  /** The ILP client's configuration string: it holds the password, never log it. */
  readonly config: string;
  readonly protocol: 'http' | 'https';
  /** The lowest pino level value the sink's logger writes: the worker posts nothing below it. */
  readonly levelValue: number;
}

/** From the sink's thread: send one request. */
export interface IlpThreadRequest {
  readonly id: number;
  readonly batch: ColumnarBatch;
}

export type IlpThreadMessage =
  | { readonly kind: 'ready' }
  | { readonly kind: 'start-failed'; readonly error: SerializedError }
  | { readonly kind: 'acknowledged'; readonly id: number }
  | { readonly kind: 'failed'; readonly id: number; readonly error: SerializedError }
  | {
      readonly kind: 'log';
      readonly level: 'trace' | 'info' | 'warn' | 'error';
      readonly source: string;
      readonly message: string;
    };

export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  /** Node's error code (ECONNRESET...), or our catalogue's for a TradewatchError. */
  readonly code?: string;
  /** Set for a TradewatchError. */
  readonly tradewatch?: { readonly details: Record<string, unknown> };
}

/** The levels of the ILP client's lines, as the sink logs them (its debug lines come on every row). */
export const CLIENT_LOG_LEVEL = {
  debug: { level: 'trace', value: 10 },
  info: { level: 'info', value: 30 },
  warn: { level: 'warn', value: 40 },
  error: { level: 'error', value: 50 },
} as const satisfies Record<ClientLogLevel, { level: string; value: number }>;

export function serializeError(e: unknown): SerializedError {
  if (!(e instanceof Error)) return { name: 'Error', message: String(e) };
  const code = (e as { code?: unknown }).code;
  return {
    name: e.name,
    message: e.message,
    ...(e.stack === undefined ? {} : { stack: e.stack }),
    ...(typeof code === 'string' ? { code } : {}),
    ...(e instanceof TradewatchError ? { tradewatch: { details: e.details } } : {}),
  };
}

/** The error `serialized` stood for: a TradewatchError again, or an Error with its `code`. */
export function deserializeError(serialized: SerializedError): Error {
  const { tradewatch, code } = serialized;
  let error: Error;
  if (tradewatch !== undefined && code !== undefined && code in ERROR_CODES) {
    error = new TradewatchError(code as ErrorCode, serialized.message, { details: tradewatch.details });
  } else {
    error = Object.assign(new Error(serialized.message), code === undefined ? {} : { code });
    error.name = serialized.name;
  }
  if (serialized.stack !== undefined) error.stack = serialized.stack;
  return error;
}
