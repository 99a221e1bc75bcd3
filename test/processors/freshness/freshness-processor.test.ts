import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.ts';
import { silentLogger } from '../../../core/logger.ts';
import type { Output } from '../../../processors/contract.ts';
import {
  createFreshnessProcessor,
  type FreshnessRecord,
  type FreshnessState,
} from '../../../processors/freshness/index.ts';
import { VirtualRunner } from '../../../runtime/processor/index.ts';
import {
  BASE_YAML,
  MINUTE,
  SECOND,
  T0,
  cycle,
  heartbeat,
  ingestRun,
  mark,
  options,
  points,
  rows,
  signal,
  staleStory,
} from './helpers.ts';

const harness = (yaml = BASE_YAML) =>
  new VirtualRunner<FreshnessRecord, FreshnessState>(createFreshnessProcessor(options(yaml)), {
    clock: new ManualClock(T0),
  });

/** Feeds an ingest run of `ingest` keyed by its name, seen now (Kafka timestamp = the clock). */
const run = (h: ReturnType<typeof harness>, ingest: string, extra: Parameters<typeof ingestRun>[3] = {}) =>
  h.feed('ingest.runs', ingestRun(ingest, h.clock.now(), 'success', extra), { key: ingest });

describe('freshness processor: contract', () => {
  it('reads the configured topics, keys state by topic and Kafka key, and starts empty', () => {
    const processor = createFreshnessProcessor(options(BASE_YAML));
    expect(processor.name).toBe('freshness');
    expect(processor.inputs).toEqual([
      { topic: 'ingest.runs', type: 'IngestRun' },
      { topic: 'inference.cycles', type: 'InferenceCycle' },
      { topic: 'heartbeats', type: 'Metric' },
      { topic: 'signals', type: 'Signal' },
      { topic: 'portfolio.marks', type: 'PortfolioMark' },
    ]);
    const source = {
      topic: 'ingest.runs',
      type: 'IngestRun' as const,
      partition: 1,
      offset: '7',
      key: 'binance-klines',
      timestamp: T0,
    };
    const record = ingestRun('binance-klines', T0);
    expect(processor.key(record, source)).toBe('ingest.runs|binance-klines');
    expect(processor.initialState('ingest.runs|binance-klines', record, source)).toEqual({
      topic: 'ingest.runs',
      source: 'binance-klines',
      envs: {},
    });
  });

  it('falls back to the catalogue key for a record without a Kafka key, and rejects one without either', () => {
    const h = harness();
    const fed = h.feed('ingest.runs', ingestRun('coinmetrics', T0), { key: null });
    expect(fed.rejected).toBeNull();
    expect(h.state('ingest.runs', 'ingest.runs|coinmetrics')?.source).toBe('coinmetrics');
    // A heartbeat without a key and without its instance label: nobody to attribute it to.
    const orphan = h.feed(
      'heartbeats',
      { name: 'tradewatch_heartbeat', labels: {}, value: 1, ts: T0 },
      { key: null },
    );
    expect(orphan.rejected).toMatch(/without a Kafka key, and without a usable the instance id/);
    expect(h.deadLetters).toHaveLength(1);
  });
});

