/** Panel thresholds taken from the alert rules that fire on the same values. */
import type { CompiledRules } from '../../processors/rules/index.ts';
import type { Threshold } from '../model.ts';

/** The threshold of the threshold rule `name` as a red line; throws when the rules have no such rule. */
export function ruleThreshold(rules: CompiledRules, name: string, sign: 1 | -1 = 1): Threshold {
  const rule = rules.rules.find((r) => r.name === name);
  if (rule === undefined || rule.kind !== 'threshold') {
    throw new Error(`dashboards: no threshold rule "${name}" in ${rules.file}`);
  }
  return { value: sign * rule.threshold, color: 'red', from: `rule ${name} (${rules.file})` };
}
