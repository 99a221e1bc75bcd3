import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deadLetterRecord } from '../../../runtime/processor/dead-letter.ts';
import { TRUNCATED_HEADERS, readDeadLetter } from '../../../topics/index.ts';

const record = (value: Buffer) => ({
  topic: 'p.portfolio.marks',
  partition: 2,
  offset: '41',
  timestamp: 1,
  key: Buffer.from('alpha'),
  value,
  headers: { trace: Buffer.from('t') },
});
const reason = {
  code: 'TW_DECODE_NOT_SINGLE_OBJECT',
  message: 'not Avro',
  failedAt: 5,
  failedBy: 'drawdown',
};

describe('the dead-letter builder', () => {
  it('keeps the value whole, with the origin and error in headers', () => {
    const letter = deadLetterRecord('p.dlq', record(Buffer.from('garbage')), reason);
    expect(letter.value).toEqual(Buffer.from('garbage'));
    expect(letter.headers?.[TRUNCATED_HEADERS.size]).toBeUndefined();
    const read = readDeadLetter(letter.key as Buffer, letter.value, letter.headers as Record<string, Buffer>);
    expect(read.source).toEqual({ topic: 'p.portfolio.marks', partition: 2, offset: '41' });
  });

  it('keeps a value too large for the dead-letter topic truncated, with its size and digest, and says so', () => {
    const big = Buffer.alloc(100, 7);
    const letter = deadLetterRecord('p.dlq', record(big), reason, 10);
    expect(letter.value).toEqual(big.subarray(0, 10));
    expect(letter.headers).toMatchObject({
      [TRUNCATED_HEADERS.size]: '100',
      [TRUNCATED_HEADERS.sha256]: createHash('sha256').update(big).digest('hex'),
      'tw.error.message':
        'not Avro (the value, 100 bytes, is kept truncated to 10: see tw.value.size and tw.value.sha256)',
    });
  });
});
