/**
 * The tradewatch benchmark (see bench/README.md): pipeline throughput from a cold start against a
 * no-op consumer measured in the same run (and the Kafka Streams peer with --peer), the drawdown
 * processor alone in memory, alert latency at several steady rates, the other processors as
 * `tradewatch run` children against a no-op consumer, the rules engine and notifiers, and one instance
 * against two. Writes bench/results/<ISO time>.json and prints a summary.
 *
 *   node bench/main.ts [--marks 100000] [--skip-latency] ...   (`--help` lists the flags)
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../runtime/config.ts';
import { createKafkaClient } from '../runtime/kafka/index.ts';
import { createLogger } from '../core/logger.ts';
import { SchemaRegistry } from '../schemas/index.ts';
import { CHANGELOG_MAX_MESSAGE_BYTES } from './changelogs.ts';
import { runInMemory, type InMemoryResult } from './in-memory.ts';
import { runLatency, type LatencyFailure, type LatencyResult } from './latency.ts';
import { runProcessorBenches, type ProcessorBenchResult } from './processors.ts';
import { runNotifierBench, type NotifierBenchResult } from './notifiers.ts';
import {
  runRecordRulesBench,
  runRulesBench,
  type RecordRulesBenchResult,
  type RulesBenchResult,
} from './rules.ts';
import { machineInfo } from './machine.ts';
import { markHistory, portfolioNames } from './marks.ts';
import { USAGE, UsageError, parseOptions, type BenchOptions } from './options.ts';
import { progress, round } from './progress.ts';
import { Releasers } from './releasers.ts';
import { summary, writeResult, type BenchResult } from './report.ts';
import { runScaling, type ScalingResult } from './scaling.ts';
import { runThroughput, type PipelineSettings, type ThroughputResult } from './throughput.ts';
import { openWorkspace, type Workspace } from './workspace.ts';

/** 2026-01-05T08:00:00Z: the event time of the pre-loaded history (a Monday, far from midnight UTC). */
const HISTORY_START = Date.UTC(2026, 0, 5, 8, 0, 0);

let options: BenchOptions | undefined;
let config: Config;
try {
  options = parseOptions(process.argv.slice(2));
  config = loadConfig();
} catch (error: unknown) {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  if (error instanceof UsageError) process.stderr.write(USAGE);
  process.exit(2);
}
if (options === undefined) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const opts: BenchOptions = options;

// kafkajs 2.2.4 schedules a timer with a negative delay on Node 24 (kafkajs issue #1751), which Node
// reports as a TimeoutNegativeWarning: harmless; bin/tradewatch.js hides it the same way.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name !== 'TimeoutNegativeWarning')
    process.stderr.write(`${warning.name}: ${warning.message}\n`);
});

const startedAt = new Date();
const started = performance.now();
const runId = `${startedAt.getTime().toString(36)}${randomBytes(2).toString('hex')}`;
const throughputPrefix = `bench-${runId}.`;
const latencyPrefix = `bench-${runId}-lat.`;
const portfolioPrefix = `bench-${runId}-`;
const releasers = new Releasers();
const changelogLimit = opts.asDeployed ? null : CHANGELOG_MAX_MESSAGE_BYTES;
const logger = createLogger({ level: 'warn', format: 'json' });

// Ctrl-C (or SIGTERM): stop the child pipelines and delete what the run created, then exit 128+n.
let interrupted = false;
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  process.on(signal, () => {
    if (interrupted) process.exit(code);
    interrupted = true;
    progress(`${signal}: cleaning up (again to exit at once)`);
    releasers.release(progress).then(
      () => process.exit(code),
      () => process.exit(code),
    );
  });
}

