/** kafkajs's log lines, forwarded to our logger at the level they deserve. */
import kafkajs from 'kafkajs';
import type { LogEntry, logCreator } from 'kafkajs';
import type { Logger } from '../../core/logger.ts';

// kafkajs is CommonJS and Node's named-export detection misses some of its exports: take them from the default.
const { logLevel } = kafkajs;

const LEVEL_NAMES: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** The level kafkajs is asked to log at (it filters below it). */
export const KAFKAJS_LOG_LEVEL = logLevel.INFO;

/** A kafkajs `logCreator` writing to `log`. */
export function forwardLogsTo(log: Logger): logCreator {
  return () => (entry: LogEntry) => forwardLog(log, entry);
}

function forwardLog(log: Logger, entry: LogEntry): void {
  const { message, ...rest } = entry.log;
  const named = LEVEL_NAMES[entry.level] ?? 'debug';
  // kafkajs is chatty at info (joins, rebalances), and logs every failed attempt of a request or a
  // connection it then retries (Connection, BrokerPool) at error level; what finally fails reaches the
  // caller as a thrown error, so the attempts are debug.
  const quiet =
    named === 'info' ||
    ((entry.namespace === 'Connection' || entry.namespace === 'BrokerPool') && named === 'error') ||
    // An attempt kafkajs will retry (e.g. CONCURRENT_TRANSACTIONS right after a commit).
    ('retryCount' in rest && named === 'error') ||
    // Our idempotent producers retry a bounded number of times so that an outage surfaces as an error
    // instead of a hang; transactions abort on failure, so nothing half-written becomes visible.
    message.startsWith('Limiting retries for the idempotent producer');
  const level = quiet ? 'debug' : named;
  log[level]({ kafkajs: entry.namespace, ...rest }, message);
}
