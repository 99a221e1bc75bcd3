// Generated from schemas/*.avsc by schemas/codegen/main.ts. Do not edit: change the .avsc and run
// `npx node schemas/codegen/main.ts` (npm run schemas:types).

/** Where the trading stack that produced the record runs: real money (prod), the pre-production copy (staging) or simulated fills (paper). */
export type Environment = 'prod' | 'staging' | 'paper';
/** Every Environment symbol, in schema order. */
export const ENVIRONMENTS = ['prod', 'staging', 'paper'] as const satisfies readonly Environment[];

/** A valuation of one portfolio at one instant, published by the portfolio service each time it marks the book to market. The drawdown and baseline processors read these. Schema: schemas/portfolio-mark.avsc. */
export interface PortfolioMark {
  /** Portfolio identifier, stable across restarts (e.g. "momentum-main"). */
  portfolio: string;
  /** Environment of the portfolio. */
  env: Environment;
  /** Time of the valuation (event time), epoch milliseconds UTC. */
  ts: number;
  /** Total equity (cash plus positions at mark prices) in the portfolio's base currency. */
  equity: number;
  /** Cash part of the equity in the base currency; null when the service does not report it. */
  cash: number | null;
}

/** Whether the alert condition holds (firing) or stopped holding (resolved). */
export type AlertStatus = 'firing' | 'resolved';
/** Every AlertStatus symbol, in schema order. */
export const ALERT_STATUSES = ['firing', 'resolved'] as const satisfies readonly AlertStatus[];

/** How urgent an alert is, most urgent first: critical pages someone, error and warning go to chat, info is recorded only. */
export type Severity = 'critical' | 'error' | 'warning' | 'info';
/** Every Severity symbol, in schema order. */
export const SEVERITIES = ['critical', 'error', 'warning', 'info'] as const satisfies readonly Severity[];

/** A state change of an alert: published by the rules processor when a rule starts firing and when it resolves, read by the notifiers. Replays publish the same fingerprint, so notifiers deduplicate on (fingerprint, status, starts_at). Schema: schemas/alert.avsc. */
export interface Alert {
  /** Stable identity of the alert: a hash of the rule name and its labels, the same on every replay and restart. */
  fingerprint: string;
  /** Name of the rule that fired (e.g. "drawdown-exceeded"). */
  rule: string;
  /** Severity configured on the rule. */
  severity: Severity;
  /** State the alert entered with this record. */
  status: AlertStatus;
  /** Environment the alert is about. */
  env: Environment;
  /** One human-readable line for notifications (e.g. "momentum-main drawdown 12.4% exceeds 10%"). */
  summary: string;
  /** The rule's description, rendered for this alert (what happened, why it matters, what to look at); null when the rule has none. Added in version 2. */
  description: string | null;
  /** Labels identifying what the alert is about (portfolio, strategy, ingest, ...); part of the fingerprint. May be empty. */
  labels: Record<string, string>;
  /** Observed value that triggered the rule; null for rules without a numeric value (e.g. silence of a source). */
  value: number | null;
  /** Threshold the value was compared with; null for rules without a threshold. */
  threshold: number | null;
  /** How value and threshold read (the rule's unit): ratio (a fraction, shown as a percentage: 0.0624 is 6.24%), percent, bps, ms, s or count; null shows the number as it is. Added in version 3. */
  unit: string | null;
  /** Event time the condition started to hold, epoch milliseconds UTC. The same in the firing and the resolved record. */
  starts_at: number;
  /** Event time the condition stopped holding, epoch milliseconds UTC; null while firing. */
  ends_at: number | null;
  /** Event time of this state change (the evaluation that produced it), epoch milliseconds UTC. */
  ts: number;
}

/** The model's view of one asset in one cycle. */
export interface Prediction {
  /** Asset symbol as the trade executor knows it (e.g. "BTC-USD", "AAPL"). */
  asset: string;
  /** Model score; higher means a higher expected forward return. Comparable within a cycle only. */
  score: number;
  /** Position in the cycle's ranking, 1 for the best score, without gaps. */
  rank: number;
}

/** Whether an inference cycle produced its predictions (success) or not (failure). */
export type CycleStatus = 'success' | 'failure';
/** Every CycleStatus symbol, in schema order. */
export const CYCLE_STATUSES = ['success', 'failure'] as const satisfies readonly CycleStatus[];

