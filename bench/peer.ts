/**
 * Phase 1c, the Kafka Streams peer (`--peer <dir>`, e.g. ../shared/peers/kstreams-drawdown): the same
 * drawdown job written on Kafka Streams (exactly-once v2, RocksDB with a changelog and a record cache),
 * built with Maven (in a copy under the temp dir, so the peer's folder stays as it is) and run as its
 * README says, cold (fresh application id and state dir) on the topic phase 1 pre-loaded, timed the way
 * phase 1b times `tradewatch run`: from the spawn until its group's committed offsets reach the input's
 * end. Then a sample of its outputs is checked against ours: every mark of a few portfolios, its
 * drawdown_1h, drawdown_daily and max_drawdown_daily against the points our pipeline wrote to `metrics`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { readToEnd, type KafkaAdmin, type KafkaClient } from '../runtime/kafka/index.ts';
import type { Codec, Metric } from '../schemas/index.ts';
import { seriesKey } from '../topics/index.ts';
import { partitionOfKey } from '../topics/partition-of.ts';
import { groupProgress } from './group-progress.ts';
import { cpuSeconds, processMemory } from './proc.ts';
import { num, progress, round } from './progress.ts';
import type { Releasers } from './releasers.ts';
import type { Workspace } from './workspace.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MAIN_CLASS = 'peer.drawdown.DrawdownApp';
/** Portfolios whose every output is compared. */
const SAMPLE_PORTFOLIOS = 5;
/** The metrics the peer's output record carries, by their offset in its value (see the peer's README). */
const FIGURES = { drawdown_1h: 17, drawdown_daily: 25, max_drawdown_daily: 49 } as const;

export interface PeerSettings {
  readonly kafka: KafkaClient;
  readonly admin: KafkaAdmin;
  readonly workspace: Workspace;
  readonly releasers: Releasers;
  readonly metricCodec: Codec<Metric>;
  /** The peer's Maven project. */
  readonly dir: string;
  /** The pre-loaded marks topic. */
  readonly input: string;
  readonly portfolios: readonly string[];
  readonly timeoutMs: number;
  readonly bootstrap: string;
}

export interface PeerRun {
  readonly dir: string;
  readonly buildMs: number;
  readonly marks: number;
  /** From the spawn until its committed offsets reach the input's end. */
  readonly ms: number;
  readonly marksPerSecond: number;
  readonly cpuSeconds: number | null;
  readonly peakRssBytes: number | null;
  /** Its outputs against ours for every mark of a few portfolios. */
  readonly sample: {
    readonly portfolios: readonly string[];
    readonly compared: number;
    readonly mismatches: number;
    readonly firstMismatches: readonly string[];
  };
}

export async function runPeer(s: PeerSettings): Promise<PeerRun> {
  progress(`phase 1c: the Kafka Streams peer (${s.dir}): mvn package`);
  const built = performance.now();
  const build = buildPeer(s.dir);
  const buildMs = Math.round(performance.now() - built);
  const appId = `${s.workspace.prefix}peer`;
  const output = `${s.workspace.prefix}peer.drawdown`;
  const inputPartitions = (await s.admin.describeTopics([s.input], []))[0]?.partitions ?? 6;
  s.workspace.group(appId);
  s.releasers.add('delete the peer’s topics', async () => {
    const mine = (await s.admin.listTopics()).filter((t) => t === output || t.startsWith(`${appId}-`));
    if (mine.length > 0) await s.admin.deleteTopics(mine);
  });
  await s.admin.createTopics([
    { name: output, partitions: inputPartitions, replicationFactor: 1, configs: {} },
  ]);
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'tradewatch-bench-peer-'));
  s.releasers.add('delete the peer’s state dir', () =>
    Promise.resolve(rmSync(stateDir, { recursive: true, force: true })),
  );
  const ends = await s.admin.offsets(s.input);
  progress(`  built in ${num(buildMs / 1000, 1)} s; running it cold on ${s.input}`);
  const spawnedAt = performance.now();
  const child = spawn(
    'java',
    [
      '-cp',
      [path.join(build, 'target', 'kstreams-drawdown-0.jar'), path.join(build, 'target', 'lib', '*')].join(
        path.delimiter,
      ),
      MAIN_CLASS,
      ...['--bootstrap', s.bootstrap, '--application-id', appId, '--input', s.input, '--output', output],
      ...['--schema', path.join(ROOT, 'schemas', 'portfolio-mark.avsc'), '--state-dir', stateDir],
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => void (stderr = (stderr + chunk.toString('utf8')).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  };
  s.releasers.add('stop the peer', stop);
  let ms: number;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`the peer exited early (code ${child.exitCode}):\n${stderr}`);
    const at = performance.now() - spawnedAt;
    const now = await groupProgress(s.admin, appId, s.input, ends);
    if (now.caughtUp) {
      ms = performance.now() - spawnedAt;
      break;
    }
    if (at > s.timeoutMs) {
      throw new Error(
        `the peer committed ${num(now.committed)} of ${num(now.total)} marks in ${s.timeoutMs / 1000} s`,
      );
    }
    await sleep(250);
  }
  const pid = child.pid!;
  const cpu = cpuSeconds(pid);
  const peakRssBytes = processMemory(pid)?.peakRssBytes ?? null;
  await stop();
  const marks = ends.reduce((sum, p) => sum + Number(BigInt(p.high) - BigInt(p.low)), 0);
  progress(`  peer: ${num(marks)} marks in ${num(ms / 1000, 1)} s: ${num((marks / ms) * 1000)} marks/s`);
  progress(`  comparing every output of ${SAMPLE_PORTFOLIOS} portfolios with ours`);
  const sample = await compareSample(s, output);
  return {
    dir: s.dir,
    buildMs,
    marks,
    ms: Math.round(ms),
    marksPerSecond: Math.round((marks / ms) * 1000),
    cpuSeconds: cpu,
    peakRssBytes,
    sample,
  };
}

