import { describe, expect, it } from 'vitest';
import { parseRules, type RulesState } from '../../../processors/rules/index.ts';
import { MINUTE, T0, harness, oneRule, problemsOf, series } from './harness.ts';

/** A firing entry's stored alert (its content is checked in rules-processor.test.ts). */
const OPEN: unknown = expect.objectContaining({ fingerprint: expect.any(String) as unknown });

const KEY = 'drawdown_1h{env=prod,portfolio=alpha}';

describe('rules: consecutive', () => {
  it('defaults to 1 and reads a whole number ≥ 1', () => {
    expect(parseRules(oneRule(), 'rules.yaml').rules[0]?.consecutive).toBe(1);
    expect(parseRules(oneRule('consecutive: 3'), 'rules.yaml').rules[0]?.consecutive).toBe(3);
  });

  it('rejects what is not a whole number ≥ 1, with the line and the rule', () => {
    for (const bad of ['0', '-2', '2.5', "'3'", 'three', '[3]']) {
      const problems = problemsOf(oneRule(`consecutive: ${bad}`));
      expect(problems).toEqual([
        expect.stringMatching(
          /^rules\.yaml:8:18: rule "dd" \(rules\[0\]\): consecutive: expected a whole number ≥ 1 \(how many points in a row must meet the threshold\), found /,
        ),
      ]);
    }
    expect(problemsOf(oneRule('consecutve: 3'))).toEqual([
      expect.stringMatching(/rules\.yaml:8:5: .*unknown key "consecutve" \(did you mean "consecutive"\?\)/),
    ]);
  });

  it('fires on the N-th point in a row over the threshold, with starts_at at the first of them', () => {
    const h = harness(oneRule('clear: 0.04\nconsecutive: 3'));
    // Over 0.05 at minutes 1, 2 (streak 2), under at 3 (streak reset), over at 4, 5, 6: fires at 6.
    h.pushAll(series([0.01, 0.06, 0.07, 0.02, 0.08, 0.09, 0.1, 0.03]));
    const alerts = h.alerts();
    expect(alerts.map((a) => [a.status, a.starts_at, a.ts, a.value])).toEqual([
      ['firing', T0 + 4 * MINUTE, T0 + 6 * MINUTE, 0.1],
      ['resolved', T0 + 4 * MINUTE, T0 + 7 * MINUTE, 0.03],
    ]);
    expect(alerts[1]?.ends_at).toBe(T0 + 7 * MINUTE);
  });

  it('counts the streak in the state, which survives a restart (JSON) mid-streak', () => {
    const rules = oneRule('consecutive: 3');
    const first = harness(rules);
    first.pushAll(series([0.06, 0.07]));
    expect(first.states.get(KEY)).toEqual({
      dd: { firing: false, starts_at: null, last_ts: T0 + MINUTE, streak: 2, streak_start: T0 },
    });
    expect(first.alerts()).toEqual([]);

    const restored = new Map(
      Object.entries(
        JSON.parse(JSON.stringify(Object.fromEntries(first.states))) as Record<string, RulesState>,
      ),
    );
    const second = harness(rules, restored);
    second.pushAll(series([0.06, 0.07, 0.08]).slice(2));
    expect(second.alerts().map((a) => [a.status, a.starts_at, a.ts])).toEqual([
      ['firing', T0, T0 + 2 * MINUTE],
    ]);
    // Once firing, the streak is no longer kept.
    expect(second.states.get(KEY)).toEqual({
      dd: {
        firing: true,
        starts_at: T0,
        last_ts: T0 + 2 * MINUTE,
        open: OPEN,
      },
    });
  });

  it('resolves as without it, and needs a new full streak to fire again', () => {
    const h = harness(oneRule('clear: 0.04\nconsecutive: 2'));
    // Fires at minute 1 (0.06, 0.07), holds while > 0.04, resolves at 3 (0.03); 0.06 at 4 alone does
    // not fire, 0.02 resets, 0.06 and 0.06 at 6 and 7 fire again.
    h.pushAll(series([0.06, 0.07, 0.045, 0.03, 0.06, 0.02, 0.06, 0.06]));
    expect(h.alerts().map((a) => [a.status, a.starts_at, a.ts])).toEqual([
      ['firing', T0, T0 + MINUTE],
      ['resolved', T0, T0 + 3 * MINUTE],
      ['firing', T0 + 6 * MINUTE, T0 + 7 * MINUTE],
    ]);
  });

  it('leaves the streak alone on NaN and on points older than the newest evaluated', () => {
    const h = harness(oneRule('consecutive: 3'));
    const [a, b, c] = series([0.06, 0.07, 0.08]);
    h.pushAll([a!, b!, { ...a!, value: 0.01 }, { ...b!, ts: T0 + 90_000, value: Number.NaN }, c!]);
    // The 0.01 at T0 is older than the newest (T0 + 1 min) and the NaN counts for nothing: 3 in a row.
    expect(h.alerts().map((x) => [x.status, x.starts_at, x.ts])).toEqual([['firing', T0, T0 + 2 * MINUTE]]);
  });

  it('renders {{consecutive}} in the summary', () => {
    const h = harness(
      oneRule(
        "consecutive: 2\nsummary: '{{labels.portfolio}} over {{threshold}} for {{consecutive}} points'",
      ).replace(/^ {4}summary: '\{\{labels\.portfolio\}\} \(\{\{env\}\}\).*\n/m, ''),
    );
    h.pushAll(series([0.06, 0.07]));
    expect(h.alerts()[0]?.summary).toBe('alpha over 0.05 for 2 points');
  });
});
