/**
 * The pipeline's telemetry made for real: a drawdown runner on the test Kafka (with its progress
 * reports) reads a good mark, a mark later than its grace and bytes that are no Avro record, so it
 * sends one record to `late` and one to `dlq`; the dead-letter recorder writes them to QuestDB. The
 * runner's clock starts at `clockStart` and runs at the wall clock's speed, so the rows fall where a
 * test's time range wants them.
 */
import type { Clock } from '../../core/clock.ts';
import { silentLogger, type Logger } from '../../core/logger.ts';
import type { Namespace } from '../../core/namespace.ts';
import { createDrawdownProcessor } from '../../processors/drawdown/index.ts';
import { DEAD_LETTERS } from '../../processors/index.ts';
import { DeadLetterRecorder } from '../../runtime/dlq/index.ts';
import { ProcessorRunner } from '../../runtime/processor/index.ts';
import { SchemaRegistry } from '../../schemas/index.ts';
import { QuestDbSink } from '../../sinks/questdb/index.ts';
import { applyTopics, physicalName, removePrefix } from '../../topics/index.ts';
import { testKafka } from './kafka.ts';
import { uniqueName } from './unique.ts';
import { waitFor } from './wait-for.ts';

/** A clock that reads `start` now and then runs at the wall clock's speed. */
export function shiftedClock(start: number): Clock {
  const offset = start - Date.now();
  return { now: () => Date.now() + offset };
}

export interface LiveTelemetry {
  readonly prefix: string;
  /** The portfolio of the marks (unique per call). */
  readonly portfolio: string;
}

/**
 * Runs the drawdown processor (progress every 200 ms to `progressSink`, or to the namespace's tables)
 * and the dead-letter recorder under a fresh prefix until one dead letter, one late record and a
 * progress row per owned partition are in QuestDB; then stops both and deletes the prefix's topics.
 */
export async function makeTelemetry(
  httpUrl: string,
  ns: Namespace,
  clockStart: number,
  logger: Logger = silentLogger(),
): Promise<LiveTelemetry> {
  const kafka = testKafka();
  const admin = await kafka.admin();
  const prefix = `${uniqueName('t-telemetry')}.`;
  const portfolio = uniqueName('pf-telemetry');
  const sinks: QuestDbSink[] = [];
  const closers: (() => Promise<void>)[] = [];
  try {
    await applyTopics(admin, { prefix });
    const sink = async () => {
      const s = await QuestDbSink.create({ httpUrl, logger, namespace: ns });
      sinks.push(s);
      return s;
    };
    const registry = await SchemaRegistry.load();
    const progressSink = await sink();
    const runner = await ProcessorRunner.start({
      processor: createDrawdownProcessor(),
      kafka,
      registry,
      sink: await sink(),
      logger,
      topicPrefix: prefix,
      sessionTimeoutMs: 6000,
      clock: shiftedClock(clockStart),
      progress: { sink: progressSink, intervalMs: 200 },
    });
    closers.push(() => runner.close());
    const recorder = await DeadLetterRecorder.start({
      kafka,
      sink: await sink(),
      logger,
      topicPrefix: prefix,
    });
    closers.push(() => recorder.close());

    const codec = registry.codec('PortfolioMark');
    const producer = await kafka.producer();
    closers.push(() => producer.close());
    const topic = physicalName('portfolio.marks', prefix);
    const mark = (ts: number) => codec.encode({ portfolio, env: 'prod', ts, equity: 1_000_000, cash: 1000 });
    await producer.send([
      { topic, key: portfolio, value: mark(clockStart) },
      // An hour before the newest mark: past the grace period.
      { topic, key: portfolio, value: mark(clockStart - 3_600_000) },
      { topic, key: portfolio, value: Buffer.from('not an avro record') },
    ]);
    await waitFor(
      'the runner to send one record to late and one to dlq',
      () => runner.stats().late === 1 && runner.stats().deadLettered === 1,
      { timeoutMs: 60_000 },
    );
    const where = `failed_by = 'drawdown' AND record_ts >= ${(Date.now() - 600_000) * 1000}::timestamp`;
    await waitFor(
      'the recorder to write both',
      async () =>
        (await progressSink.query(`SELECT count() n FROM ${ns.table('dead_letters')} WHERE ${where}`))
          .rows[0]?.['n'] === 2,
      { timeoutMs: 60_000 },
    );
    await progressSink.waitForRows(
      'processor_progress',
      `consumer_group = '${prefix}tradewatch.drawdown'`,
      1,
      60_000,
    );
    return { prefix, portfolio };
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    for (const s of sinks) await s.close().catch(() => undefined);
    await removePrefix(admin, prefix, ['drawdown', DEAD_LETTERS]).catch(() => undefined);
    await admin.close();
  }
}
