/** Every dashboard, in menu order. */
import { DEFAULT_RULES_FILE, loadRules } from '../processors/rules/index.ts';
import { backtests } from './definitions/backtests.ts';
import { dataSources } from './definitions/data-sources.ts';
import { overview } from './definitions/overview.ts';
import { portfolios } from './definitions/portfolios.ts';
import { ranking } from './definitions/ranking.ts';
import { scheduler } from './definitions/scheduler.ts';
import { strategies } from './definitions/strategies.ts';
import type { DashboardSpec } from './model.ts';

/**
 * The dashboards, their thresholds taken from the alert rules file (default: the shipped rules, the
 * thresholds the alerts fire at).
 */
export async function loadDashboards(rulesFile: string = DEFAULT_RULES_FILE): Promise<DashboardSpec[]> {
  const rules = await loadRules(rulesFile);
  return [
    overview(),
    portfolios(rules),
    strategies(rules),
    ranking(rules),
    dataSources(),
    scheduler(),
    backtests(),
  ];
}
