/**
 * A run's own corner of the cluster: a fresh TOPIC_PREFIX with the whole topic catalogue applied, and
 * the clean-up of everything created under it (topics, the processors' changelogs, consumer groups).
 */
import type { KafkaAdmin } from '../runtime/kafka/index.ts';
import { PROCESSOR_NAMES } from '../processors/index.ts';
import { TOPICS, applyTopics, changelogTopic, physicalName, processorGroup } from '../topics/index.ts';
import type { Releasers } from './releasers.ts';

export interface Workspace {
  readonly prefix: string;
  /** Physical name of a catalogue topic under the prefix. */
  topic(name: string): string;
  /** Registers a consumer group to delete at the end. */
  group(id: string): string;
}

/**
 * Applies the catalogue under `prefix` and registers the clean-up (unless `keep`): the consumer
 * groups (the processors' and those registered with `group()`), then every topic of the prefix.
 */
export async function openWorkspace(
  admin: KafkaAdmin,
  prefix: string,
  releasers: Releasers,
  keep: boolean,
): Promise<Workspace> {
  const groups = new Set(PROCESSOR_NAMES.map((p) => processorGroup(p, prefix)));
  if (!keep) {
    releasers.add(`delete the topics under ${prefix}`, async () => {
      await admin.deleteGroups([...groups]).catch(() => undefined);
      const existing = new Set(await admin.listTopics());
      const names = [
        ...TOPICS.map((t) => physicalName(t.name, prefix)),
        ...PROCESSOR_NAMES.map((p) => changelogTopic(p, prefix)),
      ].filter((t) => existing.has(t));
      if (names.length > 0) await admin.deleteTopics(names);
    });
  }
  await applyTopics(admin, { prefix });
  return {
    prefix,
    topic: (name) => physicalName(name, prefix),
    group: (id) => {
      groups.add(id);
      return id;
    },
  };
}
