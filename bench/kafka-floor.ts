/**
 * Phase 1d, the Kafka floor: how fast the Kafka port (kafkajs) alone sends what the drawdown pipeline
 * sends to Kafka, with nothing else to do. The metric records the pipeline of phase 1b wrote are read
 * back into memory (keys and values as they are, at most `maxRecords`), then sent again, to a scratch
 * topic with as many partitions, through the port's transactional producer (`sendAtomically`) in
 * transactions as large as the pipeline's (records per commit): one warm-up pass, then three timed ones
 * (each from its first send to its last commit), the figure their median. Read as marks/s (records/s ÷ metric records per mark) it is a ceiling on what any runtime on
 * this Kafka client can reach for the drawdown job, however cheap its own work, and ÷ the peer's
 * marks/s it says whether the goal is reachable on kafkajs at all.
 */
import { randomUUID } from 'node:crypto';
import {
  readToEnd,
  type KafkaAdmin,
  type KafkaClient,
  type KafkaProducer,
  type OutgoingRecord,
} from '../runtime/kafka/index.ts';
import { num, progress, round } from './progress.ts';
import { seededRandom } from './random.ts';
import type { Workspace } from './workspace.ts';

export interface KafkaFloorSettings {
  readonly kafka: KafkaClient;
  readonly admin: KafkaAdmin;
  readonly workspace: Workspace;
  /** Metric records the pipeline wrote per mark (phase 1b's metrics offsets ÷ its marks). */
  readonly recordsPerMark: number;
  /** Records per transaction: as many as the pipeline's commits carried on average. */
  readonly recordsPerCommit: number;
  /** At most this many records are read back and sent (memory: about 250 B each). */
  readonly maxRecords: number;
}

export interface KafkaFloorResult {
  readonly records: number;
  readonly transactions: number;
  readonly recordsPerCommit: number;
  readonly ms: number;
  /** CPU seconds of this process over the sends (kafkajs's encoding, mostly). */
  readonly cpuSeconds: number;
  readonly recordsPerSecond: number;
  /** recordsPerSecond ÷ metric records per mark. */
  readonly marksPerSecond: number;
  /** The first (warm-up) pass, kafkajs cold. */
  readonly coldRecordsPerSecond: number;
  /** Each timed pass. */
  readonly passes: readonly number[];
}

export async function runKafkaFloor(s: KafkaFloorSettings): Promise<KafkaFloorResult> {
  const source = s.workspace.topic('metrics');
  const target = `${s.workspace.prefix}floor.metrics`;
  const partitions = (await s.admin.offsets(source)).length;
  await s.admin.createTopics([{ name: target, partitions, replicationFactor: 1, configs: {} }]);
  progress(`phase 1d: the Kafka floor: reading back up to ${num(s.maxRecords)} metric records of ${source}`);
  const records: OutgoingRecord[] = [];
  const done = new AbortController();
  await readToEnd(s.kafka, s.admin, {
    topic: source,
    groupPrefix: `${s.workspace.prefix}bench.floor-read`,
    timeoutMs: 300_000,
    signal: done.signal,
    onRecords: (batch) => {
      for (const r of batch) {
        if (records.length >= s.maxRecords) break;
        // Keys and values as the pipeline sent them; the partition is the producer's, as in the pipeline.
        records.push({ topic: target, key: r.key?.toString('utf8') ?? null, value: r.value });
      }
      if (records.length >= s.maxRecords) done.abort();
    },
  });
  // The order the pipeline sent them in is lost across partitions; interleave them so that each
  // transaction, like the pipeline's, spans every partition.
  shuffle(records);
  // Copied in the new order: a pipeline creates its records in the order it sends them, whereas the
  // shuffle scatters them over the heap, and kafkajs then took about 1.7x the CPU per record (cache
  // misses: 3.6 against 2.1 µs in a small script sending the same records shuffled, then shuffled and
  // copied), a cost of the shuffle, not of the client.
  for (let i = 0; i < records.length; i += 1) {
    const r = records[i]!;
    records[i] = {
      topic: r.topic,
      key: typeof r.key === 'string' ? Buffer.from(r.key, 'utf8').toString('utf8') : r.key,
      value: r.value === null ? null : Buffer.from(r.value),
    };
  }
  const perCommit = Math.max(1, Math.round(s.recordsPerCommit));
  progress(
    `  sending ${num(records.length)} records to ${target} in transactions of ${num(perCommit)} (the pipeline's)`,
  );
  const producer = await s.kafka.producer({ transactionalId: `${s.workspace.prefix}floor-${randomUUID()}` });
  try {
    // The first pass warms kafkajs up (a cold pass ran at about 0.3x the warm ones here); then the
    // timed passes, the figure their median.
    const passes: Pass[] = [];
    for (let pass = 0; pass <= TIMED_PASSES; pass += 1) {
      passes.push(await sendAll(producer, records, perCommit));
      const p = passes.at(-1)!;
      progress(
        `  ${pass === 0 ? 'warm-up' : `pass ${pass}`}: ${num((records.length * 1000) / p.ms)} records/s ` +
          `(${num(p.ms / 1000, 1)} s, ${num(p.cpuSeconds, 1)} CPU s)`,
      );
    }
    const [cold, ...timed] = passes;
    const median = [...timed].sort((a, b) => a.ms - b.ms)[Math.floor(timed.length / 2)]!;
    const recordsPerSecond = (records.length * 1000) / median.ms;
    const result: KafkaFloorResult = {
      records: records.length,
      transactions: median.transactions,
      recordsPerCommit: perCommit,
      ms: round(median.ms, 1),
      cpuSeconds: median.cpuSeconds,
      recordsPerSecond: Math.round(recordsPerSecond),
      marksPerSecond: Math.round(recordsPerSecond / s.recordsPerMark),
      coldRecordsPerSecond: Math.round((records.length * 1000) / cold!.ms),
      passes: timed.map((p) => Math.round((records.length * 1000) / p.ms)),
    };
    progress(
      `  the floor: ${num(result.recordsPerSecond)} records/s = ${num(result.marksPerSecond)} marks/s ` +
        `(median of ${TIMED_PASSES} warm passes; the cold one: ${num(result.coldRecordsPerSecond)} records/s)`,
    );
    return result;
  } finally {
    await producer.close();
  }
}

/** Timed passes after the warm-up. */
const TIMED_PASSES = 3;

interface Pass {
  readonly ms: number;
  readonly cpuSeconds: number;
  readonly transactions: number;
}

async function sendAll(
  producer: KafkaProducer,
  records: readonly OutgoingRecord[],
  perCommit: number,
): Promise<Pass> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  let transactions = 0;
  for (let i = 0; i < records.length; i += perCommit) {
    await producer.sendAtomically(records.slice(i, i + perCommit));
    transactions += 1;
  }
  const used = process.cpuUsage(cpu);
  return {
    ms: performance.now() - started,
    cpuSeconds: round((used.user + used.system) / 1e6, 2),
    transactions,
  };
}

/** Fisher–Yates with a fixed seed: the same order every run. */
function shuffle<T>(items: T[]): void {
  const random = seededRandom(0x2545f491);
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random.next() * (i + 1));
    const item = items[i]!;
    items[i] = items[j]!;
    items[j] = item;
  }
}
