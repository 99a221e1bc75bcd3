/** The run's result: one JSON file, and a summary for people. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { InMemoryResult } from './in-memory.ts';
import type { LatencyFailure, LatencyResult } from './latency.ts';
import type { ProcessorBenchResult } from './processors.ts';
import type { NotifierBenchResult } from './notifiers.ts';
import type { RecordRulesBenchResult, RulesBenchResult } from './rules.ts';
import type { MachineInfo } from './machine.ts';
import type { BenchOptions } from './options.ts';
import { mib, num, ratio } from './progress.ts';
import type { ScalingResult } from './scaling.ts';
import type { ThroughputResult } from './throughput.ts';
import type { ProfileSummary } from './cpu-profile.ts';

export interface BenchResult {
  readonly bench: 'tradewatch';
  /**
   * Bumped when a figure changes meaning. 2: `latency` is one result per rate, `processors` is keyed by
   * suite (`processors.<name>.overNoop`: the `tradewatch run` child ÷ the no-op consumer), `scaling`.
   */
  readonly format: 2;
  readonly runId: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly ok: boolean;
  readonly error?: string;
  readonly machine: MachineInfo;
  readonly loadAverageAtEnd: readonly number[];
  readonly parameters: BenchOptions & {
    /** max.message.bytes of the changelog topics the bench created; null: the runtime created them. */
    readonly changelogMaxMessageBytes: number | null;
    readonly topicPrefixes: readonly string[];
    readonly portfolioPrefix: string;
  };
  readonly throughput?: ThroughputResult;
  readonly inMemory?: InMemoryResult;
  /** pipeline marks/s ÷ in-memory marks/s (both phases run). */
  readonly pipelineOverInMemory?: number;
  /** Phase 3, one result per rate of `--latency-rates`, in that order. */
  readonly latency?: readonly (LatencyResult | LatencyFailure)[];
  /** Phase 4: baseline, freshness, precision@K (`ranking`) and rules, in memory and as `run` children. */
  readonly processors?: Readonly<Record<string, ProcessorBenchResult>>;
  /** Phase 5: the rules engine with 1,000 rules, in memory. */
  readonly rules?: RulesBenchResult;
  /** Phase 5: 100 rules over trades records, in memory. */
  readonly recordRules?: RecordRulesBenchResult;
  /** Phase 5: the notifiers against local receivers. */
  readonly notifiers?: NotifierBenchResult;
  /** Phase 6: the drawdown pipeline on one instance, then two in one group. */
  readonly scaling?: ScalingResult;
  /** What a reader of the figures should know (e.g. what the run left behind). */
  readonly notes: readonly string[];
}

