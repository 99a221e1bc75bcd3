/**
 * Configuration is read here and nowhere else: every environment variable tradewatch knows is declared
 * once below with its default and meaning, validated in full at start-up, and returned frozen. Unknown
 * `TW_*` variables are rejected (a typo should not silently fall back to a default).
 */
import { z } from 'zod';
import { ConfigError } from '../core/errors.ts';
import { LOG_FORMATS, type LogFormat } from '../core/logger.ts';
import { redactUrl } from '../core/redact.ts';
import { DEFAULT_NAMESPACE, resolveNamespace, type Namespace } from '../core/namespace.ts';

const port = z.coerce.number().int().min(1).max(65535);
const positiveMs = z.coerce.number().int().positive();
/**
 * The longest TW_COMMIT_INTERVAL_MS. At 20 s a pipeline was seen to fail its first commit, fenced by the
 * broker ("old epoch"); the producer's transaction timeout is 15 s (runtime/kafka/kafkajs-client.ts), and
 * Kafka Streams keeps its interval (100 ms) far below its own.
 */
export const MAX_COMMIT_INTERVAL_MS = 10_000;
const url = (protocols: readonly string[]) =>
  z.string().refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
  );

/** One environment variable: its schema (with default), meaning, and whether its value is secret. */
interface VariableSpec {
  schema: z.ZodType;
  doc: string;
  /** Default shown in docs; `undefined` when it derives from other variables. */
  shownDefault: string;
  secret?: boolean;
}

