import { describe, expect, it } from 'vitest';
import { recordsFromJsonLines } from '../../cli/records-from-json.ts';
import { SchemaRegistry } from '../../schemas/index.ts';
import { findTopic } from '../../topics/index.ts';

const registry = await SchemaRegistry.load();

describe('JSON lines to records', () => {
  it('echoes a long beyond the safe range as typed, not as the double it rounds to', () => {
    const text = '{"portfolio":"a","env":"prod","ts":9007199254740993,"equity":1}\n';
    expect(() =>
      recordsFromJsonLines({ text, source: 'marks.jsonl' }, findTopic('portfolio.marks'), registry, ''),
    ).toThrow(
      'ts: expected timestamp-millis: epoch ms or ISO-8601 with a zone, e.g. "2025-03-01T12:00:00Z", found 9007199254740993 (a JavaScript number holds it only as 9007199254740992)',
    );
  });
});
