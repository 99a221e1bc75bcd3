/**
 * The freshness processor: silence of sources (wall-clock timers), failed ingest runs and inference
 * cycles in a row, stale model weights. See README.md in this folder.
 *
 * ```ts
 * const options = await loadFreshnessOptions(DEFAULT_FRESHNESS_FILE); // ConfigError listing every problem
 * const processor = createFreshnessProcessor(options); // named `freshness`
 * ```
 */
export { DEFAULT_FRESHNESS_FILE, loadFreshnessOptions, parseFreshnessConfig } from './config-file.ts';
export { withDeclaredSources, type DeclaredSource } from './declared-sources.ts';
export {
  createFreshnessProcessor,
  seenTime,
  sourceKeyOf,
  type FreshnessRecord,
} from './freshness-processor.ts';
export {
  DEFAULT_FRESHNESS_SETTINGS,
  PARTIAL_POLICIES,
  checkFreshnessOptions,
  isIgnored,
  settingsFor,
} from './options.ts';
export type {
  Cadence,
  FreshnessOptions,
  PartialPolicy,
  SourceOverride,
  SourceSettings,
  SourceSettingsSpec,
  SourceTopicOptions,
} from './options.ts';
export { describePattern, keyPattern, matchesKey, regexPattern, type KeyPattern } from './key-pattern.ts';
export { countRun, type RunVerdict } from './run-health.ts';
export {
  advance,
  firstSeen,
  nextSlot,
  nextTimerAt,
  observe,
  retire,
  type Transition,
} from './source-freshness.ts';
export { RETIRED_LABEL, isRetirement } from './record-kinds.ts';
export { FRESHNESS_EVENTS, FRESHNESS_METRICS, FRESHNESS_TABLES } from './types.ts';
export type { FreshnessEvent, FreshnessState, RunHealth, SourceEnvState, SourceFreshness } from './types.ts';
