/**
 * The pool: `backtest enqueue` of a version 2 config and `tradewatch backtest worker`s (one consumer
 * group) on the real Kafka and QuestDB give the artifact `backtest run` gives; a worker SIGKILLed in the
 * middle leaves its slice to the next one, and the merged result is unchanged.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parseBacktestConfig } from '../../backtest/config.ts';
import { workerGroup } from '../../backtest/worker.ts';
import { silentLogger } from '../../core/logger.ts';
import { createHistoryProcessor } from '../../processors/history/index.ts';
import { VirtualRunner } from '../../runtime/processor/virtual-runner.ts';
import type { InferenceCycle } from '../../schemas/index.ts';
import { HISTORY_TABLES } from '../../sinks/questdb/history-tables.ts';
import { QuestDbSink } from '../../sinks/questdb/index.ts';
import { jsonLines, runCli, startCli } from '../helpers/cli.ts';
import { testAdmin } from '../helpers/kafka.ts';
import { pipelinePrefix, E2E_NAMESPACE, e2eTable } from '../helpers/pipeline.ts';
import { questdbCount } from '../helpers/questdb.ts';
import { uniqueName } from '../helpers/unique.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { questdbUrl } from '../sinks/questdb/helpers.ts';

const T0 = Date.parse('2025-04-01T00:00:00Z');
const MIN = 60_000;
const ASSETS = ['AAA', 'BBB', 'CCC', 'DDD'];

/** 16 cycles one horizon apart and their outcomes, written to the history tables. */
async function writeHistory(strategy: string, horizon: number): Promise<void> {
  const runner = new VirtualRunner(createHistoryProcessor());
  for (let i = 0; i < 16; i++) {
    const asOf = T0 + i * horizon;
    const cycle: InferenceCycle = {
      cycle_id: `${strategy}-${i}`,
      strategy,
      env: 'paper',
      model_version: 'm1',
      weights_version: null,
      weights_updated_at: null,
      as_of: asOf,
      started_at: asOf,
      finished_at: asOf,
      status: 'success',
      error: null,
      horizon_ms: horizon,
      metrics: {},
      predictions: ASSETS.map((asset, j) => ({ asset, score: ((i + j * 3) % 5) / 4, rank: j + 1 })),
    };
    runner.push('inference.cycles', cycle, { timestamp: asOf + MIN });
    ASSETS.forEach((asset, j) => {
      const outcome = {
        asset,
        as_of: asOf,
        horizon_ms: horizon,
        forward_return: (((i * 3 + j) % 7) - 3) / 100,
      };
      runner.push('outcomes', outcome, { timestamp: asOf + horizon + MIN });
    });
  }
  const sink = await QuestDbSink.create({
    httpUrl: questdbUrl(),
    logger: silentLogger(),
    tables: HISTORY_TABLES,
    namespace: E2E_NAMESPACE,
  });
  try {
    sink.write(runner.rows());
    await sink.flush();
  } finally {
    await sink.close();
  }
  await waitFor(
    'the history rows',
    async () => (await questdbCount(`${e2eTable('history_outcomes')} WHERE horizon_ms = ${horizon}`)) === 64,
  );
}

describe('backtest worker', () => {
  it('gives the artifact of backtest run, even when a worker is killed', async () => {
    const prefix = await pipelinePrefix('bt-pool');
    const admin = await testAdmin();
    onTestFinished(async () => {
      await admin.deleteGroups([workerGroup(prefix)]).catch(() => undefined);
      await admin.close();
    });
    const suffix = uniqueName('w').replace(/[^a-z0-9]/gi, '');
    const strategy = `pool_${suffix}`;
    const horizon = 3_600_000 + (Number.parseInt(suffix.slice(-4), 36) % 50_000) + 50_001;
    await writeHistory(strategy, horizon);

    const dir = await mkdtemp(path.join(tmpdir(), 'tw-pool-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'bt.yaml');
    await writeFile(
      file,
      [
        'version: 2',
        `id: ${strategy}`,
        `strategy: ${strategy}`,
        'env: paper',
        `from: ${new Date(T0).toISOString()}`,
        `to: ${new Date(T0 + 16 * horizon).toISOString()}`,
        `horizon: ${horizon}`,
        'factors: [{ name: model_score, weight: 1 }]',
        'selection: { k: 2, weighting: score }',
        'costs: { fee_bps: 20 }',
        `slice: { every: ${horizon} }`,
      ].join('\n'),
    );
    const config = parseBacktestConfig(await readFile(file, 'utf8'), file);

    const here = path.join(dir, 'here');
    const ran = await runCli(['backtest', 'run', file, '--json', '--artifacts', here, '--no-questdb'], {
      env: { TW_NAMESPACE: E2E_NAMESPACE.name },
    });
    expect(ran.code).toBe(0);
    const reference = jsonLines(ran.stdout)[0] as { version: string; artifact: string };

    const env = {
      TOPIC_PREFIX: prefix,
      TW_NAMESPACE: E2E_NAMESPACE.name,
      TW_KAFKA_SESSION_TIMEOUT_MS: '6000',
      TW_LOG_LEVEL: 'info',
    };
    const enqueued = await runCli(['backtest', 'enqueue', file], { env });
    expect(enqueued.stdout).toContain('16 task(s)');

    const pool = path.join(dir, 'pool');
    const slices = path.join(pool, strategy, '.slices', config.digest);
    const stored = async () =>
      (await readdir(slices).catch((): string[] => [])).filter((f) => f.endsWith('.json')).length;
    const worker = (): ReturnType<typeof startCli> => {
      const w = startCli(['backtest', 'worker', '--artifacts', pool, '--no-questdb'], { env });
      onTestFinished(() => {
        if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
      });
      return w;
    };
    const first = worker();
    const atKill = await waitFor('a first slice', async () => ((await stored()) > 0 ? stored() : undefined), {
      timeoutMs: 60_000,
      intervalMs: 20,
    });
    first.child.kill('SIGKILL');
    await first.exited;
    expect(atKill).toBeLessThan(16);

    const second = worker();
    const merged = path.join(pool, strategy, reference.version);
    await waitFor(
      'the merged artifact',
      async () => (await readdir(merged).catch((): string[] => [])).includes('metrics.json'),
      { timeoutMs: 90_000, intervalMs: 200 },
    );
    for (const name of ['manifest.json', 'periods.csv', 'metrics.json', 'alerts.jsonl']) {
      expect(await readFile(path.join(merged, name), 'utf8'), name).toBe(
        await readFile(path.join(reference.artifact, name), 'utf8'),
      );
    }
    expect(second.stderr()).toContain('merged');
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  });
});