export async function writeResult(dir: string, result: BenchResult): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${result.startedAt.replaceAll(':', '-')}.json`);
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}

export function summary(result: BenchResult): string {
  const lines: string[] = [];
  const m = result.machine;
  lines.push(
    `tradewatch bench ${result.runId}: ${result.ok ? 'ok' : `FAILED: ${result.error}`} in ${num(result.durationMs / 1000, 0)} s`,
    `machine: ${m.cpus} cores (${m.cpuModel}), ${mib(m.memoryBytes)}, Node ${m.node}, kafkajs ${m.kafkajs}, Kafka ${m.kafka ?? 'unknown'}, QuestDB ${m.questdb ?? 'unknown'}`,
    `load average at start ${m.loadAverageAtStart.join(' ')}, at end ${result.loadAverageAtEnd.join(' ')} (shared machine: read the ratios)`,
  );
  const t = result.throughput;
  if (t) {
    const p = t.pipeline;
    lines.push(
      '',
      `1. throughput from a cold start, ${num(t.preload.marks)} marks`,
      `   pre-load (port producer):        ${num(t.preload.marksPerSecond)} marks/s`,
      `   reference (no-op consumer):      ${num(t.reference.recordsPerSecond)} records/s (${num(t.reference.ms / 1000, 1)} s)`,
      `   pipeline (run --processors drawdown): ${num(p.marksPerSecond)} marks/s (${num(p.ms / 1000, 1)} s from spawn; first commit after ${p.firstCommitMs === null ? 'n/a' : num(p.firstCommitMs)} ms; steady ${p.steadyMarksPerSecond === null ? 'n/a' : num(p.steadyMarksPerSecond)} marks/s)`,
      `   pipeline / ceiling:              ${ratio(t.pipelineOverCeiling)}`,
      `   peak RSS ${p.exit.peakRssBytes === null ? 'n/a' : mib(p.exit.peakRssBytes)}; exit code ${p.exit.code} after SIGTERM (${num(p.exit.stopMs)} ms); ${p.exit.warnings} warning lines`,
      `   CPU seconds: pipeline ${p.cpuSeconds.pipeline ?? 'n/a'}, Kafka ${p.cpuSeconds.kafka ?? 'n/a'}, QuestDB ${p.cpuSeconds.questdb ?? 'n/a'} (wall ${num(p.ms / 1000, 1)} s)`,
      `   QuestDB rows: drawdown ${num(t.outputs.questdb.drawdownRows)}, portfolio_marks ${num(t.outputs.questdb.portfolioMarksRows)} of ${num(t.outputs.questdb.expectedRows)} each`,
    );
    const c = t.outputs.changelog;
    if ('error' in c) lines.push(`   changelog: could not be read: ${c.error}`);
    else {
      lines.push(
        `   changelog: ${num(c.records)} records, ${mib(c.valueBytes)} (input: ${mib(t.preload.bytes)}; changelog / input ${ratio(t.changelogOverInput ?? NaN)}), ${num(c.markers)} transaction markers, largest record ${num(c.largestValueBytes)} B`,
      );
    }
    lines.push(`   metrics topic: ${num(t.outputs.metricsOffsets)} offsets`);
    const f = t.kafkaFloor;
    if ('error' in f) lines.push(`   Kafka floor: failed: ${f.error}`);
    else {
      lines.push(
        `   Kafka floor (the port alone re-sending ${num(f.records)} of those records, ${num(f.transactions)} transactions of ${num(f.recordsPerCommit)}, warm): ${num(f.recordsPerSecond)} records/s = ${num(f.marksPerSecond)} marks/s (${num(f.cpuSeconds, 1)} CPU s; cold: ${num(f.coldRecordsPerSecond)} records/s)`,
      );
    }
    if (t.peer && 'error' in t.peer) lines.push(`   Kafka Streams peer: failed: ${t.peer.error}`);
    else if (t.peer) {
      const q = t.peer;
      lines.push(
        `   Kafka Streams peer: ${num(q.marksPerSecond)} marks/s (${num(q.ms / 1000, 1)} s from spawn; CPU ${q.cpuSeconds ?? 'n/a'} s; peak RSS ${q.peakRssBytes === null ? 'n/a' : mib(q.peakRssBytes)})`,
        `   pipeline / peer:                 ${ratio(t.pipelineOverPeer ?? NaN)}`,
        `   Kafka floor / peer:              ${ratio(t.kafkaFloorOverPeer ?? NaN)} (kafkajs alone, warm)`,
        `   sample: ${num(q.sample.compared)} peer figures of ${q.sample.portfolios.length} portfolios against ours: ${q.sample.mismatches === 0 ? 'all equal' : `${num(q.sample.mismatches)} differ, e.g. ${q.sample.firstMismatches.join('; ')}`}`,
      );
    }
    lines.push(...profileLines(p.profile));
  }
  const im = result.inMemory;
  if (im) {
    lines.push(
      '',
      `2. drawdown processor in memory: ${num(im.marksPerSecond)} marks/s (${num(im.ms)} ms for ${num(im.marks)})`,
      `   virtual runner ÷ plain loop: drawdown ${im.virtualRunner.drawdown.ratio}, precision@K chain ${im.virtualRunner.chain.ratio} (${num(im.virtualRunner.chain.records)} events)`,
      `   per item: process ${im.costs.processMicrosPerMark} µs/mark, decode ${im.costs.decodeMicrosPerMark} µs/mark, encode ${im.costs.encodeMetricMicrosPerPoint} µs/metric, state JSON ${im.costs.stateJsonMicrosPerKey} µs/key (${num(im.costs.stateJsonBytesPerKey.mean)} B mean), encoded ${im.costs.stateEncodedMicrosPerKey} µs/key (${num(im.costs.stateEncodedBytesPerKey.mean)} B mean)`,
    );
    if (result.pipelineOverInMemory !== undefined) {
      lines.push(`   pipeline / in-memory:            ${ratio(result.pipelineOverInMemory)}`);
    }
  }
  for (const l of result.latency ?? []) {
    if ('error' in l) {
      lines.push('', `3. latency, ${num(l.rate)} marks/s: FAILED: ${l.error}`);
      continue;
    }
    const lat = l.latencyMs;
    lines.push(
      '',
      `3. latency, ${num(l.rate)} marks/s for ${l.durationMs / 1000} s (run: drawdown + rules): ${l.sustained ? 'sustained' : 'NOT sustained'}`,
      `   produced ${num(l.produced.marks)} marks at ${num(l.produced.marksPerSecond)} marks/s (slowest send ${l.produced.slowestSendMs} ms)`,
      `   alerts: ${num(l.alerts.matched)} matched of ${num(l.alerts.expected)} expected (${num(l.alerts.firing)} firing, ${num(l.alerts.resolved)} resolved), ${l.alerts.missing} missing, ${l.alerts.unexpected} unexpected; ${l.alerts.redelivered} redelivered to the bench's consumer`,
      ...(l.alerts.missing + l.alerts.unexpected > 0
        ? [
            `   first missing: ${l.alerts.firstMissing.join('; ') || 'none'}`,
            `   first unexpected: ${l.alerts.firstUnexpected.join('; ') || 'none'}`,
          ]
        : []),
      lat
        ? `   mark produced → alert received: p50 ${num(lat.p50)} ms, p90 ${num(lat.p90)} ms, p99 ${num(lat.p99)} ms, max ${num(lat.max)} ms`
        : '   no latency measured',
      `   over time (p50 per 5 s of produce time): ${l.latencyMsOverTime.map((w) => num(w.p50)).join(', ')} ms`,
      `   drawdown backlog when producing stopped: ${num(l.drawdownBacklogAtEnd)} marks; drain ${num(l.drainMs)} ms; warm-up ${num(l.warmupMs)} ms`,
      `   peak RSS ${l.exit.peakRssBytes === null ? 'n/a' : mib(l.exit.peakRssBytes)}; exit code ${l.exit.code}; CPU s: pipeline ${l.cpuSeconds.pipeline ?? 'n/a'}, Kafka ${l.cpuSeconds.kafka ?? 'n/a'}, QuestDB ${l.cpuSeconds.questdb ?? 'n/a'}`,
    );
    const batches = Object.entries(l.changelogs).map(([name, c]) =>
      'error' in c
        ? `${name}: changelog unreadable (${c.error})`
        : `${name} ${num(c.markers)} (${mib(c.valueBytes)} of changelog)`,
    );
    lines.push(`   transactions (changelog markers): ${batches.join(', ')}`);
    lines.push(...profileLines(l.profile));
  }
  if (result.processors) {
    lines.push(
      '',
      '4. processors: events/s alone in memory, and `tradewatch run --processors <name>` (cold start) ÷ a no-op consumer on the same inputs',
    );
    for (const [name, p] of Object.entries(result.processors)) {
      const c = p.child;
      const n = p.noop;
      lines.push(
        `   ${name} (${p.processors.join(' → ')}): ${num(p.events)} events; in memory ${num(p.inMemory.eventsPerSecond)}/s; ` +
          ('error' in n
            ? `no-op consumer FAILED: ${n.error}`
            : 'error' in c
              ? `run FAILED: ${c.error}`
              : `run ${num(c.eventsPerSecond)}/s (${num(c.ms / 1000, 1)} s, CPU ${c.cpuSeconds.child ?? 'n/a'} s); no-op consumer ${num(n.recordsPerSecond)}/s; ` +
                `run ÷ no-op ${ratio(p.overNoop)} (after start-up: ${ratio(p.steadyOverNoop)})`),
      );
      if (!('error' in c)) lines.push(...profileLines(c.profile));
    }
  }
  const r = result.rules;
  if (r) {
    lines.push(
      '',
      `5. alerting: ${num(r.rules)} rules over ${num(r.points)} points of ${num(r.series)} series, in memory`,
      `   ${num(r.withRules.pointsPerSecond)} points/s, ${num(r.evaluationsPerSecond)} rules considered/s, ${num(r.withRules.alerts)} alerts; ` +
        `a rules processor selecting nothing: ${num(r.reference.pointsPerSecond)} points/s (ratio ${ratio(r.ratio)})`,
    );
  }
  const rr = result.recordRules;
  if (rr) {
    lines.push(
      `   rules over records: ${num(rr.rules)} rules over ${num(rr.records)} trades of ${num(rr.groups)} portfolio × venue groups: ` +
        `${num(rr.withRules.recordsPerSecond)} records/s, ${num(rr.withRules.alerts)} alerts; ` +
        `a rules processor selecting no record: ${num(rr.reference.recordsPerSecond)} records/s (ratio ${ratio(rr.ratio)})`,
    );
  }
  for (const f of result.notifiers?.figures ?? []) {
    lines.push(
      `   ${f.notifier} → ${f.receiver}: ${num(f.sent.perSecond)} notifications/s; raw POST loop ${num(f.reference.perSecond)}/s (ratio ${ratio(f.ratio)})`,
    );
  }
  for (const note of result.notifiers?.notes ?? []) lines.push(`   ${note}`);
  const sc = result.scaling;
  if (sc) {
    lines.push('', '6. scaling: `run --processors drawdown`, one instance, then two in one group');
    for (const run of [sc.one, sc.two]) {
      lines.push(
        `   ${run.instances} instance(s): ${num(run.marksPerSecond)} marks/s (${num(run.ms / 1000, 1)} s); CPU s: children ${run.cpuSeconds.children ?? 'n/a'} (${run.children.map((e) => e.cpuSeconds ?? 'n/a').join(' + ')}), Kafka ${run.cpuSeconds.kafka ?? 'n/a'}, QuestDB ${run.cpuSeconds.questdb ?? 'n/a'}; cores busy ${run.coresBusy ?? 'n/a'}; QuestDB rows ${num(run.drawdownRows)} of ${num(run.marks)}`,
      );
    }
    lines.push(`   two ÷ one: ${ratio(sc.twoOverOne)}`);
  }
  for (const note of result.notes) lines.push(`note: ${note}`);
  return lines.join('\n');
}

function profileLines(profile: ProfileSummary | null | undefined): string[] {
  if (!profile) return [];
  const top = profile.byComponent
    .filter((c) => c.component !== 'idle')
    .slice(0, 8)
    .map((c) => `${c.component} ${c.share}%`);
  return [`   CPU profile (self time, ${num(profile.totalMs / 1000, 1)} s sampled): ${top.join(', ')}`];
}
