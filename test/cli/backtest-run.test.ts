/**
 * `tradewatch backtest run` end to end on the real Kafka and QuestDB: cycles, outcomes and signals (one
 * revised after a decision time) produced with their Kafka timestamps, written to the history tables by
 * `tradewatch run --processors history`, then backtested: the figures the engine gives for the same
 * records in memory, the same version and identical files on a second run and on a sliced run across
 * threads, `verify`, `list`, `show`, `compare`, and the results in QuestDB.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parseBacktestConfig } from '../../backtest/config.ts';
import { runBacktest, type BacktestInputs } from '../../backtest/engine/index.ts';
import { SchemaRegistry, type InferenceCycle, type Outcome, type Signal } from '../../schemas/index.ts';
import { physicalName } from '../../topics/index.ts';
import { runCli, jsonLines } from '../helpers/cli.ts';
import { testKafka } from '../helpers/kafka.ts';
import { E2E_NAMESPACE, e2eTable, pipelinePrefix, startPipeline } from '../helpers/pipeline.ts';
import { questdbCount, questdbQuery } from '../helpers/questdb.ts';
import { uniqueName } from '../helpers/unique.ts';
import { waitFor } from '../helpers/wait-for.ts';

const registry = await SchemaRegistry.load();
const MIN = 60_000;
const T0 = Date.parse('2025-03-01T00:00:00Z');
const ASSETS = ['AAA', 'BBB', 'CCC', 'DDD', 'EEE'];

/** Deterministic history: 8 cycles one horizon apart, outcomes for most assets, signals (one revised). */
function history(strategy: string, horizon: number, signalName: string) {
  const cycles: { value: InferenceCycle; ts: number }[] = [];
  const outcomes: { value: Outcome; ts: number }[] = [];
  const signals: { value: Signal; ts: number }[] = [];
  for (let i = 0; i < 8; i++) {
    const asOf = T0 + i * horizon;
    const scores = ASSETS.map((a, j) => [a, ((i * 7 + j * 3) % 11) / 10] as const);
    cycles.push({
      ts: asOf + MIN,
      value: {
        cycle_id: `${strategy}-${i}`,
        strategy,
        env: 'prod',
        model_version: 'm1',
        weights_version: 'w1',
        weights_updated_at: null,
        as_of: asOf,
        started_at: asOf,
        finished_at: asOf + MIN,
        status: i === 5 ? 'failure' : 'success',
        error: i === 5 ? 'boom' : null,
        horizon_ms: horizon,
        metrics: {},
        predictions:
          i === 5
            ? []
            : [...scores]
                .sort((a, b) => b[1] - a[1])
                .map(([asset, score], r) => ({ asset, score, rank: r + 1 })),
      },
    });
    ASSETS.forEach((asset, j) => {
      if ((i + j) % 6 === 0) return; // unlabeled
      outcomes.push({
        ts: asOf + horizon + MIN,
        value: { asset, as_of: asOf, horizon_ms: horizon, forward_return: (((i * 5 + j * 2) % 9) - 4) / 100 },
      });
    });
    ASSETS.forEach((asset, j) => {
      const value: Signal = {
        source: 'github',
        asset,
        name: signalName,
        value: (i * 3 + j * 5) % 7,
        unit: null,
        ts: asOf - 10 * MIN,
        labels: {},
        flags: [],
      };
      signals.push({ value, ts: asOf - 5 * MIN });
      // A revision known only after the decision time: never seen at this as_of.
      if (j === 0) signals.push({ value: { ...value, value: 100 }, ts: asOf + 5 * MIN });
    });
  }
  return { cycles, outcomes, signals };
}

async function produce(
  prefix: string,
  topic: string,
  type: 'InferenceCycle' | 'Outcome' | 'Signal',
  records: { value: unknown; ts: number }[],
  key: (v: never) => string,
) {
  const producer = await testKafka().producer();
  try {
    await producer.send(
      records.map((r) => ({
        topic: physicalName(topic, prefix),
        key: key(r.value as never),
        value: registry.codec(type).encode(r.value as never),
        timestamp: r.ts,
      })),
    );
  } finally {
    await producer.close();
  }
}

