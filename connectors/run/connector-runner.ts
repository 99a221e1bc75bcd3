/**
 * Runs a connector once (a run, a backfill window, or a replay of a stored run without the network):
 * each scope the connector commits is checked for schema drift, normalized (an unreadable payload is
 * quarantined and the run goes on), checked against the expectations (broken values are published
 * flagged), published, and only then checkpointed. The run ends with its metrics on `metrics` and one
 * IngestRun on `ingest.runs`, whatever happened, so the freshness processor and the rules watch it
 * like any ingest.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../core/clock.ts';
import { errorCode, toError } from '../../core/errors.ts';
import type { KafkaProducer } from '../../core/kafka-port.ts';
import type { Logger } from '../../core/logger.ts';
import type { Environment, Metric, SchemaRegistry, Signal } from '../../schemas/index.ts';
import type { ConnectorConfig } from '../config/types.ts';
import { ConnectorHttp, type Sleep } from '../http/index.ts';
import { ExpectationChecker, failed, volumeZScore } from '../quality/index.ts';
import type { ConnectorStore } from '../store/index.ts';
import { payloadOf, type Connector, type Payload, type RunContext, type TimeWindow } from '../types.ts';
import { DriftWatch } from './drift-watch.ts';
import { Publisher } from './publisher.ts';
import type { DriftEvent, RunStatus, RunSummary } from './run-state.ts';

/** Runs kept to judge a run's volume. */
const VOLUME_HISTORY = 20;

export interface RunnerDeps {
  readonly store: ConnectorStore;
  /** A started producer (the caller owns it). */
  readonly producer: KafkaProducer;
  readonly registry: SchemaRegistry;
  readonly topicPrefix: string;
  /** The env of the IngestRuns and metrics. */
  readonly env: Environment;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly signal?: AbortSignal;
  /** Default: real timers. */
  readonly sleep?: Sleep;
  /** Default: global fetch. */
  readonly fetch?: typeof fetch;
  /** Default: random UUIDs. */
  readonly newRunId?: () => string;
  /** Told after each committed scope (a terminal shows progress). */
  readonly onProgress?: (progress: { scope: string; commits: number; rows: number }) => void;
}

/** What to run: new data, a window, or a stored run again. */
export type RunRequest =
  | { readonly mode: 'run' }
  | { readonly mode: 'backfill'; readonly window: TimeWindow }
  | { readonly mode: 'replay'; readonly runId: string };

/** The IngestRun name of a connector (the freshness source key on `ingest.runs`). */
export function ingestName(connector: string): string {
  return `connector-${connector}`;
}

/** The series key of a value: asset, name and sorted labels. */
function seriesOf(v: { asset: string; name: string; labels: Readonly<Record<string, string>> }): string {
  const labels = Object.keys(v.labels)
    .sort()
    .map((k) => `${k}=${v.labels[k]}`)
    .join(',');
  return `${v.asset}|${v.name}|${labels}`;
}

