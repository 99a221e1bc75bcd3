/**
 * The pool: a version 2 config as tasks on `backtest.tasks` (one per time slice; the config itself in
 * `parameters_json`), and what a worker does with one: read its slice's history as known when the
 * backtest was enqueued (`requested_at`), compute its rebalances, keep them in the slice store
 * (`<artifacts>/<id>/.slices/<config digest>/<index>.json`, written whole or not at all); the worker
 * that stores the last slice merges them all and publishes the artifact, exactly as `run` would.
 */
import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BacktestTask } from '../schemas/index.ts';
import { parseBacktestConfig, type BacktestConfig } from './config.ts';
import type { RebalanceResult } from './engine/index.ts';
import { timeSlices } from './engine/index.ts';
import { combineDigests, readSliceHistory, type HistorySource } from './history.ts';
import { assembleResult, buildManifest, publishResult, type RunOptions } from './run.ts';
import { runSlices, type SliceProgress } from './threads.ts';

/** The tasks of a version 2 config. */
export function configTasks(
  config: BacktestConfig,
  requestedAt: number,
  requestedBy: string | null,
): BacktestTask[] {
  const slices = timeSlices(config);
  const parameters = JSON.stringify(config.normalized);
  return slices.map(([from, to], index) => ({
    backtest_id: config.id,
    task_id: `${config.id}/${index}`,
    slice_index: index,
    slice_count: slices.length,
    strategy: config.strategy,
    from,
    to,
    warmup_ms: 0,
    assets: config.universe === null ? [] : [...config.universe],
    initial_equity: config.initialEquity,
    parameters_json: parameters,
    request_digest: config.digest,
    requested_at: requestedAt,
    requested_by: requestedBy,
  }));
}

/** A stored slice. */
interface StoredSlice {
  readonly digests: Readonly<Record<string, string>>;
  readonly results: readonly RebalanceResult[];
}

const sliceDir = (artifacts: string, task: BacktestTask): string =>
  join(artifacts, task.backtest_id, '.slices', task.request_digest);

/** What became of a task. */
export type TaskOutcome =
  | { readonly kind: 'slice'; readonly stored: number; readonly of: number }
  | { readonly kind: 'merged'; readonly artifact: string; readonly version: string }
  | { readonly kind: 'skipped'; readonly reason: string };

/**
 * Runs one task: its slice, stored; and, when every slice of its backtest is stored, the merge.
 * @throws TradewatchError TW_BACKTEST_INVALID for a task whose config is not a version 2 config.
 */
export async function runTask(
  task: BacktestTask,
  options: Pick<RunOptions, 'artifactsDir' | 'report' | 'questdb'> & {
    readonly history: Omit<HistorySource, 'knownAt'>;
    readonly progress?: SliceProgress;
  },
): Promise<TaskOutcome> {
  const version = (JSON.parse(task.parameters_json) as { version?: unknown }).version;
  if (version !== 2) {
    return {
      kind: 'skipped',
      reason: `task ${task.task_id} is of a version 1 request: only version 2 configs run (backtest/README.md)`,
    };
  }
  const config = parseBacktestConfig(task.parameters_json, `task ${task.task_id}`);
  const dir = sliceDir(options.artifactsDir, task);
  await mkdir(dir, { recursive: true });
  const history = await readSliceHistory({ ...options.history, knownAt: task.requested_at }, config, [
    task.from,
    task.to,
  ]);
  const [results] = await runSlices([history.inputs], config, {
    ...options.progress,
    threads: 1,
    thread: true,
  });
  const file = join(dir, `${task.slice_index}.json`);
  const stored: StoredSlice = { digests: history.digests, results: results! };
  await writeFile(`${file}.${process.pid}.tmp`, JSON.stringify(stored));
  await rename(`${file}.${process.pid}.tmp`, file);
  const done = (await readdir(dir)).filter((f) => /^\d+\.json$/.test(f)).length;
  if (done < task.slice_count) return { kind: 'slice', stored: done, of: task.slice_count };
  const slices: StoredSlice[] = [];
  for (let i = 0; i < task.slice_count; i++) {
    slices.push(JSON.parse(await readFile(join(dir, `${i}.json`), 'utf8')) as StoredSlice);
  }
  const manifest = await buildManifest(config, combineDigests(slices.map((s) => s.digests)));
  const result = await assembleResult(
    config,
    slices.map((s) => s.results),
    manifest,
  );
  const artifact = await publishResult(config, result, options);
  return { kind: 'merged', artifact, version: manifest.version };
}
