/**
 * The rules processor: alert rules from a YAML file, evaluated on the `metrics` topic (and on the records
 * of the topics rules over records name), alerts out;
 * and the rules tooling (`tradewatch rules check | test | schema`).
 *
 * ```ts
 * const rules = await loadRules(DEFAULT_RULES_FILE); // throws TW_RULES_INVALID listing every problem
 * const processor = createRulesProcessor(rules);
 * const outcome = await runRuleTestFile('processors/rules/tests/drawdown.yaml'); // rule unit tests
 * ```
 */
export {
  DEFAULT_RULES_FILE,
  loadRuleFiles,
  loadRules,
  mergeRules,
  parseRules,
  rulesJsonSchema,
} from './rule-file.ts';
export { createRulesProcessor, recordEntryKey, type RulesInputValue } from './rules-processor.ts';
export {
  ALERTS_TABLE,
  alertLabels,
  alertRow,
  metricObservation,
  renderRuleTemplate,
  templateValues,
  type Observation,
  type RuleRecord,
} from './alert-output.ts';
export { RECORD_TOPICS, RECORD_TOPIC_NAMES, recordShape, recordTopic } from './record-inputs.ts';
export type { RecordShape, RecordTopic, RuleField } from './record-inputs.ts';
export { RULES_FILE_SCHEMA } from './rule-schema.ts';
export { DURATION_FORMS, formatDuration, parseDuration } from '../../core/durations.ts';
export {
  EXPRESSION_VARIABLES,
  METRIC_SCOPE,
  compileCondition,
  evaluateCondition,
  metricVariables,
  recordVariables,
  scopeVariables,
} from './expression.ts';
export type { Condition, ExpressionProblem, ExpressionScope } from './expression.ts';
export { expandValues, parseSeries } from './series-notation.ts';
export type { Sample, SeriesSelector } from './series-notation.ts';
export { loadRuleTests, parseRuleTests } from './rule-test-file.ts';
export type { ExpectedAlert, RuleTest, RuleTestFile, TestSeries } from './rule-test-file.ts';
export { alertFingerprint } from './fingerprint.ts';
export { OPERATORS } from './operators.ts';
export type {
  CompiledRule,
  CompiledRules,
  ExpressionRule,
  ThresholdRule,
  LabelMatcher,
  NumberFormat,
  Operator,
  RuleInput,
  RuleSeriesState,
  RulesState,
  Template,
  TemplatePart,
} from './types.ts';
