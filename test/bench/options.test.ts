/**
 * The benchmark's flags (bench/options.ts): the latency rates and the phase switches added for issue 13.
 * The benchmark itself asserts nothing (DESIGN.md, principle 9); this checks its flag parsing only.
 */
import { describe, expect, it } from 'vitest';
import { UsageError, parseOptions } from '../../bench/options.ts';
import { metricEvents, recentEvents } from '../../bench/processor-events.ts';

describe('bench options', () => {
  it('runs the latency phase at 1,000, 5,000 and 20,000 marks/s by default, every phase on', () => {
    const options = parseOptions([]);
    expect(options?.latencyRates).toEqual([1_000, 5_000, 20_000]);
    expect(options?.skipScaling).toBe(false);
    expect(options?.skipProcessors).toBe(false);
  });

  it('takes the rates in the order given, --rate as one rate, and --skip-scaling', () => {
    expect(parseOptions(['--latency-rates', '20000, 1_000'])).toMatchObject({
      latencyRates: [20_000, 1_000],
    });
    expect(parseOptions(['--rate', '5000'])).toMatchObject({ latencyRates: [5_000] });
    expect(parseOptions(['--skip-scaling'])).toMatchObject({ skipScaling: true });
  });

  it.each([
    [['--latency-rates', '1000,0'], /--latency-rates must be an integer >= 1, got "0"/],
    [['--latency-rates', '1000,,5000'], /--latency-rates must be an integer >= 1, got ""/],
    [['--latency-rates', '1000,1000'], /lists a rate twice/],
    [['--latency-rates', '1000', '--rate', '5000'], /not both/],
  ])('refuses %j, saying why', (argv, message) => {
    expect(() => parseOptions(argv)).toThrow(UsageError);
    expect(() => parseOptions(argv)).toThrow(message);
  });
});

describe('phase 4 inputs', () => {
  it('end a minute before now, in event-time order, so that retention keeps them', () => {
    const now = Date.UTC(2026, 11, 7, 12, 0, 0);
    const events = recentEvents(metricEvents, 5_000, now);
    expect(events).toHaveLength(5_000);
    expect(events.at(-1)?.ts).toBe(now - 60_000);
    for (let i = 1; i < events.length; i += 1) {
      expect(events[i]!.ts).toBeGreaterThanOrEqual(events[i - 1]!.ts);
    }
    expect((events[0]!.value as { ts: number }).ts).toBe(events[0]!.ts);
  });
});
