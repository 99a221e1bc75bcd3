import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.ts';
import {
  createFreshnessProcessor,
  type FreshnessRecord,
  type FreshnessState,
} from '../../../processors/freshness/index.ts';
import { TABLES } from '../../../sinks/questdb/tables.ts';
import { checkRow, prepareTable } from '../../../sinks/questdb/row-check.ts';
import { VirtualRunner } from '../../../runtime/processor/index.ts';
import {
  BASE_YAML,
  DAY,
  HOUR,
  MINUTE,
  SECOND,
  T0,
  cycle,
  ingestRun,
  options,
  points,
  rows,
} from './helpers.ts';

const harness = (yaml = BASE_YAML) =>
  new VirtualRunner<FreshnessRecord, FreshnessState>(createFreshnessProcessor(options(yaml)), {
    clock: new ManualClock(T0),
  });

const values = (h: ReturnType<typeof harness>, name: string) => points(h.outputs, name).map((p) => p.value);

describe('freshness processor: ingest runs', () => {
  it('counts failures in a row, a partial run as one, and resets on a success', () => {
    const h = harness();
    const statuses = ['failure', 'failure', 'partial', 'success', 'failure'] as const;
    statuses.forEach((status, i) => {
      h.feed('ingest.runs', ingestRun('coinmetrics', T0 + i * MINUTE, status), { key: 'coinmetrics' });
    });
    expect(values(h, 'ingest_consecutive_failures')).toEqual([1, 2, 3, 0, 1]);
    expect(values(h, 'ingest_failed')).toEqual([1, 1, 1, 0, 1]);
    // Points at the run's finished_at, labelled by ingest and env.
    expect(points(h.outputs, 'ingest_failed').map((p) => p.ts)).toEqual(
      statuses.map((_, i) => T0 + i * MINUTE),
    );
    expect(points(h.outputs, 'ingest_failed')[0]?.labels).toEqual({ env: 'prod', ingest: 'coinmetrics' });
    // Rows 0 on failure, 100 otherwise; 2 s each; data_until a minute before the end.
    expect(values(h, 'ingest_rows')).toEqual([0, 0, 100, 100, 0]);
    expect(values(h, 'ingest_duration_ms')).toEqual([2000, 2000, 2000, 2000, 2000]);
    expect(values(h, 'ingest_data_lag_ms')).toEqual([MINUTE, MINUTE, MINUTE, MINUTE, MINUTE]);
  });

  it('counts a partial run as a success where the ingest says so', () => {
    const h = harness();
    for (const [i, status] of (['failure', 'partial', 'failure'] as const).entries()) {
      h.feed('ingest.runs', ingestRun('lenient', T0 + i * MINUTE, status), { key: 'lenient' });
    }
    expect(values(h, 'ingest_consecutive_failures')).toEqual([1, 0, 1]);
  });

  it('emits no data lag for a run without data_until', () => {
    const h = harness();
    h.feed('ingest.runs', ingestRun('x', T0, 'success', { data_until: null }), { key: 'x' });
    expect(values(h, 'ingest_data_lag_ms')).toEqual([]);
    expect(rows(h.outputs, 'ingest_runs')[0]?.columns['data_lag_ms']).toBeNull();
  });

  it('does not count a repeat of the newest run, nor a run that finished before it (sent to late)', () => {
    const h = harness();
    const first = ingestRun('x', T0 + MINUTE, 'failure');
    h.feed('ingest.runs', first, { key: 'x' });
    const repeat = h.feed('ingest.runs', first, { key: 'x' });
    expect(points(repeat.outputs, 'ingest_consecutive_failures')).toEqual([]);
    expect(rows(repeat.outputs, 'ingest_runs')[0]?.columns['consecutive_failures']).toBe(1);
    const late = h.feed('ingest.runs', ingestRun('x', T0, 'failure'), { key: 'x' });
    expect(late.late).toEqual([expect.stringMatching(/finished at \d+, before run run-\d+ .* not counted/)]);
    expect(points(late.outputs, 'ingest_consecutive_failures')).toEqual([]);
    expect(rows(late.outputs, 'ingest_runs')[0]?.columns['consecutive_failures']).toBeNull();
    h.feed('ingest.runs', ingestRun('x', T0 + 2 * MINUTE, 'failure'), { key: 'x' });
    expect(values(h, 'ingest_consecutive_failures')).toEqual([1, 2]);
  });

  it('counts per env', () => {
    const h = harness();
    h.feed('ingest.runs', ingestRun('x', T0, 'failure'), { key: 'x' });
    h.feed('ingest.runs', ingestRun('x', T0 + 1, 'failure', { env: 'staging' }), { key: 'x' });
    h.feed('ingest.runs', ingestRun('x', T0 + 2, 'failure'), { key: 'x' });
    expect(
      points(h.outputs, 'ingest_consecutive_failures').map((p) => `${p.labels['env']}:${p.value}`),
    ).toEqual(['prod:1', 'staging:1', 'prod:2']);
  });

  it('rejects a run that ends before it starts or has negative rows, changing nothing', () => {
    const h = harness();
    const fed = h.feed('ingest.runs', ingestRun('x', T0, 'success', { started_at: T0 + 1, rows: -1 }), {
      key: 'x',
    });
    expect(fed.rejected).toMatch(
      /^invalid ingest run run-\d+ of x \(prod\): finished_at \d+ is before started_at \d+; rows must be 0 or more, got -1$/,
    );
    expect(h.state('ingest.runs', 'ingest.runs|x')).toBeUndefined();
  });
});

