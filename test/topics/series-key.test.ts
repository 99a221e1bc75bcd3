/** The key of a metric series: `name{k1=v1,k2=v2}`, labels sorted by name, whatever their order. */
import { describe, expect, it } from 'vitest';
import { seriesKey } from '../../topics/index.ts';

describe('seriesKey', () => {
  it('sorts the labels by name and writes them as k=v pairs', () => {
    expect(seriesKey('drawdown_1h', { portfolio: 'p1', env: 'prod' })).toBe(
      'drawdown_1h{env=prod,portfolio=p1}',
    );
    expect(seriesKey('drawdown_1h', { env: 'prod', portfolio: 'p1' })).toBe(
      'drawdown_1h{env=prod,portfolio=p1}',
    );
    expect(seriesKey('x', { c: '3', a: '1', b: '2' })).toBe('x{a=1,b=2,c=3}');
  });

  it('keeps a single label, and no labels, as they are', () => {
    expect(seriesKey('lag_ms', { source: 'github' })).toBe('lag_ms{source=github}');
    expect(seriesKey('up', {})).toBe('up{}');
  });
});
