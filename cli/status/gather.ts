/**
 * Gathers every part of `tradewatch status` concurrently, each with its own deadline, and judges the
 * whole (runtime/status/health.ts). Clients are opened once and shared by the parts; the context
 * closes them when the command ends.
 */
import type { Clock } from '../../core/clock.ts';
import { PROCESSOR_NAMES } from '../../processors/index.ts';
import { dispatchGroup } from '../../runtime/dispatch/dispatch-runner.ts';
import { createKafkaClient, type KafkaAdmin } from '../../runtime/kafka/index.ts';
import {
  alertStatus,
  deadLetterCounts,
  dispatcherStatus,
  gatherPart,
  healthProblems,
  heartbeatStatuses,
  processorStatuses,
  stackStatus,
  type StatusParts,
  type StatusReport,
} from '../../runtime/status/index.ts';
import { openJobStore, type JobStore } from '../../scheduler/index.ts';
import { DispatchStore } from '../../sinks/dispatch/index.ts';
import { parseEndpoint } from '../../sinks/questdb/endpoint.ts';
import { exec } from '../../sinks/questdb/exec.ts';
import { physicalName, processorGroup } from '../../topics/index.ts';
import type { CliContext } from '../context.ts';
import { schedulerStatus } from './scheduler-status.ts';

/** The dispatcher's row among the processors. */
export const DISPATCH = 'dispatch';

export interface StatusOptions {
  /** Processors that must be running (and `dispatch` for the dispatcher); default: those deployed. */
  readonly processors?: readonly string[];
  /** A deployed processor more than this many records behind is unhealthy. */
  readonly maxLag: number;
  /** The window of the dead-letter, late, failure and rejection counts, in ms (the last hour). */
  readonly windowMs: number;
  /** Each part's deadline, in ms. */
  readonly partTimeoutMs: number;
  /** At most this many `dlq` (and `late`) records are read. */
  readonly maxRecords: number;
  readonly clock: Clock;
}

/** An instance is missing once its last beat is older than the interval plus this. */
const HEARTBEAT_SLACK_MS = 10_000;

export async function gatherStatus(ctx: CliContext, options: StatusOptions): Promise<StatusReport> {
  const { clock, windowMs, partTimeoutMs } = options;
  const now = clock.now();
  const since = now - windowMs;
  const prefix = ctx.config.kafka.topicPrefix;
  const topic = (name: string) => physicalName(name, prefix);

  // Its own client: few retries and short timeouts, so that a stack that does not answer is reported
  // within the deadline instead of being waited for.
  const kafka = createKafkaClient({
    brokers: ctx.config.kafka.brokers,
    clientId: ctx.config.kafka.clientId,
    logger: ctx.logger,
    retries: 2,
    connectionTimeoutMs: Math.min(3000, partTimeoutMs),
    requestTimeoutMs: partTimeoutMs,
  });
  const admin = once(async (): Promise<KafkaAdmin> => {
    const a = await kafka.admin();
    ctx.onClose(() => a.close());
    return a;
  });
  const dispatchStore = once(async () => {
    const store = new DispatchStore({
      url: ctx.config.postgres.url,
      logger: ctx.logger,
      schema: ctx.config.namespace.postgresSchema,
    });
    ctx.onClose(() => store.close());
    await store.start();
    return store;
  });
  const jobStore = once(async (): Promise<JobStore> => {
    const store = openJobStore(ctx.config, ctx.logger);
    ctx.onClose(() => store.close());
    // Not at the same time as the dispatch store's: both may create the environment's schema.
    await dispatchStore().catch(() => undefined);
    await store.start();
    return store;
  });
  const part = <T>(gather: () => Promise<T>) => gatherPart(gather, partTimeoutMs, clock);

  const groups = [
    ...PROCESSOR_NAMES.map((name) => ({ name, group: processorGroup(name, prefix) })),
    { name: DISPATCH, group: dispatchGroup(prefix) },
  ];
  const expected = options.processors === undefined ? undefined : new Set(options.processors);

  const [stack, processors, heartbeats, deadLetters, alerts, scheduler, dispatcher] = await Promise.all([
    part(() =>
      stackStatus({
        kafka: async () => (await admin()).describeCluster(),
        questdb: () =>
          exec(parseEndpoint(ctx.config.questdb.httpUrl), 'SELECT 1', { timeoutMs: partTimeoutMs }),
        postgres: async () =>
          (await dispatchStore()).withClient('answer a ping', (client) => client.query('SELECT 1')),
      }),
    ),
    part(async () => processorStatuses(await admin(), groups, expected)),
    part(async () =>
      heartbeatStatuses(kafka, await admin(), await ctx.registry(), {
        topic: topic('heartbeats'),
        now,
        windowMs,
        missingAfterMs: ctx.config.heartbeatIntervalMs + HEARTBEAT_SLACK_MS,
      }),
    ),
    part(async () =>
      deadLetterCounts(kafka, await admin(), {
        topics: { dlq: topic('dlq'), late: topic('late') },
        since,
        maxRecords: options.maxRecords,
      }),
    ),
    part(async () => alertStatus(kafka, await admin(), await ctx.registry(), topic('alerts'))),
    part(async () => schedulerStatus(await jobStore(), now, since)),
    part(async () => dispatcherStatus(await dispatchStore(), since)),
  ]);
  const parts: StatusParts = { stack, processors, heartbeats, deadLetters, alerts, scheduler, dispatcher };
  const problems = healthProblems(parts, { maxLag: options.maxLag });
  return { version: 1, at: now, topicPrefix: prefix, healthy: problems.length === 0, problems, ...parts };
}

/** A lazily started resource, started once whoever asks first. */
function once<T>(start: () => Promise<T>): () => Promise<T> {
  let started: Promise<T> | undefined;
  return () => (started ??= start());
}
