import { describe, expect, it } from 'vitest';
import { boundRead, topicLag } from '../../../runtime/status/index.ts';

describe('topicLag', () => {
  const ends = [
    { partition: 0, low: '0', high: '10' },
    { partition: 1, low: '5', high: '8' },
    { partition: 2, low: '0', high: '0' },
  ];
  it('adds end − committed per partition; a partition never committed counts from its first stored record', () => {
    const committed = [{ topic: 't', partition: 0, offset: '7', metadata: null }];
    expect(topicLag(ends, committed, 't')).toBe(3 + 3);
  });
  it('ignores other topics, and a committed offset below the first stored record counts from that record', () => {
    const committed = [
      { topic: 'other', partition: 0, offset: '0', metadata: null },
      { topic: 't', partition: 0, offset: '10', metadata: null },
      { topic: 't', partition: 1, offset: '2', metadata: null },
    ];
    expect(topicLag(ends, committed, 't')).toBe(0 + 3);
  });
  it('passes 2^53 without losing a record', () => {
    const big = [{ partition: 0, low: '0', high: '9007199254740995' }];
    expect(
      topicLag(big, [{ topic: 't', partition: 0, offset: '9007199254740993', metadata: null }], 't'),
    ).toBe(2);
  });
});

describe('boundRead', () => {
  it('reads the whole window when it holds no more than the bound', () => {
    const from = [
      { partition: 0, offset: '4' },
      { partition: 1, offset: '0' },
    ];
    const ends = [
      { partition: 0, high: '10' },
      { partition: 1, high: '4' },
    ];
    expect(boundRead(from, ends, 10)).toEqual({ from, truncated: false });
  });
  it('beyond the bound, reads the newest records of each partition in proportion to its share', () => {
    const from = [
      { partition: 0, offset: '0' },
      { partition: 1, offset: '100' },
      { partition: 2, offset: '5' },
    ];
    const ends = [
      { partition: 0, high: '300' },
      { partition: 1, high: '200' },
      { partition: 2, high: '5' },
    ];
    expect(boundRead(from, ends, 40)).toEqual({
      from: [
        { partition: 0, offset: '270' },
        { partition: 1, offset: '190' },
        { partition: 2, offset: '5' },
      ],
      truncated: true,
    });
  });
});
