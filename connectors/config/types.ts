/**
 * The compiled configuration of the connectors (`connectors.yaml`, see config-file.ts): durations in
 * ms, defaults applied, frozen. Terminology:
 * - an **asset** is the canonical asset id (`uniswap`, `bitcoin`): the key of every Signal; providers'
 *   own ids map to it (assets/), never a ticker;
 * - a **signal** is a named series of one asset from one connector (`commits_week`, `SplyCur`).
 */
import type { Environment } from '../../schemas/index.ts';

export const CONNECTOR_TYPES = ['github', 'coinmetrics', 'tokenterminal'] as const;
export type ConnectorType = (typeof CONNECTOR_TYPES)[number];

export const EXPECTATION_CHECKS = ['not_null', 'non_negative', 'positive', 'range', 'change'] as const;
export type ExpectationCheck = (typeof EXPECTATION_CHECKS)[number];

/** A declarative check of the values of the signals whose name matches `signal`. */
export interface Expectation {
  /** A signal name, or a glob (`*`, `?`). */
  readonly signal: string;
  readonly check: ExpectationCheck;
  /** range: the lowest and highest accepted values (either may be absent). */
  readonly min?: number;
  readonly max?: number;
  /** change: the largest accepted relative change from the series' previous value (0.5: ±50%). */
  readonly maxChange?: number;
  /** The share of a run's values that may break the check before it alerts (0 to 1). Default 0. */
  readonly tolerate: number;
  /** `file:line:col` of the expectation, for messages. */
  readonly at: string;
}

/** One tracked asset of a connector. */
export interface ConnectorAsset {
  /** The canonical asset id. */
  readonly asset: string;
  /** The provider's id of the asset (CoinMetrics asset, Token Terminal project id); GitHub: none. */
  readonly id: string | null;
  /** GitHub: the repositories (`owner/name`) whose activity is the asset's. */
  readonly repos: readonly string[];
  /** The on-chain key of the asset (chain id and contract address), or null. */
  readonly chain: string | null;
  readonly contract: string | null;
  /** `file:line:col`, the provenance of the mapping. */
  readonly at: string;
}

export interface ConnectorConfig {
  readonly name: string;
  readonly type: ConnectorType;
  /** The provider's API root (tests and mirrors point it anywhere). */
  readonly baseUrl: string;
  /** The environment variable holding the credential, or null for none. */
  readonly credentialEnv: string | null;
  /** Whether a run refuses to start without the credential (Token Terminal: yes). */
  readonly credentialRequired: boolean;
  /** Time between two runs of `connectors run`; also the freshness cadence of its `IngestRun`s. */
  readonly cadenceMs: number;
  /** Requests per clock hour, never exceeded. */
  readonly budgetPerHour: number;
  /** Our own pace, requests per minute; undefined: the provider's headers only. */
  readonly ratePerMinute: number | undefined;
  /** Longest wait for a rate limit before the run stops and resumes next time. */
  readonly maxWaitMs: number;
  readonly timeoutMs: number;
  readonly retry: { readonly attempts: number; readonly initialMs: number; readonly maxMs: number };
  /** How far back the first run (and a backfill without --from) reads. */
  readonly historyMs: number;
  readonly pageSize: number;
  /** The provider metrics to fetch (CoinMetrics, Token Terminal); GitHub: its fixed set. */
  readonly metrics: readonly string[];
  readonly assets: readonly ConnectorAsset[];
  readonly expectations: readonly Expectation[];
  /** `file:line:col` of the connector. */
  readonly at: string;
}

export interface ConnectorsConfig {
  /** The file, as shown in messages. */
  readonly file: string;
  /** The env of the IngestRuns and metrics of every connector. */
  readonly env: Environment;
  readonly connectors: readonly ConnectorConfig[];
}
