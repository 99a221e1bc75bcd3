/**
 * Rebuilding the state of some partitions of an input from their changelog partitions.
 *
 * The fence: a read-committed reader cannot pass a partition's last stable offset (LSO), the start of
 * its oldest open transaction, and the broker reports the LSO as the partition's end. A previous owner
 * that died in a transaction leaves it open until the broker aborts it (the transaction timeout);
 * state committed after it by a later owner (one that also died: a crash loop) would then lie beyond
 * the reported end and be missed. So the restore first appends a tombstone of its own to each
 * partition and waits until readers can see it: every earlier transaction has then ended, and reading
 * to the end reads all the committed state.
 */
import type { Clock } from '../clock.ts';
import { readToEnd, type KafkaAdmin, type KafkaClient, type KafkaProducer } from '../kafka/index.ts';
import type { Logger } from '../logger.ts';
import type { RunnerInput } from './changelogs.ts';
import type { PartitionState } from './state-store.ts';

/**
 * The key of the restore fence: a tombstone no state ever has (state keys are the processors' own and
 * never start with NUL), so restoring it changes nothing.
 */
const RESTORE_FENCE_KEY = '\u0000tradewatch.restore-fence';

/**
 * How long a restore waits for an earlier owner's open transaction to end (the broker aborts it after
 * the transaction timeout, 15 s by default).
 */
const RESTORE_FENCE_WAIT_MS = 60_000;

/** What a restore reads and writes with. */
export interface RestoreClients {
  readonly kafka: KafkaClient;
  readonly admin: KafkaAdmin;
  /** A plain producer for the fences (outside the batches' transactions). */
  readonly fenceProducer: KafkaProducer;
  /** The processor's group: the throw-away readers' groups are named after it. */
  readonly groupId: string;
  readonly clock: Clock;
  readonly log: Logger;
}

/** Restores `partitions` of `input` into fresh stores (from `newStore`); returns them and the keys read. */
export async function restoreFromChangelog<State>(
  clients: RestoreClients,
  input: RunnerInput,
  partitions: readonly number[],
  newStore: (partition: number) => PartitionState<State>,
): Promise<{ stores: Map<number, PartitionState<State>>; keys: number }> {
  const { admin, log, clock } = clients;
  const started = clock.now();
  const fences = await clients.fenceProducer.send(
    partitions.map((partition) => ({
      topic: input.changelog,
      partition,
      key: RESTORE_FENCE_KEY,
      value: null,
    })),
  );
  const waiting = setTimeout(
    () =>
      log.info(
        { changelog: input.changelog, partitions },
        'restore: waiting for an earlier owner’s open transaction to end (the broker aborts it after the transaction timeout)',
      ),
    1000,
  );
  try {
    await admin.waitUntilVisible(fences, RESTORE_FENCE_WAIT_MS);
  } finally {
    clearTimeout(waiting);
  }
  const stores = new Map(partitions.map((p) => [p, newStore(p)]));
  let keys = 0;
  await readToEnd(clients.kafka, admin, {
    topic: input.changelog,
    partitions,
    groupPrefix: `${clients.groupId}.restore`,
    onRecords: (records) => {
      for (const r of records) {
        if (r.key === null) continue;
        stores.get(r.partition)?.restore(r.key.toString('utf8'), r.value);
        keys += 1;
      }
    },
  });
  log.info(
    { topic: input.physical, partitions, changelogRecords: keys, ms: clock.now() - started },
    'state restored from the changelog',
  );
  return { stores, keys };
}
