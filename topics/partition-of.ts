/**
 * The partition a producer picks for a keyed record: murmur2 of the key's UTF-8 bytes, made positive,
 * modulo the topic's partition count, as the Java client (and kafkajs's default partitioner) does. Pure,
 * so the virtual runner places records where the live producer would without a Kafka client.
 */
import { TOPICS } from './catalogue.ts';

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** Kafka's murmur2 hash (32-bit, signed) of the first `length` bytes of `data`. */
export function murmur2(data: Uint8Array, length = data.length): number {
  let h = SEED ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    h = Math.imul(h, M) ^ Math.imul(k, M);
  }
  switch (length & 3) {
    case 3:
      h ^= data[whole + 2]! << 16;
    // falls through
    case 2:
      h ^= data[whole + 1]! << 8;
    // falls through
    case 1:
      h = Math.imul(h ^ data[whole]!, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  return h ^ (h >>> 15);
}

const encoder = new TextEncoder();
/** Reused for every key (a UTF-8 character takes at most 3 bytes per UTF-16 unit). */
let buffer = new Uint8Array(256);

/** The partition of `key` among `partitions`. */
export function partitionOfKey(key: string, partitions: number): number {
  if (buffer.length < key.length * 3) buffer = new Uint8Array(key.length * 3);
  const { written } = encoder.encodeInto(key, buffer);
  return (murmur2(buffer, written) & 0x7fffffff) % partitions;
}

/** The partition count of a catalogue topic (logical name); 1 for a topic not in the catalogue. */
export function partitionsOf(topic: string): number {
  return TOPICS.find((t) => t.name === topic)?.partitions ?? 1;
}
