/**
 * A real `tradewatch run` writes the pipeline's telemetry to its namespace's tables: a `dead_letters`
 * row for an undecodable mark (the `dead-letters` recorder it starts), `processor_progress` rows of
 * its processors, and metric points in `metrics` (the `metric-points` processor): the drawdown's, and
 * the data-quality points of a real `connectors run` against a local CoinMetrics server (which the
 * Data sources dashboard charts); and the dashboards' panels over them return those rows. It stops
 * cleanly on SIGTERM.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, inject, it, onTestFinished } from 'vitest';
import { HOUR_MS } from '../../core/durations.ts';
import { namespace } from '../../core/namespace.ts';
import { physicalName } from '../../topics/index.ts';
import { TABLES } from '../../sinks/questdb/index.ts';
import { coinMetricsServer, dailyRows } from '../connectors/coinmetrics-server.ts';
import { runCli } from '../helpers/cli.ts';
import { testKafka } from '../helpers/kafka.ts';
import { testSchema } from '../scheduler/helpers.ts';
import { exec } from '../../sinks/questdb/exec.ts';
import { parseEndpoint } from '../../sinks/questdb/endpoint.ts';
import { loadGrafanaJson, panelSql, queryPanels, resolveVariables } from '../dashboards/grafana-json.ts';
import { pipelinePrefix, produceMarks, startPipeline } from '../helpers/pipeline.ts';
import { questdbQuery } from '../helpers/questdb.ts';
import { uniqueName } from '../helpers/unique.ts';
import { waitFor } from '../helpers/wait-for.ts';

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
/** The connector points the Data sources dashboard charts (`connector_volume_zscore` comes from a fourth run). */
const WANTED = [
  'connector_data_age_ms',
  'connector_quarantined_payloads',
  'expectation_failed',
  'expectation_violations',
  'schema_drift',
];

