/**
 * Every processor `tradewatch run` can start, by name, with what each needs to be built. One of them,
 * `dead-letters`, is not a pure processor but the runtime's dead-letter recorder
 * (runtime/dlq/dead-letter-recorder.ts): it reads the side outputs' headers, which no processor sees.
 * It is named here so that `run --processors`, `status` and `offsets reset` treat it as the others.
 */
import type { Processor } from './contract.ts';
import { DEFAULT_BASELINE_FILE, createBaselineProcessor, loadBaselineOptions } from './baseline/index.ts';
import { createDrawdownProcessor } from './drawdown/index.ts';
import {
  DEFAULT_FRESHNESS_FILE,
  createFreshnessProcessor,
  loadFreshnessOptions,
  withDeclaredSources,
  type DeclaredSource,
} from './freshness/index.ts';
import {
  DEFAULT_RANKING_FILE,
  createRankingProcessor,
  createRankingRepartitionProcessor,
  createRankingRollingProcessor,
  loadRankingOptions,
} from './ranking/index.ts';
import { createHistoryProcessor } from './history/index.ts';
import { createMetricPointsProcessor } from './metric-points/index.ts';
import { DEFAULT_RULES_FILE, createRulesProcessor, loadRuleFiles } from './rules/index.ts';

/** The dead-letter recorder's name among the processors (its consumer group `tradewatch.dead-letters`). */
export const DEAD_LETTERS = 'dead-letters';

export const PROCESSOR_NAMES = [
  'drawdown',
  'baseline',
  'freshness',
  'ranking-repartition',
  'ranking',
  'ranking-rolling',
  'rules',
  'history',
  'metric-points',
  DEAD_LETTERS,
] as const;
export type ProcessorName = (typeof PROCESSOR_NAMES)[number];

export interface ProcessorSettings {
  /** The alert rules files, merged (names unique across them). Default: processors/rules/default-rules.yaml. */
  readonly rulesFiles?: readonly string[];
  /** The baseline configuration. Default: processors/baseline/default-baseline.yaml. */
  readonly baselineFile?: string;
  /** The freshness configuration (sources and cadences). Default: processors/freshness/default-freshness.yaml. */
  readonly freshnessFile?: string;
  /** Sources whose cadence is declared elsewhere (each connector of connectors.yaml), added to the file's. */
  readonly freshnessSources?: readonly DeclaredSource[];
  /** TW_HEARTBEAT_INTERVAL_MS: the cadence of the `heartbeats` sources (`cadence: heartbeat`). */
  readonly heartbeatIntervalMs?: number;
  /** The precision@K configuration. Default: processors/ranking/default-ranking.yaml. */
  readonly rankingFile?: string;
}

/** A processor of any input and state type, as the runtime runs it. */
export type AnyProcessor = Processor<unknown, unknown>;

/**
 * Builds the named processors (validating their configuration files in full, up front); `dead-letters`
 * is no processor and is skipped (the caller starts the recorder).
 */
export async function createProcessors(
  names: readonly ProcessorName[],
  settings: ProcessorSettings = {},
): Promise<AnyProcessor[]> {
  const built: AnyProcessor[] = [];
  const any = (p: unknown) => p as AnyProcessor;
  for (const name of names) {
    switch (name) {
      case 'drawdown':
        built.push(any(createDrawdownProcessor()));
        break;
      case 'baseline':
        built.push(
          any(
            createBaselineProcessor(
              await loadBaselineOptions(settings.baselineFile ?? DEFAULT_BASELINE_FILE),
            ),
          ),
        );
        break;
      case 'freshness':
        built.push(
          any(
            createFreshnessProcessor({
              ...withDeclaredSources(
                await loadFreshnessOptions(settings.freshnessFile ?? DEFAULT_FRESHNESS_FILE),
                settings.freshnessSources ?? [],
              ),
              // The interval the instances really beat at (TW_HEARTBEAT_INTERVAL_MS) wins over the file's.
              ...(settings.heartbeatIntervalMs ? { heartbeatIntervalMs: settings.heartbeatIntervalMs } : {}),
            }),
          ),
        );
        break;
      case 'ranking-repartition':
        built.push(
          any(
            createRankingRepartitionProcessor(
              await loadRankingOptions(settings.rankingFile ?? DEFAULT_RANKING_FILE),
            ),
          ),
        );
        break;
      case 'ranking':
        built.push(
          any(createRankingProcessor(await loadRankingOptions(settings.rankingFile ?? DEFAULT_RANKING_FILE))),
        );
        break;
      case 'ranking-rolling':
        built.push(
          any(
            createRankingRollingProcessor(
              await loadRankingOptions(settings.rankingFile ?? DEFAULT_RANKING_FILE),
            ),
          ),
        );
        break;
      case 'rules':
        built.push(
          any(createRulesProcessor(await loadRuleFiles(settings.rulesFiles ?? [DEFAULT_RULES_FILE]))),
        );
        break;
      case 'history':
        built.push(any(createHistoryProcessor()));
        break;
      case 'metric-points':
        built.push(any(createMetricPointsProcessor()));
        break;
      case DEAD_LETTERS:
        break;
    }
  }
  return built;
}
