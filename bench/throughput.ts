/**
 * Phase 1, pipeline throughput from a cold start: pre-load the marks, read them with the no-op
 * reference consumer (the ceiling), then start `tradewatch run --processors drawdown` with a fresh group
 * and no state and time it until its committed offsets reach the end of the input.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { KafkaAdmin, KafkaClient } from '../runtime/kafka/index.ts';
import type { Codec, Metric, PortfolioMark } from '../schemas/index.ts';
import { changelogTopic, processorGroup } from '../topics/index.ts';
import { changelogStats, type ChangelogStats } from './changelog-stats.ts';
import { summarizeProfile, type ProfileSummary } from './cpu-profile.ts';
import { groupProgress } from './group-progress.ts';
import { runKafkaFloor, type KafkaFloorResult } from './kafka-floor.ts';
import type { StackProcesses } from './machine.ts';
import { markHistory } from './marks.ts';
import { profileFlags, startPipelineProcess, type PipelineExit } from './pipeline-process.ts';
import { overPeer, runPeer, type PeerRun } from './peer.ts';
import { preloadMarks, type PreloadResult } from './preload.ts';
import { cpuSeconds, processMemory } from './proc.ts';
import { mib, num, progress, round } from './progress.ts';
import { settledCount } from './questdb.ts';
import { runReferenceConsumer, type ReferenceResult } from './reference-consumer.ts';
import type { Releasers } from './releasers.ts';
import type { Workspace } from './workspace.ts';

/** What a drawdown pipeline run of the bench needs (phase 1, and phase 6 per run). */
export interface PipelineSettings {
  readonly kafka: KafkaClient;
  readonly admin: KafkaAdmin;
  readonly workspace: Workspace;
  readonly releasers: Releasers;
  readonly codec: Codec<PortfolioMark>;
  readonly questdbHttpUrl: string;
  readonly stack: StackProcesses;
  readonly marks: number;
  readonly portfolios: readonly string[];
  readonly portfolioPrefix: string;
  readonly spacingMs: number;
  readonly startTs: number;
  readonly timeoutMs: number;
}

export interface ThroughputSettings extends PipelineSettings {
  /** Where `node --cpu-prof` writes the pipeline's profile; undefined: no profile. */
  readonly profileDir?: string;
  /** Phase 1c: the Kafka Streams peer's Maven project, and what it needs. */
  readonly peer?: { readonly dir: string; readonly bootstrap: string; readonly metricCodec: Codec<Metric> };
}

export interface PipelineRun {
  readonly marks: number;
  /** From spawning the process to its committed offsets reaching the end of the input. */
  readonly ms: number;
  readonly marksPerSecond: number;
  /** From spawn to the first committed batch: process start, QuestDB table checks, group join. */
  readonly firstCommitMs: number | null;
  /** Rate from the first committed batch to the end (start-up excluded). */
  readonly steadyMarksPerSecond: number | null;
  readonly exit: PipelineExit;
  /** With `--profile`: where the pipeline's CPU went. */
  readonly profile?: ProfileSummary | null;
  /** CPU seconds per process over the pipeline's run (null where /proc could not tell). */
  readonly cpuSeconds: {
    readonly pipeline: number | null;
    readonly kafka: number | null;
    readonly questdb: number | null;
  };
  /** `[ms since spawn, marks committed, RSS MiB]`, about once a second. */
  readonly timeline: readonly (readonly [number, number, number | null])[];
}

export interface ThroughputResult {
  readonly preload: PreloadResult;
  readonly reference: ReferenceResult;
  readonly pipeline: PipelineRun;
  /** pipeline marks/s ÷ reference records/s. */
  readonly pipelineOverCeiling: number;
  /** Phase 1c (`--peer`): the Kafka Streams peer on the same topic, or why it could not run. */
  readonly peer?: PeerRun | { readonly error: string };
  /** pipeline marks/s ÷ the peer's. */
  readonly pipelineOverPeer?: number;
  /** Phase 1d: the Kafka port alone sending the pipeline's metric records, or why it could not run. */
  readonly kafkaFloor: KafkaFloorResult | { readonly error: string };
  /** The floor's marks/s ÷ the peer's: at most this is reachable on this Kafka client. */
  readonly kafkaFloorOverPeer?: number;
  /** Changelog value bytes ÷ the input's bytes: the state's write amplification (target ≤ 0.5). */
  readonly changelogOverInput?: number;
  readonly outputs: {
    readonly metricsOffsets: number;
    readonly changelog: ChangelogStats | { readonly error: string };
    readonly questdb: {
      /** Rows of the run's portfolios in the namespace's tables (`<namespace>__drawdown`, ...). */
      readonly tables: readonly string[];
      readonly drawdownRows: number;
      readonly portfolioMarksRows: number;
      readonly expectedRows: number;
      /** How long after the last commit the counts took to settle (WAL apply is asynchronous). */
      readonly waitedMs: number;
    };
  };
}

