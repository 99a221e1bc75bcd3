/**
 * A timer tick: creates the state of the processor's expected keys that have none yet, then fires the
 * due timers, in every ready, caught-up store. Per store, the new states and the outputs are committed
 * in one transaction; a store whose commit fails is rewound (restored), so its timers fire again and
 * its expected keys are created again (at that tick's time: nothing was committed).
 */
import type { CatchUp } from './catch-up.ts';
import type { Committer } from './commit.ts';
import type { Pending, RunnerOutputs } from './outputs.ts';
import type { PartitionStores } from './partition-stores.ts';
import type { RunnerContext } from './runner-context.ts';
import type { Output, SinkRow } from '../../processors/contract.ts';
import { partitionOfKey } from '../../topics/partition-of.ts';
import type { RunnerInput } from './changelogs.ts';
import type { PartitionState } from './state-store.ts';

/** The runner's parts a tick works with. */
export interface TickParts<In, State> {
  readonly stores: PartitionStores<In, State>;
  readonly catchUp: CatchUp<In, State>;
  readonly outputs: RunnerOutputs<In, State>;
  readonly committer: Committer<In, State>;
}

export async function tick<In, State>(
  ctx: RunnerContext<In, State>,
  parts: TickParts<In, State>,
): Promise<void> {
  const { stores, catchUp } = parts;
  const { processor, clock } = ctx.options;
  const now = clock.now();
  ctx.counters.ticks += 1;
  for (const [id, store] of stores.ready()) {
    if (ctx.stopping()) return;
    if (!stores.isReady(id, store)) continue;
    const input = ctx.inputs.find((i) => id.endsWith(`@${i.physical}`))!;
    if (!catchUp.isCaughtUp(id)) {
      if (!catchUp.isTracked(id)) catchUp.start(input, [store.partition]);
      continue;
    }
    const expected = createExpected(ctx, input, store, catchUp.partitionCount(input.physical), now);
    const due = store.dueKeys(now);
    if (due.length === 0 && expected === 0) continue;
    const outgoing: Pending[] = [];
    const rows: SinkRow[] = [];
    for (const key of due) {
      const state = store.get(key);
      if (state === undefined) continue;
      const emitted: Output[] = [];
      try {
        const next = processor.onTimer!(key, state, {
          clock,
          logger: ctx.log,
          topic: input.topic,
          partition: store.partition,
          emit: (output) => void emitted.push(output),
        });
        for (const output of emitted) parts.outputs.route(output, outgoing, rows);
        store.set(key, next);
      } catch (error: unknown) {
        ctx.log.error(
          { err: error, topic: input.physical, partition: store.partition, key },
          'the processor failed on a timer (a bug: please report it); it fires again on the next tick',
        );
        stores.rewind(input, store.partition);
        return;
      }
    }
    await parts.committer.commit({ stores: [{ input, store }], outgoing, rows });
    ctx.counters.timersFired += due.length;
  }
}

/**
 * Creates the state of each expected key of the processor whose records land in `store`'s partition
 * and that has no state yet (never seen, or lost with nothing committed); returns how many.
 */
function createExpected<In, State>(
  ctx: RunnerContext<In, State>,
  input: RunnerInput,
  store: PartitionState<State>,
  partitions: number | undefined,
  now: number,
): number {
  const { processor } = ctx.options;
  if (processor.expected === undefined || processor.expectedState === undefined) return 0;
  if (partitions === undefined || partitions === 0) return 0;
  let created = 0;
  for (const expected of processor.expected) {
    if (expected.topic !== input.topic || partitionOfKey(expected.key, partitions) !== store.partition)
      continue;
    const { key, state } = processor.expectedState(expected, now);
    if (store.get(key) !== undefined) continue;
    store.set(key, state);
    created += 1;
    ctx.log.info(
      { topic: input.physical, partition: store.partition, key: expected.key },
      `watching ${expected.key} before its first record`,
    );
  }
  return created;
}
