/**
 * A tradewatch instance that stops on purpose sends a last heartbeat labelled `retired="true"`: its
 * source is retired (no staleness, no timers, a stale spell resolved) until it beats again; an instance
 * that just stops beating (a crash, a hang) still goes stale.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.ts';
import {
  RETIRED_LABEL,
  createFreshnessProcessor,
  type FreshnessRecord,
  type FreshnessState,
} from '../../../processors/freshness/index.ts';
import { VirtualRunner } from '../../../runtime/processor/index.ts';
import { BASE_YAML, MINUTE, SECOND, T0, heartbeat, options, rows, staleStory } from './helpers.ts';

const harness = () =>
  new VirtualRunner<FreshnessRecord, FreshnessState>(createFreshnessProcessor(options(BASE_YAML)), {
    clock: new ManualClock(T0),
  });

const retirement = (instance: string, ts: number) => {
  const beat = heartbeat(instance, ts);
  return { ...beat, labels: { ...beat.labels, [RETIRED_LABEL]: 'true' } };
};

describe('freshness processor: retired instances', () => {
  it('retires an instance that stops on purpose: no stale point while it is down, resumed when back', () => {
    const h = harness();
    h.feed('heartbeats', heartbeat('host-1', T0), { key: 'host-1' });
    h.clock.set(T0 + SECOND);
    const retired = h.feed('heartbeats', retirement('host-1', T0 + SECOND), { key: 'host-1' });
    expect(rows(retired.outputs, 'freshness').map((r) => r.symbols['event'])).toEqual(['retired']);
    expect(staleStory(retired.outputs)).toEqual([[0, T0 + SECOND, 'host-1', 'prod']]);
    expect(h.timers().size).toBe(0);
    // Down for ten minutes (heartbeat_interval 1 s + slack 2 s would have made it stale long ago).
    expect(staleStory(h.advanceTo(T0 + 10 * MINUTE))).toEqual([]);
    const back = h.feed('heartbeats', heartbeat('host-1', h.clock.now()), { key: 'host-1' });
    expect(rows(back.outputs, 'freshness').map((r) => r.symbols['event'])).toEqual(['resumed']);
    expect(staleStory(back.outputs)).toEqual([[0, T0 + 10 * MINUTE, 'host-1', 'prod']]);
    expect([...h.timers().values()]).toEqual([T0 + 10 * MINUTE + 3 * SECOND]);
  });

  it('still raises a stopped instance that sent no retirement (a crash or a hang)', () => {
    const h = harness();
    h.feed('heartbeats', heartbeat('host-1', T0), { key: 'host-1' });
    // (forget_after is 1 min in this configuration.)
    expect(staleStory(h.advanceTo(T0 + 30 * SECOND))).toEqual([[1, T0 + 3 * SECOND, 'host-1', 'prod']]);
  });

  it('resolves a stale spell with the retirement that ends it, and ignores a retirement of an unknown instance', () => {
    const h = harness();
    h.feed('heartbeats', heartbeat('host-1', T0), { key: 'host-1' });
    expect(staleStory(h.advanceTo(T0 + 5 * SECOND))).toEqual([[1, T0 + 3 * SECOND, 'host-1', 'prod']]);
    const retired = h.feed('heartbeats', retirement('host-1', T0 + 5 * SECOND), { key: 'host-1' });
    expect(staleStory(retired.outputs)).toEqual([[0, T0 + 5 * SECOND, 'host-1', 'prod']]);
    const unknown = h.feed('heartbeats', retirement('host-9', T0 + 5 * SECOND), { key: 'host-9' });
    expect(unknown.outputs).toEqual([]);
    expect(h.timers().size).toBe(0);
  });
});