export async function runThroughput(s: ThroughputSettings): Promise<ThroughputResult> {
  const input = s.workspace.topic('portfolio.marks');
  const history = (): Generator<PortfolioMark> =>
    markHistory({
      marks: s.marks,
      portfolios: s.portfolios,
      startTs: s.startTs,
      spacingMs: s.spacingMs,
    });

  progress(`phase 1: pre-loading ${num(s.marks)} marks (${s.portfolios.length} portfolios) into ${input}`);
  const preload = await preloadMarks(s.kafka, input, s.codec, history(), s.marks);
  progress(
    `  pre-loaded ${num(preload.marks)} marks (${mib(preload.bytes)}) in ${num(preload.ms / 1000, 1)} s: ${num(preload.marksPerSecond)} marks/s`,
  );

  progress('phase 1a: the reference (no-op consumer through the Kafka port) reads the topic to its end');
  const reference = await runReferenceConsumer(
    s.kafka,
    s.admin,
    input,
    s.workspace.group(`${s.workspace.prefix}bench.reference`),
    s.timeoutMs,
  );
  progress(
    `  reference: ${num(reference.records)} records in ${num(reference.ms / 1000, 1)} s: ${num(reference.recordsPerSecond)} records/s`,
  );
  if (reference.records !== preload.marks) {
    throw new Error(
      `the reference consumer read ${reference.records} records, ${preload.marks} were produced`,
    );
  }

  progress('phase 1b: `tradewatch run --processors drawdown` from a cold start (fresh group, no state)');
  const pipeline = await runPipeline(s, input);
  progress(
    `  pipeline: ${num(pipeline.marks)} marks in ${num(pipeline.ms / 1000, 1)} s: ${num(pipeline.marksPerSecond)} marks/s ` +
      `(peak RSS ${pipeline.exit.peakRssBytes === null ? 'n/a' : mib(pipeline.exit.peakRssBytes)}, exit code ${pipeline.exit.code})`,
  );

  progress('  counting the outputs: metrics offsets, the changelog, QuestDB rows');
  const metricsOffsets = (await s.admin.offsets(s.workspace.topic('metrics'))).reduce(
    (sum, p) => sum + Number(BigInt(p.high) - BigInt(p.low)),
    0,
  );
  const changelog = await changelogStats(
    s.kafka,
    s.admin,
    changelogTopic('drawdown', s.workspace.prefix),
    `${s.workspace.prefix}bench.changelog-read`,
  ).catch((error: unknown) => ({ error: error instanceof Error ? error.message : String(error) }));
  // The child wrote into its namespace's tables (TOPIC_PREFIX implies the namespace).
  const drawdown = await settledCount(
    s.questdbHttpUrl,
    s.workspace.table('drawdown'),
    s.portfolioPrefix,
    s.marks,
  );
  const marksRows = await settledCount(
    s.questdbHttpUrl,
    s.workspace.table('portfolio_marks'),
    s.portfolioPrefix,
    s.marks,
  );
  // About one changelog transaction marker per commit (one partition per batch, interval 0).
  const commits = 'error' in changelog ? 0 : changelog.markers;
  const kafkaFloor = await runKafkaFloor({
    kafka: s.kafka,
    admin: s.admin,
    workspace: s.workspace,
    recordsPerMark: metricsOffsets / s.marks,
    recordsPerCommit: commits > 0 ? metricsOffsets / commits : 40_000,
    maxRecords: 1_000_000,
  }).catch((error: unknown) => {
    progress(`  the Kafka floor failed: ${error instanceof Error ? error.message : String(error)}`);
    return { error: error instanceof Error ? error.message : String(error) };
  });
  const peer = s.peer
    ? await runPeer({
        kafka: s.kafka,
        admin: s.admin,
        workspace: s.workspace,
        releasers: s.releasers,
        metricCodec: s.peer.metricCodec,
        dir: s.peer.dir,
        input,
        portfolios: s.portfolios,
        timeoutMs: s.timeoutMs,
        bootstrap: s.peer.bootstrap,
      }).catch((error: unknown) => {
        progress(`  the peer failed: ${error instanceof Error ? error.message : String(error)}`);
        return { error: error instanceof Error ? error.message : String(error) };
      })
    : undefined;
  return {
    preload,
    reference,
    pipeline,
    pipelineOverCeiling: round(pipeline.marksPerSecond / reference.recordsPerSecond, 4),
    ...(peer ? { peer } : {}),
    ...(peer && !('error' in peer) ? { pipelineOverPeer: overPeer(pipeline.marksPerSecond, peer) } : {}),
    kafkaFloor,
    ...(peer && !('error' in peer) && !('error' in kafkaFloor)
      ? { kafkaFloorOverPeer: overPeer(kafkaFloor.marksPerSecond, peer) }
      : {}),
    ...('error' in changelog ? {} : { changelogOverInput: round(changelog.valueBytes / preload.bytes, 3) }),
    outputs: {
      metricsOffsets,
      changelog,
      questdb: {
        tables: [s.workspace.table('drawdown'), s.workspace.table('portfolio_marks')],
        drawdownRows: drawdown.rows,
        portfolioMarksRows: marksRows.rows,
        expectedRows: s.marks,
        waitedMs: drawdown.waitedMs + marksRows.waitedMs,
      },
    },
  };
}

