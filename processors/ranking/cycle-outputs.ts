import type { Output } from '../contract.ts';
import type { Metric } from '../../schemas/index.ts';
import { RANKING_METRICS, RANKING_TABLES, SCORES_TOPIC } from './names.ts';
import type { CycleScore, HeldCycle } from './score-cycle.ts';

/** How a cycle's as_of group was closed: by the outcome stream's event time, or at the wall-clock deadline. */
export type ClosedBy = 'watermark' | 'deadline';

export interface ScoredCycle {
  readonly cycleId: string;
  readonly asOf: number;
  readonly horizonMs: number;
  readonly closedBy: ClosedBy;
  readonly cycle: HeldCycle;
  readonly score: CycleScore;
}

/**
 * The outputs of one cycle's scoring: each point both on `metrics` and on ranking.scores (keyed
 * `${strategy}|${env}`, for the rolling stage); a `ranking_scores` row per K when scored; a
 * `ranking_cycles` row always. Undefined values (recall and nDCG with nothing relevant, rank_ic with
 * fewer than two labeled predictions or a constant side) are not emitted and are null in the rows.
 */
export function emitCycleScore(emit: (output: Output) => void, scored: ScoredCycle): void {
  const { cycleId, asOf, cycle, score } = scored;
  const { strategy, env } = cycle;
  const point = (name: string, value: number, k?: number): void => {
    const labels: Record<string, string> =
      k === undefined
        ? { strategy, env, cycle_id: cycleId }
        : { strategy, env, k: String(k), cycle_id: cycleId };
    const metric: Metric = { name, labels, value, ts: asOf };
    emit({ kind: 'metric', metric });
    emit({ kind: 'record', topic: SCORES_TOPIC, key: `${strategy}|${env}`, type: 'Metric', value: metric });
  };
  let rankIc: number | null = null;
  let labeled: number | null = null;
  let note: string | null = null;
  switch (score.status) {
    case 'scored':
      for (const s of score.perK) {
        point(RANKING_METRICS.precision, s.precision, s.k);
        if (s.recall !== null) point(RANKING_METRICS.recall, s.recall, s.k);
        point(RANKING_METRICS.hit, s.hit, s.k);
        if (s.ndcg !== null) point(RANKING_METRICS.ndcg, s.ndcg, s.k);
        emit({
          kind: 'row',
          row: {
            table: RANKING_TABLES.scores,
            ts: asOf,
            symbols: { strategy, env, k: String(s.k), cycle_id: cycleId },
            columns: {
              precision_at_k: s.precision,
              recall_at_k: s.recall,
              hit_at_k: s.hit,
              ndcg_at_k: s.ndcg,
            },
          },
        });
      }
      if (score.rankIc !== null) point(RANKING_METRICS.rankIc, score.rankIc);
      rankIc = score.rankIc;
      labeled = score.labeled;
      break;
    case 'unlabeled':
      point(RANKING_METRICS.unlabeled, 1);
      note = score.reason;
      break;
    case 'failed':
      point(RANKING_METRICS.failed, 1);
      break;
  }
  emit({
    kind: 'row',
    row: {
      table: RANKING_TABLES.cycles,
      ts: asOf,
      symbols: { strategy, env, cycle_id: cycleId, status: score.status, closed_by: scored.closedBy },
      columns: {
        horizon_ms: scored.horizonMs,
        universe: score.universe,
        predictions: score.predictions,
        labeled,
        rank_ic: rankIc,
        note,
      },
    },
  });
}
