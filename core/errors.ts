/**
 * The error catalogue: every failure tradewatch reports carries a stable code, a `retriable` flag and,
 * where one exists, the `cause` it wraps. Messages say what was wrong, where, and how to fix it.
 *
 * Handling differs by kind, and only there do we subclass:
 * - {@link ConfigError}: fatal at start-up, the process exits 2 with every problem listed;
 * - {@link DecodeError}: a poison record, dead-lettered by the runtime, processing goes on;
 * - retriable errors (`retriable: true`): transient, retried with backoff by whoever owns the loop.
 */

/** Every code, with whether retrying the same operation can succeed and what the code is about. */
export const ERROR_CODES = {
  TW_CONFIG_INVALID: {
    retriable: false,
    about: 'configuration (environment variables or options) is invalid',
  },
  TW_INPUT_INVALID: { retriable: false, about: 'user input (a JSON line, a file, a flag) is invalid' },
  TW_SCHEMA_INVALID: {
    retriable: false,
    about: 'a schema file in schemas/ is not valid Avro or breaks evolution rules',
  },
  TW_ENCODE_INVALID: { retriable: false, about: 'a value does not match the schema it is encoded with' },
  TW_DECODE_NOT_SINGLE_OBJECT: { retriable: false, about: 'bytes are not Avro single-object encoded' },
  TW_DECODE_UNKNOWN_SCHEMA: { retriable: false, about: 'the writer schema fingerprint is not in schemas/' },
  TW_DECODE_BODY_INVALID: { retriable: false, about: 'the Avro body does not decode with its writer schema' },
  TW_RECORD_INVALID: {
    retriable: false,
    about: 'a decoded record fails a processor’s validation (dead-lettered)',
  },
  TW_RECORD_LATE: {
    retriable: false,
    about: 'a record arrived later than its processor’s grace period (sent to the `late` side output)',
  },
  TW_RULES_INVALID: { retriable: false, about: 'the alert rules file is invalid' },
  TW_RULE_TEST_INVALID: {
    retriable: false,
    about:
      'a rule test file (`tradewatch rules test`) is invalid, or expects alerts of a rule that does not exist',
  },
  TW_RULE_TEST_FAILED: {
    retriable: false,
    about:
      'a rule unit test failed: the rules emitted other alerts than it expects (`tradewatch rules test`)',
  },
  TW_TOPIC_UNKNOWN: { retriable: false, about: 'a topic name is not in the catalogue (topics/)' },
  TW_TOPIC_DRIFT: { retriable: false, about: 'a topic on the cluster differs from the catalogue' },
  TW_DLQ_REPLAY_REFUSED: {
    retriable: false,
    about:
      'a dead letter chosen for `tradewatch dlq replay` was replayed before (replay it again with --force)',
  },
  TW_KAFKA_UNAVAILABLE: { retriable: true, about: 'Kafka did not answer' },
  TW_KAFKA_FAILED: { retriable: false, about: 'Kafka refused an operation' },
  TW_QUESTDB_UNAVAILABLE: { retriable: true, about: 'QuestDB did not answer or refused a write' },
  TW_STACK_RESOLVE_FAILED: { retriable: false, about: 'Maven could not resolve the Kafka or QuestDB jars' },
  TW_STACK_START_FAILED: {
    retriable: false,
    about: 'a local stack service did not start or did not answer in time',
  },
  TW_STACK_STOP_FAILED: { retriable: false, about: 'a local stack service did not stop' },
  TW_PREREQUISITE_MISSING: { retriable: false, about: 'a tool tradewatch needs (java, mvn) is missing' },
  TW_TIMEOUT: { retriable: true, about: 'an operation did not finish before its deadline' },
  TW_JOB_INVALID: {
    retriable: false,
    about: 'a scheduler job definition is invalid (schedule, template, parameters, policies)',
  },
  TW_JOB_UNKNOWN: { retriable: false, about: 'no scheduler job has this id' },
  TW_JOB_FAILED: { retriable: false, about: 'a job run asked for with `schedule run-now` did not succeed' },
  TW_BACKTEST_INVALID: { retriable: false, about: 'a backtest request or config file is invalid' },
  TW_BACKTEST_NOT_FOUND: { retriable: false, about: 'no backtest artifact by that id, version or folder' },
  TW_BACKTEST_DIFFERS: {
    retriable: false,
    about: '`backtest verify`: the re-run does not give the artifact',
  },
  TW_POSTGRES_UNAVAILABLE: { retriable: true, about: 'PostgreSQL (DATABASE_URL) did not answer' },
  TW_NOTIFY_UNAVAILABLE: {
    retriable: true,
    about:
      'a notification receiver (Slack, SES, PagerDuty, Alertmanager) did not accept an alert yet: retried with backoff, kept and tried again later on',
  },
  TW_NOTIFY_REJECTED: {
    retriable: false,
    about:
      'a notification receiver refused an alert for good (bad payload, unknown channel, revoked key): reported on the fallback route',
  },
  TW_ALERT_UNKNOWN: {
    retriable: false,
    about: 'no firing alert has this fingerprint (`tradewatch alerts list --all`)',
  },
  TW_SILENCE_UNKNOWN: {
    retriable: false,
    about: 'no active or pending silence has this id (`tradewatch alerts silences`)',
  },
  TW_CONNECTOR_UNAVAILABLE: {
    retriable: true,
    about:
      'a connector’s provider (GitHub, CoinMetrics, Token Terminal) did not answer, or answered 5xx or 429',
  },
  TW_CONNECTOR_REJECTED: {
    retriable: false,
    about: 'a connector’s provider refused a request for good (4xx: bad credentials, unknown id)',
  },
  TW_CONNECTOR_BUDGET_SPENT: {
    retriable: true,
    about:
      'a connector spent its hourly request budget (or must wait too long for the provider’s rate limit)',
  },
  TW_ASSETS_INCONSISTENT: {
    retriable: false,
    about: 'the asset identity mapping has conflicts or unmapped ids (`tradewatch assets check`)',
  },
  TW_INTERNAL: { retriable: false, about: 'a bug in tradewatch: please report it with the log' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface TradewatchErrorOptions {
  /** The error this one wraps. */
  cause?: unknown;
  /** Structured facts for logs and machine consumers (never secrets). */
  details?: Record<string, unknown>;
  /**
   * Whether retrying can succeed, where the adapter that threw knows better than the code's default
   * (a Kafka refusal that is only a leader election in progress).
   */
  retriable?: boolean;
}

/** The base of every error tradewatch throws on purpose. */
export class TradewatchError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: TradewatchErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TradewatchError';
    this.code = code;
    this.retriable = options.retriable ?? ERROR_CODES[code].retriable;
    this.details = options.details ?? {};
  }
}