/** One run of the inference loop of a strategy: the model that ran, on which data, how it went and the ranking of assets it produced. The ranking processor scores predictions against outcomes (precision at K); the freshness processor watches the model and weights versions. Schema: schemas/inference-cycle.avsc. */
export interface InferenceCycle {
  /** Unique identifier of the cycle, stable across retries of its publication (the idempotency key). */
  cycle_id: string;
  /** Strategy the model serves (e.g. "momentum"). */
  strategy: string;
  /** Environment the cycle ran in. */
  env: Environment;
  /** Version of the model code or artefact that ran (e.g. a git sha or a registry tag). */
  model_version: string;
  /** Version of the trained weights loaded; null for models without separate weights. */
  weights_version: string | null;
  /** When the loaded weights were trained or published, epoch milliseconds UTC; null if unknown. Stale weights raise an alert. */
  weights_updated_at: number | null;
  /** Data cut-off of the cycle: the newest market data the model saw, epoch milliseconds UTC. Predictions are for the horizon starting here. */
  as_of: number;
  /** Wall-clock start of the cycle, epoch milliseconds UTC. */
  started_at: number;
  /** Wall-clock end of the cycle, epoch milliseconds UTC. */
  finished_at: number;
  /** Outcome of the cycle. */
  status: CycleStatus;
  /** What went wrong when status is failure; null on success. */
  error: string | null;
  /** Prediction horizon in milliseconds: predictions are about the return from as_of to as_of + horizon_ms. */
  horizon_ms: number;
  /** Numeric diagnostics of the cycle by name (e.g. "feature_nan_ratio", "latency_ms"). May be empty. */
  metrics: Record<string, number>;
  /** Ranked predictions, one per asset scored; empty when the cycle failed. */
  predictions: Prediction[];
}

/** The realised forward return of one asset over one horizon, published by the outcome labeller once the horizon has passed. Joined with predictions on (asset, as_of, horizon_ms) to score rankings. Schema: schemas/outcome.avsc. */
export interface Outcome {
  /** Asset symbol, as in Prediction.asset. */
  asset: string;
  /** Start of the horizon (the as_of of the predictions this labels), epoch milliseconds UTC. */
  as_of: number;
  /** Length of the horizon in milliseconds. */
  horizon_ms: number;
  /** Simple return of the asset from as_of to as_of + horizon_ms, as a fraction (0.012 is +1.2%). */
  forward_return: number;
}

/** One sample of a named time series, emitted by the processors (drawdown, baseline, freshness, ranking, ...) and written to QuestDB; the rules processor evaluates alert rules on them. Schema: schemas/metric.avsc. */
export interface Metric {
  /** Metric name in snake_case with its unit as a suffix where it has one (e.g. "drawdown_ratio", "ingest_lag_ms"). */
  name: string;
  /** Dimensions of the series (e.g. portfolio, strategy, env); name plus labels identify a series. May be empty. */
  labels: Record<string, string>;
  /** Sample value. */
  value: number;
  /** Event time of the sample, epoch milliseconds UTC. */
  ts: number;
}

/** Whether a fill added liquidity to the book (maker) or took it (taker); fees usually differ. */
export type Liquidity = 'maker' | 'taker';
/** Every Liquidity symbol, in schema order. */
export const LIQUIDITIES = ['maker', 'taker'] as const satisfies readonly Liquidity[];

/** Direction of a fill: buy increases the position, sell decreases it. */
export type TradeSide = 'buy' | 'sell';
/** Every TradeSide symbol, in schema order. */
export const TRADE_SIDES = ['buy', 'sell'] as const satisfies readonly TradeSide[];

/** One executed fill, published by the trade executor when the venue confirms it. An order filled in several parts gives several trades with the same order_id. Schema: schemas/trade.avsc. */
export interface Trade {
  /** Unique identifier of the fill (the venue's trade id, prefixed with the venue where it is not globally unique); the idempotency key. */
  trade_id: string;
  /** Venue identifier of the order this fill belongs to. */
  order_id: string;
  /** Identifier the executor gave the order when placing it; null if the venue does not echo one. */
  client_order_id: string | null;
  /** Strategy that placed the order (e.g. "momentum"). */
  strategy: string;
  /** Environment of the executor; paper trades are simulated fills. */
  env: Environment;
  /** Portfolio the fill is booked to, as in PortfolioMark.portfolio. */
  portfolio: string;
  /** Asset symbol, as in Prediction.asset (e.g. "BTC-USD", "AAPL"). */
  asset: string;
  /** Direction of the fill. */
  side: TradeSide;
  /** Filled quantity in units of the asset, always positive (the side gives the direction). */
  quantity: number;
  /** Execution price per unit, in quote_currency. */
  price: number;
  /** Value of the fill, quantity times price, in quote_currency, always positive. */
  notional: number;
  /** Currency of price and notional (e.g. "USD", "USDT"). */
  quote_currency: string;
  /** Fee charged for the fill, in fee_currency; negative for a rebate. */
  fee: number;
  /** Currency of the fee (e.g. "USD", "BNB"); it can differ from quote_currency. */
  fee_currency: string;
  /** Maker or taker; null if the venue does not say. */
  liquidity: Liquidity | null;
  /** Exchange or broker that executed the fill (e.g. "binance", "coinbase", "alpaca"). */
  venue: string;
  /** Inference cycle whose predictions led to the order, as in InferenceCycle.cycle_id; null for orders not placed by a model (manual, rebalancing). */
  cycle_id: string | null;
  /** Execution time reported by the venue (event time), epoch milliseconds UTC. */
  ts: number;
}

