/**
 * Rolling precision@K end to end, on the real Kafka and QuestDB, through `tradewatch run --processors
 * ranking-repartition,ranking,ranking-rolling,rules --ranking <file>`: cycles and outcomes in → per-cycle
 * scores, rolling means, an alert that fires and resolves, rows in QuestDB, a late outcome in `late`;
 * the same run SIGKILLed at random points ends with exactly the outputs of an uninterrupted run; a
 * cycle no later outcome closes is scored at its wall-clock deadline; a bad configuration stops `run`.
 * The inputs are shaped so that the outputs do not depend on how partitions interleave, and the
 * in-memory reference models the same watermarks (test/processors/ranking/pipeline-data.ts says how).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parseRankingOptions } from '../../processors/ranking/index.ts';
import { SchemaRegistry, type Alert, type Metric, type Outcome } from '../../schemas/index.ts';
import { physicalName, processorGroup } from '../../topics/index.ts';
import { runCli } from '../helpers/cli.ts';
import { testAdmin, testKafka } from '../helpers/kafka.ts';
import { pipelinePrefix, startPipeline, e2eTable } from '../helpers/pipeline.ts';
import { questdbCount, questdbQuery } from '../helpers/questdb.ts';
import { readDeadLetters, readTopic } from '../helpers/topics.ts';
import { waitFor } from '../helpers/wait-for.ts';
import {
  outcomeChunks,
  rankingInputs,
  rankingReference,
  type RankingInputs,
  type RankingReference,
} from '../processors/ranking/pipeline-data.ts';

const registry = await SchemaRegistry.load();

const CONFIG = `version: 1
ks: [1, 5]
relevance: { mode: top_k }
label_delay: 0
# No wall-clock deadline: what is scored, and when, depends on event time alone.
deadline: never
rolling: { windows: [7d, 30d], grace: 2d }
`;
const PROCESSORS = ['--processors', 'ranking-repartition,ranking,ranking-rolling,rules'];

async function configFile(text = CONFIG): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tw-ranking-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'ranking.yaml');
  await writeFile(file, text);
  return file;
}

async function produce(
  prefix: string,
  records: { topic: string; key: string; value: Buffer; partition?: number }[],
) {
  const producer = await testKafka().producer();
  try {
    await producer.send(records.map((r) => ({ ...r, topic: physicalName(r.topic, prefix) })));
  } finally {
    await producer.close();
  }
}

const produceCycles = (prefix: string, inputs: RankingInputs) =>
  produce(
    prefix,
    inputs.cycles.map((c) => ({
      topic: 'inference.cycles',
      key: c.strategy,
      value: registry.codec('InferenceCycle').encode(c),
    })),
  );

/** Outcomes to partition 0, in order (see pipeline-data.ts). */
const produceOutcomes = (prefix: string, outcomes: readonly Outcome[]) =>
  produce(
    prefix,
    outcomes.map((o) => ({
      topic: 'outcomes',
      key: o.asset,
      partition: 0,
      value: registry.codec('Outcome').encode(o),
    })),
  );

/**
 * The clock outcomes to the other outcomes partitions (see pipeline-data.ts), and waits until the
 * repartition stage committed them: their watermarks precede everything of partition 0 downstream.
 */