/** Every environment variable tradewatch reads. The README's table is checked against this list. */
export const VARIABLES = {
  TW_LOG_LEVEL: {
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    doc: 'Minimum log level.',
    shownDefault: 'info',
  },
  TW_LOG_FORMAT: {
    schema: z.enum(LOG_FORMATS).optional(),
    doc: 'Log line format: `json` (one object a line) or `pretty`. Default: `pretty` when standard error is a terminal, else `json`.',
    shownDefault: 'auto',
  },
  KAFKA_BROKERS: {
    schema: z.string().optional(),
    doc: 'Comma-separated Kafka bootstrap servers (`host:port`).',
    shownDefault: '127.0.0.1:$TW_STACK_KAFKA_PORT',
  },
  KAFKA_CLIENT_ID: {
    schema: z.string().min(1).default('tradewatch'),
    doc: 'Kafka client id prefix.',
    shownDefault: 'tradewatch',
  },
  TW_KAFKA_SESSION_TIMEOUT_MS: {
    schema: z.coerce.number().int().min(6000).max(300_000).default(10_000),
    doc: 'How long a processor’s consumer group waits for a silent instance before moving its partitions to the others (6000 to 300000).',
    shownDefault: '10000',
  },
  TOPIC_PREFIX: {
    schema: z
      .string()
      .regex(/^[A-Za-z0-9._-]*$/, 'may hold only letters, digits, ".", "_" and "-"')
      .default(''),
    doc: 'Prefix put before every topic name, to isolate environments sharing one cluster (e.g. `staging.`).',
    shownDefault: '(empty)',
  },
  TW_NAMESPACE: {
    schema: z.string().optional(),
    doc: 'The environment’s namespace in QuestDB and PostgreSQL: its QuestDB tables are `<namespace>__<table>` and the scheduler’s and dispatcher’s PostgreSQL tables live in the schema `tw_<namespace>`, so environments sharing one QuestDB or PostgreSQL never see each other’s rows. Lower-case letters, digits and `_`. Default: derived from TOPIC_PREFIX (`demo.` → `demo`); no prefix means plain table names and the schema `public`.',
    shownDefault: '(from TOPIC_PREFIX)',
  },
  QUESTDB_HTTP_URL: {
    schema: url(['http:', 'https:']).optional(),
    doc: 'QuestDB HTTP endpoint (REST `/exec`, ILP over HTTP).',
    shownDefault: 'http://127.0.0.1:$TW_STACK_QUESTDB_HTTP_PORT',
    secret: true,
  },
  QUESTDB_PG_URL: {
    schema: url(['postgres:', 'postgresql:']).optional(),
    doc: 'QuestDB Postgres-wire endpoint.',
    shownDefault: 'postgres://admin:quest@127.0.0.1:$TW_STACK_QUESTDB_PG_PORT/qdb',
    secret: true,
  },
  DATABASE_URL: {
    schema: url(['postgres:', 'postgresql:']).default('postgres://postgres@127.0.0.1:5432/postgres'),
    doc: 'PostgreSQL connection string (scheduler and job store).',
    shownDefault: 'postgres://postgres@127.0.0.1:5432/postgres',
    secret: true,
  },
  TW_SCHEDULER_STORE: {
    schema: z.enum(['postgres', 'json-file']).default('postgres'),
    doc: 'Where the scheduler keeps jobs and runs: `postgres` (DATABASE_URL; any number of scheduler instances) or `json-file` (TW_SCHEDULER_JSON_FILE; one instance on one machine only).',
    shownDefault: 'postgres',
  },
  TW_SCHEDULER_JSON_FILE: {
    schema: z.string().min(1).default('.tradewatch/jobs.json'),
    doc: 'The job store file when TW_SCHEDULER_STORE=json-file (relative to the working directory).',
    shownDefault: '.tradewatch/jobs.json',
  },
  TW_SCHEDULER_POLL_MS: {
    schema: positiveMs.default(5_000),
    doc: 'How often `schedule run` wakes besides the next occurrence: to heartbeat its leases, enforce timeouts, recover runs of stopped instances and pick up runs asked for with `schedule run-now --enqueue`.',
    shownDefault: '5000',
  },
  TW_SCHEDULER_LEASE_MS: {
    schema: positiveMs.default(30_000),
    doc: 'How long a claimed run stays with a scheduler instance without a heartbeat; after that another instance treats it as lost (retried by the job’s policy). At least twice TW_SCHEDULER_POLL_MS.',
    shownDefault: '30000',
  },
  TW_SHUTDOWN_TIMEOUT_MS: {
    schema: positiveMs.default(30_000),
    doc: 'How long a stop on SIGINT/SIGTERM may take (finish the batch, flush, commit, close) before it is forced.',
    shownDefault: '30000',
  },
  TW_COMMIT_INTERVAL_MS: {
    schema: z.coerce.number().int().nonnegative().default(0),
    doc: 'How long a processor gathers the batches it handles into one commit (one transaction; each touched key’s state written once to its changelog) while it is behind; a batch that reaches its partition’s end commits at once. 0 (the default) commits the batches of each fetch (one per partition) together; at most 10000 (longer ones can outlast the producer’s 15 s transaction timeout). Kafka Streams uses 100 under exactly-once.',
    shownDefault: '0',
  },
  TW_PROGRESS_INTERVAL_MS: {
    schema: z.coerce.number().int().nonnegative().default(15_000),
    doc: 'How often each processor of `tradewatch run` writes its progress (committed offset, end, lag and last commit per input partition it owns) to the `processor_progress` table, off the commit path. 0: never.',
    shownDefault: '15000',
  },
  TW_TIMER_TICK_MS: {
    schema: positiveMs.default(1000),
    doc: 'How often a processor with wall-clock timers (freshness, ranking deadlines) looks for due timers.',
    shownDefault: '1000',
  },
  TW_HEARTBEAT_INTERVAL_MS: {
    schema: positiveMs.default(5000),
    doc: 'How often `tradewatch run`, `notify` and `schedule run` produce their heartbeat to the `heartbeats` topic (the freshness processor and `tradewatch status` watch it).',
    shownDefault: '5000',
  },
  TW_NOTIFY_MAX_AGE_MS: {
    schema: positiveMs.default(86_400_000),
    doc: 'At the first start of `tradewatch notify` (a dispatcher group without offsets), the alerts firing now that started within this long are delivered; older firing alerts and resolved history are not (`alerts list` shows them).',
    shownDefault: '86400000',
  },
  TW_STACK_DIR: {
    schema: z.string().min(1).default('.stack'),
    doc: 'Where the local stack keeps its jars, configuration, data and logs (relative to the working directory).',
    shownDefault: '.stack',
  },
  TW_STACK_KAFKA_PORT: { schema: port.default(9092), doc: 'Local Kafka client port.', shownDefault: '9092' },
  TW_STACK_KAFKA_CONTROLLER_PORT: {
    schema: port.default(9093),
    doc: 'Local Kafka KRaft controller port.',
    shownDefault: '9093',
  },
  TW_STACK_QUESTDB_HTTP_PORT: {
    schema: port.default(9000),
    doc: 'Local QuestDB HTTP port (REST, ILP over HTTP, web console).',
    shownDefault: '9000',
  },
  TW_STACK_QUESTDB_PG_PORT: {
    schema: port.default(8812),
    doc: 'Local QuestDB Postgres-wire port.',
    shownDefault: '8812',
  },
  TW_STACK_QUESTDB_ILP_PORT: {
    schema: port.default(9009),
    doc: 'Local QuestDB ILP-over-TCP port.',
    shownDefault: '9009',
  },
  TW_STACK_QUESTDB_METRICS_PORT: {
    schema: port.default(9003),
    doc: 'Local QuestDB health and metrics port.',
    shownDefault: '9003',
  },
  TW_STACK_STOP_TIMEOUT_MS: {
    schema: positiveMs.default(30_000),
    doc: 'How long `stack down` waits after SIGTERM before it sends SIGKILL.',
    shownDefault: '30000',
  },
  TW_STACK_START_TIMEOUT_MS: {
    schema: positiveMs.default(120_000),
    doc: 'How long `stack up` waits for each service to answer.',
    shownDefault: '120000',
  },
} as const satisfies Record<string, VariableSpec>;