describe('tradewatch run', { timeout: 180_000 }, () => {
  it('writes dead letters, progress and metric points (a connector run’s too) to QuestDB, where the panels find them', async () => {
    const prefix = await pipelinePrefix('run-telemetry');
    const ns = namespace(uniqueName('runtel').replace(/-/g, '_'));
    onTestFinished(async () => {
      for (const t of TABLES) await questdbQuery(`DROP TABLE IF EXISTS ${ns.table(t.name)}`);
    });
    const pipeline = await startPipeline(
      prefix,
      ['--processors', 'drawdown,freshness,metric-points,dead-letters', '--no-heartbeat'],
      { TW_NAMESPACE: ns.name, TW_PROGRESS_INTERVAL_MS: '200' },
    );
    const portfolio = uniqueName('pf');
    await produceMarks(prefix, [{ portfolio, env: 'prod', ts: T0, equity: 1000, cash: null }]);
    const producer = await testKafka().producer();
    onTestFinished(() => producer.close());
    await producer.send([
      { topic: physicalName('portfolio.marks', prefix), key: portfolio, value: Buffer.from('{"no":"avro"}') },
    ]);

    /** The rows of `sql` once there are at least `n`. */
    const rows = (sql: string, n = 1) =>
      waitFor(
        sql,
        async () => {
          const found = await questdbQuery(sql).catch(() => []);
          return found.length >= n ? found : undefined;
        },
        { timeoutMs: 60_000 },
      );
    expect(
      await rows(
        `SELECT output, source_topic, code, failed_by FROM ${ns.table('dead_letters')} ORDER BY failed_by`,
        2,
      ),
      // freshness reads the marks too: one record, dead-lettered by both.
    ).toEqual([
      ['dlq', 'portfolio.marks', 'TW_DECODE_NOT_SINGLE_OBJECT', 'drawdown'],
      ['dlq', 'portfolio.marks', 'TW_DECODE_NOT_SINGLE_OBJECT', 'freshness'],
    ]);
    const progress = await rows(
      `SELECT processor, topic, lag FROM ${ns.table('processor_progress')} WHERE processor = 'drawdown' AND committed_offset = 2`,
    );
    expect(progress[0]).toEqual(['drawdown', 'portfolio.marks', 0]);
    expect(
      await rows(`SELECT DISTINCT processor FROM ${ns.table('processor_progress')} ORDER BY processor`, 3),
    ).toEqual([['drawdown'], ['freshness'], ['metric-points']]);
    const points = await rows(
      `SELECT name FROM ${ns.table('metrics')} WHERE series = 'drawdown_1h{env=prod,portfolio=${portfolio}}'`,
    );
    expect(points).toEqual([['drawdown_1h']]);

    // A connector run publishes its data-quality points; the pipeline writes them to `metrics`.
    const midnight = Math.floor(Date.now() / (24 * HOUR_MS)) * 24 * HOUR_MS;
    const server = await coinMetricsServer((asset) =>
      asset === 'btc' ? dailyRows('btc', midnight, 3, (i) => ({ SplyCur: `-1958000${i}.5` })) : [],
    );
    const dir = await mkdtemp(path.join(tmpdir(), 'tw-run-telemetry-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const config = path.join(dir, 'connectors.yaml');
    const connector = uniqueName('cm');
    await writeFile(
      config,
      `env: prod
connectors:
  - name: ${connector}
    type: coinmetrics
    base_url: ${server.url}/v4
    cadence: 1d
    budget_per_hour: 10
    history: 5d
    metrics: [SplyCur]
    assets:
      - { asset: bitcoin, id: btc }
    expectations:
      - { signal: sply_cur, check: non_negative }
`,
    );
    const run = await runCli(['connectors', 'run', connector, '--once', '--config', config], {
      env: {
        TOPIC_PREFIX: prefix,
        DATABASE_URL: await testSchema(inject('services').databaseUrl),
      },
    });
    expect(run.code, run.stderr).toBe(0);
    const names = await waitFor(
      'the connector’s points in metrics',
      async () => {
        const found = (
          await questdbQuery(
            `SELECT DISTINCT name FROM ${ns.table('metrics')} WHERE labels LIKE '%"connector":"${connector}"%' ORDER BY name`,
          ).catch(() => [])
        ).map((r) => r[0]);
        return WANTED.every((n) => found.includes(n)) ? found : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(names).toEqual(expect.arrayContaining(WANTED));
    expect(
      await questdbQuery(
        `SELECT value FROM ${ns.table('metrics')} WHERE name = 'expectation_violations' AND json_extract(labels, '$.connector') = '${connector}'`,
      ),
    ).toEqual([[3]]);

    // The panels over these tables, as Grafana runs them, return this run's rows.
    const query = (sql: string) =>
      exec(parseEndpoint(inject('services').questdbHttpUrl), sql, { timeoutMs: 30_000 });
    const range = { from: Date.now() - HOUR_MS, to: Date.now() + 60_000 };
    const panels = {
      'tradewatch-overview': [
        'Consumer lag by processor',
        'Last commit age',
        'Dead letters by source and code',
      ],
      'tradewatch-data-sources': [
        'Schema drift',
        'Expectation violations',
        'Expectations now',
        'Quarantined payloads',
        'Connector data age',
      ],
    } as const;
    for (const { dashboard } of loadGrafanaJson()) {
      const titles: readonly string[] = panels[dashboard.uid as keyof typeof panels] ?? [];
      if (titles.length === 0) continue;
      const variables = await resolveVariables(dashboard, ns.tablePrefix, range, query);
      const chosen = queryPanels(dashboard).filter((p) => titles.includes(p.panel.title));
      expect(chosen.map((p) => p.panel.title).sort()).toEqual([...titles].sort());
      for (const { panel } of chosen) {
        const result = await query(panelSql(panel, panel.targets![0]!, variables, range));
        expect(result.rows.length, `${dashboard.uid}: ${panel.title}`).toBeGreaterThan(0);
      }
    }

    pipeline.child.kill('SIGTERM');
    const exit = await pipeline.exited;
    expect(exit.code, exit.stderr).toBe(0);
  });
});
