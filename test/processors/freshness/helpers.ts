/** Records, options and output filters for the freshness processor's tests. */
import { parseFreshnessConfig, type FreshnessOptions } from '../../../processors/freshness/index.ts';
import type { Output, SinkRow } from '../../../processors/contract.ts';
import type {
  Environment,
  InferenceCycle,
  IngestRun,
  Metric,
  PortfolioMark,
  Signal,
} from '../../../schemas/index.ts';

/** 2026-01-05 14:00:00 UTC: a multiple of every report interval the tests use. */
export const T0 = Date.UTC(2026, 0, 5, 14, 0, 0);
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** Options from YAML text (file name `test.yaml` in messages). */
export const options = (yaml: string): FreshnessOptions => parseFreshnessConfig(yaml, 'test.yaml');

/** The configuration most tests use. */
export const BASE_YAML = `
version: 1
env: prod
heartbeat_interval: 1s
report_every: never
sources:
  - topic: ingest.runs
    cadence: 10s
    slack: 5s
    overrides:
      - key: 'slow-*'
        cadence: 1m
      - key: { regex: 'fast-[0-9]+' }
        cadence: 2s
        slack: 0
      - key: 'lenient'
        partial: success
    ignore: ['sandbox-*']
  - topic: inference.cycles
    cadence: 1m
    slack: 30s
    weights_max_age: 1d
    overrides:
      - key: intraday
        weights_max_age: 1h
  - topic: heartbeats
    cadence: heartbeat
    slack: 2s
    forget_after: 1m
  - topic: signals
    cadence: 10s
    slack: 5s
    env: staging
  - topic: portfolio.marks
    cadence: 10s
    slack: 5s
`;

let sequence = 0;

export function ingestRun(
  ingest: string,
  finishedAt: number,
  status: IngestRun['status'] = 'success',
  extra: Partial<IngestRun> = {},
): IngestRun {
  sequence += 1;
  return {
    ingest,
    env: 'prod',
    run_id: `run-${sequence}`,
    started_at: finishedAt - 2000,
    finished_at: finishedAt,
    status,
    rows: status === 'failure' ? 0 : 100,
    duration_ms: 2000,
    error: status === 'success' ? null : 'upstream 503',
    data_until: finishedAt - MINUTE,
    ...extra,
  };
}

export function cycle(
  strategy: string,
  finishedAt: number,
  status: InferenceCycle['status'] = 'success',
  extra: Partial<InferenceCycle> = {},
): InferenceCycle {
  sequence += 1;
  return {
    cycle_id: `cycle-${sequence}`,
    strategy,
    env: 'prod',
    model_version: 'm1',
    weights_version: 'w1',
    weights_updated_at: finishedAt - HOUR,
    as_of: finishedAt - 5000,
    started_at: finishedAt - 4000,
    finished_at: finishedAt,
    status,
    error: status === 'failure' ? 'NaN features' : null,
    horizon_ms: HOUR,
    metrics: {},
    predictions: [],
    ...extra,
  };
}

export function heartbeat(instance: string, ts: number): Metric {
  return { name: 'tradewatch_heartbeat', labels: { instance }, value: 1, ts };
}

export function signal(asset: string, ts: number, labels: Record<string, string> = {}): Signal {
  return { source: 'github', asset, name: 'commits_7d', value: 3, unit: 'count', ts, labels, flags: [] };
}

export function mark(portfolio: string, ts: number, env: Environment = 'prod'): PortfolioMark {
  return { portfolio, env, ts, equity: 1000, cash: null };
}

/** The metric points of `outputs` named `name` (all when no name), as [labels, value, ts]. */
export function points(
  outputs: readonly Output[],
  name?: string,
): { name: string; labels: Record<string, string>; value: number; ts: number }[] {
  return outputs.flatMap((o) =>
    o.kind === 'metric' && (name === undefined || o.metric.name === name)
      ? [{ name: o.metric.name, labels: o.metric.labels, value: o.metric.value, ts: o.metric.ts }]
      : [],
  );
}

/** The `source_stale` points as [value, ts, source, env] tuples, the shortest way to read a story. */
export function staleStory(outputs: readonly Output[]): [number, number, string, string][] {
  return points(outputs, 'source_stale').map((p) => [
    p.value,
    p.ts,
    p.labels['source'] ?? '',
    p.labels['env'] ?? '',
  ]);
}

/** The rows of `table`. */
export function rows(outputs: readonly Output[], table: string): SinkRow[] {
  return outputs.flatMap((o) => (o.kind === 'row' && o.row.table === table ? [o.row] : []));
}
