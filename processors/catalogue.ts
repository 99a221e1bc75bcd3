/**
 * Every processor `tradewatch run` can start, by name, with what each needs to be built.
 */
import type { Processor } from '../runtime/processor/index.ts';
import { createDrawdownProcessor } from './drawdown/index.ts';
import { DEFAULT_RULES_FILE, createRulesProcessor, loadRules } from './rules/index.ts';

export const PROCESSOR_NAMES = ['drawdown', 'rules'] as const;
export type ProcessorName = (typeof PROCESSOR_NAMES)[number];

export interface ProcessorSettings {
  /** The alert rules file. Default: processors/rules/default-rules.yaml. */
  readonly rulesFile?: string;
}

/** A processor of any input and state type, as the runtime runs it. */
export type AnyProcessor = Processor<unknown, unknown>;

/** Builds the named processors (validating their configuration, e.g. the rules file, up front). */
export async function createProcessors(
  names: readonly ProcessorName[],
  settings: ProcessorSettings = {},
): Promise<AnyProcessor[]> {
  const built: AnyProcessor[] = [];
  for (const name of names) {
    if (name === 'drawdown') built.push(createDrawdownProcessor());
    else built.push(createRulesProcessor(await loadRules(settings.rulesFile ?? DEFAULT_RULES_FILE)));
  }
  return built;
}
