/**
 * PartitionState, the keyed store of the live runner and the virtual runner: one slot per key (the
 * record path looks a key up once), the changed keys written once per `takeChanges` in the order they
 * first changed, and timers found through a lower bound that never hides a due key.
 */
import { describe, expect, it } from 'vitest';
import { decodeState, encodeState } from '../../../runtime/processor/state-codec.ts';
import { PartitionState } from '../../../runtime/processor/state-store.ts';

interface S {
  readonly n: number;
  readonly due?: number;
}

const timer = (state: S): number | null => state.due ?? null;
const decoded = (changes: { key: string; value: Buffer | null }[]) =>
  changes.map(({ key, value }) => [key, value === null ? null : decodeState(value)]);

describe('PartitionState', () => {
  it('writes each changed key once, last state, in the order keys first changed; slot and set agree', () => {
    const store = new PartitionState<S>(3);
    store.set('b', { n: 1 });
    store.set('a', { n: 1 });
    const slot = store.slot('b')!;
    store.update(slot, { n: 2 });
    store.set('b', { n: 3 });
    expect(store.get('b')).toEqual({ n: 3 });
    expect(slot.state).toEqual({ n: 3 });
    expect(decoded(store.takeChanges())).toEqual([
      ['b', { n: 3 }],
      ['a', { n: 1 }],
    ]);
    expect(store.takeChanges()).toEqual([]);
    // After a write, a change marks the key again, once.
    store.update(store.slot('a')!, { n: 4 });
    store.update(store.slot('a')!, { n: 5 });
    expect(decoded(store.takeChanges())).toEqual([['a', { n: 5 }]]);
    expect(store.slot('zz')).toBeUndefined();
    expect(store.size).toBe(2);
  });

  it('restores without marking, and a null record removes the key (a removal pending is written as null)', () => {
    const store = new PartitionState<S>(0);
    store.restore('a', encodeState({ n: 7 }));
    store.restore('b', encodeState({ n: 8 }));
    expect(store.takeChanges()).toEqual([]);
    expect(store.get('a')).toEqual({ n: 7 });
    store.set('b', { n: 9 });
    store.restore('b', null);
    expect(store.get('b')).toBeUndefined();
    expect(store.size).toBe(1);
    expect(decoded(store.takeChanges())).toEqual([['b', null]]);
    store.set('b', { n: 10 });
    expect(decoded(store.takeChanges())).toEqual([['b', { n: 10 }]]);
  });

  it('finds every due timer, earliest first, whichever way due times move between calls', () => {
    const store = new PartitionState<S>(0, timer);
    expect(store.dueKeys(1_000)).toEqual([]);
    store.set('late', { n: 0, due: 500 });
    store.set('early', { n: 0, due: 200 });
    store.set('none', { n: 0 });
    expect(store.dueKeys(100)).toEqual([]);
    expect(store.dueKeys(300)).toEqual(['early']);
    // A key moved earlier than anything seen so far is found at once.
    store.set('none', { n: 1, due: 50 });
    expect(store.dueKeys(60)).toEqual(['none']);
    // Keys moved later or without a timer are not due any more.
    store.update(store.slot('none')!, { n: 2 });
    store.update(store.slot('early')!, { n: 1, due: 400 });
    expect(store.dueKeys(350)).toEqual([]);
    expect(store.dueKeys(Infinity)).toEqual(['early', 'late']);
    // A restored state's timer counts, and a removed key's does not.
    store.restore('r', encodeState({ n: 0, due: 10 }));
    store.restore('late', null);
    expect(store.dueKeys(450)).toEqual(['r', 'early']);
  });
});
