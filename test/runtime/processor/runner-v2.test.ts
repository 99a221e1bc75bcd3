/**
 * The processor runner on the real Kafka: several inputs with state per (topic, partition) and one
 * changelog per input, `record` outputs (keyed, and broadcast to every partition), the `late` side
 * output (from a `late` output and from a LATE_PREFIX rejection), dead letters, and wall-clock timers
 * that are durable: a timer due while no instance runs fires once after the restart, and not again
 * after the next one.
 */
import { describe, expect, it, inject, onTestFinished } from 'vitest';
import { ManualClock } from '../../../core/clock.ts';
import { silentLogger } from '../../../core/logger.ts';
import {
  LATE_PREFIX,
  ProcessorRunner,
  changelogsOf,
  type Processor,
} from '../../../runtime/processor/index.ts';
import { SchemaRegistry, type Metric, type Signal } from '../../../schemas/index.ts';
import { QuestDbSink } from '../../../sinks/questdb/index.ts';
import { physicalName, processorGroup } from '../../../topics/index.ts';
import { testKafka } from '../../helpers/kafka.ts';
import { pipelinePrefix } from '../../helpers/pipeline.ts';
import { readDeadLetters, readTopic } from '../../helpers/topics.ts';
import { uniqueName } from '../../helpers/unique.ts';
import { waitFor } from '../../helpers/wait-for.ts';

const T0 = Date.UTC(2026, 10, 24, 12, 0, 0);

interface KeyState {
  count: number;
  due: number | null;
  fired: number;
}

/** Counts records per (topic, key), arms a 1 s timer on each, and exercises every output kind. */
function testProcessor(name: string): Processor<Metric | Signal, KeyState> {
  return {
    name,
    inputs: [
      { topic: 'heartbeats', type: 'Metric' },
      { topic: 'signals', type: 'Signal' },
    ],
    key: (_record, source) => `${source.topic}|${source.key ?? ''}`,
    initialState: () => ({ count: 0, due: null, fired: 0 }),
    process(record, state, context) {
      if (record.value < 0) return { reject: `${LATE_PREFIX} negative values are late here` };
      state.count += 1;
      state.due = context.clock.now() + 1000;
      if (record.value === 13) context.emit({ kind: 'late', reason: 'thirteen arrives late, yet counts' });
      const key = `${context.source.topic}|${context.source.key ?? ''}`;
      const seen: Metric = { name: 'seen', labels: { key }, value: state.count, ts: T0 };
      context.emit({ kind: 'record', topic: 'ranking.scores', key, type: 'Metric', value: seen });
      if (record.value === 7) {
        context.emit({
          kind: 'record',
          topic: 'ranking.by-as-of',
          key,
          type: 'Metric',
          value: seen,
          partition: 'all',
        });
      }
      return state;
    },
    timer: (state) => state.due,
    onTimer(key, state, context) {
      state.fired += 1;
      state.due = null;
      context.emit({
        kind: 'metric',
        metric: { name: 'fired', labels: { key }, value: state.fired, ts: context.clock.now() },
      });
      return state;
    },
  };
}

