/**
 * The state of every alert, read from the `alerts` topic itself: the latest record of each fingerprint
 * (its key, so one partition holds its whole history in order). What is firing right now, whether or
 * not a dispatcher has ever run: `tradewatch alerts list` shows it, and a dispatcher's first start
 * delivers it.
 */
import { SEVERITIES, type Alert, type SchemaRegistry } from '../schemas/index.ts';
import type { KafkaAdmin, KafkaClient, RecordPosition } from './kafka/index.ts';
import { readToEnd } from './kafka/index.ts';

export interface AlertStateSnapshot {
  /** The latest state of each alert, by fingerprint. */
  readonly alerts: ReadonlyMap<string, Alert>;
  /** Where the read ended, per partition: the next offset (what a consumer starting after it commits). */
  readonly ends: readonly RecordPosition[];
  /** Records that did not decode (the dispatcher dead-letters them). */
  readonly undecodable: number;
}

/** Reads `topic` (physical name) up to its end as it is now. */
export async function readAlertState(
  kafka: KafkaClient,
  admin: KafkaAdmin,
  registry: SchemaRegistry,
  topic: string,
): Promise<AlertStateSnapshot> {
  const ends = (await admin.offsets(topic)).map((p) => ({ topic, partition: p.partition, offset: p.high }));
  const end = new Map(ends.map((e) => [e.partition, BigInt(e.offset)]));
  const codec = registry.codec('Alert');
  const alerts = new Map<string, Alert>();
  let undecodable = 0;
  await readToEnd(kafka, admin, {
    topic,
    groupPrefix: 'tradewatch-alert-state',
    onRecords: (records) => {
      for (const r of records) {
        // Only what was there at the snapshot: the ends are where a consumer goes on from.
        if (BigInt(r.offset) >= (end.get(r.partition) ?? 0n) || r.value === null) continue;
        try {
          const alert = codec.decode(r.value);
          alerts.set(alert.fingerprint, alert);
        } catch {
          undecodable += 1;
        }
      }
    },
  });
  return { alerts, ends, undecodable };
}

/** The firing alerts of a snapshot, in {@link compareAlerts} order. */
export function firingAlerts(snapshot: AlertStateSnapshot): Alert[] {
  return [...snapshot.alerts.values()].filter((a) => a.status === 'firing').sort(compareAlerts);
}

/** Firing before resolved, most severe first, then oldest first. */
export function compareAlerts(a: Alert, b: Alert): number {
  const firing = (x: Alert) => (x.status === 'firing' ? 0 : 1);
  return (
    firing(a) - firing(b) ||
    severityRank(a) - severityRank(b) ||
    a.starts_at - b.starts_at ||
    a.fingerprint.localeCompare(b.fingerprint)
  );
}

// The schema's severities, most severe first.
const severityRank = (a: Alert): number => SEVERITIES.indexOf(a.severity);
