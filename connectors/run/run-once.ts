/**
 * One run of each selected connector, in file order: what `tradewatch connectors run --once` and the
 * scheduler's `connector-run` template both do. Every credential is resolved before the first run (a
 * missing one stops everything up front, named, never shown); a connector's failure is in its summary
 * and the next one still runs.
 */
import { selectConnectors, resolveCredential, type EnvironmentMap } from '../config/config-file.ts';
import type { ConnectorConfig, ConnectorsConfig } from '../config/types.ts';
import { createConnector } from '../create-connector.ts';
import { runConnector, type RunnerDeps } from './connector-runner.ts';
import type { RunSummary } from './run-state.ts';

export interface RunOnceDeps extends Omit<RunnerDeps, 'env' | 'onProgress'> {
  /** Where the credentials' variables are read (the entry point hands over the environment). */
  readonly environment: EnvironmentMap;
  /** Told after each committed scope of `connector`. */
  readonly onProgress?: (
    connector: ConnectorConfig,
    progress: { scope: string; commits: number; rows: number },
  ) => void;
  /** Told after each run, before the next starts. */
  readonly onSummary?: (summary: RunSummary) => void;
}

/**
 * Runs each connector of `config` named in `names` (all when empty) once, in file order.
 * @throws ConfigError naming an unknown connector or an unset credential, before any run.
 */
export async function runConnectorsOnce(
  config: ConnectorsConfig,
  names: readonly string[],
  deps: RunOnceDeps,
): Promise<RunSummary[]> {
  const selected = selectConnectors(config, names);
  const credentials = selected.map((c) => resolveCredential(c, deps.environment, config.file));
  const { environment: _environment, onProgress, onSummary, ...runner } = deps;
  const summaries: RunSummary[] = [];
  for (const [i, connector] of selected.entries()) {
    if (deps.signal?.aborted === true) break;
    const summary = await runConnector(
      createConnector(connector, credentials[i] ?? null),
      connector,
      {
        ...runner,
        env: config.env,
        ...(onProgress ? { onProgress: (p) => onProgress(connector, p) } : {}),
      },
      { mode: 'run' },
    );
    onSummary?.(summary);
    summaries.push(summary);
  }
  return summaries;
}
