/**
 * Phase 3, latency: the whole pipeline (`tradewatch run`, drawdown and rules) under a steady stream of
 * marks. Marks are produced at `rate` per second, paced by the wall clock in small batches every 20 ms,
 * with event time = wall time; the wall time each mark was handed to the producer is recorded. A
 * read-committed consumer on `alerts` records when each alert arrives; an alert's `ts` and
 * `labels.portfolio` name the mark whose metric point triggered it, so each alert gives one
 * mark-produced → alert-received latency. The marks are built so that alerts fire and resolve often
 * (see `oscillatingMarks`); the alerts to expect are computed in memory with the same processors.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { KafkaAdmin, KafkaClient, OutgoingRecord } from '../runtime/kafka/index.ts';
import type { Alert, Codec, PortfolioMark } from '../schemas/index.ts';
import { changelogTopic, processorGroup } from '../topics/index.ts';
import { expectedAlerts } from './expected-alerts.ts';
import { changelogStats, type ChangelogStats } from './changelog-stats.ts';
import { summarizeProfile, type ProfileSummary } from './cpu-profile.ts';
import { groupProgress } from './group-progress.ts';
import type { StackProcesses } from './machine.ts';
import { oscillatingMarks } from './marks.ts';
import { summarize, type LatencySummary } from './percentiles.ts';
import { profileFlags, startPipelineProcess, type PipelineExit } from './pipeline-process.ts';
import { cpuSeconds } from './proc.ts';
import { mib, num, progress, round } from './progress.ts';
import type { Releasers } from './releasers.ts';
import type { Workspace } from './workspace.ts';

export interface LatencySettings {
  readonly kafka: KafkaClient;
  readonly admin: KafkaAdmin;
  readonly workspace: Workspace;
  readonly releasers: Releasers;
  readonly markCodec: Codec<PortfolioMark>;
  readonly alertCodec: Codec<Alert>;
  readonly stack: StackProcesses;
  readonly portfolios: readonly string[];
  readonly warmupPortfolio: string;
  readonly rate: number;
  readonly durationMs: number;
  readonly cycle: number;
  /** Longest wait for the pipeline to start and for the last alerts. */
  readonly timeoutMs: number;
  /** Where `node --cpu-prof` writes the pipeline's profile; undefined: no profile. */
  readonly profileDir?: string;
}

/** A rate whose run failed, and why. */
export interface LatencyFailure {
  readonly rate: number;
  readonly error: string;
}

export interface LatencyResult {
  readonly rate: number;
  readonly durationMs: number;
  readonly produced: {
    readonly marks: number;
    readonly ms: number;
    readonly marksPerSecond: number;
    readonly sends: number;
    /** Slowest acknowledgement of one send (acks=all), ms. */
    readonly slowestSendMs: number;
  };
  /** From spawn to the warm-up alert: process start, joins, one mark through both processors. */
  readonly warmupMs: number;
  readonly alerts: {
    readonly expected: number;
    readonly received: number;
    readonly matched: number;
    /** Expected but not received by the end of the wait. */
    readonly missing: number;
    /** Received but not expected (e.g. a duplicate the pipeline wrote: a second offset). */
    readonly unexpected: number;
    /** Records the bench's alert consumer was given again (same offset), not counted above. */
    readonly redelivered: number;
    /** The first few missing and unexpected alerts (`rule portfolio status ts value`), to tell why. */
    readonly firstMissing: readonly string[];
    readonly firstUnexpected: readonly string[];
    readonly firing: number;
    readonly resolved: number;
  };
  /** mark produced → alert received, ms. */
  readonly latencyMs: LatencySummary | null;
  readonly latencyMsByStatus: {
    readonly firing: LatencySummary | null;
    readonly resolved: LatencySummary | null;
  };
  /** Per 5 s of produce time: does the latency grow (a backlog) or stay flat? */
  readonly latencyMsOverTime: readonly {
    readonly fromS: number;
    readonly p50: number;
    readonly p99: number;
    readonly alerts: number;
  }[];
  /** Marks not yet committed by the drawdown processor when producing stopped. */
  readonly drawdownBacklogAtEnd: number;
  /**
   * The rate was sustained: the marks went out at ≥ 95% of it and the drawdown processor's backlog when
   * producing stopped was at most one second of marks (else the latencies measure a growing queue).
   */
  readonly sustained: boolean;
  /** From the end of producing until the last expected alert arrived (or the wait ended). */
  readonly drainMs: number;
  readonly exit: PipelineExit;
  /** Per processor: what it wrote to its changelog; `markers` is the number of batches it committed. */
  readonly changelogs: Readonly<Record<string, ChangelogStats | { readonly error: string }>>;
  /** With `--profile`: where the pipeline's CPU went. */
  readonly profile?: ProfileSummary | null;
  readonly cpuSeconds: {
    readonly pipeline: number | null;
    readonly kafka: number | null;
    readonly questdb: number | null;
  };
}