/** How an ingest run ended: everything written (success), nothing written (failure), or some of it written (partial). */
export type IngestStatus = 'success' | 'failure' | 'partial';
/** Every IngestStatus symbol, in schema order. */
export const INGEST_STATUSES = ['success', 'failure', 'partial'] as const satisfies readonly IngestStatus[];

/** One run of a data ingest (market data, on-chain metrics, external signals), published by the ingest when the run ends. The freshness processor alerts on failed runs, on silence and on a stale data_until. Schema: schemas/ingest-run.avsc. */
export interface IngestRun {
  /** Name of the ingest, one per source and dataset (e.g. "coinmetrics-daily", "binance-klines-1m"). */
  ingest: string;
  /** Environment the ingest feeds. */
  env: Environment;
  /** Unique identifier of the run (the idempotency key). */
  run_id: string;
  /** Wall-clock start of the run, epoch milliseconds UTC. */
  started_at: number;
  /** Wall-clock end of the run, epoch milliseconds UTC (the event time of this record). */
  finished_at: number;
  /** How the run ended. */
  status: IngestStatus;
  /** Number of rows written by the run (0 is valid: nothing new upstream). */
  rows: number;
  /** Duration of the run in milliseconds (finished_at - started_at, measured on a monotonic clock). */
  duration_ms: number;
  /** What went wrong when status is failure or partial; null on success. */
  error: string | null;
  /** Data watermark: the newest event time ingested so far (not the run time), epoch milliseconds UTC; null if the run knows none. Freshness is measured on it. */
  data_until: number | null;
}

/** One value of an external signal about an asset (developer activity, social mentions, on-chain or token metrics), published by the connectors to signals.*. Schema: schemas/signal.avsc. */
export interface Signal {
  /** Connector the value came from: "github", "x", "discord", "coinmetrics" or "tokenterminal". */
  source: string;
  /** Canonical asset id the signal is about (connectors/assets maps each provider's id to it; never a ticker). */
  asset: string;
  /** Signal name within the source, in snake_case (e.g. "commits_7d", "mentions_24h", "active_addresses"). */
  name: string;
  /** Signal value, in unit where one is given. */
  value: number;
  /** Unit of the value (e.g. "count", "USD", "ratio"); null if dimensionless or unknown. */
  unit: string | null;
  /** Time the value refers to (the end of its measurement window), epoch milliseconds UTC. */
  ts: number;
  /** Further dimensions of the value (e.g. repository, channel, chain). May be empty. */
  labels: Record<string, string>;
  /** Data-quality flags of the value, empty when clean: each expectation it breaks ("not_null", "non_negative", "positive", "range", "change"); a value the provider did not give is NaN with "not_null". A flagged value is still published. */
  flags: string[];
}

/** How an attempt ended: it succeeded, threw (failed), ran past the job's timeout (timed_out), was abandoned by an instance that stopped heartbeating (lost), or the occurrence was not run at all (skipped, by the misfire or the overlap policy). */
export type JobOutcome = 'succeeded' | 'failed' | 'timed_out' | 'lost' | 'skipped';
/** Every JobOutcome symbol, in schema order. */
export const JOB_OUTCOMES = ['succeeded', 'failed', 'timed_out', 'lost', 'skipped'] as const satisfies readonly JobOutcome[];

/** What created a run: its schedule, a person or system asking for it now (run-now), or a backfill of past occurrences. */
export type JobTrigger = 'schedule' | 'manual' | 'backfill';
/** Every JobTrigger symbol, in schema order. */
export const JOB_TRIGGERS = ['schedule', 'manual', 'backfill'] as const satisfies readonly JobTrigger[];