/** Runs `connector` once as `request` says; never throws for the provider's failures (see the summary). */
export async function runConnector(
  connector: Connector & { readonly headers?: Readonly<Record<string, string>> },
  config: ConnectorConfig,
  deps: RunnerDeps,
  request: RunRequest,
): Promise<RunSummary> {
  const { store, clock } = deps;
  const runId = deps.newRunId?.() ?? randomUUID();
  const logger = deps.logger.child({ connector: config.name, runId, mode: request.mode });
  const startedAt = clock.now();
  const started = performance.now();
  const publisher = new Publisher(deps.producer, deps.registry, deps.topicPrefix);
  const http = new ConnectorHttp({
    connector: config.name,
    runId,
    store,
    clock,
    logger,
    budgetPerHour: config.budgetPerHour,
    ...(config.ratePerMinute === undefined ? {} : { ratePerMinute: config.ratePerMinute }),
    maxWaitMs: config.maxWaitMs,
    retry: config.retry,
    timeoutMs: config.timeoutMs,
    ...(connector.headers === undefined ? {} : { headers: connector.headers }),
    ...(deps.signal === undefined ? {} : { signal: deps.signal }),
    ...(deps.sleep === undefined ? {} : { sleep: deps.sleep }),
    ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }),
  });
  const checker = new ExpectationChecker(config.expectations);
  const drift = new DriftWatch(store, config.name, connector.optionalFields);
  const driftEvents: DriftEvent[] = [];
  const endpointsSeen = new Set<string>();
  const metrics: Metric[] = [];
  const labels = { connector: config.name, env: deps.env };
  let rows = 0;
  let commits = 0;
  let quarantined = 0;
  let flagged = 0;
  let dataUntil: number | null = null;

  const window: TimeWindow =
    request.mode === 'backfill'
      ? request.window
      : { fromMs: clock.now() - config.historyMs, toMs: clock.now() };
  const scoped = (scope: string): string =>
    request.mode === 'backfill' ? `backfill:${window.fromMs}-${window.toMs}:${scope}` : scope;

  const commit = async (scope: string, payloads: readonly Payload[]): Promise<void> => {
    const now = clock.now();
    // A replay reads old payloads: their shapes are history, not news.
    for (const payload of request.mode === 'replay' ? [] : payloads) {
      endpointsSeen.add(payload.endpoint);
      const event = await drift.check(payload, now);
      if (event === undefined) continue;
      driftEvents.push(event);
      const fields = [...event.drift.added, ...event.drift.missing, ...event.drift.retyped];
      if (event.previousFields !== '') {
        // The earlier drift is superseded: its series resolves.
        metrics.push({
          name: 'schema_drift',
          labels: { ...labels, endpoint: event.endpoint, fields: event.previousFields },
          value: 0,
          ts: now,
        });
      }
      logger.warn(
        { endpoint: event.endpoint, ...event.drift },
        'provider payload changed shape (schema drift)',
      );
      metrics.push({
        name: 'schema_drift',
        labels: { ...labels, endpoint: event.endpoint, fields: fields.join(',').slice(0, 500) },
        value: fields.length,
        ts: now,
      });
    }
    const knownAt = Math.max(...payloads.map((p) => p.fetchedAt));
    let values;
    try {
      values = connector.normalize(scope, payloads, { knownAt });
    } catch (e: unknown) {
      quarantined += payloads.length;
      const error = toError(e).message;
      logger.error(
        { scope, error, responses: payloads.map((p) => p.responseId) },
        'payload quarantined: the normalizer cannot read it',
      );
      for (const p of payloads) {
        await store.quarantine(
          { connector: config.name, runId, endpoint: p.endpoint, responseId: p.responseId, error },
          now,
        );
      }
      return;
    }
    values.sort((a, b) => a.ts - b.ts);
    const firstTs = new Map<string, number>();
    for (const v of values) if (!firstTs.has(seriesOf(v))) firstTs.set(seriesOf(v), v.ts);
    const previous = await store.previousValues(config.name, firstTs);
    const signals: Signal[] = [];
    const toSave = new Map<string, { series: string; value: number; ts: number }>();
    for (const v of values) {
      const series = seriesOf(v);
      const flags = checker.check(v.name, v.value, previous.get(series));
      if (flags.length > 0) flagged += 1;
      if (v.value !== null) {
        previous.set(series, v.value);
        toSave.set(`${series}@${v.ts}`, { series, value: v.value, ts: v.ts });
      }
      signals.push({
        source: config.name,
        asset: v.asset,
        name: v.name,
        value: v.value ?? Number.NaN,
        unit: v.unit,
        ts: v.ts,
        labels: { ...v.labels },
        flags,
      });
      dataUntil = Math.max(dataUntil ?? v.ts, v.ts);
    }
    await publisher.signals(signals, knownAt);
    await store.saveValues(config.name, [...toSave.values()]);
    rows += signals.length;
  };

  const context: RunContext = {
    http,
    clock,
    logger,
    signal: deps.signal,
    mode: request.mode === 'backfill' ? 'backfill' : 'run',
    window,
    checkpoint: (scope) => store.checkpoint(config.name, scoped(scope)),
    commit: async (scope, payloads, checkpoint) => {
      await commit(scope, payloads);
      await store.saveCheckpoint(config.name, scoped(scope), checkpoint, clock.now());
      await store.recordCommit(
        {
          runId,
          seq: commits,
          connector: config.name,
          scope,
          responseIds: payloads.map((p) => p.responseId),
        },
        clock.now(),
      );
      commits += 1;
      deps.onProgress?.({ scope, commits, rows });
    },
  };

  await store.startRun(runId, config.name, request.mode, startedAt);
  let error: string | null = null;
  try {
    if (request.mode === 'replay') {
      for (const stored of await store.commitsOfRun(request.runId)) {
        await commit(stored.scope, stored.responses.map(payloadOf));
        commits += 1;
      }
    } else {
      await connector.run(context);
    }
  } catch (e: unknown) {
    error = `${errorCode(e)}: ${toError(e).message}`;
    logger.error({ err: e }, 'connector run failed');
  }
  if (error === null && quarantined > 0)
    error = `${quarantined} payload(s) quarantined: the normalizer could not read them`;

  const finishedAt = clock.now();
  const status: RunStatus = error === null ? 'success' : commits > 0 || rows > 0 ? 'partial' : 'failure';
  const history = request.mode === 'run' ? await store.recentRowCounts(config.name, VOLUME_HISTORY) : [];
  const z = request.mode === 'run' ? volumeZScore(rows, history) : undefined;
  const failedExpectations = checker.tallies
    .filter(failed)
    .map((t) => `${t.expectation.signal} ${t.expectation.check} (${t.broken}/${t.checked})`);
  for (const tally of checker.tallies) {
    const l = { ...labels, signal: tally.expectation.signal, check: tally.expectation.check };
    metrics.push({ name: 'expectation_violations', labels: l, value: tally.broken, ts: finishedAt });
    metrics.push({ name: 'expectation_failed', labels: l, value: failed(tally) ? 1 : 0, ts: finishedAt });
  }
  // An endpoint read without drift reports 0 on the series of its last drift (or with no fields), so a
  // drift alert resolves on the next clean run.
  const drifted = new Set(driftEvents.map((e) => e.endpoint));
  for (const endpoint of [...endpointsSeen].filter((e) => !drifted.has(e)).sort()) {
    const fields = await store.takeDriftFields(config.name, endpoint);
    metrics.push({ name: 'schema_drift', labels: { ...labels, endpoint, fields }, value: 0, ts: finishedAt });
  }
  metrics.push({ name: 'connector_rows', labels, value: rows, ts: finishedAt });
  metrics.push({ name: 'connector_requests', labels, value: http.requests, ts: finishedAt });
  metrics.push({ name: 'connector_quarantined_payloads', labels, value: quarantined, ts: finishedAt });
  if (z !== undefined) metrics.push({ name: 'connector_volume_zscore', labels, value: z, ts: finishedAt });
  if (dataUntil !== null) {
    metrics.push({ name: 'connector_data_age_ms', labels, value: finishedAt - dataUntil, ts: finishedAt });
  }
  await publisher.metrics(metrics);
  // A replay is no ingest: it must not tell the freshness processor the provider answered.
  if (request.mode !== 'replay') {
    await publisher.ingestRun({
      ingest: ingestName(config.name),
      env: deps.env,
      run_id: runId,
      started_at: startedAt,
      finished_at: finishedAt,
      status,
      rows,
      duration_ms: Math.round(performance.now() - started),
      error,
      data_until: dataUntil,
    });
  }
  await store.finishRun(runId, { status, rows, error, finishedAt });
  const summary: RunSummary = {
    runId,
    connector: config.name,
    mode: request.mode,
    status,
    rows,
    commits,
    quarantined,
    drift: driftEvents,
    flagged,
    failedExpectations,
    requests: http.requests,
    notModified: http.notModified,
    dataUntil,
    volumeZScore: z ?? null,
    error,
    startedAt,
    finishedAt,
  };
  logger.info(
    { status, rows, commits, requests: http.requests, notModified: http.notModified },
    'connector run finished',
  );
  return summary;
}
