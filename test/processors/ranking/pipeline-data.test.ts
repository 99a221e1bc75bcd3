/** The end-to-end test's inputs and reference are what that test says they are. */
import { describe, expect, it } from 'vitest';
import { compileRankingOptions } from '../../../processors/ranking/index.ts';
import { HOUR, outcomeChunks, partitionOf, rankingInputs, rankingReference } from './pipeline-data.ts';

describe('the precision@K end-to-end data', () => {
  const inputs = rankingInputs('x');
  const options = compileRankingOptions({ ks: [1, 5], deadlineMs: null });

  it('puts each strategy’s as_of’s on one partition of ranking.by-as-of, a different one each', () => {
    const [alpha, beta] = inputs.strategies;
    expect(alpha!.partition).not.toBe(beta!.partition);
    for (const s of inputs.strategies) {
      for (const asOf of inputs.asOfs.get(s.name)!) {
        expect(partitionOf('ranking.by-as-of', `${HOUR}|${asOf}`)).toBe(s.partition);
      }
    }
  });

  it('makes alpha fire and resolve the default precision@5 rule, one unlabeled and one failed cycle, one late outcome', async () => {
    const reference = await rankingReference(inputs, options);
    expect(reference.alerts.map((a) => [a.rule, a.status, a.labels['strategy']])).toEqual([
      // Cycle 0 scores 0 (mean 0 < 0.2: fires); cycle 1 scores 1 (mean 0.5 ≥ 0.25: resolves); then
      // 0, unlabeled, 0, 0: means 1/3, 1/4, 1/5, never below 0.2 again.
      ['ranking_precision_at_5_low', 'firing', inputs.strategies[0]!.name],
      ['ranking_precision_at_5_low', 'resolved', inputs.strategies[0]!.name],
    ]);
    const names = reference.metrics.map((m) => m.name);
    expect(names.filter((n) => n === 'ranking_cycle_unlabeled')).toHaveLength(1);
    expect(names.filter((n) => n === 'ranking_cycle_failed')).toHaveLength(1);
    expect(reference.late).toHaveLength(1);
    expect(reference.late[0]).toMatch(/^the outcome of ZZZ arrived after its as_of/);
    // 12 cycles: 10 scored (2 K × 4 metrics + rank_ic = 9 points), 2 markers.
    expect(reference.rows.get('ranking_cycles')).toHaveLength(12);
    expect(reference.rows.get('ranking_scores')).toHaveLength(20);
    expect(names.filter((n) => !/_\d+d$/.test(n))).toHaveLength(10 * 9 + 2);
    // Beta ranks best first: precision@5 1 on every scored cycle.
    const beta = reference.metrics.filter(
      (m) =>
        m.name === 'precision_at_k' &&
        m.labels['k'] === '5' &&
        m.labels['strategy'] === inputs.strategies[1]!.name,
    );
    expect(beta.map((m) => m.value)).toEqual([1, 1, 1, 1, 1]);
  });

  it('cuts the outcomes into chunks of whole as_of runs, in order', () => {
    const chunks = outcomeChunks(inputs, 3);
    // 11 labeled as_of's, the closing outcome and the late one (an earlier as_of): 13 runs → 3 + 3 + 3 + 4.
    expect(chunks.map((c) => new Set(c.map((o) => o.as_of)).size)).toEqual([3, 3, 3, 4]);
    expect(chunks.flat()).toEqual(inputs.outcomes);
  });
});
