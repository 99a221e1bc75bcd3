import { onTestFinished } from 'vitest';
import { namespace } from '../../core/namespace.ts';
import { SchemaRegistry, type PortfolioMark } from '../../schemas/index.ts';
import { physicalName } from '../../topics/index.ts';
import { applyTopics, removePrefix } from '../../topics/index.ts';
import { PROCESSOR_NAMES } from '../../processors/index.ts';
import { startCli, type RunningCli } from './cli.ts';
import { testKafka } from './kafka.ts';
import { uniqueName } from './unique.ts';
import { waitFor } from './wait-for.ts';

/**
 * A fresh TOPIC_PREFIX with the whole catalogue applied; at the end of the test its topics, the
 * processors' changelogs and their consumer groups are deleted.
 */
export async function pipelinePrefix(label: string): Promise<string> {
  const prefix = `${uniqueName(`t-${label}`)}.`;
  const admin = await testKafka().admin();
  onTestFinished(async () => {
    await removePrefix(admin, prefix, PROCESSOR_NAMES);
    await admin.close();
  });
  await applyTopics(admin, { prefix });
  return prefix;
}

/**
 * The namespace pipelines started by {@link startPipeline} write their QuestDB tables in (TW_NAMESPACE):
 * one for all of them, so that tests share 17 tables instead of creating 17 per test (their rows are
 * told apart by unique portfolios, strategies and sources); the namespace test uses its own.
 */
export const E2E_NAMESPACE = namespace('e2e');

/** The QuestDB table `name` of pipelines started by {@link startPipeline} (`e2e__drawdown`). */
export const e2eTable = (name: string): string => E2E_NAMESPACE.table(name);

/** Log lines (pino JSON) of a running or finished pipeline. */
export function logLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Starts `tradewatch run` under `prefix` and waits until it says it is running; killed at test end. */
export async function startPipeline(
  prefix: string,
  args: readonly string[] = [],
  env: Record<string, string> = {},
): Promise<RunningCli> {
  const pipeline = startCli(['run', ...args], {
    env: {
      TOPIC_PREFIX: prefix,
      TW_NAMESPACE: E2E_NAMESPACE.name,
      TW_LOG_LEVEL: 'info',
      TW_LOG_FORMAT: 'json',
      TW_SHUTDOWN_TIMEOUT_MS: '30000',
      // A SIGKILLed instance's partitions move after this: the broker's minimum, to keep tests short.
      TW_KAFKA_SESSION_TIMEOUT_MS: '6000',
      ...env,
    },
  });
  onTestFinished(() => {
    if (pipeline.child.exitCode === null && pipeline.child.signalCode === null)
      pipeline.child.kill('SIGKILL');
  });
  await waitFor(
    'the pipeline to run',
    () => {
      if (pipeline.child.exitCode !== null) throw new Error(`the pipeline exited:\n${pipeline.stderr()}`);
      return logLines(pipeline.stderr()).some((l) => String(l['msg']).startsWith('pipeline running'));
    },
    { timeoutMs: 60_000 },
  );
  return pipeline;
}

/** The partitions of `processor`'s input this pipeline owns now (from its last assignment log line). */
export function ownedPartitions(pipeline: RunningCli, processor: string): number[] | undefined {
  const assigned = logLines(pipeline.stderr()).filter(
    (l) => l['msg'] === 'partitions assigned' && l['processor'] === processor,
  );
  return assigned.at(-1)?.['partitions'] as number[] | undefined;
}

/** Produces `marks` to `portfolio.marks` under `prefix`, keyed by portfolio. */
export async function produceMarks(prefix: string, marks: readonly PortfolioMark[]): Promise<void> {
  const codec = (await SchemaRegistry.load()).codec('PortfolioMark');
  const producer = await testKafka().producer();
  try {
    await producer.send(
      marks.map((m) => ({
        topic: physicalName('portfolio.marks', prefix),
        key: m.portfolio,
        value: codec.encode(m),
      })),
    );
  } finally {
    await producer.close();
  }
}
