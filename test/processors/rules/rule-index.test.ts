/** RuleIndex: the rules a point or record is checked against, narrowed by a label matched exactly. */
import { describe, expect, it } from 'vitest';
import { RuleIndex } from '../../../processors/rules/matchers.ts';
import type { LabelMatcher } from '../../../core/label-matchers.ts';

const eq = (label: string, value: string): LabelMatcher => ({ label, kind: 'equals', value });
const rule = (name: string, ...match: LabelMatcher[]) => ({ name, match });

describe('RuleIndex', () => {
  const rules = [
    rule('a', eq('venue', 'v1')),
    rule('any'),
    rule('b', eq('venue', 'v2'), eq('side', 'buy')),
    rule('c', { label: 'venue', kind: 'in', values: ['v1', 'v3'] }),
    rule('d', { label: 'venue', kind: 'regex', source: 'v.*', regex: /^(?:v.*)$/u }),
    rule('e', eq('side', 'sell')),
  ];
  const names = (labels: Record<string, string>) =>
    new RuleIndex(rules).candidates(labels).map((r) => r.name);

  it('narrows to the rules of the value and those not matching the label exactly, in file order', () => {
    expect(names({ venue: 'v1' })).toEqual(['a', 'any', 'c', 'd', 'e']);
    expect(names({ venue: 'v2', side: 'buy' })).toEqual(['any', 'b', 'd', 'e']);
    expect(names({ venue: 'v3' })).toEqual(['any', 'c', 'd', 'e']);
    // A value no rule names, and a record without the label: only the others.
    expect(names({ venue: 'v9' })).toEqual(['any', 'd', 'e']);
    expect(names({})).toEqual(['any', 'd', 'e']);
  });

  it('leaves rules unindexed when fewer than two match one label exactly', () => {
    const few = [rule('a', eq('venue', 'v1')), rule('b')];
    expect(new RuleIndex(few).candidates({ venue: 'v2' }).map((r) => r.name)).toEqual(['a', 'b']);
    expect(new RuleIndex([]).candidates({ venue: 'v2' })).toEqual([]);
  });
});
