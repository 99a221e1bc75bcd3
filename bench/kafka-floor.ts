/**
 * Phase 1d, the Kafka floor: how fast the Kafka port (kafkajs) alone sends what the drawdown pipeline
 * sends to Kafka, with nothing else to do. The metric records the pipeline of phase 1b wrote are read
 * back into memory (keys and values as they are, at most `maxRecords`), then sent again, to a scratch
 * topic with as many partitions, through the port's transactional producer (`sendAtomically`) in
 * transactions as large as the pipeline's (records per commit), timed from the first send to the last
 * commit. Read as marks/s (records/s ÷ metric records per mark) it is a ceiling on what any runtime on
 * this Kafka client can reach for the drawdown job, however cheap its own work, and ÷ the peer's
 * marks/s it says whether the goal is reachable on kafkajs at all.
 */
import { randomUUID } from 'node:crypto';
import { readToEnd, type KafkaAdmin, type KafkaClient, type OutgoingRecord } from '../runtime/kafka/index.ts';
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
  const perCommit = Math.max(1, Math.round(s.recordsPerCommit));
  progress(
    `  sending ${num(records.length)} records to ${target} in transactions of ${num(perCommit)} (the pipeline's)`,
  );
  const producer = await s.kafka.producer({ transactionalId: `${s.workspace.prefix}floor-${randomUUID()}` });
  try {
    const cpu = process.cpuUsage();
    const started = performance.now();
    let transactions = 0;
    for (let i = 0; i < records.length; i += perCommit) {
      await producer.sendAtomically(records.slice(i, i + perCommit));
      transactions += 1;
    }
    const ms = performance.now() - started;
    const used = process.cpuUsage(cpu);
    const recordsPerSecond = (records.length * 1000) / ms;
    const result: KafkaFloorResult = {
      records: records.length,
      transactions,
      recordsPerCommit: perCommit,
      ms: round(ms, 1),
      cpuSeconds: round((used.user + used.system) / 1e6, 2),
      recordsPerSecond: Math.round(recordsPerSecond),
      marksPerSecond: Math.round(recordsPerSecond / s.recordsPerMark),
    };
    progress(
      `  the floor: ${num(result.recordsPerSecond)} records/s = ${num(result.marksPerSecond)} marks/s ` +
        `(${num(ms / 1000, 1)} s, ${num(result.cpuSeconds, 1)} CPU s)`,
    );
    return result;
  } finally {
    await producer.close();
  }
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