/**
 * Builds the peer in a copy under the temp dir named after the hash of its sources (a second run
 * reuses it); returns the copy's path.
 */
function buildPeer(dir: string): string {
  const hash = createHash('sha256');
  const files = (d: string): string[] =>
    readdirSync(d)
      .filter((f) => f !== 'target')
      .flatMap((f) => (statSync(path.join(d, f)).isDirectory() ? files(path.join(d, f)) : [path.join(d, f)]))
      .sort();
  for (const file of files(dir)) hash.update(path.relative(dir, file)).update(readFileSync(file));
  const build = path.join(os.tmpdir(), 'tradewatch-bench', `peer-${hash.digest('hex').slice(0, 12)}`);
  if (existsSync(path.join(build, 'target', 'kstreams-drawdown-0.jar'))) return build;
  rmSync(build, { recursive: true, force: true });
  cpSync(dir, build, { recursive: true, filter: (src) => path.basename(src) !== 'target' });
  const mvn = spawnSync('mvn', ['-q', '-B', 'package', '-DskipTests'], { cwd: build, encoding: 'utf8' });
  if (mvn.status !== 0) {
    throw new Error(
      `mvn package of the peer failed (${mvn.status ?? mvn.error?.message}):\n${mvn.stdout}${mvn.stderr}`,
    );
  }
  return build;
}

/** Every output of the first portfolios, the peer's against the points our pipeline wrote to `metrics`. */
async function compareSample(s: PeerSettings, output: string): Promise<PeerRun['sample']> {
  const portfolios = s.portfolios.slice(0, SAMPLE_PORTFOLIOS);
  const wanted = new Set(portfolios);
  /** `${metric}|${portfolio}|${ts}` → value. */
  const theirs = new Map<string, number>();
  await readToEnd(s.kafka, s.admin, {
    topic: output,
    groupPrefix: `${s.workspace.prefix}bench.peer-read`,
    timeoutMs: s.timeoutMs,
    onRecords: (records) => {
      for (const r of records) {
        const portfolio = r.key?.toString('utf8');
        if (portfolio === undefined || !wanted.has(portfolio) || r.value === null) continue;
        const ts = Number(r.value.readBigInt64BE(0));
        for (const [metric, at] of Object.entries(FIGURES)) {
          theirs.set(`${metric}|${portfolio}|${ts}`, r.value.readDoubleBE(at));
        }
      }
    },
  });
  const metrics = s.workspace.topic('metrics');
  const metricPartitions = (await s.admin.describeTopics([metrics], []))[0]?.partitions ?? 1;
  const keys = new Set(
    portfolios.flatMap((portfolio) =>
      Object.keys(FIGURES).map((name) => seriesKey(name, { env: 'prod', portfolio })),
    ),
  );
  const ours = new Map<string, number>();
  await readToEnd(s.kafka, s.admin, {
    topic: metrics,
    partitions: [...new Set([...keys].map((k) => partitionOfKey(k, metricPartitions)))],
    groupPrefix: `${s.workspace.prefix}bench.peer-metrics-read`,
    timeoutMs: s.timeoutMs,
    onRecords: (records) => {
      for (const r of records) {
        if (r.key === null || r.value === null || !keys.has(r.key.toString('utf8'))) continue;
        const m = s.metricCodec.decode(r.value);
        ours.set(`${m.name}|${m.labels['portfolio']}|${m.ts}`, m.value);
      }
    },
  });
  const firstMismatches: string[] = [];
  let mismatches = 0;
  for (const [key, value] of theirs) {
    const mine = ours.get(key);
    if (mine === value) continue;
    mismatches += 1;
    if (firstMismatches.length < 5) firstMismatches.push(`${key}: peer ${value}, ours ${mine ?? 'none'}`);
  }
  for (const key of ours.keys()) {
    if (theirs.has(key)) continue;
    mismatches += 1;
    if (firstMismatches.length < 5) firstMismatches.push(`${key}: ours only`);
  }
  return { portfolios, compared: theirs.size, mismatches, firstMismatches };
}

/** ours ÷ peer, marks/s. */
export function overPeer(ours: number, peer: PeerRun): number {
  return round(ours / peer.marksPerSecond, 4);
}