describe('backtest run', () => {
  it('backtests the history the pipeline wrote, reproducibly', async () => {
    const prefix = await pipelinePrefix('bt-run');
    const suffix = uniqueName('s').replace(/[^a-z0-9]/gi, '');
    const strategy = `bt_${suffix}`;
    const signalName = `commits_${suffix}`;
    // A horizon of its own: the shared history_outcomes table holds other tests' outcomes too.
    const horizon = 3_600_000 + (Number.parseInt(suffix.slice(-4), 36) % 50_000) + 1;
    const h = history(strategy, horizon, signalName);
    await produce(prefix, 'inference.cycles', 'InferenceCycle', h.cycles, (v: InferenceCycle) => v.strategy);
    await produce(prefix, 'outcomes', 'Outcome', h.outcomes, (v: Outcome) => v.asset);
    await produce(prefix, 'signals', 'Signal', h.signals, (v: Signal) => v.asset);
    const pipeline = await startPipeline(prefix, ['--processors', 'history']);
    await waitFor(
      'the history rows',
      async () =>
        (await questdbCount(`${e2eTable('history_signals')} WHERE name = '${signalName}'`)) ===
          h.signals.length &&
        (await questdbCount(`${e2eTable('history_outcomes')} WHERE horizon_ms = ${horizon}`)) ===
          h.outcomes.length &&
        (await questdbCount(`${e2eTable('history_predictions')} WHERE strategy = '${strategy}'`)) === 35 &&
        (await questdbCount(`${e2eTable('history_cycles')} WHERE strategy = '${strategy}'`)) === 8,
      { timeoutMs: 60_000 },
    );
    pipeline.child.kill('SIGTERM');
    await pipeline.exited;

    const dir = await mkdtemp(path.join(tmpdir(), 'tw-bt-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const configText = (slice: string) =>
      [
        'version: 2',
        `id: ${strategy}`,
        `strategy: ${strategy}`,
        'env: prod',
        `from: ${new Date(T0).toISOString()}`,
        `to: ${new Date(T0 + 8 * horizon).toISOString()}`,
        `horizon: ${horizon}`,
        'universe: all',
        `factors: [{ name: model_score, weight: 1 }, { name: "signal:github.${signalName}", weight: 0.5, max_age: 1h }]`,
        'selection: { k: 2, weighting: equal }',
        'costs: { fee_bps: 10, slippage_bps: 5 }',
        'metrics: { ks: [1, 3] }',
        slice,
      ].join('\n');
    const file = path.join(dir, 'bt.yaml');
    await writeFile(file, configText(''));
    const artifacts = path.join(dir, 'artifacts');
    const knownAt = new Date(T0 + 20 * horizon).toISOString();
    const run = async (config: string, ...extra: string[]) => {
      const result = await runCli(
        ['backtest', 'run', config, '--json', '--artifacts', artifacts, '--known-at', knownAt, ...extra],
        // The namespace the pipeline above wrote its history in.
        { timeoutMs: 60_000, env: { TW_NAMESPACE: E2E_NAMESPACE.name } },
      );
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      return jsonLines(result.stdout)[0] as {
        id: string;
        version: string;
        artifact: string;
        metrics: Record<string, unknown>;
      };
    };
    const first = await run(file);

    // The engine over the same records in memory (no QuestDB, no Kafka) gives the same figures.
    const inputs: BacktestInputs = {
      cycles: h.cycles.map(({ value: c, ts }) => ({
        cycleId: c.cycle_id,
        asOf: c.as_of,
        horizonMs: c.horizon_ms,
        status: c.status,
        ingestedAt: ts,
        predictions: c.predictions,
      })),
      outcomes: h.outcomes.map(({ value: o, ts }) => ({
        asset: o.asset,
        asOf: o.as_of,
        horizonMs: o.horizon_ms,
        forwardReturn: o.forward_return,
        ingestedAt: ts,
      })),
      signals: h.signals.map(({ value: s, ts }) => ({ ...s, eventTime: s.ts, ingestedAt: ts })),
    };
    const expected = runBacktest(inputs, parseBacktestConfig(configText(''), 'bt.yaml'));
    expect(first.metrics).toEqual(JSON.parse(JSON.stringify(expected.metrics)));
    expect(first.metrics['periods']).toBe(7);
    expect(first.metrics['unlabeled_positions']).toBeGreaterThan(0);
    expect(first.artifact).toBe(path.join(artifacts, strategy, first.version));
    expect((await readdir(first.artifact)).sort()).toEqual([
      'alerts.jsonl',
      'manifest.json',
      'metrics.json',
      'periods.csv',
      'report.html',
    ]);
    expect(await readFile(path.join(first.artifact, 'report.html'), 'utf8')).toMatch(
      /data-chart="[^"]+" data-points="\d+"/,
    );
    const csv = await readFile(path.join(first.artifact, 'periods.csv'), 'utf8');
    expect(csv.split('\n')[0]).toBe(
      't,weights,gross_return,cost,return,turnover,equity,drawdown,candidates,unlabeled,precision_at_1,precision_at_3,recall_at_1,recall_at_3,ndcg_at_1,ndcg_at_3,ic',
    );
    expect(csv.trimEnd().split('\n')).toHaveLength(8);

    // Again, and sliced across two threads: the same version and identical files.
    const files = async (dir: string): Promise<Record<string, string>> =>
      Object.fromEntries(
        await Promise.all(
          (await readdir(dir)).map(async (f) => [f, await readFile(path.join(dir, f), 'utf8')] as const),
        ),
      );
    const before = await files(first.artifact);
    const second = await run(file);
    expect(second.version).toBe(first.version);
    expect(await files(second.artifact)).toEqual(before);
    const sliced = path.join(dir, 'sliced.yaml');
    await writeFile(sliced, configText(`slice: { every: ${2 * horizon} }`));
    const third = await run(sliced, '--threads', '2');
    expect(third.metrics).toEqual(first.metrics);
    expect((await files(third.artifact))['periods.csv']).toBe(before['periods.csv']);

    const verify = await runCli(
      ['backtest', 'verify', first.artifact, '--artifacts', artifacts, '--known-at', knownAt],
      { env: { TW_NAMESPACE: E2E_NAMESPACE.name } },
    );
    expect(verify.stdout).toContain('verified');
    expect(verify.code).toBe(0);
    // A config of other costs read as the stored artifact's: verify says what differs.
    const manifest = JSON.parse(before['manifest.json']!) as { config: { costs: { fee_bps: number } } };
    manifest.config.costs.fee_bps = 50;
    await writeFile(path.join(first.artifact, 'manifest.json'), JSON.stringify(manifest));
    const differs = await runCli(
      ['backtest', 'verify', first.artifact, '--artifacts', artifacts, '--known-at', knownAt],
      { env: { TW_NAMESPACE: E2E_NAMESPACE.name } },
    );
    expect(differs.code).toBe(1);
    expect(differs.stderr).toContain('TW_BACKTEST_DIFFERS');
    expect(differs.stderr).toContain('periods.csv differs');
    await writeFile(path.join(first.artifact, 'manifest.json'), before['manifest.json']!);

    const list = await runCli(['backtest', 'list', '--artifacts', artifacts, '--json']);
    expect(
      jsonLines(list.stdout)
        .map((r) => (r as { version: string }).version)
        .sort(),
    ).toEqual([first.version, third.version].sort());
    const show = await runCli(['backtest', 'show', strategy, '--artifacts', artifacts, '--json']);
    expect((jsonLines(show.stdout)[0] as { metrics: unknown }).metrics).toEqual(first.metrics);
    const html = path.join(dir, 'compare.html');
    const compare = await runCli([
      'backtest',
      'compare',
      `${strategy}/${first.version}`,
      `${strategy}/${third.version}`,
      '--artifacts',
      artifacts,
      '--html',
      html,
    ]);
    expect(compare.code).toBe(0);
    expect(compare.stdout).toContain('sharpe');
    expect(await readFile(html, 'utf8')).toMatch(/data-chart="[^"]+" data-points="\d+"/);
    const report = await runCli([
      'backtest',
      'report',
      `${strategy}/${first.version}`,
      '--artifacts',
      artifacts,
    ]);
    expect(report.stdout.trim()).toBe(path.join(first.artifact, 'report.html'));
    // Re-rendered from the artifact's files: the same bytes as the run wrote.
    expect(await readFile(path.join(first.artifact, 'report.html'), 'utf8')).toBe(before['report.html']);
    const missing = await runCli(['backtest', 'show', 'no-such-backtest', '--artifacts', artifacts]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('TW_BACKTEST_NOT_FOUND');

    // The results in QuestDB, for Grafana.
    const rows = await questdbQuery(
      `SELECT count() FROM ${e2eTable('backtest_periods')} WHERE id = '${strategy}' AND version = '${first.version}'`,
    );
    expect(Number(rows[0]![0])).toBe(7);
    const runs = await questdbQuery(
      `SELECT total_return FROM ${e2eTable('backtest_runs')} WHERE id = '${strategy}' AND version = '${first.version}'`,
    );
    expect(runs[0]![0]).toBeCloseTo(first.metrics['total_return'] as number, 12);
    // A pipeline start, the history's rows (up to 60 s) and several CLI runs: more than the default.
  }, 180_000);
});
