/**
 * Fills `portfolio.marks` before the throughput phases: the marks encoded with the PortfolioMark codec,
 * keyed by portfolio as the catalogue says, produced through the Kafka port's producer in large batches
 * (one `send` in flight at a time: the port's producer is idempotent, and concurrent sends could
 * reorder a partition's batches).
 */
import type { KafkaClient } from '../runtime/kafka/index.ts';
import type { OutgoingRecord } from '../runtime/kafka/index.ts';
import type { Codec, PortfolioMark } from '../schemas/index.ts';
import { progress, num } from './progress.ts';

export interface PreloadResult {
  readonly marks: number;
  readonly bytes: number;
  readonly ms: number;
  readonly marksPerSecond: number;
}

export async function preloadMarks(
  kafka: KafkaClient,
  topic: string,
  codec: Codec<PortfolioMark>,
  marks: Iterable<PortfolioMark>,
  total: number,
  batchSize = 20_000,
): Promise<PreloadResult> {
  const producer = await kafka.producer();
  const started = performance.now();
  let sent = 0;
  let bytes = 0;
  let lastReport = started;
  try {
    let batch: OutgoingRecord[] = [];
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      await producer.send(batch);
      sent += batch.length;
      batch = [];
      if (performance.now() - lastReport > 5000) {
        lastReport = performance.now();
        progress(`  pre-load: ${num(sent)} / ${num(total)} marks`);
      }
    };
    for (const mark of marks) {
      const value = codec.encode(mark);
      bytes += value.length + mark.portfolio.length;
      batch.push({ topic, key: mark.portfolio, value });
      if (batch.length >= batchSize) await flush();
    }
    await flush();
  } finally {
    await producer.close();
  }
  const ms = performance.now() - started;
  return { marks: sent, bytes, ms: Math.round(ms), marksPerSecond: Math.round((sent / ms) * 1000) };
}
