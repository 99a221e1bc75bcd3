/**
 * The commit interval (the state cache) on the real Kafka: a backlog read in several batches is
 * committed together, each key's state written to the changelog once; when that commit fails (an
 * output over the topic's record limit, once: not retriable, so the consumer gives up as it did before
 * the interval existed) nothing of its batches is visible, and the next instance reads them all again,
 * losing nothing and counting nothing twice. A unit due while batches of its fetch wait commits in the
 * background while they are handled; when that commit fails, the unit handled behind it is dropped
 * too, and again nothing is lost or counted twice.
 */
import { describe, expect, inject, it, onTestFinished } from 'vitest';
import { silentLogger } from '../../../core/logger.ts';
import { committedAt, readToEnd } from '../../../runtime/kafka/index.ts';
import { ProcessorRunner, changelogsOf, type Processor } from '../../../runtime/processor/index.ts';
import { decodeState } from '../../../runtime/processor/state-codec.ts';
import { SchemaRegistry, type Signal } from '../../../schemas/index.ts';
import { QuestDbSink } from '../../../sinks/questdb/index.ts';
import { physicalName, processorGroup } from '../../../topics/index.ts';
import { capturedLogger } from '../../helpers/captured-logger.ts';
import { testKafka } from '../../helpers/kafka.ts';
import { pipelinePrefix } from '../../helpers/pipeline.ts';
import { readTopic } from '../../helpers/topics.ts';
import { uniqueName } from '../../helpers/unique.ts';
import { waitFor } from '../../helpers/wait-for.ts';

const T0 = Date.UTC(2026, 10, 24, 12, 0, 0);
const KEYS = ['BTC', 'ETH', 'SOL'];
/** ~1.5 KB a record, 3,000 records in one partition: several fetches of 1 MiB. */
const RECORDS = 3000;
const PAD = 'p'.repeat(1500);

interface Count {
  n: number;
}

/**
 * Counts records per asset and emits the count as a metric point; the first time it sees the last
 * record it also emits a point too large for the broker (the commit holding it fails once).
 */
function countingProcessor(name: string): Processor<Signal, Count> {
  let failed = false;
  return {
    name,
    inputs: [{ topic: 'signals', type: 'Signal' }],
    key: (record) => record.asset,
    initialState: () => ({ n: 0 }),
    process(record, state, context) {
      const next = { n: state.n + 1 };
      const point = { name: 'count', labels: { asset: record.asset }, value: record.value, ts: T0 };
      context.emit({ kind: 'metric', metric: point });
      if (record.value === RECORDS - 1 && !failed) {
        failed = true;
        const huge = { ...point, labels: { asset: record.asset, pad: 'x'.repeat(2 * 1024 * 1024) } };
        context.emit({ kind: 'metric', metric: huge });
      }
      return next;
    },
  };
}

/** A signal of `asset` (the processors' key) with `value`, encoded, on `partition` of `topic`. */
function signalRecord(
  registry: SchemaRegistry,
  topic: string,
  partition: number,
  asset: string,
  value: number,
  unit: string,
) {
  const signal: Signal = {
    source: 'github',
    asset,
    name: 'stars',
    value,
    unit,
    ts: T0,
    labels: {},
    flags: [],
  };
  return { topic, key: 'k', partition, value: registry.codec('Signal').encode(signal) };
}

/** The clients, registry and sink a test's runner needs, each closed (the group and changelog deleted) at its end. */
async function setUp(processor: Processor<Signal, Count>, prefix: string) {
  const kafka = testKafka();
  const admin = await kafka.admin();
  const { changelog } = changelogsOf(processor, prefix)[0]!;
  onTestFinished(async () => {
    await admin.deleteGroups([processorGroup(processor.name, prefix)]).catch(() => undefined);
    await admin.deleteTopics([changelog]).catch(() => undefined);
    await admin.close();
  });
  const registry = await SchemaRegistry.load();
  const producer = await kafka.producer();
  onTestFinished(() => producer.close());
  const sink = await QuestDbSink.create({
    httpUrl: inject('services').questdbHttpUrl,
    logger: silentLogger(),
  });
  onTestFinished(() => sink.close());
  return { kafka, admin, changelog, registry, producer, sink };
}

