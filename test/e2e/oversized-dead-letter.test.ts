/**
 * A record as large as an input topic takes is dead-lettered whole: the dead letter adds its headers,
 * and `dlq` takes that much (max.message.bytes from the catalogue), so the partition never stalls on it.
 */
import { describe, expect, it } from 'vitest';
import { SchemaRegistry } from '../../schemas/index.ts';
import { physicalName } from '../../topics/index.ts';
import { testKafka } from '../helpers/kafka.ts';
import { pipelinePrefix, startPipeline } from '../helpers/pipeline.ts';
import { readDeadLetters, readTopic } from '../helpers/topics.ts';
import { waitFor } from '../helpers/wait-for.ts';

const registry = await SchemaRegistry.load();
const T0 = Date.UTC(2026, 0, 5, 9);

describe('an input record near the broker’s size limit', () => {
  it('is dead-lettered whole, and the records after it are processed', async () => {
    const prefix = await pipelinePrefix('oversized');
    const marks = physicalName('portfolio.marks', prefix);
    const mark = (ts: number, equity: number) =>
      registry.codec('PortfolioMark').encode({ portfolio: 'alpha', env: 'prod', ts, equity, cash: null });
    // Just under what portfolio.marks takes (the broker's default, about 1 MiB with the record's framing).
    const huge = Buffer.alloc(1_048_336, 0x7b);
    const producer = await testKafka().producer();
    try {
      await producer.send([{ topic: marks, key: 'alpha', partition: 0, value: huge }]);
      await producer.send([
        { topic: marks, key: 'alpha', partition: 0, value: mark(T0, 1_000_000) },
        { topic: marks, key: 'alpha', partition: 0, value: mark(T0 + 60_000, 900_000) },
      ]);
    } finally {
      await producer.close();
    }
    const pipeline = await startPipeline(prefix, ['--processors', 'drawdown', '--no-heartbeat']);
    const metrics = await waitFor(
      'the marks after it processed',
      async () => {
        const read = await readTopic(physicalName('metrics', prefix), 'Metric');
        return read.length >= 8 ? read : undefined;
      },
      { timeoutMs: 45_000, intervalMs: 500 },
    );
    expect(metrics.some((m) => m.name === 'drawdown_1h' && Math.abs(m.value - 0.1) < 1e-12)).toBe(true);
    const [letter, ...more] = await readDeadLetters(physicalName('dlq', prefix));
    expect(more).toEqual([]);
    expect(letter?.error.code).toBe('TW_DECODE_NOT_SINGLE_OBJECT');
    expect(letter?.value?.equals(huge)).toBe(true);
    expect(pipeline.child.exitCode).toBeNull();
  });
});
