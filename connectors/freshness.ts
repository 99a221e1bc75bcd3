/**
 * Every connector is a freshness source: `connector-<name>` on `ingest.runs` (one IngestRun per run),
 * expected every `cadence`, with a quarter of it of slack (at least 5 minutes: a run may take a while
 * and start late), from the pipeline's start even before its first run (a connector that never runs
 * goes stale too). `tradewatch run --connectors <file>` hands these to the freshness processor;
 * `tradewatch connectors freshness` prints them as overrides for a freshness file.
 */
import type { ConnectorsConfig } from './config/types.ts';
import { ingestName } from './run/connector-runner.ts';

/** One connector as a freshness source (the shape the freshness processor's declared sources take). */
export interface ConnectorFreshness {
  readonly topic: 'ingest.runs';
  readonly key: string;
  readonly cadenceMs: number;
  readonly slackMs: number;
  /** `connectors.yaml:3:5: connector github`. */
  readonly origin: string;
  /** The env of its IngestRuns (the file's `env`). */
  readonly env: ConnectorsConfig['env'];
}

const MIN_SLACK_MS = 5 * 60_000;

/** The freshness source of each connector of `config`, in file order. */
export function connectorFreshnessSources(config: ConnectorsConfig): ConnectorFreshness[] {
  return config.connectors.map((c) => ({
    topic: 'ingest.runs',
    key: ingestName(c.name),
    cadenceMs: c.cadenceMs,
    slackMs: Math.max(MIN_SLACK_MS, Math.round(c.cadenceMs / 4 / 60_000) * 60_000),
    origin: `${c.at}: connector ${c.name}`,
    env: config.env,
  }));
}
