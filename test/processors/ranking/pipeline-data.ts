/**
 * Inputs for the precision@K pipeline end to end (test/e2e/ranking.test.ts) and what an uninterrupted
 * pipeline makes of them, computed in memory with the same processors.
 *
 * With several partitions the pipeline's output could depend on how partitions interleave. The data
 * is shaped so that it cannot, and the reference models exactly that:
 * - every outcome is produced, in as_of order, to partition 0 of `outcomes`: one repartition task
 *   writes every outcome and every watermark that moves the event time, so in each partition of
 *   ranking.by-as-of an as_of's outcomes come before the watermark that closes it (the late outcome,
 *   produced last, comes after);
 * - the event time is the least watermark of the outcomes partitions: the other partitions get one
 *   outcome each of an as_of after every cycle's (`clocks`), produced and repartitioned first, so they
 *   never hold it back and partition 0's watermark alone moves it;
 * - the cycles are produced and repartitioned (the test waits for the repartition's commit) before any
 *   outcome: in ranking.by-as-of they come first;
 * - each strategy's as_of's are chosen so that their join key `<horizon>|<as_of>` hashes (murmur2, as
 *   the runtime's producer) to ONE partition of ranking.by-as-of, a different one per strategy: each
 *   strategy's scores are written by one task in as_of order, so the rolling means never see them out
 *   of order, whatever the interleaving of the join's partitions.
 */
import kafkajs from 'kafkajs';
import {
  byAsOfKey,
  createRankingProcessor,
  createRankingRepartitionProcessor,
  createRankingRollingProcessor,
  type RankingOptions,
} from '../../../processors/ranking/index.ts';
import { DEFAULT_RULES_FILE, createRulesProcessor, loadRules } from '../../../processors/rules/index.ts';
import { VirtualRunner, type SinkRow } from '../../../runtime/processor/index.ts';
import type { Alert, InferenceCycle, Metric, Outcome } from '../../../schemas/index.ts';
import { TOPICS } from '../../../topics/index.ts';

export const HOUR = 3_600_000;
/** 2026-01-05T00:00:00Z. */
export const BASE = Date.UTC(2026, 0, 5);
export const ASSETS = ['AAA', 'BBB', 'CCC', 'DDD', 'EEE', 'FFF', 'GGG', 'HHH', 'III', 'JJJ'] as const;

const partitionsOf = (topic: string): number => TOPICS.find((t) => t.name === topic)!.partitions;
const javaPartitioner = kafkajs.Partitioners.DefaultPartitioner();

/** The partition the runtime's producer (kafkajs, murmur2 as the Java client) picks for `key`. */
export function partitionOf(topic: string, key: string): number {
  const count = partitionsOf(topic);
  return javaPartitioner({
    topic,
    partitionMetadata: Array.from({ length: count }, (_, partitionId) => ({
      partitionErrorCode: 0,
      partitionId,
      leader: 0,
      replicas: [0],
      isr: [0],
    })),
    message: { key, value: null },
  });
}

export interface RankingInputs {
  readonly cycles: InferenceCycle[];
  /** In production order, all to partition 0; the last one is late. */
  readonly outcomes: Outcome[];
  /** One outcome per other outcomes partition (`partition` i + 1), of an as_of after every cycle's. */
  readonly clocks: Outcome[];
  readonly strategies: {
    readonly name: string;
    readonly env: 'prod' | 'paper';
    readonly partition: number;
  }[];
  /** The as_of's of each strategy. */
  readonly asOfs: Map<string, number[]>;
}

/** A forward return per (as_of index, asset): distinct within an as_of. */
const forwardReturn = (i: number, a: number): number => (((a * 7 + i * 3) % ASSETS.length) - 4.5) / 100;

/**
 * Two strategies, six cycles each, hourly as_of's on one join partition per strategy:
 * - `alpha` (prod) ranks assets worst first (precision@5 0: the default rule fires) except its second
 *   cycle, which ranks them best first (the 7-day mean goes to 0.5: the alert resolves); its fourth
 *   as_of gets no outcome (unlabeled);
 * - `beta` (paper) ranks them best first; its third cycle failed.
 * Ten assets, one outcome each per labeled as_of; a closing outcome one hour after the last as_of; and
 * a late outcome for alpha's first as_of, produced last.
 */
