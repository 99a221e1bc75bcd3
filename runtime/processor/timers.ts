/**
 * A timer tick: fires the due timers of every ready, caught-up store. Per store, the new states and the
 * outputs are committed in one transaction; a store whose commit fails is rewound (restored), so its
 * timers fire again.
 */
import type { CatchUp } from './catch-up.ts';
import type { Committer } from './commit.ts';
import type { Pending, RunnerOutputs } from './outputs.ts';
import type { PartitionStores } from './partition-stores.ts';
import type { RunnerContext } from './runner-context.ts';
import type { Output, SinkRow } from '../../processors/contract.ts';

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
    const due = store.dueKeys(now);
    if (due.length === 0) continue;
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
