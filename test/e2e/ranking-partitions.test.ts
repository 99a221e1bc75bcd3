/**
 * precision@K over outcomes spread across every outcomes partition, on the real Kafka and QuestDB: a
 * cycle is scored on its whole universe, only once EVERY outcomes partition is past its as_of (the
 * outcome stream's event time is the least of its partitions', as in Flink and Kafka Streams), even with
 * the fastest partition far ahead and the repartition stage restarted in between; a partition that never
 * receives a record holds scoring back until the wall-clock deadline.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { SchemaRegistry, type Outcome } from '../../schemas/index.ts';
import { physicalName, processorGroup } from '../../topics/index.ts';
import { testAdmin, testKafka } from '../helpers/kafka.ts';
import { pipelinePrefix, startPipeline, e2eTable } from '../helpers/pipeline.ts';
import { questdbQuery } from '../helpers/questdb.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { cycle } from '../processors/ranking/fixtures.ts';

const registry = await SchemaRegistry.load();
const HOUR = 3_600_000;
const PROCESSORS = ['--processors', 'ranking-repartition,ranking'];

async function configFile(deadline: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tw-ranking-parts-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'ranking.yaml');
  await writeFile(file, `version: 1\nks: [1, 5]\nlabel_delay: 0\ndeadline: ${deadline}\n`);
  return file;
}

const cycleOf = (strategy: string, asOf: number, horizonMs: number, assets: readonly string[]) =>
  cycle(`${strategy}-0`, asOf, assets.slice(0, 10), { strategy, horizon_ms: horizonMs });

async function send(
  prefix: string,
  records: { topic: string; key: string; partition?: number; value: Buffer }[],
) {
  const producer = await testKafka().producer();
  try {
    await producer.send(records.map((r) => ({ ...r, topic: physicalName(r.topic, prefix) })));
  } finally {
    await producer.close();
  }
}

const outcomesTo = (prefix: string, partition: number, outcomes: readonly Outcome[]) =>
  send(
    prefix,
    outcomes.map((o) => ({
      topic: 'outcomes',
      key: o.asset,
      partition,
      value: registry.codec('Outcome').encode(o),
    })),
  );

/** Waits until the repartition stage committed `count` records of `topic` in all. */
async function repartitioned(prefix: string, topic: string, count: number): Promise<void> {
  const admin = await testAdmin();
  await waitFor(
    `${count} ${topic} records repartitioned`,
    async () => {
      const committed = await admin.groupOffsets(processorGroup('ranking-repartition', prefix), [
        physicalName(topic, prefix),
      ]);
      return committed.reduce((n, o) => n + Math.max(0, Number(o.offset)), 0) >= count;
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
}

const cycleRow = async (strategy: string) =>
  questdbQuery(
    `SELECT closed_by, universe, status FROM ${e2eTable('ranking_cycles')} WHERE strategy = '${strategy}'`,
  );

describe('precision@K across outcomes partitions', { timeout: 120_000 }, () => {
  it('scores the whole universe only once every outcomes partition passed the as_of, across a restart', async () => {
    const prefix = await pipelinePrefix('rank-parts');
    const args = [...PROCESSORS, '--ranking', await configFile('never')];
    const strategy = `parts-${randomBytes(3).toString('hex')}`;
    const T = Date.UTC(2026, 0, 7, 10);
    const assets = Array.from({ length: 20 }, (_, i) => `A${String(i).padStart(2, '0')}`);
    const outcome = (asset: string, asOf: number, i: number): Outcome => ({
      asset,
      as_of: asOf,
      horizon_ms: HOUR,
      forward_return: (i - 10) / 100,
    });
    // Each asset to partition i % 3, as keys spread them.
    const of = (p: number) => assets.flatMap((a, i) => (i % 3 === p ? [outcome(a, T, i)] : []));

    let pipeline = await startPipeline(prefix, args);
    await send(prefix, [
      {
        topic: 'inference.cycles',
        key: strategy,
        value: registry.codec('InferenceCycle').encode(cycleOf(strategy, T, HOUR, assets)),
      },
    ]);
    await repartitioned(prefix, 'inference.cycles', 1);
    // Partition 0 gets its outcomes of T and races ahead to T + 1h (the fastest partition).
    await outcomesTo(prefix, 0, [...of(0), outcome(assets[0]!, T + HOUR, 0)]);
    await repartitioned(prefix, 'outcomes', of(0).length + 1);
    // The repartition stage is restarted (SIGKILL) before the other partitions' outcomes arrive.
    pipeline.child.kill('SIGKILL');
    await pipeline.exited;
    expect(await cycleRow(strategy)).toEqual([]);
    pipeline = await startPipeline(prefix, args);
    await outcomesTo(prefix, 1, of(1));
    await outcomesTo(prefix, 2, of(2));
    // Partitions 1 and 2 pass T too: now every partition is past it.
    await outcomesTo(prefix, 1, [outcome(assets[1]!, T + HOUR, 1)]);
    await outcomesTo(prefix, 2, [outcome(assets[2]!, T + HOUR, 2)]);
    const rows = await waitFor(
      'the cycle scored',
      async () => ((await cycleRow(strategy)).length > 0 ? cycleRow(strategy) : undefined),
      {
        timeoutMs: 60_000,
        intervalMs: 250,
      },
    );
    expect(rows).toEqual([['watermark', 20, 'scored']]);
    pipeline.child.kill('SIGTERM');
    expect((await pipeline.exited).code).toBe(0);
  });

  it('leaves a cycle to the wall-clock deadline while an outcomes partition has sent nothing', async () => {
    const prefix = await pipelinePrefix('rank-idle');
    // Horizon 3 s, no extra deadline: due 3 s after the as_of's group was first seen.
    const args = [...PROCESSORS, '--ranking', await configFile('0')];
    const strategy = `idle-${randomBytes(3).toString('hex')}`;
    const T = Date.UTC(2026, 0, 7, 11);
    const horizon = 3000;
    const assets = ['B1', 'B2', 'B3', 'B4'];
    const outcome = (asset: string, asOf: number): Outcome => ({
      asset,
      as_of: asOf,
      horizon_ms: horizon,
      forward_return: 0.01,
    });
    const pipeline = await startPipeline(prefix, [...args], { TW_TIMER_TICK_MS: '200' });
    await send(prefix, [
      {
        topic: 'inference.cycles',
        key: strategy,
        value: registry.codec('InferenceCycle').encode(cycleOf(strategy, T, horizon, assets)),
      },
    ]);
    await repartitioned(prefix, 'inference.cycles', 1);
    // Partitions 0 and 1 have outcomes of T and pass it; partition 2 never receives a record.
    await outcomesTo(prefix, 0, [outcome('B1', T), outcome('B2', T), outcome('B1', T + horizon)]);
    await outcomesTo(prefix, 1, [outcome('B3', T), outcome('B3', T + horizon)]);
    const rows = await waitFor(
      'the cycle scored',
      async () => ((await cycleRow(strategy)).length > 0 ? cycleRow(strategy) : undefined),
      {
        timeoutMs: 60_000,
        intervalMs: 250,
      },
    );
    // Not by the watermark (partition 2 holds it), at the deadline, with every outcome that arrived.
    expect(rows).toEqual([['deadline', 3, 'scored']]);
    pipeline.child.kill('SIGTERM');
    expect((await pipeline.exited).code).toBe(0);
  });
});
