/**
 * The signals end to end on the real stack, point in time: a connector run against a local CoinMetrics
 * publishes signals; a real `tradewatch run` (the history processor) writes them to QuestDB
 * `history_signals` with `ingested_at` (the Kafka timestamp: when the run fetched them); a second run
 * reads a revised value; and backtest/history.ts, as the backtests read it, sees the first value when
 * known at a time before the revision and both (the engine takes the later) after it.
 */
import { describe, expect, inject, it, onTestFinished } from 'vitest';
import { readHistory } from '../../backtest/history.ts';
import { SignalIndex } from '../../backtest/engine/index.ts';
import { ManualClock } from '../../core/clock.ts';
import { DAY_MS, HOUR_MS } from '../../core/durations.ts';
import { silentLogger } from '../../core/logger.ts';
import { namespace } from '../../core/namespace.ts';
import { ConnectorStore, createConnector, runConnector } from '../../connectors/index.ts';
import { SchemaRegistry } from '../../schemas/index.ts';
import { parseEndpoint } from '../../sinks/questdb/endpoint.ts';
import { TABLES } from '../../sinks/questdb/index.ts';
import { config as backtestConfig } from '../backtest/engine-fixtures.ts';
import { testKafka } from '../helpers/kafka.ts';
import { pipelinePrefix, startPipeline } from '../helpers/pipeline.ts';
import { questdbQuery } from '../helpers/questdb.ts';
import { uniqueName } from '../helpers/unique.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { testSchema } from '../scheduler/helpers.ts';
import { coinMetricsServer, dailyRows } from './coinmetrics-server.ts';
import { connectorOf } from './helpers.ts';

/** Yesterday's midnight (UTC): the runs happen after it, in the past (Kafka refuses future timestamps). */
const DAY0 = Math.floor(Date.now() / DAY_MS) * DAY_MS - DAY_MS;
const FIRST = DAY0 + HOUR_MS;
const REVISED = DAY0 + 2 * HOUR_MS;
const iso = (ms: number) => new Date(ms).toISOString();

describe('connector signals in the history', { timeout: 120_000 }, () => {
  it('a connector run’s signals reach history_signals through `tradewatch run`, and a revision is read point in time', async () => {
    const prefix = await pipelinePrefix('conn-history');
    const ns = namespace(uniqueName('connhist').replace(/-/g, '_'));
    onTestFinished(async () => {
      for (const t of TABLES) await questdbQuery(`DROP TABLE IF EXISTS ${ns.table(t.name)}`);
    });
    const pipeline = await startPipeline(prefix, ['--processors', 'history', '--no-heartbeat'], {
      TW_NAMESPACE: ns.name,
    });

    // The provider revises the last day's supply between the two runs.
    let revised = false;
    const server = await coinMetricsServer((asset) =>
      asset === 'btc'
        ? dailyRows('btc', DAY0, 3, (i) => ({ SplyCur: i === 2 && revised ? '150' : String(100 - i) }))
        : [],
    );
    // A source name both a connector (`-` allowed) and a backtest factor (`_` only) accept.
    const source = `cm${Date.now().toString(36)}${Math.floor(Math.random() * 1e6)}`;
    const config = connectorOf(`
connectors:
  - name: ${source}
    type: coinmetrics
    base_url: ${server.url}/v4
    cadence: 1d
    budget_per_hour: 10
    metrics: [SplyCur]
    assets:
      - { asset: bitcoin, id: btc }
`);
    const store = new ConnectorStore({
      url: await testSchema(inject('services').databaseUrl),
      logger: silentLogger(),
    });
    onTestFinished(() => store.close());
    await store.start();
    const producer = await testKafka().producer();
    onTestFinished(() => producer.close());
    const clock = new ManualClock(FIRST);
    const deps = {
      store,
      producer,
      registry: await SchemaRegistry.load(),
      topicPrefix: prefix,
      env: 'prod' as const,
      clock,
      logger: silentLogger(),
    };
    // A backfill of the three days, then (revised) a re-read of the last two.
    const first = await runConnector(createConnector(config, null), config, deps, {
      mode: 'backfill',
      window: { fromMs: DAY0 - 3 * DAY_MS, toMs: DAY0 },
    });
    expect(first).toMatchObject({ status: 'success', rows: 3 });
    revised = true;
    clock.set(REVISED);
    const second = await runConnector(createConnector(config, null), config, deps, {
      mode: 'backfill',
      window: { fromMs: DAY0 - 2 * DAY_MS, toMs: DAY0 },
    });
    expect(second).toMatchObject({ status: 'success', rows: 2 });

    const table = ns.table('history_signals');
    const rows = await waitFor(
      'the five signal rows in QuestDB',
      async () => {
        const found = await questdbQuery(
          `SELECT ts, value, ingested_at, labels FROM ${table} WHERE source = '${source}' ORDER BY ts, ingested_at`,
        ).catch(() => []);
        return found.length >= 5 ? found : undefined;
      },
      { timeoutMs: 60_000 },
    );
    const micros = (ms: number) => iso(ms).replace('Z', '000Z');
    expect(rows).toEqual([
      [micros(DAY0 - 3 * DAY_MS), 100, micros(FIRST), '{"metric":"SplyCur","provider_id":"btc"}'],
      [micros(DAY0 - 2 * DAY_MS), 99, micros(FIRST), '{"metric":"SplyCur","provider_id":"btc"}'],
      [micros(DAY0 - 2 * DAY_MS), 99, micros(REVISED), '{"metric":"SplyCur","provider_id":"btc"}'],
      [micros(DAY0 - DAY_MS), 98, micros(FIRST), '{"metric":"SplyCur","provider_id":"btc"}'],
      [micros(DAY0 - DAY_MS), 150, micros(REVISED), '{"metric":"SplyCur","provider_id":"btc"}'],
    ]);

    // Read as a backtest reads it: the last day's supply at a known-at before the revision, and after.
    const c = backtestConfig(
      `factors: [{ name: "signal:${source}.sply_cur", weight: 1 }]\nselection: { k: 1 }`,
      iso(DAY0 - 3 * DAY_MS),
      iso(DAY0 + DAY_MS),
    );
    const endpoint = parseEndpoint(inject('services').questdbHttpUrl);
    const lastDay = async (knownAt: number) => {
      const history = await readHistory({ endpoint, namespace: ns, knownAt }, c);
      const index = new SignalIndex(history.inputs.signals, new Set([`${source}.sply_cur`]));
      return {
        rows: history.inputs.signals
          .filter((s) => s.eventTime === DAY0 - DAY_MS)
          .map((s) => [s.value, s.ingestedAt]),
        value: index.valueAt(`${source}.sply_cur`, 'bitcoin', knownAt, null),
      };
    };
    expect(await lastDay(FIRST - 1)).toEqual({ rows: [], value: undefined });
    expect(await lastDay(REVISED - 1)).toEqual({ rows: [[98, FIRST]], value: 98 });
    expect(await lastDay(REVISED)).toEqual({
      rows: [
        [98, FIRST],
        [150, REVISED],
      ],
      value: 150,
    });

    pipeline.child.kill('SIGTERM');
    const exit = await pipeline.exited;
    expect(exit.code, exit.stderr).toBe(0);
  });
});