describe('freshness processor: silence', () => {
  it('raises exactly one stale point at the due time, and one fresh point when data returns', () => {
    const h = harness();
    run(h, 'coinmetrics');
    // Due: seen T0 + cadence 10 s + slack 5 s = T0 + 15 s.
    expect(h.timers()).toEqual(new Map([['ingest.runs|0|ingest.runs|coinmetrics', T0 + 15 * SECOND]]));
    expect(h.advanceTo(T0 + 15 * SECOND - 1)).toEqual([]);
    const fired = h.advanceTo(T0 + 15 * SECOND);
    expect(staleStory(fired)).toEqual([[1, T0 + 15 * SECOND, 'coinmetrics', 'prod']]);
    expect(points(fired, 'source_staleness_ms').map((p) => p.value)).toEqual([15 * SECOND]);
    expect(points(fired)[0]?.labels).toEqual({ env: 'prod', source: 'coinmetrics', topic: 'ingest.runs' });
    // Stale: no timer left (no forget_after, no reports), so silence goes on without a repeat.
    expect(h.timers().size).toBe(0);
    expect(h.advanceTo(T0 + 10 * MINUTE)).toEqual([]);

    h.clock.set(T0 + 11 * MINUTE);
    const back = run(h, 'coinmetrics');
    expect(staleStory(back.outputs)).toEqual([[0, T0 + 11 * MINUTE, 'coinmetrics', 'prod']]);
    const [resumed] = rows(back.outputs, 'freshness');
    expect(resumed?.symbols['event']).toBe('resumed');
    // Silent from T0 to T0 + 11 min.
    expect(resumed?.columns['silence_ms']).toBe(11 * MINUTE);
    expect(staleStory(h.outputs)).toEqual([
      [0, T0, 'coinmetrics', 'prod'], // first seen
      [1, T0 + 15 * SECOND, 'coinmetrics', 'prod'],
      [0, T0 + 11 * MINUTE, 'coinmetrics', 'prod'],
    ]);
    // Re-armed from the new record: due at T0 + 11 min + 15 s.
    expect([...h.timers().values()]).toEqual([T0 + 11 * MINUTE + 15 * SECOND]);
    expect(staleStory(h.advanceTo(T0 + 12 * MINUTE))).toEqual([
      [1, T0 + 11 * MINUTE + 15 * SECOND, 'coinmetrics', 'prod'],
    ]);
  });

  it('moves the due time with every record, so a source on cadence never goes stale', () => {
    const h = harness();
    for (let i = 0; i < 10; i++) {
      h.clock.set(T0 + i * 14 * SECOND);
      run(h, 'coinmetrics');
      expect(h.advanceTo(T0 + i * 14 * SECOND + 14 * SECOND - 1)).toEqual([]);
    }
    // The last record at T0 + 126 s: due at T0 + 141 s.
    expect([...h.timers().values()]).toEqual([T0 + 141 * SECOND]);
    expect(staleStory(h.outputs)).toEqual([[0, T0, 'coinmetrics', 'prod']]);
  });

  it('stamps a stale point with its due time even when the timer fires late', () => {
    const h = harness();
    run(h, 'coinmetrics');
    // A tick 25 s after the due time (the pipeline was busy or down): the source went stale at T0 + 15 s.
    const fired = h.advanceTo(T0 + 40 * SECOND);
    expect(staleStory(fired)).toEqual([[1, T0 + 15 * SECOND, 'coinmetrics', 'prod']]);
    expect(rows(fired, 'freshness')[0]).toMatchObject({
      ts: T0 + 15 * SECOND,
      symbols: { event: 'stale' },
      columns: { staleness_ms: 15 * SECOND, last_seen: T0, due_at: T0 + 15 * SECOND, records: 1 },
    });
  });

  it('plays a due transition before a record that arrives ahead of the tick: the outputs do not depend on ticks', () => {
    const h = harness();
    run(h, 'coinmetrics');
    h.clock.set(T0 + 20 * SECOND);
    // No tick since T0, due at T0 + 15 s: the record itself closes the episode it proves.
    const fed = run(h, 'coinmetrics');
    expect(staleStory(fed.outputs)).toEqual([
      [1, T0 + 15 * SECOND, 'coinmetrics', 'prod'],
      [0, T0 + 20 * SECOND, 'coinmetrics', 'prod'],
    ]);
    // The same story as with a tick in between.
    const ticked = harness();
    run(ticked, 'coinmetrics');
    ticked.advanceTo(T0 + 16 * SECOND);
    ticked.clock.set(T0 + 20 * SECOND);
    run(ticked, 'coinmetrics');
    expect(staleStory(ticked.outputs)).toEqual(staleStory(h.outputs));
  });

  it('measures seen time by the Kafka timestamp, capped at the wall clock', () => {
    const h = harness();
    // Produced 5 s ago (a consumer behind by 5 s): due at T0 - 5 s + 15 s.
    h.feed('ingest.runs', ingestRun('a', T0 - 5 * SECOND), { key: 'a', timestamp: T0 - 5 * SECOND });
    // A producer clock 1 h ahead: capped at now, so the due time is not pushed an hour out.
    h.feed('ingest.runs', ingestRun('b', T0), { key: 'b', timestamp: T0 + 60 * MINUTE });
    expect(h.timers()).toEqual(
      new Map([
        ['ingest.runs|0|ingest.runs|a', T0 + 10 * SECOND],
        ['ingest.runs|0|ingest.runs|b', T0 + 15 * SECOND],
      ]),
    );
  });

  it('counts a record older than the newest seen but does not move the due time with it', () => {
    const h = harness();
    run(h, 'a');
    h.clock.set(T0 + 5 * SECOND);
    h.feed('ingest.runs', ingestRun('a', T0 + 5 * SECOND), { key: 'a', timestamp: T0 - SECOND });
    expect(h.state('ingest.runs', 'ingest.runs|a')?.envs['prod']?.freshness).toMatchObject({
      last_seen: T0,
      due_at: T0 + 15 * SECOND,
      records: 2,
    });
  });

  it('resolves a stale spell that a lagging record disproves, never stamping before the stale point', () => {
    const h = harness();
    run(h, 'a');
    h.advanceTo(T0 + 15 * SECOND + 300);
    // Produced at T0 + 14 s (before the due time) but consumed after the tick fired.
    h.clock.set(T0 + 16 * SECOND);
    const fed = h.feed('ingest.runs', ingestRun('a', T0 + 14 * SECOND), {
      key: 'a',
      timestamp: T0 + 14 * SECOND,
    });
    expect(staleStory(fed.outputs)).toEqual([[0, T0 + 15 * SECOND, 'a', 'prod']]);
  });

  it('applies the first matching override of a key, and ignores ignored keys for silence only', () => {
    const h = harness();
    for (const ingest of ['plain', 'slow-eod', 'fast-7', 'fast-x', 'sandbox-1']) run(h, ingest);
    expect(Object.fromEntries([...h.timers()].map(([k, v]) => [k.split('|').at(-1), v - T0]))).toEqual({
      plain: 15 * SECOND, // 10 s + 5 s
      'slow-eod': 65 * SECOND, // 1 min + the topic's 5 s slack
      'fast-7': 2 * SECOND, // 2 s + 0
      'fast-x': 15 * SECOND, // the regex is anchored: fast-x is not fast-[0-9]+
    });
    // The ignored ingest still gets its health points, and no freshness output.
    const sandbox = h.outputs.filter((o) => o.kind === 'metric' && o.metric.labels['source'] === 'sandbox-1');
    expect(sandbox).toEqual([]);
    expect(points(h.outputs, 'ingest_failed').map((p) => p.labels['ingest'])).toContain('sandbox-1');
  });

  it('keeps a source per env: one env silent while another keeps producing', () => {
    const h = harness();
    for (let i = 0; i <= 3; i++) {
      h.clock.set(T0 + i * 10 * SECOND);
      h.feed('portfolio.marks', mark('alpha', h.clock.now(), 'prod'), { key: 'alpha' });
      if (i === 0) h.feed('portfolio.marks', mark('alpha', h.clock.now(), 'paper'), { key: 'alpha' });
      h.advanceTo(h.clock.now());
    }
    // paper: seen at T0 only, stale at T0 + 15 s; prod: seen every 10 s, never stale.
    expect(staleStory(h.outputs).filter(([value]) => value === 1)).toEqual([
      [1, T0 + 15 * SECOND, 'alpha', 'paper'],
    ]);
  });

  it('takes the env from the record, from a valid env label, or from the topic', () => {
    const h = harness();
    h.feed('signals', signal('BTC-USD', T0), { key: 'BTC-USD' });
    h.feed('signals', signal('ETH-USD', T0, { env: 'paper' }), { key: 'ETH-USD' });
    h.feed('signals', signal('SOL-USD', T0, { env: 'dev' }), { key: 'SOL-USD' });
    h.feed('heartbeats', heartbeat('host-1', T0), { key: 'host-1' });
    expect(staleStory(h.outputs).map(([, , source, env]) => `${source}:${env}`)).toEqual([
      'BTC-USD:staging', // the topic's env
      'ETH-USD:paper',
      'SOL-USD:staging', // dev is no env
      'host-1:prod', // the file's env
    ]);
  });

  it('watches heartbeats at the heartbeat interval, which the runtime may set', () => {
    const h = harness();
    h.feed('heartbeats', heartbeat('host-1', T0), { key: 'host-1' });
    // heartbeat_interval 1 s + slack 2 s.
    expect([...h.timers().values()]).toEqual([T0 + 3 * SECOND]);
    const five = new VirtualRunner<FreshnessRecord, FreshnessState>(
      createFreshnessProcessor({ ...options(BASE_YAML), heartbeatIntervalMs: 5 * SECOND }),
      { clock: new ManualClock(T0) },
    );
    five.feed('heartbeats', heartbeat('host-1', T0), { key: 'host-1' });
    expect([...five.timers().values()]).toEqual([T0 + 7 * SECOND]);
  });

  it('forgets a source silent past forget_after, resolving it, and takes it back when it returns', () => {
    const h = harness();
    h.feed('heartbeats', heartbeat('host-1', T0), { key: 'host-1' });
    expect(staleStory(h.advanceTo(T0 + 3 * SECOND))).toEqual([[1, T0 + 3 * SECOND, 'host-1', 'prod']]);
    // forget_after 1 min from the last seen time.
    expect([...h.timers().values()]).toEqual([T0 + MINUTE]);
    const forgotten = h.advanceTo(T0 + MINUTE);
    expect(staleStory(forgotten)).toEqual([[0, T0 + MINUTE, 'host-1', 'prod']]);
    expect(rows(forgotten, 'freshness')[0]?.symbols['event']).toBe('forgotten');
    expect(h.timers().size).toBe(0);
    h.clock.set(T0 + 2 * MINUTE);
    const back = h.feed('heartbeats', heartbeat('host-1', h.clock.now()), { key: 'host-1' });
    expect(rows(back.outputs, 'freshness').map((r) => r.symbols['event'])).toEqual(['resumed']);
    expect(staleStory(h.advanceTo(T0 + 2 * MINUTE + 3 * SECOND))).toEqual([
      [1, T0 + 2 * MINUTE + 3 * SECOND, 'host-1', 'prod'],
    ]);
  });

  it('reports staleness and lag at aligned slots, fresh or stale, without making up missed slots', () => {
    const h = harness(BASE_YAML.replace('report_every: never', 'report_every: 10s'));
    h.clock.set(T0 + 3 * SECOND);
    // Event time 2 s before it was seen: lag 2 s.
    h.feed('ingest.runs', ingestRun('a', T0 + SECOND), { key: 'a' });
    expect([...h.timers().values()]).toEqual([T0 + 10 * SECOND]); // the next slot
    const first = h.advanceTo(T0 + 10 * SECOND);
    expect(points(first).map((p) => [p.name, p.value, p.ts - T0])).toEqual([
      ['source_staleness_ms', 7 * SECOND, 10 * SECOND],
      ['source_lag_ms', 2 * SECOND, 10 * SECOND],
    ]);
    // Stale at 3 s + 15 s = 18 s; the ticks at 20 s and 30 s are missed; at 45 s: stale (at 18 s), then one report, of slot 40 s.
    const late = h.advanceTo(T0 + 45 * SECOND);
    expect(points(late).map((p) => [p.name, p.value, p.ts - T0])).toEqual([
      ['source_stale', 1, 18 * SECOND],
      ['source_staleness_ms', 15 * SECOND, 18 * SECOND],
      ['source_staleness_ms', 37 * SECOND, 40 * SECOND],
      ['source_lag_ms', 2 * SECOND, 40 * SECOND],
    ]);
    expect([...h.timers().values()]).toEqual([T0 + 50 * SECOND]);
  });

  it('fires a due timer once after a crash that lost its firing, and not again after one that kept it', () => {
    const h = harness();
    run(h, 'a');
    run(h, 'b');
    h.commit();
    // a's firing is lost (crash before the commit); it fires again, identically.
    const lost = h.advanceTo(T0 + 16 * SECOND);
    h.crash();
    const again = h.advanceTo(T0 + 17 * SECOND);
    expect(again).toEqual(lost);
    expect(staleStory(again)).toEqual([
      [1, T0 + 15 * SECOND, 'a', 'prod'],
      [1, T0 + 15 * SECOND, 'b', 'prod'],
    ]);
    // Committed this time: a restart (crash) does not fire it again.
    h.commit();
    h.crash();
    expect(h.advanceTo(T0 + 60 * SECOND)).toEqual([]);
  });
});

