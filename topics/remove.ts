import type { KafkaAdmin } from '../core/kafka-port.ts';
import { TOPICS, changelogTopic, physicalName, processorGroup } from './catalogue.ts';

/**
 * Removes everything tradewatch keeps under a TOPIC_PREFIX: the catalogue's topics, the changelogs and
 * consumer groups of `processors`. What does not exist is skipped. For the demo's reset, tests and
 * benchmarks; the groups must be empty (no instance running).
 */
export async function removePrefix(
  admin: KafkaAdmin,
  prefix: string,
  processors: readonly string[],
): Promise<string[]> {
  // A group that never existed is fine; one that still has members is not ours to remove.
  await admin.deleteGroups(processors.map((p) => processorGroup(p, prefix))).catch(() => undefined);
  const existing = new Set(await admin.listTopics());
  const changelogs = (name: string) =>
    [...existing].filter(
      (t) =>
        t === changelogTopic(name, prefix) ||
        (t.startsWith(`${prefix}tradewatch.${name}.`) && t.endsWith('.changelog')),
    );
  const topics = [
    ...TOPICS.map((t) => physicalName(t.name, prefix)).filter((t) => existing.has(t)),
    ...processors.flatMap(changelogs),
  ];
  if (topics.length > 0) await admin.deleteTopics(topics);
  return topics;
}
