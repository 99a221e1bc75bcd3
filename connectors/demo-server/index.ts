/**
 * Local stand-ins of the providers' APIs, speaking their documented contracts: what `tradewatch demo`
 * runs its connectors against, and what the connector tests point them at (with their own data and
 * faults). Never used against a real provider.
 */
export {
  json,
  startProviderServer,
  type Exchange,
  type Handler,
  type Override,
  type ProviderServer,
} from './provider-server.ts';
export { startGitHubServer, type GitHubServerOptions, type RepoData } from './github-api.ts';
export { dailyRows, startCoinMetricsServer, type Row } from './coinmetrics-api.ts';
export {
  startTokenTerminalServer,
  type ProjectMetric,
  type TokenTerminalServerOptions,
} from './tokenterminal-api.ts';
export {
  DEMO_COINMETRICS_ASSETS,
  DEMO_REPOS,
  demoConnectorsYaml,
  startDemoProviders,
  type DemoProviders,
} from './demo-data.ts';
