/**
 * Phase 6, scaling: the drawdown pipeline as a user runs it (`tradewatch run --processors drawdown`)
 * on one instance, then on two instances in the same consumer group (two children, `--instance-id`
 * `bench-1` and `bench-2`, spawned together), each on its own fresh prefix pre-loaded with the same
 * marks (the catalogue's 6 partitions: 3 per instance when there are two). Each is timed as phase 1 is,
 * from the (first) spawn until the group's committed offsets reach the input's end; the figure is
 * `twoOverOne`, two instances' marks/s ÷ one's. The CPU seconds of each child, Kafka and QuestDB over
 * each run (from /proc) say what bounds it: on 2 cores, two children at a full core each leave nothing
 * for Kafka and QuestDB.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { processorGroup } from '../topics/index.ts';
import { groupProgress } from './group-progress.ts';
import { markHistory } from './marks.ts';
import { startPipelineProcess, type PipelineExit } from './pipeline-process.ts';
import { preloadMarks } from './preload.ts';
import { cpuSeconds } from './proc.ts';
import { num, progress, round } from './progress.ts';
import { settledCount } from './questdb.ts';
import type { PipelineSettings } from './throughput.ts';
import type { Workspace } from './workspace.ts';

/** Phase 1's settings, with a fresh workspace per run instead of one. */
export interface ScalingSettings extends Omit<PipelineSettings, 'workspace'> {
  readonly openWorkspace: (label: string) => Promise<Workspace>;
}

export interface ScalingRun {
  readonly instances: number;
  readonly marks: number;
  /** From the first spawn until the group's committed offsets reach the input's end. */
  readonly ms: number;
  readonly marksPerSecond: number;
  readonly firstCommitMs: number | null;
  /** Per child: its exit (CPU seconds, peak RSS, warnings). */
  readonly children: readonly PipelineExit[];
  /** CPU seconds over the run: the children together, Kafka, QuestDB (null where /proc could not tell). */
  readonly cpuSeconds: {
    readonly children: number | null;
    readonly kafka: number | null;
    readonly questdb: number | null;
  };
  /** CPU seconds of all three ÷ wall seconds: 2 means both cores were busy the whole run. */
  readonly coresBusy: number | null;
  readonly drawdownRows: number;
}

export interface ScalingResult {
  readonly one: ScalingRun;
  readonly two: ScalingRun;
  /** Two instances' marks/s ÷ one instance's (issue 13's goal: ≥ 1.7). */
  readonly twoOverOne: number;
}

export async function runScaling(s: ScalingSettings): Promise<ScalingResult> {
  const one = await runInstances(s, 1);
  const two = await runInstances(s, 2);
  return { one, two, twoOverOne: round(two.marksPerSecond / one.marksPerSecond, 3) };
}

async function runInstances(s: ScalingSettings, instances: number): Promise<ScalingRun> {
  const workspace = await s.openWorkspace(`scale${instances}`);
  try {
    const input = workspace.topic('portfolio.marks');
    progress(`phase 6: pre-loading ${num(s.marks)} marks into ${input}`);
    const history = markHistory({
      marks: s.marks,
      portfolios: s.portfolios,
      startTs: s.startTs,
      spacingMs: s.spacingMs,
    });
    await preloadMarks(s.kafka, input, s.codec, history, s.marks);
    const ends = await s.admin.offsets(input);
    const group = processorGroup('drawdown', workspace.prefix);
    const stackCpu = (): { kafka: number | null; questdb: number | null } => ({
      kafka: s.stack.kafka === undefined ? null : cpuSeconds(s.stack.kafka),
      questdb: s.stack.questdb === undefined ? null : cpuSeconds(s.stack.questdb),
    });
    progress(`phase 6: \`tradewatch run --processors drawdown\` on ${instances} instance(s), one group`);
    const before = stackCpu();
    const children = Array.from({ length: instances }, (_, i) => {
      const child = startPipelineProcess(
        ['--processors', 'drawdown', '--instance-id', `bench-${i + 1}`],
        workspace.prefix,
      );
      s.releasers.add(`stop scaling instance ${i + 1}`, async () => void (await child.stop(10_000)));
      return child;
    });
    const spawnedAt = children[0]?.spawnedAt ?? performance.now();
    const died = Promise.race(children.map((c) => c.died));
    let firstCommitMs: number | null = null;
    let lastReport = performance.now();
    for (;;) {
      const at = await Promise.race([groupProgress(s.admin, group, input, ends), died]);
      const elapsed = performance.now() - spawnedAt;
      if (firstCommitMs === null && at.committed > 0) firstCommitMs = Math.round(elapsed);
      if (at.caughtUp) break;
      if (elapsed > s.timeoutMs) {
        throw new Error(
          `${instances} instance(s) committed ${num(at.committed)} of ${num(at.total)} marks in ${s.timeoutMs / 1000} s (--timeout)`,
        );
      }
      if (performance.now() - lastReport > 10_000) {
        lastReport = performance.now();
        progress(`  ${num(at.committed)} / ${num(at.total)} marks committed`);
      }
      await sleep(250);
    }
    const ms = performance.now() - spawnedAt;
    const after = stackCpu();
    const exits: PipelineExit[] = [];
    for (const child of children) exits.push(await child.stop());
    const marks = ends.reduce((sum, p) => sum + Number(BigInt(p.high) - BigInt(p.low)), 0);
    const delta = (a: number | null, b: number | null): number | null =>
      a === null || b === null ? null : round(b - a, 2);
    const childCpu = exits.every((e) => e.cpuSeconds !== null)
      ? round(
          exits.reduce((sum, e) => sum + (e.cpuSeconds ?? 0), 0),
          2,
        )
      : null;
    const cpu = {
      children: childCpu,
      kafka: delta(before.kafka, after.kafka),
      questdb: delta(before.questdb, after.questdb),
    };
    const all = [cpu.children, cpu.kafka, cpu.questdb];
    const rows = await settledCount(s.questdbHttpUrl, workspace.table('drawdown'), s.portfolioPrefix, marks);
    const run: ScalingRun = {
      instances,
      marks,
      ms: Math.round(ms),
      marksPerSecond: Math.round((marks / ms) * 1000),
      firstCommitMs,
      children: exits,
      cpuSeconds: cpu,
      coresBusy: all.every((c) => c !== null)
        ? round(all.reduce((a: number, b) => a + (b ?? 0), 0) / (ms / 1000), 2)
        : null,
      drawdownRows: rows.rows,
    };
    progress(
      `  ${instances} instance(s): ${num(run.marksPerSecond)} marks/s (${num(ms / 1000, 1)} s); CPU s: children ${cpu.children ?? 'n/a'}, Kafka ${cpu.kafka ?? 'n/a'}, QuestDB ${cpu.questdb ?? 'n/a'}`,
    );
    return run;
  } finally {
    await workspace.close();
  }
}