const notes: string[] = [
  `Each phase's children wrote their QuestDB rows into the tables of the namespace their TOPIC_PREFIX implies (bench_${runId}__drawdown, ...); the run dropped those tables at the end, as it deleted its topics and groups${opts.keep ? ' (not with --keep)' : ''}.`,
];
let throughput: ThroughputResult | undefined;
let inMemory: InMemoryResult | undefined;
let latency: (LatencyResult | LatencyFailure)[] | undefined;
let processors: Record<string, ProcessorBenchResult> | undefined;
let scaling: ScalingResult | undefined;
let rules: RulesBenchResult | undefined;
let recordRules: RecordRulesBenchResult | undefined;
let notifiers: NotifierBenchResult | undefined;
let failure: Error | undefined;
const { info: machine, stack } = await machineInfo(config, logger);
progress(
  `run ${runId}: ${machine.cpus} cores, Node ${machine.node}, Kafka ${machine.kafka ?? 'unknown'}, QuestDB ${machine.questdb ?? 'unknown'}, load ${machine.loadAverageAtStart.join(' ')}`,
);
try {
  const kafka = createKafkaClient({ brokers: config.kafka.brokers, clientId: 'tradewatch-bench', logger });
  const admin = await kafka.admin();
  releasers.add('close the admin client', () => admin.close());
  const registry = await SchemaRegistry.load();
  const markCodec = registry.codec('PortfolioMark');
  const open = (prefix: string): Promise<Workspace> =>
    openWorkspace(admin, prefix, releasers, opts.keep, changelogLimit, config.questdb.httpUrl);
  const throughputPortfolios = portfolioNames(runId, opts.portfolios).map((n) =>
    n.replace(/-(\d+)$/, '-t$1'),
  );

  // Phases 1 and 6 run the same drawdown pipeline on the same marks.
  const pipelineSettings: Omit<PipelineSettings, 'workspace'> = {
    kafka,
    admin,
    releasers,
    codec: markCodec,
    questdbHttpUrl: config.questdb.httpUrl,
    stack,
    marks: opts.marks,
    portfolios: throughputPortfolios,
    portfolioPrefix: `${portfolioPrefix}t`,
    spacingMs: opts.spacingMs,
    startTs: HISTORY_START,
    timeoutMs: opts.timeoutS * 1000,
  };
  if (!opts.skipThroughput) {
    const workspace = await open(throughputPrefix);
    throughput = await runThroughput({
      ...pipelineSettings,
      workspace,
      ...(opts.profile
        ? { profileDir: path.join(os.tmpdir(), 'tradewatch-bench', runId, 'throughput') }
        : {}),
      ...(opts.peer === undefined
        ? {}
        : {
            peer: {
              dir: path.resolve(opts.peer),
              bootstrap: config.kafka.brokers.join(','),
              metricCodec: registry.codec('Metric'),
            },
          }),
    });
    // Delete now: compacting a large changelog in the background would load the broker in phase 3.
    await workspace.close();
  }

  if (!opts.skipInMemory) {
    const marks = [
      ...markHistory({
        marks: opts.marks,
        portfolios: throughputPortfolios,
        startTs: HISTORY_START,
        spacingMs: opts.spacingMs,
      }),
    ];
    inMemory = await runInMemory(marks, markCodec, registry.codec('Metric'), opts.processorEvents);
  }

  if (!opts.skipLatency) {
    latency = [];
    for (const [i, rate] of opts.latencyRates.entries()) {
      // A fresh prefix, group and pipeline per rate: a backlog left by one rate must not slow the next.
      const workspace = await open(i === 0 ? latencyPrefix : `bench-${runId}-lat${i + 1}.`);
      // A rate that fails (e.g. the bench itself cannot produce that fast) is recorded; the next runs.
      latency.push(
        await runLatency({
          kafka,
          admin,
          workspace,
          releasers,
          markCodec,
          alertCodec: registry.codec('Alert'),
          stack,
          portfolios: portfolioNames(runId, opts.latencyPortfolios).map((n) => n.replace(/-(\d+)$/, '-l$1')),
          warmupPortfolio: `${portfolioPrefix}warmup`,
          rate,
          durationMs: opts.durationS * 1000,
          cycle: opts.cycle,
          timeoutMs: Math.min(opts.timeoutS, 180) * 1000,
          ...(opts.profile
            ? { profileDir: path.join(os.tmpdir(), 'tradewatch-bench', runId, `latency-${rate}`) }
            : {}),
        }).catch((error: unknown): LatencyFailure => {
          const message = error instanceof Error ? error.message : String(error);
          progress(`phase 3 at ${rate} marks/s failed: ${message}`);
          return { rate, error: message };
        }),
      );
      await workspace.close();
    }
  }

  if (!opts.skipProcessors) {
    processors = await runProcessorBenches({
      kafka,
      admin,
      releasers,
      openWorkspace: (label) => open(`bench-${runId}-${label}.`),
      stack,
      events: opts.processorEvents,
      timeoutMs: Math.min(opts.timeoutS, 600) * 1000,
      ...(opts.profile
        ? { profileDir: path.join(os.tmpdir(), 'tradewatch-bench', runId, 'processors') }
        : {}),
    });
  }

  if (!opts.skipAlerting) {
    progress('phase 5: 1,000 rules over 200,000 metric points, in memory');
    rules = runRulesBench(200_000);
    progress('phase 5: 100 rules over 200,000 trades records, in memory');
    recordRules = runRecordRulesBench(200_000);
    notifiers = await runNotifierBench({ notifications: 2000, progress });
  }

  if (!opts.skipScaling) {
    scaling = await runScaling({
      ...pipelineSettings,
      openWorkspace: (label) => open(`bench-${runId}-${label}.`),
    });
  }
} catch (error: unknown) {
  failure = error instanceof Error ? error : new Error(String(error));
  progress(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
} finally {
  progress(
    opts.keep ? 'keeping the topics and groups (--keep)' : 'cleaning up: topics, changelogs, consumer groups',
  );
  await releasers.release(progress).catch((error: unknown) => {
    failure ??= error instanceof Error ? error : new Error(String(error));
  });
}

const result: BenchResult = {
  bench: 'tradewatch',
  format: 2,
  runId,
  startedAt: startedAt.toISOString(),
  finishedAt: new Date().toISOString(),
  durationMs: Math.round(performance.now() - started),
  ok: failure === undefined,
  ...(failure === undefined ? {} : { error: failure.message }),
  machine,
  loadAverageAtEnd: os.loadavg().map((l) => round(l, 2)),
  parameters: {
    ...opts,
    changelogMaxMessageBytes: changelogLimit,
    topicPrefixes: [throughputPrefix, latencyPrefix, `bench-${runId}-<phase>.`],
    portfolioPrefix,
  },
  ...(throughput ? { throughput } : {}),
  ...(inMemory ? { inMemory } : {}),
  ...(throughput && inMemory
    ? { pipelineOverInMemory: round(throughput.pipeline.marksPerSecond / inMemory.marksPerSecond, 4) }
    : {}),
  ...(latency ? { latency } : {}),
  ...(processors ? { processors } : {}),
  ...(rules ? { rules } : {}),
  ...(recordRules ? { recordRules } : {}),
  ...(notifiers ? { notifiers } : {}),
  ...(scaling ? { scaling } : {}),
  notes,
};
const file = await writeResult(opts.resultsDir, result);
process.stdout.write(`${summary(result)}\nresult: ${file}\n`);
process.exitCode = result.ok ? 0 : 1;