describe('freshness processor: inference cycles', () => {
  it('counts failed cycles in a row and resets on a success', () => {
    const h = harness();
    for (const [i, status] of (['failure', 'failure', 'success', 'failure'] as const).entries()) {
      h.feed('inference.cycles', cycle('momentum', T0 + i * MINUTE, status), { key: 'momentum' });
    }
    expect(values(h, 'inference_cycle_failed')).toEqual([1, 1, 0, 1]);
    expect(values(h, 'inference_consecutive_failures')).toEqual([1, 2, 0, 1]);
    // started 4 s before the end.
    expect(values(h, 'inference_cycle_duration_ms')).toEqual([4000, 4000, 4000, 4000]);
    expect(points(h.outputs, 'inference_cycle_failed')[0]).toMatchObject({
      labels: { env: 'prod', strategy: 'momentum' },
      ts: T0,
    });
  });

  it('measures the weights age at the cycle’s as_of and judges it against the allowed age (per strategy)', () => {
    const h = harness();
    const asOf = T0;
    const feed = (strategy: string, updatedAt: number) =>
      h.feed(
        'inference.cycles',
        cycle(strategy, T0 + 5000, 'success', { as_of: asOf, weights_updated_at: updatedAt }),
        { key: strategy },
      );
    // The topic allows 1 d: 23 h is fine, 25 h is stale; exactly 1 d is not older than allowed.
    feed('momentum', asOf - 23 * HOUR);
    feed('carry', asOf - 25 * HOUR);
    feed('value', asOf - DAY);
    // intraday allows 1 h: 2 h is stale.
    feed('intraday', asOf - 2 * HOUR);
    expect(points(h.outputs, 'model_weights_age_ms').map((p) => [p.labels['strategy'], p.value])).toEqual([
      ['momentum', 23 * HOUR],
      ['carry', 25 * HOUR],
      ['value', DAY],
      ['intraday', 2 * HOUR],
    ]);
    expect(points(h.outputs, 'model_weights_stale').map((p) => [p.labels['strategy'], p.value])).toEqual([
      ['momentum', 0],
      ['carry', 1],
      ['value', 0],
      ['intraday', 1],
    ]);
  });

  it('does not judge weights of unknown age, and finds none stale for a model without weights', () => {
    const h = harness();
    h.feed('inference.cycles', cycle('unknown', T0, 'success', { weights_updated_at: null }), {
      key: 'unknown',
    });
    h.feed(
      'inference.cycles',
      cycle('plain', T0, 'success', { weights_updated_at: null, weights_version: null }),
      { key: 'plain' },
    );
    expect(points(h.outputs, 'model_weights_age_ms')).toEqual([]);
    expect(points(h.outputs, 'model_weights_stale').map((p) => [p.labels['strategy'], p.value])).toEqual([
      ['plain', 0],
    ]);
    const [unknown, plain] = rows(h.outputs, 'inference_cycles');
    expect(unknown?.columns['weights_stale']).toBeNull();
    expect(plain?.columns['weights_stale']).toBe(false);
    expect(plain?.symbols).not.toHaveProperty('weights_version');
  });

  it('reports the age but judges nothing without an allowed age', () => {
    const h = harness(
      BASE_YAML.replace('    weights_max_age: 1d\n', '').replace(
        '        weights_max_age: 1h',
        '        cadence: 2m',
      ),
    );
    h.feed('inference.cycles', cycle('momentum', T0), { key: 'momentum' });
    // weights_updated_at an hour before finished_at, as_of 5 s before it: 1 h - 5 s.
    expect(values(h, 'model_weights_age_ms')).toEqual([HOUR - 5 * SECOND]);
    expect(values(h, 'model_weights_stale')).toEqual([]);
  });

  it('sends a cycle that finished before the newest counted to late, uncounted', () => {
    const h = harness();
    h.feed('inference.cycles', cycle('m', T0 + MINUTE, 'failure'), { key: 'm' });
    const late = h.feed('inference.cycles', cycle('m', T0, 'failure'), { key: 'm' });
    expect(late.late).toHaveLength(1);
    expect(values(h, 'inference_consecutive_failures')).toEqual([1]);
  });
});

describe('freshness processor: rows', () => {
  it('writes rows that fit their tables in sinks/questdb/tables.ts', () => {
    const h = harness(BASE_YAML.replace('report_every: never', 'report_every: 10s'));
    h.feed('ingest.runs', ingestRun('x', T0, 'partial'), { key: 'x' });
    h.feed('ingest.runs', ingestRun('y', T0, 'success', { data_until: null, error: null }), { key: 'y' });
    h.feed('inference.cycles', cycle('m', T0), { key: 'm' });
    h.feed(
      'inference.cycles',
      cycle('n', T0, 'failure', { weights_version: null, weights_updated_at: null }),
      {
        key: 'n',
      },
    );
    h.advanceTo(T0 + 10 * MINUTE);
    h.clock.set(T0 + 11 * MINUTE);
    h.feed('ingest.runs', ingestRun('x', T0 + 11 * MINUTE), { key: 'x' });
    const tables = new Map(TABLES.map((t) => [t.name, prepareTable(t)]));
    const written = h.outputs.flatMap((o) => (o.kind === 'row' ? [o.row] : []));
    expect(new Set(written.map((r) => r.table))).toEqual(
      new Set(['freshness', 'ingest_runs', 'inference_cycles']),
    );
    expect(new Set(written.filter((r) => r.table === 'freshness').map((r) => r.symbols['event']))).toEqual(
      new Set(['first_seen', 'report', 'stale', 'resumed']),
    );
    expect(written.flatMap((row, i) => checkRow(row, i, tables))).toEqual([]);
  });
});
