/**
 * A run's own corner of the cluster: a fresh TOPIC_PREFIX with the whole topic catalogue applied, and
 * the clean-up of everything created under it (topics, the processors' changelogs, consumer groups).
 */
import type { KafkaAdmin } from '../runtime/kafka/index.ts';
import { PROCESSOR_NAMES } from '../processors/index.ts';
import { applyTopics, physicalName, processorGroup, removePrefix } from '../topics/index.ts';
import { createChangelogs } from './changelogs.ts';
import type { Releasers } from './releasers.ts';

export interface Workspace {
  readonly prefix: string;
  /** Physical name of a catalogue topic under the prefix. */
  topic(name: string): string;
  /** Registers a consumer group to delete at the end. */
  group(id: string): string;
  /** Deletes the groups and topics now (unless `keep`); idempotent, also registered as a releaser. */
  close(): Promise<void>;
}

/**
 * Applies the catalogue under `prefix` (and, unless `changelogMaxMessageBytes` is null, creates the
 * processors' changelogs with that limit: see changelogs.ts) and registers the clean-up (unless `keep`): the consumer
 * groups (the processors' and those registered with `group()`), then every topic of the prefix.
 */
export async function openWorkspace(
  admin: KafkaAdmin,
  prefix: string,
  releasers: Releasers,
  keep: boolean,
  changelogMaxMessageBytes: number | null,
): Promise<Workspace> {
  const groups = new Set(PROCESSOR_NAMES.map((p) => processorGroup(p, prefix)));
  let closing: Promise<void> | undefined;
  const remove = async (): Promise<void> => {
    // A group that never existed (or has no offsets) makes the broker answer with an error: ignore it.
    for (const group of groups) await admin.deleteGroups([group]).catch(() => undefined);
    await removePrefix(admin, prefix, PROCESSOR_NAMES);
  };
  const close = (): Promise<void> => (closing ??= keep ? Promise.resolve() : remove());
  releasers.add(`delete the topics and groups under ${prefix}`, close);
  await applyTopics(admin, { prefix });
  if (changelogMaxMessageBytes !== null) await createChangelogs(admin, prefix, changelogMaxMessageBytes);
  return {
    prefix,
    topic: (name) => physicalName(name, prefix),
    group: (id) => {
      groups.add(id);
      return id;
    },
    close,
  };
}
