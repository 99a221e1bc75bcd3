/**
 * Connectors: external signals (GitHub activity, CoinMetrics and Token Terminal tokenomics) as
 * point-in-time `Signal` records, one `IngestRun` per run, and data-quality metrics. See README.md.
 */
export {
  CONNECTORS_FILE,
  loadConnectorsConfig,
  resolveCredential,
  selectConnectors,
  type EnvironmentMap,
} from './config/config-file.ts';
export type * from './config/types.ts';
export { createConnector } from './create-connector.ts';
export { connectorFreshnessSources, type ConnectorFreshness } from './freshness.ts';
export { ingestName, runConnector, type RunRequest, type RunnerDeps } from './run/connector-runner.ts';
export { runConnectorsOnce, type RunOnceDeps } from './run/run-once.ts';
export type { RunSummary, DriftEvent, RunStatus } from './run/run-state.ts';
export { ConnectorStore, CONNECTOR_MIGRATIONS, type ConnectorStoreOptions } from './store/index.ts';
export { realSleep, type Sleep } from './http/index.ts';
export type { Connector, Payload, SignalValue, TimeWindow } from './types.ts';
export * from './assets/index.ts';
