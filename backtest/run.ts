/**
 * A whole backtest in this process: the history read point in time, the slices across worker threads,
 * the sequential merge, the monitoring replay, the manifest and its content-derived version, the
 * artifact folder and the results in QuestDB.
 */
import type { Logger } from '../core/logger.ts';
import { DEFAULT_NAMESPACE, type Namespace } from '../core/namespace.ts';
import { QuestDbSink } from '../sinks/questdb/index.ts';
import { artifactFiles, artifactVersion, writeArtifact } from './artifacts.ts';
import type { BacktestConfig } from './config.ts';
import { mergeSlices, timeSlices, type RebalanceResult } from './engine/index.ts';
import { combineDigests, readSliceHistory, type HistorySource } from './history.ts';
import type { Progress } from './progress.ts';
import { provenance } from './provenance.ts';
import { monitoringReplay } from './replay.ts';
import type { BacktestManifest, BacktestResult } from './result.ts';
import { BACKTEST_TABLES, backtestRows } from './tables.ts';
import { runSlices } from './threads.ts';
import { renderBacktestReport } from './report/index.ts';

export interface RunOptions {
  readonly history: HistorySource;
  /** Where artifacts go (`<dir>/<id>/<version>/`). */
  readonly artifactsDir: string;
  /** Worker threads (default: the machine's parallelism). */
  readonly threads?: number;
  readonly progress?: Progress;
  /** Renders report.html (backtest/report); without it the artifact has no report. */
  readonly report?: (result: BacktestResult) => string;
  /** Where results go in QuestDB (backtest_runs, backtest_periods...); null: not written. */
  readonly questdb?: {
    readonly httpUrl: string;
    readonly logger: Logger;
    readonly namespace?: Namespace;
  } | null;
}

export interface RunOutcome {
  readonly result: BacktestResult;
  /** The artifact's folder. */
  readonly artifact: string;
}

/** The manifest of a run of `config` over inputs of these digests. */
export async function buildManifest(
  config: BacktestConfig,
  inputs: Readonly<Record<string, string>>,
): Promise<BacktestManifest> {
  const origin = await provenance();
  const unversioned = {
    id: config.id,
    config: config.normalized,
    configDigest: config.digest,
    inputs,
    code: origin.code,
    lockfileDigest: origin.lockfileDigest,
    node: origin.node,
    tradewatch: origin.tradewatch,
    seed: config.seed,
  };
  return { ...unversioned, version: artifactVersion(unversioned) };
}

/** The result of merged rebalances: periods, metrics, the monitoring replay's alerts. */
export async function assembleResult(
  config: BacktestConfig,
  slices: readonly (readonly RebalanceResult[])[],
  manifest: BacktestManifest,
): Promise<BacktestResult> {
  const { periods, metrics } = mergeSlices(slices, config);
  const alerts = await monitoringReplay(config, periods, slices.flat());
  return { manifest, periods, metrics, alerts };
}

/** Writes the artifact and (unless told not to) the QuestDB rows of `result`. */
export async function publishResult(
  config: BacktestConfig,
  result: BacktestResult,
  options: Pick<RunOptions, 'artifactsDir' | 'report' | 'questdb'>,
): Promise<string> {
  const artifact = await writeArtifact(
    options.artifactsDir,
    artifactFiles(result, config.ks, options.report),
    result.manifest,
  );
  if (options.questdb) {
    const ns = options.questdb.namespace ?? DEFAULT_NAMESPACE;
    const sink = await QuestDbSink.create({
      httpUrl: options.questdb.httpUrl,
      logger: options.questdb.logger,
      tables: BACKTEST_TABLES.map((t) => ({ ...t, name: ns.table(t.name) })),
    });
    try {
      sink.write(
        backtestRows(result, config.from, config.strategy, config.env).map((r) => ({
          ...r,
          table: ns.table(r.table),
        })),
      );
      await sink.flush();
    } finally {
      await sink.close();
    }
  }
  return artifact;
}

/** Runs `config` in this process (its slices across worker threads). */
export async function runBacktestHere(config: BacktestConfig, options: RunOptions): Promise<RunOutcome> {
  // Each slice's history read apart, as a worker of the pool reads it: the same digests, so the same version.
  const histories = [];
  for (const range of timeSlices(config))
    histories.push(await readSliceHistory(options.history, config, range));
  const results = await runSlices(
    histories.map((h) => h.inputs),
    config,
    {
      ...(options.threads === undefined ? {} : { threads: options.threads }),
      onSlice: () => options.progress?.slice(),
      onRebalances: (n) => options.progress?.rebalances(n),
    },
  );
  options.progress?.done();
  const manifest = await buildManifest(config, combineDigests(histories.map((h) => h.digests)));
  const result = await assembleResult(config, results, manifest);
  return { result, artifact: await publishResult(config, result, options) };
}

/** The report renderer (backtest/report): every artifact gets its report.html. */
export function reportRenderer(): (result: BacktestResult) => string {
  return renderBacktestReport;
}