describe('processor runner: inputs, outputs and timers', () => {
  it('routes every output kind, keeps state per input, and fires a due timer exactly once across restarts', async () => {
    const prefix = await pipelinePrefix('runner-v2');
    const name = uniqueName('v2');
    const processor = testProcessor(name);
    const kafka = testKafka();
    const admin = await kafka.admin();
    onTestFinished(async () => {
      await admin.deleteGroups([processorGroup(name, prefix)]).catch(() => undefined);
      await admin
        .deleteTopics(changelogsOf(processor, prefix).map((c) => c.changelog))
        .catch(() => undefined);
      await admin.close();
    });
    const registry = await SchemaRegistry.load();
    const clock = new ManualClock(T0);
    const sink = await QuestDbSink.create({
      httpUrl: inject('services').questdbHttpUrl,
      logger: silentLogger(),
    });
    onTestFinished(() => sink.close());
    const start = async () => {
      const runner = await ProcessorRunner.start({
        processor,
        kafka,
        registry,
        sink,
        logger: silentLogger(),
        topicPrefix: prefix,
        clock,
        timerTickMs: 50,
        sessionTimeoutMs: 6000,
      });
      onTestFinished(() => runner.close());
      return runner;
    };

    const producer = await kafka.producer();
    onTestFinished(() => producer.close());
    const metric = (value: number): Metric => ({
      name: 'tradewatch_heartbeat',
      labels: { instance: 'i1' },
      value,
      ts: T0,
    });
    const signal = (asset: string, value: number): Signal => ({
      source: 'github',
      asset,
      name: 'stars',
      value,
      unit: null,
      ts: T0,
      labels: {},
      flags: [],
    });
    await producer.send([
      {
        topic: physicalName('heartbeats', prefix),
        key: 'i1',
        value: registry.codec('Metric').encode(metric(1)),
        // i1 lives in partition 0 (the race below needs a backlog before it in its partition).
        partition: 0,
      },
      {
        topic: physicalName('heartbeats', prefix),
        key: 'junk',
        value: Buffer.from('not avro'),
        partition: 1,
      },
      ...(
        [
          ['BTC', 7],
          ['ETH', 13],
          ['SOL', -1],
        ] as const
      ).map(([asset, value]) => ({
        topic: physicalName('signals', prefix),
        key: asset,
        value: registry.codec('Signal').encode(signal(asset, value)),
      })),
    ]);

    const first = await start();
    const seen = await waitFor('three records on ranking.scores', async () => {
      const records = await readTopic(physicalName('ranking.scores', prefix), 'Metric');
      return records.length >= 3 && records;
    });
    expect(seen.map((m) => m.labels['key']).sort()).toEqual(['heartbeats|i1', 'signals|BTC', 'signals|ETH']);
    // The broadcast: one copy in each of the 6 partitions of ranking.by-as-of.
    const offsets = await admin.offsets(physicalName('ranking.by-as-of', prefix));
    expect(offsets.map((o) => Number(o.high) - Number(o.low) > 0)).toEqual(Array(6).fill(true));
    // Each partition's batch commits on its own: wait for all of them.
    const late = await waitFor('two late records', async () => {
      const records = await readDeadLetters(physicalName('late', prefix));
      return records.length >= 2 && records;
    });
    expect(late.map((l) => [l.source.topic, l.error.code, l.error.message]).sort()).toEqual([
      [physicalName('signals', prefix), 'TW_RECORD_LATE', `${LATE_PREFIX} negative values are late here`],
      [physicalName('signals', prefix), 'TW_RECORD_LATE', 'thirteen arrives late, yet counts'],
    ]);
    const dead = await waitFor('a dead letter', async () => {
      const records = await readDeadLetters(physicalName('dlq', prefix));
      return records.length >= 1 && records;
    });
    expect(dead.map((d) => [d.source.topic, d.error.code])).toEqual([
      [physicalName('heartbeats', prefix), 'TW_DECODE_NOT_SINGLE_OBJECT'],
    ]);
    expect(first.stats()).toMatchObject({ late: 2, deadLettered: 1, timersFired: 0 });
    // One changelog per input, each holding the keys of its topic.
    for (const { changelog } of changelogsOf(processor, prefix)) {
      expect((await admin.describeTopics([changelog], []))[0]?.partitions).toBe(3);
    }
    await first.close();

    // The timers came due while nothing ran: the next instance fires each once, after restoring.
    clock.advance(2000);
    const second = await start();
    const firedFirst = await waitFor('three timers fired', async () => {
      const points = (await readTopic(physicalName('metrics', prefix), 'Metric')).filter(
        (m) => m.name === 'fired',
      );
      return points.length >= 3 && points;
    });
    expect(firedFirst.map((m) => [m.labels['key'], m.value]).sort()).toEqual([
      ['heartbeats|i1', 1],
      ['signals|BTC', 1],
      ['signals|ETH', 1],
    ]);
    await second.close();

    // Committed: a further restart finds no due timer.
    const third = await start();
    await waitFor('the third instance to restore and tick', () => {
      const stats = third.stats();
      return stats.restoredKeys >= 3 && stats.ticks >= 5;
    });
    expect(third.stats().timersFired).toBe(0);
    await third.close();
    const after = (await readTopic(physicalName('metrics', prefix), 'Metric')).filter(
      (m) => m.name === 'fired',
    );
    expect(after).toHaveLength(3);

    // A timer due in the restored state, with a record waiting that moves it: the record is read before
    // any timer of its partition fires (a restarted freshness processor must not call a source silent
    // because it has not read the source's records yet).
    const heartbeat = async (value: number) => {
      await producer.send([
        {
          topic: physicalName('heartbeats', prefix),
          key: 'i1',
          value: registry.codec('Metric').encode(metric(value)),
          partition: 0,
        },
      ]);
    };
    const seenCount = async () =>
      (await readTopic(physicalName('ranking.scores', prefix), 'Metric')).filter(
        (m) => m.labels['key'] === 'heartbeats|i1',
      ).length;
    await heartbeat(2);
    const fourth = await start();
    await waitFor('the fourth instance to count the second heartbeat', async () => (await seenCount()) === 2);
    await fourth.close(); // i1's timer is due at now + 1 s
    // A backlog of several fetches (8 MiB of undecodable records) ahead of the heartbeat that moves it:
    // ticks run between batches, so without the catch-up rule the timer would fire in between.
    const junk = Buffer.alloc(4096, 1);
    for (let i = 0; i < 16; i += 1) {
      await producer.send(
        Array.from({ length: 128 }, () => ({
          topic: physicalName('heartbeats', prefix),
          key: 'backlog',
          value: junk,
          partition: 0,
        })),
      );
    }
    await heartbeat(3);
    clock.advance(2000); // due in the changelog; the waiting record moves it to now + 1 s
    const fifth = await start();
    await waitFor('the fifth instance to count the third heartbeat', async () => (await seenCount()) === 3);
    await waitFor('the fifth instance to tick after catching up', () => fifth.stats().ticks >= 10);
    expect(fifth.stats().timersFired).toBe(0);
    await fifth.close();
    const fired = (await readTopic(physicalName('metrics', prefix), 'Metric')).filter(
      (m) => m.name === 'fired',
    );
    expect(fired).toHaveLength(3);
  }, 120_000);
});
