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
import { toError } from '../../core/errors.ts';
import { readToEnd } from '../kafka/index.ts';
import type { RunnerInput } from './changelogs.ts';
import type { RunnerContext } from './runner-context.ts';
import { PartitionState } from './state-store.ts';

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

/** An empty store of `partition` (a partition without state yet). */
export function emptyStore<In, State>(
  ctx: RunnerContext<In, State>,
  partition: number,
): PartitionState<State> {
  const { processor } = ctx.options;
  return new PartitionState<State>(partition, processor.timer?.bind(processor));
}

/** Restores `partitions` of `input` into fresh stores. */
export async function restoreFromChangelog<In, State>(
  ctx: RunnerContext<In, State>,
  input: RunnerInput,
  partitions: readonly number[],
): Promise<Map<number, PartitionState<State>>> {
  const { log, options } = ctx;
  const admin = ctx.admin();
  const started = options.clock.now();
  const fences = await ctx.fenceProducer().send(
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
    await untilAborted(admin.waitUntilVisible(fences, RESTORE_FENCE_WAIT_MS), ctx.stopSignal);
  } finally {
    clearTimeout(waiting);
  }
  const stores = new Map(partitions.map((p) => [p, emptyStore(ctx, p)]));
  let keys = 0;
  await readToEnd(options.kafka, admin, {
    topic: input.changelog,
    partitions,
    groupPrefix: `${ctx.groupId}.restore`,
    signal: ctx.stopSignal,
    onRecords: (records) => {
      for (const r of records) {
        if (r.key === null) continue;
        stores.get(r.partition)?.restore(r.key.toString('utf8'), r.value);
        keys += 1;
      }
    },
  });
  ctx.stopSignal.throwIfAborted();
  ctx.counters.restoredKeys += keys;
  log.info(
    { topic: input.physical, partitions, changelogRecords: keys, ms: options.clock.now() - started },
    'state restored from the changelog',
  );
  return stores;
}

/** `work`, or the signal's reason as soon as it is aborted (`work` is left to settle on its own). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', abort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', abort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(toError(error));
      },
    );
  });
}