export type VariableName = keyof typeof VARIABLES;

/** The compiled, validated configuration. Durations are in milliseconds. */
export interface Config {
  readonly log: {
    readonly level: string;
    /** Whether TW_LOG_LEVEL (or --log-level) was given. */
    readonly levelGiven: boolean;
    readonly format: LogFormat | undefined;
  };
  readonly kafka: {
    readonly brokers: readonly string[];
    /** Whether KAFKA_BROKERS was given (else the local stack's port is assumed). */
    readonly brokersGiven: boolean;
    readonly clientId: string;
    readonly topicPrefix: string;
    readonly sessionTimeoutMs: number;
  };
  /** Where the environment's QuestDB tables and PostgreSQL tables are (TW_NAMESPACE or TOPIC_PREFIX). */
  readonly namespace: Namespace;
  readonly questdb: { readonly httpUrl: string; readonly pgUrl: string };
  readonly postgres: { readonly url: string };
  readonly scheduler: {
    readonly store: 'postgres' | 'json-file';
    readonly jsonFile: string;
    readonly pollMs: number;
    readonly leaseMs: number;
  };
  /** How long a graceful stop may take before it is forced. */
  readonly shutdownTimeoutMs: number;
  /** How often processors with timers look for due ones. */
  readonly timerTickMs: number;
  /** TW_COMMIT_INTERVAL_MS. */
  readonly commitIntervalMs: number;
  /** How often `tradewatch run` produces its heartbeat. */
  readonly heartbeatIntervalMs: number;
  /** TW_PROGRESS_INTERVAL_MS: how often processors write their progress rows; 0: never. */
  readonly progressIntervalMs: number;
  /** TW_NOTIFY_MAX_AGE_MS. */
  readonly notifyMaxAgeMs: number;
  readonly stack: StackConfig;
}

