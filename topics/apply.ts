/**
 * Makes a cluster match the catalogue: creates missing topics and reports drift (partitions,
 * replication, managed configs) of existing ones. Config drift is fixed only when asked (`fix`);
 * partition counts are never changed here, since that moves keys between partitions. Topics an
 * earlier version created and this one no longer uses (RETIRED_TOPICS) are reported, never deleted.
 */
import type { KafkaAdmin } from '../core/kafka-port.ts';
import {
  MANAGED_TOPIC_CONFIGS,
  RETIRED_TOPICS,
  TOPICS,
  physicalName,
  topicConfigs,
  type TopicDefinition,
} from './catalogue.ts';

export interface ApplyOptions {
  /** TOPIC_PREFIX. Default ''. */
  readonly prefix?: string;
  /** Replication factor of created topics. Default 1 (a one-node cluster); use 3 in production. */
  readonly replicationFactor?: number;
  /** Alter drifted topic configs back to the catalogue's. Default false (report only). */
  readonly fix?: boolean;
  /** Only these logical topics (and no obsolete ones reported). Default all. */
  readonly only?: readonly string[];
}

export interface Drift {
  readonly topic: string;
  readonly what: string;
  readonly expected: string;
  readonly actual: string;
  /** Whether `fix` corrected it. */
  readonly fixed: boolean;
}

/** A retired topic still on the cluster. */
export interface ObsoleteTopic {
  /** Physical name. */
  readonly topic: string;
  /** Why nothing uses it any more. */
  readonly why: string;
}

export interface ApplyReport {
  readonly created: string[];
  readonly unchanged: string[];
  readonly drift: Drift[];
  readonly obsolete: ObsoleteTopic[];
}

export async function applyTopics(admin: KafkaAdmin, options: ApplyOptions = {}): Promise<ApplyReport> {
  const prefix = options.prefix ?? '';
  const replicationFactor = options.replicationFactor ?? 1;
  const wanted = (TOPICS as readonly TopicDefinition[]).filter(
    (t) => !options.only || options.only.includes(t.name),
  );
  const retired = options.only ? [] : RETIRED_TOPICS;
  const names = [...wanted, ...retired].map((t) => physicalName(t.name, prefix));
  const existing = new Map(
    (await admin.describeTopics(names, MANAGED_TOPIC_CONFIGS)).map((t) => [t.name, t]),
  );

  const missing = wanted.filter((t) => !existing.has(physicalName(t.name, prefix)));
  if (missing.length > 0) {
    await admin.createTopics(
      missing.map((t) => ({
        name: physicalName(t.name, prefix),
        partitions: t.partitions,
        replicationFactor,
        configs: topicConfigs(t),
      })),
    );
  }

  const drift: Drift[] = [];
  const unchanged: string[] = [];
  for (const topic of wanted) {
    const name = physicalName(topic.name, prefix);
    const actual = existing.get(name);
    if (!actual) continue;
    const found: Drift[] = [];
    if (actual.partitions !== topic.partitions) {
      found.push({
        topic: name,
        what: 'partitions',
        expected: String(topic.partitions),
        actual: String(actual.partitions),
        fixed: false,
      });
    }
    const expectedConfigs = topicConfigs(topic);
    const configDrift = Object.entries(expectedConfigs).filter(([k, v]) => actual.configs[k] !== v);
    if (configDrift.length > 0 && options.fix) {
      await admin.alterTopicConfigs(name, expectedConfigs);
    }
    for (const [k, v] of configDrift) {
      found.push({
        topic: name,
        what: k,
        expected: v,
        actual: actual.configs[k] ?? '(unset)',
        fixed: options.fix === true,
      });
    }
    if (found.length === 0) unchanged.push(name);
    drift.push(...found);
  }
  const obsolete = retired
    .map((t) => ({ topic: physicalName(t.name, prefix), why: t.why }))
    .filter((t) => existing.has(t.topic));
  return { created: missing.map((t) => physicalName(t.name, prefix)), unchanged, drift, obsolete };
}