const TICK_MS = 20;
/** At most this many marks per send: 10,000 marks are ~120 KB per partition. */
const SEND_MAX = 10_000;

export async function runLatency(s: LatencySettings): Promise<LatencyResult> {
  const marksTopic = s.workspace.topic('portfolio.marks');
  const alertsTopic = s.workspace.topic('alerts');
  progress(
    `phase 3: latency at ${num(s.rate)} marks/s for ${s.durationMs / 1000} s over ${s.portfolios.length} portfolios (tradewatch run: drawdown + rules)`,
  );

  // The alert consumer first, so that no alert is missed; its arrival times are the "received" times.
  const arrivals: { alert: Alert; at: number }[] = [];
  // A record delivered again to this consumer (same partition and offset: it re-joined its group, e.g.
  // after the bench's own event loop stalled past the session timeout, and read from its start again)
  // is not a second alert; a duplicate the pipeline wrote would have an offset of its own.
  const delivered = new Set<string>();
  let redelivered = 0;
  const assigned = Promise.withResolvers<void>();
  const fatal = Promise.withResolvers<never>();
  fatal.promise.catch(() => undefined);
  const consumer = await s.kafka.consumer({
    groupId: s.workspace.group(`${s.workspace.prefix}bench.alerts`),
    topics: [alertsTopic],
    fromBeginning: true,
  });
  s.releasers.add('close the alert consumer', () => consumer.close());
  await consumer.run(
    (records) => {
      const at = performance.now();
      for (const r of records) {
        if (!r.value) continue;
        const position = `${r.partition}:${r.offset}`;
        if (delivered.has(position)) {
          redelivered += 1;
          continue;
        }
        delivered.add(position);
        arrivals.push({ alert: s.alertCodec.decode(r.value), at });
      }
    },
    { onAssignment: () => assigned.resolve(), onFatal: (error) => fatal.reject(error) },
  );
  await Promise.race([
    assigned.promise,
    fatal.promise,
    sleep(s.timeoutMs).then(() =>
      Promise.reject(new Error('the alert consumer was never assigned its partitions')),
    ),
  ]);

  const stackCpu = (): { kafka: number | null; questdb: number | null } => ({
    kafka: s.stack.kafka === undefined ? null : cpuSeconds(s.stack.kafka),
    questdb: s.stack.questdb === undefined ? null : cpuSeconds(s.stack.questdb),
  });
  const stackBefore = stackCpu();
  // The alert path only: `run` without --processors would start every processor (metric-points,
  // freshness and history read the marks or metrics too), which measures the whole pipeline's load.
  const child = startPipelineProcess(
    ['--processors', 'drawdown,rules'],
    s.workspace.prefix,
    profileFlags(s.profileDir),
  );
  s.releasers.add('stop the latency pipeline', async () => void (await child.stop(10_000)));
  const producer = await s.kafka.producer();
  s.releasers.add('close the latency producer', () => producer.close());
  const running = (): Promise<never> => Promise.race([child.died, fatal.promise]);

  // Warm-up: one drop of the warm-up portfolio; its alert proves both processors are running.
  const now = Date.now();
  const warmupMarks: PortfolioMark[] = [
    { portfolio: s.warmupPortfolio, env: 'prod', ts: now, equity: 1_000_000, cash: null },
    { portfolio: s.warmupPortfolio, env: 'prod', ts: now + 1, equity: 920_000, cash: null },
  ];
  await producer.send(
    warmupMarks.map((m) => ({ topic: marksTopic, key: m.portfolio, value: s.markCodec.encode(m) })),
  );
  const warmupDeadline = performance.now() + s.timeoutMs;
  while (!arrivals.some((a) => a.alert.labels['portfolio'] === s.warmupPortfolio)) {
    if (performance.now() > warmupDeadline) throw new Error('no warm-up alert: the pipeline did not start');
    await Promise.race([sleep(50), running()]);
  }
  const warmupMs = Math.round(performance.now() - child.spawnedAt);
  progress(`  pipeline running: warm-up alert ${num(warmupMs)} ms after spawn; producing`);

  // Produce at the rate, paced by the wall clock.
  const nextMark = oscillatingMarks({ portfolios: s.portfolios, cycle: s.cycle });
  const producedAt = new Map<string, number>();
  const produced: PortfolioMark[] = [...warmupMarks];
  let sent = 0;
  let sends = 0;
  let slowestSendMs = 0;
  const started = performance.now();
  let lastReport = started;
  for (;;) {
    const elapsed = performance.now() - started;
    if (elapsed >= s.durationMs) break;
    const due = Math.floor((s.rate * elapsed) / 1000) - sent;
    if (due > 0) {
      const records: OutgoingRecord[] = [];
      const at = performance.now();
      const wall = Date.now();
      for (let i = 0; i < due; i += 1) {
        const mark = nextMark(wall);
        produced.push(mark);
        producedAt.set(`${mark.portfolio}|${mark.ts}`, at);
        records.push({ topic: marksTopic, key: mark.portfolio, value: s.markCodec.encode(mark) });
      }
      // After a stall, the marks due can be many: sends of at most SEND_MAX records, one at a time, so
      // that no partition's record batch exceeds the broker's 1 MiB.
      for (let i = 0; i < records.length; i += SEND_MAX) {
        await Promise.race([producer.send(records.slice(i, i + SEND_MAX)), running()]);
      }
      slowestSendMs = Math.max(slowestSendMs, performance.now() - at);
      sent += due;
      sends += 1;
    }
    if (performance.now() - lastReport > 5000) {
      lastReport = performance.now();
      progress(`  produced ${num(sent)} marks; ${num(arrivals.length)} alerts received`);
    }
    await Promise.race([sleep(Math.max(0, TICK_MS - ((performance.now() - started) % TICK_MS))), running()]);
  }
  const producedMs = performance.now() - started;
  const producedEnd = performance.now();
  const ends = await s.admin.offsets(marksTopic);
  const backlog = await groupProgress(
    s.admin,
    processorGroup('drawdown', s.workspace.prefix),
    marksTopic,
    ends,
  );
  progress(
    `  produced ${num(sent)} marks in ${num(producedMs / 1000, 1)} s (${num((sent / producedMs) * 1000)} marks/s); drawdown backlog ${num(backlog.total - backlog.committed)} marks; waiting for the last alerts`,
  );

  // The alerts to expect, and the wait for the last of them.
  const isWarmup = (a: Alert): boolean => a.labels['portfolio'] === s.warmupPortfolio;
  const expected = (await expectedAlerts(produced)).filter((a) => !isWarmup(a));
  const expectedKeys = new Set(expected.map((a) => alertKey(a)));
  const wanted = expected.length;
  const quietLimitMs = 30_000;
  // A pipeline far behind would take minutes to drain: wait at most twice the produce time plus 30 s.
  const drainLimitMs = Math.min(s.timeoutMs, 2 * s.durationMs + 30_000);
  let lastCount = -1;
  let lastChange = performance.now();
  // Expected alerts arrived so far (not just alerts: unexpected ones must not end the wait early).
  const counted = (): number =>
    new Set(arrivals.map((a) => alertKey(a.alert)).filter((key) => expectedKeys.has(key))).size;
  for (;;) {
    const count = counted();
    if (count !== lastCount) {
      lastCount = count;
      lastChange = performance.now();
    }
    if (count >= wanted) break;
    if (performance.now() - lastChange > quietLimitMs || performance.now() - producedEnd > drainLimitMs) {
      progress(`  gave up waiting: ${num(count)} of ${num(wanted)} alerts arrived`);
      break;
    }
    if (performance.now() - lastReport > 5000) {
      lastReport = performance.now();
      progress(`  ${num(count)} / ${num(wanted)} alerts received`);
    }
    await Promise.race([sleep(100), running()]);
  }
  const drainMs = Math.round(performance.now() - producedEnd);
  const stackAfter = stackCpu();
  const exit = await child.stop();
  // Close the alert consumer and the producer now, before the rate's topics are deleted: a consumer
  // left subscribed to deleted topics crashes and restarts over and over (and a restarted alert
  // consumer, committing nothing, would read every alert again: duplicates that are the bench's own).
  await consumer.close();
  await producer.close();
  progress(
    `  pipeline stopped: exit code ${exit.code}, peak RSS ${exit.peakRssBytes === null ? 'n/a' : mib(exit.peakRssBytes)}`,
  );

  const changelogs: Record<string, ChangelogStats | { error: string }> = {};
  for (const processor of ['drawdown', 'rules']) {
    changelogs[processor] = await changelogStats(
      s.kafka,
      s.admin,
      changelogTopic(processor, s.workspace.prefix),
      `${s.workspace.prefix}bench.changelog-read`,
    ).catch((error: unknown) => ({ error: error instanceof Error ? error.message : String(error) }));
  }

  // Latencies: each received alert against the mark that triggered it.
  const latencies: { ms: number; status: string; producedAt: number }[] = [];
  const seen = new Set<string>();
  let unexpected = 0;
  const firstUnexpected: string[] = [];
  const measured = arrivals.filter((a) => !isWarmup(a.alert));
  for (const { alert, at } of measured) {
    const key = alertKey(alert);
    if (!expectedKeys.has(key) || seen.has(key)) {
      unexpected += 1;
      if (firstUnexpected.length < 5) firstUnexpected.push(describeAlert(alert, seen.has(key)));
      continue;
    }
    seen.add(key);
    const from = producedAt.get(`${alert.labels['portfolio']}|${alert.ts}`);
    if (from === undefined) continue;
    latencies.push({ ms: at - from, status: alert.status, producedAt: from - started });
  }
  const overTime: { fromS: number; p50: number; p99: number; alerts: number }[] = [];
  for (let from = 0; from < producedMs; from += 5000) {
    const window = summarize(
      latencies.filter((l) => l.producedAt >= from && l.producedAt < from + 5000).map((l) => l.ms),
    );
    if (window) overTime.push({ fromS: from / 1000, p50: window.p50, p99: window.p99, alerts: window.count });
  }
  const delta = (a: number | null, b: number | null): number | null =>
    a === null || b === null ? null : round(b - a, 2);
  return {
    rate: s.rate,
    durationMs: s.durationMs,
    produced: {
      marks: sent,
      ms: Math.round(producedMs),
      marksPerSecond: Math.round((sent / producedMs) * 1000),
      sends,
      slowestSendMs: round(slowestSendMs),
    },
    warmupMs,
    alerts: {
      expected: wanted,
      received: measured.length,
      matched: seen.size,
      missing: wanted - seen.size,
      unexpected,
      redelivered,
      firstMissing: expected
        .filter((a) => !seen.has(alertKey(a)))
        .slice(0, 5)
        .map((a) => describeAlert(a, false)),
      firstUnexpected,
      firing: latencies.filter((l) => l.status === 'firing').length,
      resolved: latencies.filter((l) => l.status === 'resolved').length,
    },
    latencyMs: summarize(latencies.map((l) => l.ms)),
    latencyMsByStatus: {
      firing: summarize(latencies.filter((l) => l.status === 'firing').map((l) => l.ms)),
      resolved: summarize(latencies.filter((l) => l.status === 'resolved').map((l) => l.ms)),
    },
    latencyMsOverTime: overTime,
    drawdownBacklogAtEnd: backlog.total - backlog.committed,
    sustained: sent / producedMs >= (0.95 * s.rate) / 1000 && backlog.total - backlog.committed <= s.rate,
    drainMs,
    exit,
    changelogs,
    ...(s.profileDir ? { profile: await summarizeProfile(s.profileDir) } : {}),
    cpuSeconds: {
      pipeline: exit.cpuSeconds,
      kafka: delta(stackBefore.kafka, stackAfter.kafka),
      questdb: delta(stackBefore.questdb, stackAfter.questdb),
    },
  };
}

function describeAlert(alert: Alert, duplicate: boolean): string {
  const at = new Date(alert.ts).toISOString();
  return `${alert.rule} ${alert.labels['portfolio'] ?? ''} ${alert.status} ${at} value ${alert.value}${duplicate ? ' (again)' : ''}`;
}

function alertKey(alert: Alert): string {
  return `${alert.fingerprint}|${alert.status}|${alert.ts}`;
}
