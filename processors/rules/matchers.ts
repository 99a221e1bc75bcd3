/** The rules indexed by the label most of them match exactly. */
import type { LabelMatcher } from '../../core/label-matchers.ts';

/**
 * The rules of one metric (or one topic) indexed by the label most of them match exactly (`venue: v3`,
 * or `{ in: [...] }`): a point or record is then checked only against the rules of its value of that
 * label and the rules that do not match it exactly, not against every rule. `candidates` narrows; each
 * candidate's matchers are still checked with matchesAll (core/label-matchers.ts).
 */
export class RuleIndex<R extends { readonly match: readonly LabelMatcher[] }> {
  /** The indexed label; undefined when fewer than two rules match one label exactly. */
  readonly #label: string | undefined;
  readonly #byValue = new Map<string, R[]>();
  /** Rules without an exact matcher on the label (checked for every point). */
  readonly #others: R[] = [];
  readonly #position = new Map<R, number>();
  readonly #all: readonly R[];

  /** `rules` in file order: candidates keep it. */
  constructor(rules: readonly R[]) {
    this.#all = rules;
    rules.forEach((rule, i) => this.#position.set(rule, i));
    const counts = new Map<string, number>();
    for (const rule of rules) {
      for (const m of rule.match) {
        if (m.kind === 'equals' || m.kind === 'in') counts.set(m.label, (counts.get(m.label) ?? 0) + 1);
      }
    }
    let best: string | undefined;
    for (const [label, count] of counts)
      if (count >= 2 && count > (counts.get(best ?? '') ?? 0)) best = label;
    this.#label = best;
    for (const rule of rules) {
      const m = rule.match.find((x) => x.label === best && (x.kind === 'equals' || x.kind === 'in'));
      if (best === undefined || m === undefined) {
        this.#others.push(rule);
        continue;
      }
      for (const value of m.kind === 'equals' ? [m.value] : m.kind === 'in' ? m.values : []) {
        const list = this.#byValue.get(value) ?? [];
        if (!list.includes(rule)) list.push(rule);
        this.#byValue.set(value, list);
      }
    }
  }

  /** The rules that may match `labels`, in file order. */
  candidates(labels: Readonly<Record<string, string>>): readonly R[] {
    if (this.#label === undefined) return this.#all;
    const value = Object.hasOwn(labels, this.#label) ? labels[this.#label] : undefined;
    const indexed = value === undefined ? undefined : this.#byValue.get(value);
    if (indexed === undefined || indexed.length === 0) return this.#others;
    if (this.#others.length === 0) return indexed;
    const position = (r: R) => this.#position.get(r) ?? 0;
    return [...indexed, ...this.#others].sort((a, b) => position(a) - position(b));
  }
}