export function rankingInputs(suffix: string): RankingInputs {
  const join = 'ranking.by-as-of';
  const strategies = [
    { name: `alpha-${suffix}`, env: 'prod' as const, partition: -1 },
    { name: `beta-${suffix}`, env: 'paper' as const, partition: -1 },
  ];
  const asOfs = new Map<string, number[]>();
  const used = new Set<number>();
  for (const s of strategies) {
    const mine: number[] = [];
    for (let h = 0; mine.length < 6; h++) {
      const asOf = BASE + h * HOUR;
      const p = partitionOf(join, byAsOfKey(HOUR, asOf));
      if (s.partition === -1 && !used.has(p)) s.partition = p;
      if (p === s.partition) mine.push(asOf);
    }
    used.add(s.partition);
    asOfs.set(s.name, mine);
  }
  const all = [...asOfs.values()].flat().sort((a, b) => a - b);
  const index = (asOf: number) => all.indexOf(asOf);
  const byReturn = (asOf: number, best: boolean) =>
    ASSETS.map((asset, a) => [asset, forwardReturn(index(asOf), a)] as const)
      .sort((x, y) => (best ? y[1] - x[1] : x[1] - y[1]))
      .map(([asset]) => asset);

  const cycles: InferenceCycle[] = [];
  for (const s of strategies) {
    asOfs.get(s.name)!.forEach((asOf, i) => {
      const best = s.name.startsWith('beta') || i === 1;
      const failed = s.name.startsWith('beta') && i === 2;
      cycles.push({
        cycle_id: `${s.name}-${i}`,
        strategy: s.name,
        env: s.env,
        model_version: 'm1',
        weights_version: null,
        weights_updated_at: null,
        as_of: asOf,
        started_at: asOf,
        finished_at: asOf + 30_000,
        status: failed ? 'failure' : 'success',
        error: failed ? 'feature store timed out' : null,
        horizon_ms: HOUR,
        metrics: {},
        predictions: failed
          ? []
          : byReturn(asOf, best).map((asset, r) => ({ asset, score: 1 - r / 10, rank: r + 1 })),
      });
    });
  }
  const unlabeled = asOfs.get(strategies[0]!.name)![3]!;
  const outcomes: Outcome[] = [];
  for (const asOf of all) {
    if (asOf === unlabeled) continue;
    ASSETS.forEach((asset, a) =>
      outcomes.push({ asset, as_of: asOf, horizon_ms: HOUR, forward_return: forwardReturn(index(asOf), a) }),
    );
  }
  outcomes.push({ asset: 'AAA', as_of: all.at(-1)! + HOUR, horizon_ms: HOUR, forward_return: 0 });
  outcomes.push({
    asset: 'ZZZ',
    as_of: asOfs.get(strategies[0]!.name)![0]!,
    horizon_ms: HOUR,
    forward_return: 0.5,
  });
  const clocks = Array.from({ length: partitionsOf('outcomes') - 1 }, (_, i) => ({
    asset: `CLOCK${i + 1}`,
    as_of: all.at(-1)! + 2 * HOUR,
    horizon_ms: HOUR,
    forward_return: 0,
  }));
  return { cycles, outcomes, clocks, strategies, asOfs };
}

/**
 * The outcomes in production order, cut into chunks of `size` runs of one as_of (the last chunk also
 * holds the rest: the closing and the late outcome). Produced chunk after chunk, they keep their order.
 */
export function outcomeChunks(inputs: RankingInputs, size: number): Outcome[][] {
  const runs: Outcome[][] = [];
  for (const o of inputs.outcomes) {
    const last = runs.at(-1);
    if (last !== undefined && last[0]!.as_of === o.as_of) last.push(o);
    else runs.push([o]);
  }
  const chunks: Outcome[][] = [];
  for (let i = 0; i < runs.length; i += size) {
    // A short remainder joins the chunk before it.
    const target =
      runs.length - i < size && chunks.length > 0 ? chunks.at(-1)! : (chunks[chunks.length] = []);
    target.push(...runs.slice(i, i + size).flat());
  }
  return chunks;
}

export interface RankingReference {
  /** Every point on `metrics` (the join's and the rolling stage's). */
  readonly metrics: Metric[];
  readonly alerts: Alert[];
  /** Rows by table, deduplicated on (ts, keys) as QuestDB's upsert does: the last one wins. */
  readonly rows: Map<string, SinkRow[]>;
  /** The late records' reasons. */
  readonly late: string[];
}

const KEYS: Record<string, readonly string[]> = {
  ranking_scores: ['strategy', 'env', 'k', 'cycle_id'],
  ranking_cycles: ['strategy', 'env', 'cycle_id'],
  ranking_rolling: ['strategy', 'env', 'name', 'k'],
  alerts: ['fingerprint', 'status'],
};

function dedup(rows: readonly SinkRow[]): Map<string, SinkRow[]> {
  const byTable = new Map<string, Map<string, SinkRow>>();
  for (const row of rows) {
    const keys = KEYS[row.table] ?? [];
    const id = JSON.stringify([row.ts, ...keys.map((k) => row.symbols[k] ?? row.columns[k])]);
    if (!byTable.has(row.table)) byTable.set(row.table, new Map());
    byTable.get(row.table)!.set(id, row);
  }
  return new Map([...byTable].map(([table, m]) => [table, [...m.values()]]));
}

/** What an uninterrupted pipeline makes of `inputs` (see the module comment for why it is unique). */
export async function rankingReference(
  inputs: RankingInputs,
  options: RankingOptions,
): Promise<RankingReference> {
  const runner = new VirtualRunner([
    createRankingRepartitionProcessor(options),
    createRankingProcessor(options),
    createRankingRollingProcessor(options),
    createRulesProcessor(await loadRules(DEFAULT_RULES_FILE)),
  ]);
  for (const c of inputs.cycles) {
    runner.feed('inference.cycles', c, {
      partition: partitionOf('inference.cycles', c.strategy),
      key: c.strategy,
    });
  }
  inputs.clocks.forEach((o, i) => runner.feed('outcomes', o, { partition: i + 1, key: o.asset }));
  for (const o of inputs.outcomes) runner.feed('outcomes', o, { partition: 0, key: o.asset });
  return {
    metrics: runner.metrics(),
    alerts: runner.alerts(),
    rows: dedup(runner.rows()),
    late: runner.late.filter((l) => l.topic === 'ranking.by-as-of').map((l) => l.reason),
  };
}