describe('the commit interval', { timeout: 180_000 }, () => {
  it('commits a backlog’s batches together, each key once, and reads them all again when that commit fails', async () => {
    const prefix = await pipelinePrefix('commit-interval');
    const name = uniqueName('ci');
    const processor = countingProcessor(name);
    const { kafka, admin, changelog, registry, producer, sink } = await setUp(processor, prefix);
    const signals = physicalName('signals', prefix);
    for (let from = 0; from < RECORDS; from += 500) {
      await producer.send(
        Array.from({ length: 500 }, (_, i) =>
          signalRecord(registry, signals, 0, KEYS[(from + i) % KEYS.length]!, from + i, PAD),
        ),
      );
    }
    const start = async () => {
      const runner = await ProcessorRunner.start({
        processor,
        kafka,
        registry,
        sink,
        logger: silentLogger(),
        topicPrefix: prefix,
        sessionTimeoutMs: 6000,
        // Longer than the test: only the end of the partition (or a failure) ends a unit.
        commitIntervalMs: 600_000,
      });
      onTestFinished(() => runner.close());
      return runner;
    };
    const committed = async () =>
      (await admin.groupOffsets(processorGroup(name, prefix), [signals])).find((o) => o.partition === 0)
        ?.offset;
    const counted = async () =>
      (await readTopic(physicalName('metrics', prefix), 'Metric')).filter((m) => m.name === 'count');

    const first = await start();
    await expect(first.failed).rejects.toThrow(/larger than the max message size/);
    await first.close();
    // The failed commit held every batch: none of its outputs, state or offsets is visible.
    expect(await committed()).not.toBe(String(RECORDS));
    expect(await counted()).toEqual([]);

    const second = await start();
    await waitFor('the backlog committed', async () => (await committed()) === String(RECORDS), {
      timeoutMs: 120_000,
      intervalMs: 250,
    });
    // Read in several batches, committed together.
    expect(second.stats().batches).toBeGreaterThan(1);
    expect(second.stats().records).toBe(RECORDS);

    // Every record counted once: the outputs of the failed attempt were aborted and all came again.
    // (The commit's markers may reach the metrics partitions after its offsets read as committed.)
    const points = await waitFor(
      'every point readable',
      async () => {
        const read = (await readTopic(physicalName('metrics', prefix), 'Metric')).filter(
          (m) => m.name === 'count',
        );
        return read.length >= RECORDS ? read : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(points).toHaveLength(RECORDS);
    expect(new Set(points.map((p) => p.value)).size).toBe(RECORDS);

    // The changelog holds each key's state once, with every record counted.
    const states: [string, Count][] = [];
    await readToEnd(kafka, admin, {
      topic: changelog,
      groupPrefix: uniqueName('t-ci-read'),
      onRecords: (records) => {
        for (const r of records) {
          if (r.key !== null && r.value !== null)
            states.push([r.key.toString('utf8'), decodeState(r.value) as Count]);
        }
      },
    });
    expect(states.sort((a, b) => a[0].localeCompare(b[0]))).toEqual(
      KEYS.map((k, i): [string, Count] => [k, { n: Math.floor((RECORDS - i - 1) / KEYS.length) + 1 }]).sort(
        (a, b) => a[0].localeCompare(b[0]),
      ),
    );
  });

  it('with no interval, commits the batches of one fetch (one per partition) in one transaction', async () => {
    const prefix = await pipelinePrefix('commit-fetch');
    const name = uniqueName('cf');
    const processor: Processor<Signal, Count> = {
      name,
      inputs: [{ topic: 'signals', type: 'Signal' }],
      key: (record) => record.asset,
      initialState: () => ({ n: 0 }),
      process: (_record, state) => ({ n: state.n + 1 }),
    };
    const { kafka, admin, registry, producer, sink } = await setUp(processor, prefix);
    const signals = physicalName('signals', prefix);
    const partitions = (await admin.offsets(signals)).map((p) => p.partition);
    expect(partitions.length).toBeGreaterThan(1);
    // A small backlog on every partition, there before the runner starts: its first fetch returns all.
    await producer.send(
      partitions.flatMap((partition) =>
        Array.from({ length: 20 }, (_, i) =>
          signalRecord(registry, signals, partition, `A${partition}-${i % 4}`, i, 'stars'),
        ),
      ),
    );
    // Every reading of the clock is another millisecond: each commit's metadata names its own.
    let now = T0;
    const runner = await ProcessorRunner.start({
      processor,
      kafka,
      registry,
      sink,
      logger: silentLogger(),
      topicPrefix: prefix,
      sessionTimeoutMs: 6000,
      clock: { now: () => (now += 1) },
    });
    onTestFinished(() => runner.close());
    const committed = await waitFor(
      'every partition committed',
      async () => {
        const offsets = (await admin.committedOffsets([processorGroup(name, prefix)])).get(
          processorGroup(name, prefix),
        );
        const mine = (offsets ?? []).filter((o) => o.topic === signals && o.offset === '20');
        return mine.length === partitions.length ? mine : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    expect(runner.stats().batches).toBe(partitions.length);
    // One batch per partition, fewer commits than batches: the fetch's batches went in one transaction
    // (a commit per batch would give each partition its own time).
    const times = new Set(committed.map((o) => committedAt(o.metadata)));
    expect(times.size).toBeLessThan(partitions.length);
  });

  it('commits a unit in the background while the next is handled; when it fails, drops the one behind', async () => {
    const prefix = await pipelinePrefix('commit-behind');
    const name = uniqueName('cb');
    // Counts per asset; the first record it ever handles also emits a point too large for the broker,
    // so the first unit's commit (in the background: batches of other partitions wait) fails once.
    let failed = false;
    const processor: Processor<Signal, Count> = {
      name,
      inputs: [{ topic: 'signals', type: 'Signal' }],
      key: (record) => record.asset,
      initialState: () => ({ n: 0 }),
      process(record, state, context) {
        const point = { name: 'count', labels: { asset: record.asset }, value: record.value, ts: T0 };
        context.emit({ kind: 'metric', metric: point });
        if (!failed) {
          failed = true;
          const huge = { ...point, labels: { asset: record.asset, pad: 'x'.repeat(2 * 1024 * 1024) } };
          context.emit({ kind: 'metric', metric: huge });
        }
        return { n: state.n + 1 };
      },
    };
    const { kafka, admin, changelog, registry, producer, sink } = await setUp(processor, prefix);
    const signals = physicalName('signals', prefix);
    const partitions = (await admin.offsets(signals)).map((p) => p.partition);
    expect(partitions.length).toBeGreaterThan(2);
    // 100 records on every partition, there before the runner starts: its first fetch returns them all,
    // one batch per partition, each over the unit's 50 records.
    const PER_PARTITION = 100;
    await producer.send(
      partitions.flatMap((partition) =>
        Array.from({ length: PER_PARTITION }, (_, i) =>
          signalRecord(registry, signals, partition, `A${partition}-${i % 4}`, partition * 1000 + i, 'stars'),
        ),
      ),
    );
    const start = async () => {
      const { logger, lines } = capturedLogger();
      const runner = await ProcessorRunner.start({
        processor,
        kafka,
        registry,
        sink,
        logger,
        topicPrefix: prefix,
        sessionTimeoutMs: 6000,
        maxUnitRecords: 50,
      });
      onTestFinished(() => runner.close());
      return { runner, lines };
    };
    const logged = (lines: readonly string[], msg: string) =>
      lines.map((l) => JSON.parse(l) as { msg: string }).filter((l) => l.msg === msg);

    const first = await start();
    await expect(first.runner.failed).rejects.toThrow(/larger than the max message size/);
    await first.runner.close();
    // The failed unit, then the one handled behind it while it was being committed: both read again.
    expect(logged(first.lines, 'batch not committed; it will be processed again')).toHaveLength(1);
    const behind = logged(first.lines, 'batches handled behind a commit that failed are read again');
    expect(behind).toHaveLength(1);
    expect(behind[0]).toMatchObject({ batches: 1, records: PER_PARTITION });

    const second = await start();
    const group = processorGroup(name, prefix);
    await waitFor(
      'every partition committed',
      async () => {
        const offsets = await admin.groupOffsets(group, [signals]);
        return offsets.filter((o) => o.offset === String(PER_PARTITION)).length === partitions.length;
      },
      { timeoutMs: 120_000, intervalMs: 250 },
    );
    // The second instance read at least the partitions of the two dropped units.
    expect(second.runner.stats().records).toBeGreaterThanOrEqual(2 * PER_PARTITION);
    // Every record counted exactly once over the two instances: nothing of the failed unit, or of the
    // one behind it, was committed, and all of them came again. (A transaction's markers reach its
    // partitions one by one, after its offsets may already read as committed: wait until the points
    // are all readable, then compare.)
    const expected = partitions.flatMap((p) => Array.from({ length: PER_PARTITION }, (_, i) => p * 1000 + i));
    const points = await waitFor(
      'every point readable',
      async () => {
        const read = (await readTopic(physicalName('metrics', prefix), 'Metric')).filter(
          (m) => m.name === 'count' && m.labels['pad'] === undefined,
        );
        return read.length >= expected.length ? read : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(points.map((p) => p.value).sort((a, b) => a - b)).toEqual(expected.sort((a, b) => a - b));
    // Each key's state in the changelog counts its records once (read once every key's latest is there).
    const states = await waitFor(
      'every key in the changelog',
      async () => {
        const read = new Map<string, Count>();
        await readToEnd(kafka, admin, {
          topic: changelog,
          groupPrefix: uniqueName('t-cb-read'),
          onRecords: (records) => {
            for (const r of records) {
              if (r.key !== null && r.value !== null)
                read.set(r.key.toString('utf8'), decodeState(r.value) as Count);
            }
          },
        });
        const complete =
          read.size >= partitions.length * 4 && [...read.values()].every((c) => c.n >= PER_PARTITION / 4);
        return complete ? read : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(states.size).toBe(partitions.length * 4);
    for (const count of states.values()) expect(count).toEqual({ n: PER_PARTITION / 4 });
  });
});
