import { describe, expect, it } from 'vitest';
import {
  DAY_MS as DAY,
  HOUR_MS as HOUR,
  MINUTE_MS as MINUTE,
  SECOND_MS as SECOND,
  durationPattern,
  formatDuration,
  parseDuration,
  parseDurationOrNever,
} from '../../core/durations.ts';

const unitless = (value: unknown) => parseDuration(value, { unitless: true });

describe('durations: the one grammar', () => {
  it('reads 0 and parts from the largest unit, as Prometheus writes them', () => {
    expect(
      ['0', '30s', '5m', '1h30m', '2d', '1w', '500ms', '1m30s500ms'].map((t) => parseDuration(t)),
    ).toEqual([0, 30_000, 300_000, 5_400_000, 172_800_000, 604_800_000, 500, 90_500]);
    for (const bad of ['', '5', '1m1h', '-1m', '5x', '1 week', '2 days', 'never'])
      expect(parseDuration(bad), bad).toBeUndefined();
    expect(parseDuration(0)).toBe(0);
    expect(parseDuration(300)).toBeUndefined(); // a number needs its unit, unless unitless
  });

  it('takes fractions when whole milliseconds, a space before the unit, spaces around', () => {
    expect(
      ['500ms', '90s', '30m', '12h', '7d', '2w', '1.5h', '0s', '1.1s', '30 s', ' 5m '].map((t) =>
        parseDuration(t),
      ),
    ).toEqual([
      500,
      90_000,
      30 * MINUTE,
      12 * HOUR,
      7 * DAY,
      14 * DAY,
      90 * MINUTE,
      0,
      1100,
      30 * SECOND,
      5 * MINUTE,
    ]);
    for (const bad of ['7', 'd', '-1d', '1.0001ms', '1 day', ''])
      expect(parseDuration(bad), bad).toBeUndefined();
  });

  it('reads numbers without unit as milliseconds where a field allows it', () => {
    expect(['500ms', '30s', '15m', '2h', '7d', 0, 250, '0', '250'].map(unitless)).toEqual([
      500,
      30 * SECOND,
      15 * MINUTE,
      2 * HOUR,
      7 * DAY,
      0,
      250,
      0,
      250,
    ]);
    for (const bad of ['-1s', '1 week', 1.5, -1, -5, null, '2 days']) expect(unitless(bad)).toBeUndefined();
    expect(parseDurationOrNever('never')).toBeNull();
    expect(parseDurationOrNever(null)).toBeNull();
  });

  it('gives the grammar as a pattern (the JSON Schemas use it)', () => {
    expect(durationPattern().test('1h30m')).toBe(true);
    expect(durationPattern().test('5')).toBe(false);
    expect(durationPattern({ unitless: true }).test('5')).toBe(true);
  });

  it('writes every unit from the largest, or one number in the largest unit up to days', () => {
    expect([0, 1500, 5_400_000, 604_800_000 + 1000].map((ms) => formatDuration(ms))).toEqual([
      '0s',
      '1s500ms',
      '1h30m',
      '1w1s',
    ]);
    expect(
      [7 * DAY, 90 * MINUTE, 1500, 0, 500, 90_000, 14 * DAY].map((ms) => formatDuration(ms, 'largest')),
    ).toEqual(['7d', '90m', '1500ms', '0ms', '500ms', '90s', '14d']);
  });
});
