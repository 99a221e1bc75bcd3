/** The checked-in Grafana JSON is what the definitions generate, and says what Grafana needs. */
import { describe, expect, test } from 'vitest';
import {
  ALL,
  QUESTDB_PLUGIN,
  applyConditionalAll,
  dashboardRange,
  expandQuery,
  loadDashboards,
  sampleByInterval,
  syncDashboardFiles,
} from '../../dashboards/index.ts';
import { BACKTEST_TABLES, TABLES } from '../../sinks/questdb/index.ts';
import { loadGrafanaJson, queryPanels } from './grafana-json.ts';

describe('the checked-in JSON', () => {
  test('is what the definitions generate (else: npm run dashboards:build)', async () => {
    const states = await syncDashboardFiles(await loadDashboards(), { write: false });
    expect(states.filter((s) => s.state !== 'unchanged')).toEqual([]);
    expect(states).toHaveLength(7);
  });

  test('every query goes to the QuestDB plugin and names its tables behind ${ns}', () => {
    const known = new Set([...TABLES, ...BACKTEST_TABLES].map((t) => t.name));
    for (const { dashboard } of loadGrafanaJson()) {
      const sqls = [
        ...queryPanels(dashboard).flatMap(({ panel }) => panel.targets ?? []),
        ...dashboard.annotations.list.flatMap((a) => (a.target === undefined ? [] : [a.target])),
      ];
      for (const target of sqls) {
        expect(target.datasource).toEqual({ type: QUESTDB_PLUGIN, uid: 'questdb' });
        expect(target.queryType).toBe('sql');
        for (const [, name] of target.rawSql.matchAll(/(?:FROM|JOIN)\s+(?!\()(\S+)/g)) {
          if (name === 'pnl') continue; // a WITH clause
          expect(name, target.rawSql).toMatch(/^\$\{ns\}[a-z_]+$/);
          expect(known.has(name!.slice('${ns}'.length)), name).toBe(true);
        }
      }
      expect(dashboard.templating.list.map((v) => v.name).slice(0, 2)).toEqual(['ns', 'env']);
    }
  });

  test("every dashboard's default range is one `dashboards render` reads (now-<duration>)", async () => {
    const now = Date.UTC(2026, 0, 5);
    for (const spec of await loadDashboards()) {
      const range = dashboardRange(spec, { now, run: () => Promise.reject(new Error('no query')) });
      expect(range.to, spec.uid).toBe(now);
      expect(range.from, spec.uid).toBeLessThan(now);
    }
  });

  test('panel thresholds come from the rules file', async () => {
    const portfolios = (await loadDashboards()).find((d) => d.uid === 'tradewatch-portfolios')!;
    const panel = portfolios.rows[0]!.panels.find((p) => p.title === 'Trailing-hour drawdown')!;
    expect(panel.thresholds?.map((t) => t.value)).toEqual([0.05]);
  });
});

describe('the plugin expansion', () => {
  const variables = new Map([
    ['ns', { value: 'demo__' }],
    ['env', { value: ALL, all: ['prod', 'paper'] }],
    ['portfolio', { value: 'alpha' }],
  ]);
  const range = { from: Date.UTC(2026, 0, 5), to: Date.UTC(2026, 0, 6), maxDataPoints: 200 };

  test('expands $__conditionalAll, variables and the backend macros as the plugin does', () => {
    const sql = expandQuery(
      "SELECT ts AS time FROM ${ns}drawdown WHERE $__timeFilter(ts) AND $__conditionalAll(env = '${env}', $env)" +
        " AND $__conditionalAll(portfolio = '${portfolio}', $portfolio) AND ts < $__toTime SAMPLE BY $__sampleByInterval",
      { variables, ...range },
    );
    expect(sql).toBe(
      'SELECT ts AS time FROM demo__drawdown WHERE ts >= cast(1767571200000000 as timestamp) AND ' +
        "ts <= cast(1767657600000000 as timestamp) AND 1=1 AND portfolio = 'alpha' AND " +
        'ts < cast(1767657600000000 as timestamp) SAMPLE BY 300s', // 24 h / 200 points = 432 s, rounded to 5 min
    );
  });

  test('a list variable outside $__conditionalAll is quoted and joined; unknown names stay', () => {
    expect(expandQuery('env IN (${env}) AND x = $unknown', { variables, ...range })).toBe(
      "env IN ('prod','paper') AND x = $unknown",
    );
    expect(applyConditionalAll("$__conditionalAll(a = '$x', $x)", new Map([['x', { value: '' }]]))).toBe(
      '1=1',
    );
  });

  test('$__sampleByInterval: days, hours, seconds, milliseconds as the plugin writes them', () => {
    expect(sampleByInterval(86_400_000)).toBe('1d');
    expect(sampleByInterval(2 * 86_400_000)).toBe('2d');
    expect(sampleByInterval(43_200_000)).toBe('12h');
    expect(sampleByInterval(90 * 60_000)).toBe('1h');
    expect(sampleByInterval(600_000)).toBe('600s');
    expect(sampleByInterval(500)).toBe('500T');
  });
});

describe('docker-compose.yml provisions them', () => {
  test('the plugin, the read-only data source the dashboards name, and the dashboard files', async () => {
    const { readFile } = await import('node:fs/promises');
    const { parse } = await import('yaml');
    const root = new URL('../../', import.meta.url);
    const compose = parse(await readFile(new URL('docker-compose.yml', root), 'utf8')) as {
      services: Record<string, { environment: Record<string, string>; volumes: string[] }>;
    };
    const grafana = compose.services['grafana']!;
    expect(grafana.environment['GF_INSTALL_PLUGINS']).toBe(QUESTDB_PLUGIN);
    const datasources = parse(
      await readFile(new URL('dashboards/provisioning/datasources/questdb.yaml', root), 'utf8'),
    ) as { datasources: { uid: string; type: string; jsonData: { username: string } }[] };
    expect(datasources.datasources).toMatchObject([{ uid: 'questdb', type: QUESTDB_PLUGIN }]);
    expect(datasources.datasources[0]!.jsonData.username).toBe(
      compose.services['questdb']!.environment['QDB_PG_READONLY_USER'],
    );
    const providers = parse(
      await readFile(new URL('dashboards/provisioning/dashboards/tradewatch.yaml', root), 'utf8'),
    ) as { providers: { options: { path: string } }[] };
    expect(grafana.volumes).toContain(`./dashboards/grafana:${providers.providers[0]!.options.path}:ro`);
  });
});