describe('freshness processor: configuration changes across a restart', () => {
  const context = (now: number, emitted: Output[]) => ({
    clock: new ManualClock(now),
    logger: silentLogger(),
    topic: 'ingest.runs',
    partition: 0,
    emit: (o: Output) => void emitted.push(o),
  });

  it('applies a longer cadence at the old due time: not stale, timer moved', () => {
    const before = harness();
    run(before, 'a');
    const state = before.state('ingest.runs', 'ingest.runs|a')!;
    const after = createFreshnessProcessor(options(BASE_YAML.replace('cadence: 10s', 'cadence: 1m')));
    const emitted: Output[] = [];
    const next = after.onTimer!('ingest.runs|a', state, context(T0 + 15 * SECOND, emitted));
    expect(emitted).toEqual([]);
    // 1 min + 5 s.
    expect(after.timer!(next)).toBe(T0 + 65 * SECOND);
  });

  it('closes the stale spell of a key that is now ignored', () => {
    const before = harness();
    run(before, 'a');
    before.advanceTo(T0 + 15 * SECOND);
    const state = before.state('ingest.runs', 'ingest.runs|a')!;
    const after = createFreshnessProcessor(
      options(BASE_YAML.replace("ignore: ['sandbox-*']", "ignore: ['a']")),
    );
    const emitted: Output[] = [];
    const next = after.onTimer!('ingest.runs|a', state, context(T0 + 20 * SECOND, emitted));
    expect(staleStory(emitted)).toEqual([[0, T0 + 20 * SECOND, 'a', 'prod']]);
    expect(rows(emitted, 'freshness')[0]?.symbols['event']).toBe('unwatched');
    expect(after.timer!(next)).toBeNull();
  });
});

describe('freshness processor: inference cycles are sources too', () => {
  it('goes stale when a strategy stops cycling', () => {
    const h = harness();
    h.feed('inference.cycles', cycle('momentum', T0), { key: 'momentum' });
    // 1 min + 30 s.
    expect(staleStory(h.advanceTo(T0 + 90 * SECOND))).toEqual([[1, T0 + 90 * SECOND, 'momentum', 'prod']]);
  });
});