export interface StackConfig {
  readonly dir: string;
  readonly kafkaPort: number;
  readonly kafkaControllerPort: number;
  readonly questdbHttpPort: number;
  readonly questdbPgPort: number;
  readonly questdbIlpPort: number;
  readonly questdbMetricsPort: number;
  readonly startTimeoutMs: number;
  readonly stopTimeoutMs: number;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads and validates the configuration from `env` (default: the process environment), with
 * `overrides` (e.g. from command-line flags) taking precedence. Throws one {@link ConfigError} listing
 * every problem. Empty values count as unset.
 */
export function loadConfig(
  overrides: Partial<Record<VariableName, string>> = {},
  processEnv: Env = process.env,
): Config {
  const env: Env = { ...processEnv, ...stripUndefined(overrides) };
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(VARIABLES) as [VariableName, VariableSpec][]) {
    const raw = env[name] === '' ? undefined : env[name];
    const result = spec.schema.safeParse(raw);
    if (result.success) {
      values[name] = result.data;
    } else {
      const shown = raw === undefined ? 'unset' : spec.secret ? redactUrl(raw) : JSON.stringify(raw);
      const why = result.error.issues.map((i) => i.message).join('; ');
      problems.push(`${name}=${shown}: ${why}. ${spec.doc}`);
    }
  }
  for (const name of Object.keys(env)) {
    if (name.startsWith('TW_') && !(name in VARIABLES)) {
      problems.push(`${name} is not a tradewatch variable (known: ${Object.keys(VARIABLES).join(', ')})`);
    }
  }
  const v = values as { [K in VariableName]: z.infer<(typeof VARIABLES)[K]['schema']> };
  const brokers = (v.KAFKA_BROKERS ?? `127.0.0.1:${v.TW_STACK_KAFKA_PORT}`)
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b.length > 0);
  if (v.KAFKA_BROKERS !== undefined) {
    for (const broker of brokers) {
      if (!/^[^:\s]+:\d{1,5}$/.test(broker)) {
        problems.push(`KAFKA_BROKERS: "${broker}" is not host:port (e.g. 127.0.0.1:9092)`);
      }
    }
  }
  if (v.TW_COMMIT_INTERVAL_MS > MAX_COMMIT_INTERVAL_MS) {
    problems.push(
      `TW_COMMIT_INTERVAL_MS=${v.TW_COMMIT_INTERVAL_MS} is too long: over ${MAX_COMMIT_INTERVAL_MS} ms a commit can outlast the producer's 15 s transaction timeout and be fenced by Kafka; use at most ${MAX_COMMIT_INTERVAL_MS} (Kafka Streams uses 100)`,
    );
  }
  if (v.TW_SCHEDULER_LEASE_MS < 2 * v.TW_SCHEDULER_POLL_MS) {
    problems.push(
      `TW_SCHEDULER_LEASE_MS=${v.TW_SCHEDULER_LEASE_MS} must be at least twice TW_SCHEDULER_POLL_MS=${v.TW_SCHEDULER_POLL_MS}, so that a live instance renews its leases before they run out`,
    );
  }
  let ns: Namespace = DEFAULT_NAMESPACE;
  try {
    ns = resolveNamespace(v.TW_NAMESPACE, v.TOPIC_PREFIX ?? '');
  } catch (e: unknown) {
    if (!(e instanceof ConfigError)) throw e;
    problems.push(...e.problems);
  }
  if (problems.length > 0) throw new ConfigError(problems, 'the environment');

  return deepFreeze({
    log: {
      level: v.TW_LOG_LEVEL,
      levelGiven: env['TW_LOG_LEVEL'] !== undefined && env['TW_LOG_LEVEL'] !== '',
      format: v.TW_LOG_FORMAT,
    },
    kafka: {
      brokers,
      brokersGiven: v.KAFKA_BROKERS !== undefined,
      clientId: v.KAFKA_CLIENT_ID,
      topicPrefix: v.TOPIC_PREFIX,
      sessionTimeoutMs: v.TW_KAFKA_SESSION_TIMEOUT_MS,
    },
    namespace: ns,
    questdb: {
      httpUrl: v.QUESTDB_HTTP_URL ?? `http://127.0.0.1:${v.TW_STACK_QUESTDB_HTTP_PORT}`,
      pgUrl: v.QUESTDB_PG_URL ?? `postgres://admin:quest@127.0.0.1:${v.TW_STACK_QUESTDB_PG_PORT}/qdb`,
    },
    postgres: { url: v.DATABASE_URL },
    scheduler: {
      store: v.TW_SCHEDULER_STORE,
      jsonFile: v.TW_SCHEDULER_JSON_FILE,
      pollMs: v.TW_SCHEDULER_POLL_MS,
      leaseMs: v.TW_SCHEDULER_LEASE_MS,
    },
    shutdownTimeoutMs: v.TW_SHUTDOWN_TIMEOUT_MS,
    timerTickMs: v.TW_TIMER_TICK_MS,
    commitIntervalMs: v.TW_COMMIT_INTERVAL_MS,
    heartbeatIntervalMs: v.TW_HEARTBEAT_INTERVAL_MS,
    progressIntervalMs: v.TW_PROGRESS_INTERVAL_MS,
    notifyMaxAgeMs: v.TW_NOTIFY_MAX_AGE_MS,
    stack: {
      dir: v.TW_STACK_DIR,
      kafkaPort: v.TW_STACK_KAFKA_PORT,
      kafkaControllerPort: v.TW_STACK_KAFKA_CONTROLLER_PORT,
      questdbHttpPort: v.TW_STACK_QUESTDB_HTTP_PORT,
      questdbPgPort: v.TW_STACK_QUESTDB_PG_PORT,
      questdbIlpPort: v.TW_STACK_QUESTDB_ILP_PORT,
      questdbMetricsPort: v.TW_STACK_QUESTDB_METRICS_PORT,
      startTimeoutMs: v.TW_STACK_START_TIMEOUT_MS,
      stopTimeoutMs: v.TW_STACK_STOP_TIMEOUT_MS,
    },
  });
}

function stripUndefined(values: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter((e): e is [string, string] => e[1] !== undefined));
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