async function produceClocks(prefix: string, inputs: RankingInputs): Promise<void> {
  await produce(
    prefix,
    inputs.clocks.map((o, i) => ({
      topic: 'outcomes',
      key: o.asset,
      partition: i + 1,
      value: registry.codec('Outcome').encode(o),
    })),
  );
  const admin = await testAdmin();
  await waitFor(
    'the clock outcomes repartitioned',
    async () => {
      const committed = await admin.groupOffsets(processorGroup('ranking-repartition', prefix), [
        physicalName('outcomes', prefix),
      ]);
      return (
        committed.filter((o) => o.partition > 0 && Number(o.offset) >= 1).length === inputs.clocks.length
      );
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
}

/** Waits until the repartition stage committed every cycle (so they precede every outcome downstream). */
async function cyclesRepartitioned(prefix: string, count: number): Promise<void> {
  const admin = await testAdmin();
  await waitFor(
    `${count} cycles repartitioned`,
    async () => {
      const committed = await admin.groupOffsets(processorGroup('ranking-repartition', prefix), [
        physicalName('inference.cycles', prefix),
      ]);
      return committed.reduce((n, o) => n + Math.max(0, Number(o.offset)), 0) >= count;
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
}

const byJson = <T>(values: readonly T[]) => values.map((v) => JSON.stringify(v)).sort();
const sortedAlerts = (alerts: readonly Alert[]) =>
  [...alerts].sort(
    (a, b) => a.fingerprint.localeCompare(b.fingerprint) || a.ts - b.ts || a.status.localeCompare(b.status),
  );

/** Waits for every expected metric point, then checks the topic holds exactly the reference's. */
async function expectMetrics(prefix: string, expected: readonly Metric[]): Promise<void> {
  const metrics = await waitFor(
    `${expected.length} metric points`,
    async () => {
      const read = await readTopic(physicalName('metrics', prefix), 'Metric');
      return read.length >= expected.length ? read : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
  expect(byJson(metrics)).toEqual(byJson(expected));
}

/** Waits for the reference's alerts, then checks the topic holds exactly those. */
async function expectAlerts(prefix: string, reference: RankingReference): Promise<Alert[]> {
  const alerts = await waitFor(
    `${reference.alerts.length} alerts`,
    async () => {
      const read = await readTopic(physicalName('alerts', prefix), 'Alert');
      return read.length >= reference.alerts.length ? read : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
  expect(sortedAlerts(alerts)).toEqual(sortedAlerts(reference.alerts));
  return alerts;
}

/** QuestDB holds exactly the reference's rows of each ranking table for these strategies. */
async function expectRows(inputs: RankingInputs, reference: RankingReference): Promise<void> {
  const strategies = inputs.strategies.map((s) => `'${s.name}'`).join(',');
  for (const table of ['ranking_scores', 'ranking_cycles', 'ranking_rolling']) {
    const expected = reference.rows.get(table)!.length;
    const where = `${e2eTable(table)} WHERE strategy IN (${strategies})`;
    await waitFor(`${expected} rows in ${table}`, async () => (await questdbCount(where)) >= expected, {
      timeoutMs: 60_000,
      intervalMs: 250,
    });
    expect(await questdbCount(where)).toBe(expected);
  }
}

async function expectLate(prefix: string, reference: RankingReference): Promise<void> {
  const late = await waitFor(
    'the late outcome',
    async () => {
      const letters = await readDeadLetters(physicalName('late', prefix));
      return letters.length >= reference.late.length ? letters : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );
  expect(late.map((l) => [l.failedBy, l.error.code, l.error.message, l.source.topic])).toEqual(
    reference.late.map((reason) => [
      'ranking',
      'TW_RECORD_LATE',
      reason,
      physicalName('ranking.by-as-of', prefix),
    ]),
  );
  expect(registry.codec('Outcome').decode(late[0]!.value!)).toMatchObject({ asset: 'ZZZ' });
}

async function setUp(label: string) {
  const prefix = await pipelinePrefix(label);
  const inputs = rankingInputs(randomBytes(3).toString('hex'));
  const reference = await rankingReference(inputs, parseRankingOptions(CONFIG, 'ranking.yaml'));
  return { prefix, inputs, reference, args: [...PROCESSORS, '--ranking', await configFile()] };
}

describe('precision@K end to end', { timeout: 150_000 }, () => {
  it('scores cycles, rolls the means, alerts, writes QuestDB and routes a late outcome to `late`', async () => {
    const { prefix, inputs, reference, args } = await setUp('rank');
    const pipeline = await startPipeline(prefix, args);
    await produceCycles(prefix, inputs);
    await cyclesRepartitioned(prefix, inputs.cycles.length);
    await produceClocks(prefix, inputs);
    await produceOutcomes(prefix, inputs.outcomes);

    await expectMetrics(prefix, reference.metrics);
    const alerts = await expectAlerts(prefix, reference);
    expect(alerts.map((a) => [a.rule, a.status, a.severity])).toEqual([
      ['ranking_precision_at_5_low', 'firing', 'warning'],
      ['ranking_precision_at_5_low', 'resolved', 'warning'],
    ]);
    await expectLate(prefix, reference);
    await expectRows(inputs, reference);
    // A spot check of values in QuestDB: beta's first cycle ranks best first.
    const beta = inputs.strategies[1]!.name;
    expect(
      await questdbQuery(
        `SELECT k, precision_at_k, recall_at_k, hit_at_k, ndcg_at_k FROM ${e2eTable('ranking_scores')} WHERE cycle_id = '${beta}-0' ORDER BY k`,
      ),
    ).toEqual([
      ['1', 1, 1, 1, 1],
      ['5', 1, 1, 1, 1],
    ]);
    expect(
      await questdbQuery(
        `SELECT status, closed_by FROM ${e2eTable('ranking_cycles')} WHERE strategy = '${beta}' AND cycle_id = '${beta}-2'`,
      ),
    ).toEqual([['failed', 'watermark']]);

    pipeline.child.kill('SIGTERM');
    expect((await pipeline.exited).code).toBe(0);
  });

  it('SIGKILLed at random points and restarted, ends with exactly the outputs of an uninterrupted run', async () => {
    const { prefix, inputs, reference, args } = await setUp('rank-kill');
    let pipeline = await startPipeline(prefix, args);
    await produceCycles(prefix, inputs);
    await cyclesRepartitioned(prefix, inputs.cycles.length);
    await produceClocks(prefix, inputs);

    // The outcomes come in chunks of three as_of's; each chunk's processing is cut by a SIGKILL once a
    // stage picked at random (seeded: the same points every run) has written a few records: while the
    // repartition, the join or the rolling stage is mid-stream, its transaction open or just committed.
    let seed = 20260105;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const admin = await testAdmin();
    const written = async (topic: string) =>
      (await admin.offsets(physicalName(topic, prefix))).reduce((n, p) => n + Number(p.high), 0);
    for (const chunk of outcomeChunks(inputs, 3)) {
      const stage = (['ranking.by-as-of', 'ranking.scores', 'metrics'] as const)[Math.floor(random() * 3)]!;
      const step = 1 + Math.floor(random() * 8);
      const before = await written(stage);
      await produceOutcomes(prefix, chunk);
      await waitFor(`${stage} to grow by ${step}`, async () => (await written(stage)) >= before + step, {
        timeoutMs: 60_000,
        intervalMs: 10,
      });
      pipeline.child.kill('SIGKILL');
      await pipeline.exited;
      pipeline = await startPipeline(prefix, args);
    }

    await expectMetrics(prefix, reference.metrics);
    await expectAlerts(prefix, reference);
    await expectLate(prefix, reference);
    await expectRows(inputs, reference);
    // Nothing was dead-lettered, and the internal topics hold what the reference routed there.
    expect(await readDeadLetters(physicalName('dlq', prefix))).toEqual([]);
    const scores = await readTopic(physicalName('ranking.scores', prefix), 'Metric');
    expect(scores).toHaveLength(reference.metrics.filter((m) => !/_\d+d$/.test(m.name)).length);
  });

  it('scores a cycle at the wall-clock deadline when no later outcome comes; later outcomes are late', async () => {
    const prefix = await pipelinePrefix('rank-deadline');
    const strategy = `deadline-${randomBytes(3).toString('hex')}`;
    // A 1-second horizon and no extra deadline: the cycle is due 1 s after its as_of was first seen.
    const config = await configFile(CONFIG.replace('deadline: never', 'deadline: 0'));
    const pipeline = await startPipeline(prefix, [...PROCESSORS, '--ranking', config], {
      TW_TIMER_TICK_MS: '200',
    });
    const asOf = Date.UTC(2026, 0, 6, 12);
    const [cycle] = rankingInputs('unused').cycles;
    await produce(prefix, [
      {
        topic: 'inference.cycles',
        key: strategy,
        value: registry
          .codec('InferenceCycle')
          .encode({ ...cycle!, cycle_id: `${strategy}-0`, strategy, as_of: asOf, horizon_ms: 1000 }),
      },
    ]);
    const [row] = await waitFor(
      'the cycle scored at its deadline',
      async () => {
        const rows = await questdbQuery(
          `SELECT status, closed_by FROM ${e2eTable('ranking_cycles')} WHERE strategy = '${strategy}'`,
        );
        return rows.length > 0 ? rows : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    // No outcome arrived: unlabeled, not a miss.
    expect(row).toEqual(['unlabeled', 'deadline']);
    const outcome = { asset: 'AAA', as_of: asOf, horizon_ms: 1000, forward_return: 0.01 };
    await produce(prefix, [
      { topic: 'outcomes', key: 'AAA', value: registry.codec('Outcome').encode(outcome) },
    ]);
    const [late] = await waitFor(
      'the late outcome',
      async () => {
        const letters = await readDeadLetters(physicalName('late', prefix));
        return letters.length > 0 ? letters : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(late!.error.code).toBe('TW_RECORD_LATE');
    expect(late!.error.message).toMatch(
      /^the outcome of AAA arrived after its as_of .* was scored at the wall-clock deadline at /,
    );
    const markers = await readTopic(physicalName('metrics', prefix), 'Metric');
    expect(
      markers.filter((m) => m.name === 'ranking_cycle_unlabeled').map((m) => m.labels['cycle_id']),
    ).toEqual([`${strategy}-0`]);
    pipeline.child.kill('SIGTERM');
    expect((await pipeline.exited).code).toBe(0);
  });

  it('refuses to start on an invalid configuration, listing every problem with its line (exit 2)', async () => {
    const file = await configFile('ks: [1, 0]\nrelevance: { mode: above_benchmark }\nlabel_dely: 1h\n');
    const result = await runCli(['run', ...PROCESSORS, '--ranking', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('TW_CONFIG_INVALID');
    expect(result.stderr).toContain('ranking.yaml:1:9: ks.1: expected a whole number K ≥ 1, found 0');
    expect(result.stderr).toContain(
      'ranking.yaml:2:20: relevance.mode: mode above_benchmark needs "benchmark: <asset>"',
    );
    expect(result.stderr).toContain(
      'ranking.yaml:3:1: label_dely: unknown key "label_dely" (did you mean "label_delay"?)',
    );
  });
});
