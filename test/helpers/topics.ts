import { createKafkaClient, readToEnd } from '../../runtime/kafka/index.ts';
import { silentLogger } from '../../core/logger.ts';
import { SchemaRegistry, type RecordTypeName, type RecordTypes } from '../../schemas/index.ts';
import { inject } from 'vitest';
import { readDeadLetter, type DeadLetter } from '../../topics/index.ts';

const registry = SchemaRegistry.load();

/** Every committed record of a topic (physical name), decoded. */
export async function readTopic<N extends RecordTypeName>(topic: string, type: N): Promise<RecordTypes[N][]> {
  const codec = (await registry).codec(type);
  const out: RecordTypes[N][] = [];
  await readRaw(topic, (r) => {
    if (r.value) out.push(codec.decode(r.value));
  });
  return out;
}

/** Every committed dead letter of a dlq topic (physical name). */
export async function readDeadLetters(topic: string): Promise<DeadLetter[]> {
  const out: DeadLetter[] = [];
  await readRaw(topic, (r) => out.push(readDeadLetter(r.key, r.value, r.headers)));
  return out;
}

async function readRaw(
  topic: string,
  each: (r: { key: Buffer | null; value: Buffer | null; headers: Readonly<Record<string, Buffer>> }) => void,
): Promise<void> {
  const kafka = createKafkaClient({ brokers: inject('services').kafkaBrokers, logger: silentLogger() });
  const admin = await kafka.admin();
  try {
    await readToEnd(kafka, admin, {
      topic,
      groupPrefix: 'tw-test-read',
      onRecords: (records) => records.forEach(each),
    });
  } finally {
    await admin.close();
  }
}
