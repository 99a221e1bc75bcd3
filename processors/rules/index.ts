/**
 * The rules processor: alert rules from a YAML file, evaluated on the `metrics` topic, alerts out.
 *
 * ```ts
 * const rules = await loadRules(DEFAULT_RULES_FILE); // throws TW_RULES_INVALID listing every problem
 * const processor = createRulesProcessor(rules);
 * ```
 */
export { DEFAULT_RULES_FILE, loadRules, parseRules } from './rule-file.ts';
export { ALERTS_TABLE, alertRow, createRulesProcessor } from './rules-processor.ts';
export { alertFingerprint } from './fingerprint.ts';
export { OPERATORS } from './operators.ts';
export { found, isRecord, locate, locateProblems, parseYaml, unknownKey } from './yaml-file.ts';
export type { ParsedYaml, YamlPath, YamlProblem } from './yaml-file.ts';
export type {
  CompiledRule,
  CompiledRules,
  LabelMatcher,
  NumberFormat,
  Operator,
  RuleSeriesState,
  RulesState,
  Template,
  TemplatePart,
} from './types.ts';
