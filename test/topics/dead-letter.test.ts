import { describe, expect, it } from 'vitest';
import {
  DEAD_LETTER_HEADERS,
  deadLetterFromJson,
  deadLetterHeaders,
  deadLetterToJson,
  readDeadLetter,
  type DeadLetter,
} from '../../topics/index.ts';
import { TradewatchError } from '../../core/errors.ts';

const letter: DeadLetter = {
  source: { topic: 'portfolio.marks', partition: 4, offset: '123456789012' },
  error: { code: 'TW_DECODE_BODY_INVALID', message: 'truncated body' },
  failedAt: 1767621600000,
  failedBy: 'drawdown',
  key: Buffer.from('alpha'),
  value: Buffer.from([0xc3, 0x01, 0xff]),
  headers: { 'trace-id': Buffer.from('t-1') },
};

const asHeaders = (h: Record<string, Buffer | string>) =>
  Object.fromEntries(Object.entries(h).map(([k, v]) => [k, Buffer.isBuffer(v) ? v : Buffer.from(v)]));

describe('dead letters', () => {
  it('carry their origin and error in headers and read back whole', () => {
    const headers = asHeaders(deadLetterHeaders(letter));
    expect(headers[DEAD_LETTER_HEADERS.sourceOffset]?.toString()).toBe('123456789012');
    expect(headers[DEAD_LETTER_HEADERS.errorCode]?.toString()).toBe('TW_DECODE_BODY_INVALID');
    expect(readDeadLetter(letter.key, letter.value, headers)).toEqual(letter);
  });

  it('round-trip through their JSON form, binary keys as base64', () => {
    expect(deadLetterFromJson(deadLetterToJson(letter))).toEqual(letter);
    const binary = { ...letter, key: Buffer.from([0, 1, 2]) };
    const json = deadLetterToJson(binary);
    expect(json['key_base64']).toBe('AAEC');
    expect(deadLetterFromJson(json)).toEqual(binary);
  });

  it('reject a malformed JSON form listing every problem', () => {
    let error: unknown;
    try {
      deadLetterFromJson({ source: { topic: 1, partition: -1, offset: 'x' }, value_base64: '!!', extra: 1 });
    } catch (e: unknown) {
      error = e;
    }
    expect(error).toBeInstanceOf(TradewatchError);
    const problems = (error as TradewatchError).details['problems'] as string[];
    expect(problems.join('\n')).toMatch(/extra: unknown field/);
    expect(problems.join('\n')).toMatch(/source\.topic: expected a string/);
    expect(problems.join('\n')).toMatch(/source\.partition/);
    expect(problems.join('\n')).toMatch(/source\.offset/);
    expect(problems.join('\n')).toMatch(/error\.code/);
    expect(problems.join('\n')).toMatch(/failed_at/);
    expect(problems.join('\n')).toMatch(/value_base64/);
  });
});
