/**
 * The demo's connector step: local stand-ins of the GitHub and CoinMetrics APIs
 * (connectors/demo-server, deterministic data), a generated connectors file pointing at them through
 * `base_url`, and one run of each connector through the same code as `tradewatch connectors run
 * --once` (`runConnectorsOnce`), on a clock fixed at the demo's day, so the signals (and their
 * ingested_at) are the same on every run. The connectors' state lives in the demo's own PostgreSQL
 * schema (`tw_<demo namespace>`), reset first, so every demo run starts from no checkpoint and spends
 * its budget afresh. Without PostgreSQL the step is skipped with a notice: the other steps need none.
 */
import { ManualClock } from '../../core/clock.ts';
import { errorCode, toError, TradewatchError } from '../../core/errors.ts';
import type { KafkaProducer } from '../../core/kafka-port.ts';
import type { Logger } from '../../core/logger.ts';
import type { Namespace } from '../../core/namespace.ts';
import {
  CONNECTORS_FILE,
  ConnectorStore,
  runConnectorsOnce,
  type RunSummary,
} from '../../connectors/index.ts';
import { startDemoProviders } from '../../connectors/demo-server/index.ts';
import type { SchemaRegistry } from '../../schemas/index.ts';
import type { QuestDbSink } from '../../sinks/questdb/index.ts';
import { table } from '../table.ts';

export interface DemoConnectorDeps {
  /** DATABASE_URL. */
  readonly databaseUrl: string;
  /** The demo's namespace: its PostgreSQL schema and QuestDB tables. */
  readonly namespace: Namespace;
  readonly producer: KafkaProducer;
  readonly registry: SchemaRegistry;
  /** The demo's topic prefix. */
  readonly topicPrefix: string;
  readonly logger: Logger;
  /** The demo's "now": the connectors run at this time (fetch times, record timestamps). */
  readonly now: number;
  /** The sink of the history processor (history_signals), to wait for and read the rows. */
  readonly sink: QuestDbSink;
  readonly say: (line?: string) => void;
}

/** What the step did: ran (with each connector's summary), or skipped, and why. */
export type DemoConnectorOutcome =
  | { readonly kind: 'ran'; readonly summaries: readonly RunSummary[]; readonly stored: number }
  | { readonly kind: 'skipped'; readonly reason: string };

const day = (ms: number | null) => (ms === null ? '—' : new Date(ms).toISOString().slice(0, 10));

/**
 * Runs the demo's connectors once against local providers and shows their signals arriving in
 * QuestDB (`history_signals` of the demo's namespace).
 * @throws TradewatchError (TW_INTERNAL) when a connector run against the demo's own providers did not
 * succeed: that is a bug, not the environment.
 */
export async function runDemoConnectors(deps: DemoConnectorDeps): Promise<DemoConnectorOutcome> {
  const { say, namespace: ns } = deps;
  const schema = ns.postgresSchema;
  const store = new ConnectorStore({ url: deps.databaseUrl, logger: deps.logger, schema });
  try {
    try {
      await store.start();
    } catch (e: unknown) {
      if (errorCode(e) !== 'TW_POSTGRES_UNAVAILABLE') throw e;
      // The pool's message says where it tried (password redacted) and what the driver answered.
      const reason =
        `${toError(e).message}. The connectors keep their checkpoints, budgets and raw responses in ` +
        `PostgreSQL (the demo's schema ${schema}): start it (\`docker compose up -d postgres\`, or your ` +
        'own) or point DATABASE_URL at one, and run the demo again; the other steps do not need it.';
      say(`SKIPPED: ${reason}`);
      return { kind: 'skipped', reason };
    }
    const providers = await startDemoProviders(deps.now);
    try {
      const config = CONNECTORS_FILE.parse(providers.yaml, '<the demo connectors file>');
      // A fresh start every run: no checkpoint says "done", no budget is spent, no shape is known yet.
      for (const c of config.connectors) await store.forget(c.name);
      say(
        `local providers: GitHub REST API at ${providers.github.url}, CoinMetrics API v4 at ${providers.coinmetrics.url}/v4 ` +
          `(demo data); connector state in PostgreSQL schema ${schema} (reset on every demo run)`,
      );
      const clock = new ManualClock(deps.now);
      const summaries = await runConnectorsOnce(config, [], {
        store,
        producer: deps.producer,
        registry: deps.registry,
        topicPrefix: deps.topicPrefix,
        clock,
        logger: deps.logger,
        // No credentials: the demo's providers need none.
        environment: {},
        // A rate-limit wait moves the demo's clock instead of the real one.
        sleep: (ms) => {
          clock.advance(ms);
          return Promise.resolve();
        },
      });
      const rows = [];
      for (const s of summaries) {
        const checkpoints = await store.checkpoints(s.connector);
        const newest = Math.max(...checkpoints.map((c) => c.checkpoint.lastEventAt ?? -Infinity));
        rows.push({
          connector: s.connector,
          status: s.status,
          requests: s.requests,
          'signals published': s.rows,
          checkpoint: `${checkpoints.length} scope(s), up to ${day(Number.isFinite(newest) ? newest : null)}`,
        });
      }
      say(table(rows));
      const failed = summaries.filter((s) => s.status !== 'success');
      if (failed.length > 0) {
        throw new TradewatchError(
          'TW_INTERNAL',
          `the demo's connector run failed against its own local providers: ${failed.map((s) => `${s.connector}: ${s.error}`).join('; ')}`,
        );
      }

      // The signals arrive in QuestDB through the history processor, as a backtest reads them.
      const known = `ingested_at = '${new Date(deps.now).toISOString()}'`;
      const total = summaries.reduce((n, s) => n + s.rows, 0);
      const stored = await deps.sink.waitForRows('history_signals', known, total, 60_000);
      const bySource = await deps.sink.query(
        `SELECT source, count() n, min(ts) first, max(ts) last FROM ${ns.table('history_signals')} ` +
          `WHERE ${known} GROUP BY source ORDER BY source`,
      );
      say(
        `\nsignals in QuestDB, table ${ns.table('history_signals')} (known at ${new Date(deps.now).toISOString()}):`,
      );
      say(
        table(
          bySource.rows.map((r) => ({
            source: r['source'],
            signals: r['n'],
            from: day(Date.parse(String(r['first']))),
            to: day(Date.parse(String(r['last']))),
          })),
        ),
      );
      const latest = await deps.sink.query(
        `SELECT * FROM (SELECT asset, name, value FROM ${ns.table('history_signals')} ` +
          `WHERE ${known} AND name IN ('commits_week', 'commits_week_z', 'sply_cur') ` +
          'LATEST ON ts PARTITION BY source, asset, name) ORDER BY asset, name',
      );
      say(
        `latest: ${latest.rows
          .map((r) => `${String(r['asset'])} ${String(r['name'])} ${Number(r['value']).toFixed(2)}`)
          .join(', ')}`,
      );
      return { kind: 'ran', summaries, stored };
    } finally {
      await providers.close();
    }
  } finally {
    await store.close();
  }
}