async function runPipeline(s: ThroughputSettings, input: string): Promise<PipelineRun> {
  const ends = await s.admin.offsets(input);
  const group = processorGroup('drawdown', s.workspace.prefix);
  const stackCpu = (): { kafka: number | null; questdb: number | null } => ({
    kafka: s.stack.kafka === undefined ? null : cpuSeconds(s.stack.kafka),
    questdb: s.stack.questdb === undefined ? null : cpuSeconds(s.stack.questdb),
  });
  const stackBefore = stackCpu();
  const child = startPipelineProcess(
    ['--processors', 'drawdown'],
    s.workspace.prefix,
    profileFlags(s.profileDir),
  );
  s.releasers.add('stop the pipeline', async () => void (await child.stop(10_000)));
  const timeline: [number, number, number | null][] = [];
  let firstCommitMs: number | null = null;
  let lastReport = performance.now();
  let lastSample = -Infinity;
  let endMs: number;
  for (;;) {
    const progressNow = await Promise.race([groupProgress(s.admin, group, input, ends), child.died]);
    const at = performance.now() - child.spawnedAt;
    if (firstCommitMs === null && progressNow.committed > 0) firstCommitMs = Math.round(at);
    if (at - lastSample >= 1000 || progressNow.caughtUp) {
      lastSample = at;
      const rss = processMemory(child.pid)?.rssBytes;
      timeline.push([Math.round(at), progressNow.committed, rss === undefined ? null : round(rss / 1048576)]);
    }
    if (progressNow.caughtUp) {
      endMs = at;
      break;
    }
    if (at > s.timeoutMs) {
      throw new Error(
        `the pipeline committed ${num(progressNow.committed)} of ${num(progressNow.total)} marks in ${s.timeoutMs / 1000} s: giving up (--timeout)`,
      );
    }
    if (performance.now() - lastReport > 10_000) {
      lastReport = performance.now();
      progress(
        `  pipeline: ${num(progressNow.committed)} / ${num(progressNow.total)} marks committed (${num((progressNow.committed / at) * 1000)} marks/s so far)`,
      );
    }
    await sleep(250);
  }
  const stackAfter = stackCpu();
  const exit = await child.stop();
  const marks = ends.reduce((sum, p) => sum + Number(BigInt(p.high) - BigInt(p.low)), 0);
  const firstCommitted = timeline.find(([, committed]) => committed > 0);
  const steady =
    firstCommitted && endMs > firstCommitted[0]
      ? Math.round(((marks - firstCommitted[1]) / (endMs - firstCommitted[0])) * 1000)
      : null;
  const delta = (a: number | null, b: number | null): number | null =>
    a === null || b === null ? null : round(b - a, 2);
  return {
    marks,
    ms: Math.round(endMs),
    marksPerSecond: Math.round((marks / endMs) * 1000),
    firstCommitMs,
    steadyMarksPerSecond: steady,
    exit,
    ...(s.profileDir ? { profile: await summarizeProfile(s.profileDir) } : {}),
    cpuSeconds: {
      pipeline: exit.cpuSeconds,
      kafka: delta(stackBefore.kafka, stackAfter.kafka),
      questdb: delta(stackBefore.questdb, stackAfter.questdb),
    },
    timeline,
  };
}