/** Configuration is invalid: fatal at start-up. `problems` lists every problem found, not just the first. */
export class ConfigError extends TradewatchError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[], source = 'configuration') {
    super(
      'TW_CONFIG_INVALID',
      `${source} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}\nFix the values above (see README, "Configuration") and start again.`,
      { details: { problems } },
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Why a record could not be decoded; the runtime dead-letters such records. */
export type DecodeErrorCode =
  'TW_DECODE_NOT_SINGLE_OBJECT' | 'TW_DECODE_UNKNOWN_SCHEMA' | 'TW_DECODE_BODY_INVALID';

/** A record's bytes cannot be decoded: a poison message, to be dead-lettered, never retried. */
export class DecodeError extends TradewatchError {
  constructor(code: DecodeErrorCode, message: string, options: TradewatchErrorOptions = {}) {
    super(code, message, options);
    this.name = 'DecodeError';
  }
}

/** Turns anything thrown into an Error, keeping Errors as they are. */
export function toError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  if (typeof thrown === 'string') return new Error(thrown);
  try {
    return new Error(`non-error thrown: ${JSON.stringify(thrown)}`);
  } catch {
    return new Error(`non-error thrown: ${String(thrown)}`);
  }
}

/** The code of an error if it is one of ours, else TW_INTERNAL. */
export function errorCode(error: unknown): ErrorCode {
  return error instanceof TradewatchError ? error.code : 'TW_INTERNAL';
}
