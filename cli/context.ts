/**
 * What every command needs, built once from the validated configuration: the logger, and lazily the
 * Kafka client and the schema registry. Resources a command opens are released in reverse order by
 * `close()`, which runs every step and keeps the first error.
 */
import { loadConfig, type Config, type VariableName } from '../runtime/config.ts';
import { createLogger, type Logger } from '../core/logger.ts';
import { createKafkaClient, type KafkaClient } from '../runtime/kafka/index.ts';
import { SchemaRegistry } from '../schemas/index.ts';
import { toError } from '../core/errors.ts';

export interface GlobalFlags {
  logLevel?: string;
  logFormat?: string;
}

export class CliContext {
  readonly config: Config;
  readonly logger: Logger;
  /** Aborted when the process is asked to stop (SIGINT, SIGTERM). */
  readonly signal: AbortSignal;
  #kafka: KafkaClient | undefined;
  #registry: Promise<SchemaRegistry> | undefined;
  readonly #releasers: (() => Promise<void>)[] = [];

  constructor(flags: GlobalFlags, signal: AbortSignal) {
    const overrides: Partial<Record<VariableName, string>> = {};
    if (flags.logLevel !== undefined) overrides.TW_LOG_LEVEL = flags.logLevel;
    if (flags.logFormat !== undefined) overrides.TW_LOG_FORMAT = flags.logFormat;
    this.config = loadConfig(overrides);
    this.logger = createLogger({
      level: this.config.log.level as 'info',
      format: this.config.log.format ?? (process.stderr.isTTY ? 'pretty' : 'json'),
    });
    this.signal = signal;
  }

  kafka(): KafkaClient {
    this.#kafka ??= createKafkaClient({
      brokers: this.config.kafka.brokers,
      clientId: this.config.kafka.clientId,
      logger: this.logger,
    });
    return this.#kafka;
  }

  registry(): Promise<SchemaRegistry> {
    this.#registry ??= SchemaRegistry.load();
    return this.#registry;
  }

  /** Registers a release step; steps run in reverse order of registration. */
  onClose(release: () => Promise<void>): void {
    this.#releasers.push(release);
  }

  async close(): Promise<void> {
    let first: Error | undefined;
    for (const release of this.#releasers.splice(0).reverse()) {
      try {
        await release();
      } catch (error: unknown) {
        first ??= toError(error);
        this.logger.warn({ err: error }, 'a resource failed to close');
      }
    }
    if (first) throw first;
  }
}
