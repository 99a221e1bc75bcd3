/**
 * A timer tick: fires the due timers of every ready, caught-up store. Per store, the new states and the
 * outputs are committed in one transaction; a store whose commit fails is rewound (restored), so its
 * timers fire again.
 */
import type { RunnerInput } from './changelogs.ts';
import type { CatchUp } from './catch-up.ts';
import type { Pending } from './outputs.ts';
import type { PartitionStores } from './partition-stores.ts';
import type { RecordHandling } from './record-handler.ts';
import type { RunnerCounters } from './runner-stats.ts';
import type { PartitionState } from './state-store.ts';
import type { Output, SinkRow } from './types.ts';

/** What a tick needs from its runner. */
export interface TickContext<In, State> extends RecordHandling<In, State> {
  readonly inputs: readonly RunnerInput[];
  readonly stores: PartitionStores<State>;
  readonly catchUp: CatchUp;
  readonly counters: RunnerCounters;
  readonly stopping: () => boolean;
  /** Commits a store's changed state with `outgoing` and `rows` (see ProcessorRunner). */
  readonly commit: (
    input: RunnerInput,
    store: PartitionState<State>,
    outgoing: Pending[],
    rows: SinkRow[],
  ) => Promise<void>;
}

export async function tick<In, State>(ctx: TickContext<In, State>): Promise<void> {
  const { processor, stores, catchUp } = ctx;
  const now = ctx.clock.now();
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
          clock: ctx.clock,
          logger: ctx.log,
          topic: input.topic,
          partition: store.partition,
          emit: (output) => void emitted.push(output),
        });
        for (const output of emitted) ctx.outputs.route(output, outgoing, rows);
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
    await ctx.commit(input, store, outgoing, rows);
    ctx.counters.timersFired += due.length;
  }
}
