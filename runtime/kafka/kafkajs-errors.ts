/**
 * What kafkajs throws, translated into the error catalogue: TW_KAFKA_UNAVAILABLE when the brokers did
 * not answer, TW_KAFKA_FAILED when they refused, each naming the brokers and the operation and with
 * `retriable` set from what kafkajs knows (its own `retriable` flag and error types). kafkajs's field
 * names stay in this file: the rest of tradewatch reads `retriable` only.
 */
import { TradewatchError, toError } from '../../core/errors.ts';

/** kafkajs error types after which the same call may succeed once the cluster has settled. */
const TRANSIENT = new Set(['NOT_LEADER_FOR_PARTITION', 'LEADER_NOT_AVAILABLE', 'UNKNOWN_TOPIC_OR_PARTITION']);

/** The error and its causes (kafkajs keeps them in `originalError`), outermost first. */
function causeChain(error: unknown): Error[] {
  const chain: Error[] = [];
  let current: unknown = error;
  while (current instanceof Error && chain.length < 10) {
    chain.push(current);
    current = current.cause ?? (current as { originalError?: unknown }).originalError;
  }
  return chain;
}

const typeOf = (error: Error): unknown => (error as { type?: unknown }).type;

/** Whether a raw kafkajs error is a leader election or metadata spreading: the same call may succeed soon. */
export function isTransientKafkaError(error: unknown): boolean {
  const type = typeof error === 'object' && error !== null ? (error as { type?: unknown }).type : undefined;
  return typeof type === 'string' && TRANSIENT.has(type);
}

/** Whether an error (or one of its causes) is CONCURRENT_TRANSACTIONS. */
export function isConcurrentTransactions(error: unknown): boolean {
  return causeChain(error).some(
    (e) =>
      typeOf(e) === 'CONCURRENT_TRANSACTIONS' ||
      /CONCURRENT_TRANSACTIONS|concurrent transactions/i.test(e.message),
  );
}

/** Runs a kafkajs call and turns its failures into catalogued errors naming the brokers and the operation. */
export async function guard<T>(where: string, what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error: unknown) {
    throw translate(error, where, what);
  }
}

/** A kafkajs failure as a TradewatchError (one of ours is returned as it is). */
export function translate(thrown: unknown, where: string, what: string): TradewatchError {
  if (thrown instanceof TradewatchError) return thrown;
  const error = toError(thrown);
  const chain = causeChain(error);
  const unreachable = chain.some(
    (e) =>
      e.name === 'KafkaJSConnectionError' ||
      e.name === 'KafkaJSBrokerNotFound' ||
      /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|Connection timeout/.test(e.message),
  );
  if (unreachable) {
    return new TradewatchError(
      'TW_KAFKA_UNAVAILABLE',
      `Kafka at ${where} did not answer while trying to ${what}: ${error.message}. ` +
        'Start the local stack with `tradewatch stack up`, or point KAFKA_BROKERS at a running cluster.',
      { cause: error, details: { brokers: where } },
    );
  }
  const retriable = chain.some(
    (e) =>
      (e as { retriable?: unknown }).retriable === true ||
      isTransientKafkaError(e) ||
      typeOf(e) === 'CONCURRENT_TRANSACTIONS',
  );
  return new TradewatchError('TW_KAFKA_FAILED', `Kafka at ${where} refused to ${what}: ${error.message}`, {
    cause: error,
    details: { brokers: where, kafkaError: error.name },
    retriable,
  });
}