/** One attempt of a scheduled job, or the decision not to run an occurrence (skipped), published by the scheduler (scheduler/) on jobs.runs when the outcome is known. Replays of the scheduler's outbox publish the same record again: consumers deduplicate on (job, scheduled_at, attempt, outcome). Schema: schemas/job-run.avsc. */
export interface JobRun {
  /** Identifier of the job (e.g. "pnl-daily-prod"), unique within a scheduler store. */
  job: string;
  /** Template the job runs (e.g. "pnl-reconciliation"); see scheduler/README.md for the list. */
  template: string;
  /** Environment the job watches; the env label of the metrics the run emits. */
  env: Environment;
  /** The occurrence this run is for: the time the schedule fired (or the time a manual run was asked for), epoch milliseconds UTC. With job it identifies the run. */
  scheduled_at: number;
  /** What created the run. */
  trigger: JobTrigger;
  /** Attempt number, 1 for the first; 0 when the occurrence was skipped without an attempt. */
  attempt: number;
  /** Attempts the job's retry policy allows in total (1 plus the retries). */
  max_attempts: number;
  /** Scheduler instance that ran the attempt or took the decision (e.g. "host-4711"). */
  instance: string;
  /** When the attempt started, epoch milliseconds UTC; null when the occurrence was skipped. */
  started_at: number | null;
  /** When the outcome was known (the attempt ended, timed out or was found lost, or the skip was decided), epoch milliseconds UTC. */
  finished_at: number;
  /** How the attempt ended. */
  outcome: JobOutcome;
  /** True when no further attempt of this run follows; false when the retry policy scheduled another (at next_attempt_at). */
  final: boolean;
  /** When the next attempt may start (after the exponential backoff), epoch milliseconds UTC; null when final. */
  next_attempt_at: number | null;
  /** What went wrong (failed, timed_out, lost) or why the occurrence was skipped; null on success. */
  error: string | null;
  /** How long the attempt ran, finished_at - started_at, in milliseconds; null when skipped. */
  duration_ms: number | null;
  /** How late the attempt started after scheduled_at (for a skipped occurrence: how late the skip was decided), in milliseconds. A large value means the job ran late. */
  delay_ms: number;
  /** What the template reported on success (e.g. rows written, breaches found), as text by name. May be empty. */
  summary: Record<string, string>;
}

/** One slice of a backtest request (a time range and a set of assets), published on backtest.tasks by `tradewatch backtest enqueue` or the backtest-fanout job template, for a pool of workers sharing the topic in one consumer group. A worker runs the slice and reports its results; the slices of a request together cover its whole period and universe exactly once. Schema: schemas/backtest-task.avsc. */
export interface BacktestTask {
  /** Identifier of the backtest request all slices belong to (e.g. "momentum-2025q1"). */
  backtest_id: string;
  /** Identifier of this slice, "<backtest_id>/<slice_index>": the idempotency key (a re-enqueued request gives the same task ids) and the Kafka key. */
  task_id: string;
  /** Position of the slice, 0 to slice_count - 1, time ranges first then asset groups. */
  slice_index: number;
  /** Number of slices of the request; a collector knows the backtest is complete when it has this many results. */
  slice_count: number;
  /** Strategy to backtest (e.g. "momentum"). */
  strategy: string;
  /** Start of the slice's evaluation period (inclusive), epoch milliseconds UTC. */
  from: number;
  /** End of the slice's evaluation period (exclusive), epoch milliseconds UTC. */
  to: number;
  /** History before from that the worker loads to warm the strategy up (indicators, state), in milliseconds; results are counted from from only, so slices do not overlap. */
  warmup_ms: number;
  /** Assets of the slice, as in Prediction.asset; the whole universe when the request is not split by asset. */
  assets: string[];
  /** Equity the slice starts with, in the base currency. */
  initial_equity: number;
  /** Strategy parameters of the request, as a JSON object text ("{}" when none); passed to the strategy unchanged. */
  parameters_json: string;
  /** SHA-256 (hex) of the normalized request, the same for every slice: a worker or collector can tell two different requests under one backtest_id apart. */
  request_digest: string;
  /** When the request was enqueued, epoch milliseconds UTC. */
  requested_at: number;
  /** Who enqueued it: the scheduler job id ("job:<id>"), or null for a person running the CLI. */
  requested_by: string | null;
}

/** Each record type by name, for `SchemaRegistry#codec`. */
export interface RecordTypes {
  PortfolioMark: PortfolioMark;
  Alert: Alert;
  InferenceCycle: InferenceCycle;
  Outcome: Outcome;
  Metric: Metric;
  Trade: Trade;
  IngestRun: IngestRun;
  Signal: Signal;
  JobRun: JobRun;
  BacktestTask: BacktestTask;
}
