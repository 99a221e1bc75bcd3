/**
 * A run's own corner of the cluster: a fresh TOPIC_PREFIX with the whole topic catalogue applied, and
 * the clean-up of everything created under it (topics, the processors' changelogs, consumer groups, and
 * the QuestDB tables of the namespace the prefix implies: `tradewatch run` under TOPIC_PREFIX
 * `bench-<run>.` writes `bench_<run>__drawdown`, core/namespace.ts).
 */
import type { KafkaAdmin } from '../runtime/kafka/index.ts';
import { PROCESSOR_NAMES } from '../processors/index.ts';
import { applyTopics, physicalName, processorGroup, removePrefix } from '../topics/index.ts';
import { namespace as namespaceNamed, namespaceOfPrefix, type Namespace } from '../core/namespace.ts';
import { createChangelogs } from './changelogs.ts';
import { dropTables } from './questdb.ts';
import type { Releasers } from './releasers.ts';

export interface Workspace {
  readonly prefix: string;
  /** Physical name of a catalogue topic under the prefix. */
  topic(name: string): string;
  /** The namespace a child run under this prefix writes its QuestDB tables in. */
  readonly namespace: Namespace;
  /** Physical name of a QuestDB table of that namespace (`drawdown` → `bench_<run>__drawdown`). */
  table(name: string): string;
  /** Registers a consumer group to delete at the end. */
  group(id: string): string;
  /** Deletes the groups and topics now (unless `keep`); idempotent, also registered as a releaser. */
  close(): Promise<void>;
}

/**
 * Applies the catalogue under `prefix` (and, unless `changelogMaxMessageBytes` is null, creates the
 * processors' changelogs with that limit: see changelogs.ts) and registers the clean-up (unless `keep`): the consumer
 * groups (the processors' and those registered with `group()`), every topic of the prefix, then the
 * QuestDB tables of its namespace (on `questdbHttpUrl`).
 */
export async function openWorkspace(
  admin: KafkaAdmin,
  prefix: string,
  releasers: Releasers,
  keep: boolean,
  changelogMaxMessageBytes: number | null,
  questdbHttpUrl: string,
): Promise<Workspace> {
  const groups = new Set(PROCESSOR_NAMES.map((p) => processorGroup(p, prefix)));
  const namespace = namespaceNamed(namespaceOfPrefix(prefix));
  if (namespace.name === '') throw new Error(`the prefix ${JSON.stringify(prefix)} implies no namespace`);
  let closing: Promise<void> | undefined;
  const remove = async (): Promise<void> => {
    // A group that never existed (or has no offsets) makes the broker answer with an error: ignore it.
    for (const group of groups) await admin.deleteGroups([group]).catch(() => undefined);
    await removePrefix(admin, prefix, PROCESSOR_NAMES);
    await dropTables(questdbHttpUrl, namespace.tablePrefix);
  };
  const close = (): Promise<void> => (closing ??= keep ? Promise.resolve() : remove());
  releasers.add(`delete the topics and groups under ${prefix}`, close);
  await applyTopics(admin, { prefix });
  if (changelogMaxMessageBytes !== null) await createChangelogs(admin, prefix, changelogMaxMessageBytes);
  return {
    prefix,
    topic: (name) => physicalName(name, prefix),
    namespace,
    table: (name) => namespace.table(name),
    group: (id) => {
      groups.add(id);
      return id;
    },
    close,
  };
}
