/**
 * The long-running instances (`run`, `notify`, `schedule run`) by their last heartbeat on the
 * `heartbeats` topic within a window (the last hour by default: an instance silent for longer is
 * forgotten, as the freshness processor forgets it).
 */
import type { SchemaRegistry } from '../../schemas/index.ts';
import { RETIRED_LABEL } from '../../processors/freshness/index.ts';
import type { KafkaAdmin, KafkaClient } from '../kafka/index.ts';
import { readToEnd } from '../kafka/index.ts';
import type { HeartbeatStatus } from './types.ts';

/** The label naming what kind of process sends a heartbeat (`run` when absent). */
export const KIND_LABEL = 'kind';

export interface HeartbeatOptions {
  /** The `heartbeats` topic (physical name). */
  readonly topic: string;
  readonly now: number;
  /** How far back to look, in ms. */
  readonly windowMs: number;
  /** An instance whose last beat is older than this (and not a retirement) is `missing`. */
  readonly missingAfterMs: number;
}

export async function heartbeatStatuses(
  kafka: KafkaClient,
  admin: KafkaAdmin,
  registry: SchemaRegistry,
  options: HeartbeatOptions,
): Promise<HeartbeatStatus[]> {
  if (!(await admin.listTopics()).includes(options.topic)) return [];
  const since = options.now - options.windowMs;
  const codec = registry.codec('Metric');
  const last = new Map<string, { at: number; kind: string; retired: boolean }>();
  await readToEnd(kafka, admin, {
    topic: options.topic,
    from: await admin.offsetsAt(options.topic, since),
    groupPrefix: 'tradewatch-status-heartbeats',
    onRecords: (records) => {
      for (const r of records) {
        if (r.value === null) continue;
        let beat;
        try {
          beat = codec.decode(r.value);
        } catch {
          continue; // Not a heartbeat: the freshness processor dead-letters it.
        }
        const instance = beat.labels['instance'] ?? r.key?.toString('utf8') ?? '';
        const seen = last.get(instance);
        if (seen !== undefined && seen.at > beat.ts) continue;
        last.set(instance, {
          at: beat.ts,
          kind: beat.labels[KIND_LABEL] ?? 'run',
          retired: beat.labels[RETIRED_LABEL] === 'true',
        });
      }
    },
  });
  return [...last]
    .filter(([, b]) => b.at >= since)
    .map(([instance, b]): HeartbeatStatus => ({
      instance,
      kind: b.kind,
      lastAt: b.at,
      state: b.retired ? 'retired' : options.now - b.at > options.missingAfterMs ? 'missing' : 'ok',
    }))
    .sort((a, b) => a.kind.localeCompare(b.kind) || a.instance.localeCompare(b.instance));
}
