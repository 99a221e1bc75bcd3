import { describe, expect, it } from 'vitest';
import { durationPattern, formatDuration, parseDuration } from '../../runtime/durations.ts';

describe('durations', () => {
  it('parses one <digits><unit> by default, from w to ms', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('2w')).toBe(1_209_600_000); // 2 × 7 × 86400000
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration(' 5m ')).toBe(300_000); // trimmed by default
    expect(parseDuration('1h30m')).toBeUndefined(); // one part only
    expect(parseDuration('500')).toBeUndefined(); // no bare numbers
    expect(parseDuration(500)).toBeUndefined(); // nor YAML numbers
    expect(parseDuration('never')).toBeUndefined();
  });

  it('keeps each syntax option apart', () => {
    expect(parseDuration('1h30m', { compound: 'ordered' })).toBe(5_400_000); // 3600000 + 30 × 60000
    expect(parseDuration('30m1h', { compound: 'ordered' })).toBeUndefined();
    expect(parseDuration('30m1h', { compound: 'any' })).toBe(5_400_000);
    expect(parseDuration('1.5h', { fractions: true })).toBe(5_400_000); // 1.5 × 3600000
    expect(parseDuration('0.5ms', { fractions: true })).toBeUndefined(); // not whole ms
    expect(parseDuration('250', { bare: 'ms' })).toBe(250);
    expect(parseDuration('0', { bare: 'zero' })).toBe(0);
    expect(parseDuration('5', { bare: 'zero' })).toBeUndefined();
    expect(parseDuration(250, { numbers: true })).toBe(250);
    expect(parseDuration(-1, { numbers: true })).toBeUndefined();
    expect(parseDuration(' 5m', { trim: false })).toBeUndefined();
    expect(parseDuration('30 s', { spaced: true })).toBe(30_000);
    expect(parseDuration('30 s')).toBeUndefined();
    expect(parseDuration('2w', { units: ['d', 'h', 'm', 's', 'ms'] })).toBeUndefined();
    expect(parseDuration('never', { never: true })).toBeNull();
    expect(parseDuration(null, { never: true })).toBeNull();
  });

  it('gives the ordered syntax as a pattern (the rules JSON Schema uses it)', () => {
    expect(durationPattern({ compound: 'ordered', bare: 'zero' }).source).toBe(
      '^(?:0|(?=\\d)(?:\\d+w)?(?:\\d+d)?(?:\\d+h)?(?:\\d+m)?(?:\\d+s)?(?:\\d+ms)?)$',
    );
  });

  it('formats in every unit or in the largest that divides', () => {
    expect(formatDuration(5_400_000, { style: 'compound' })).toBe('1h30m');
    expect(formatDuration(1_500, { style: 'compound' })).toBe('1s500ms');
    expect(formatDuration(0, { style: 'compound', zero: '0s' })).toBe('0s');
    expect(formatDuration(5_400_000, { style: 'largest' })).toBe('90m'); // 5400000 / 60000
    expect(formatDuration(604_800_000, { style: 'largest' })).toBe('1w');
    expect(formatDuration(604_800_000, { style: 'largest', units: ['d', 'h', 'm', 's'] })).toBe('7d');
    expect(formatDuration(1_500, { style: 'largest' })).toBe('1500ms');
    expect(formatDuration(0, { style: 'largest' })).toBe('0ms');
  });
});
