/**
 * Every connector is a freshness source automatically (`tradewatch run --connectors`): the shipped
 * freshness file's `ingest.runs` source gets one override per connector at its configured cadence (a
 * quarter of it of slack, at least 5m), and a connector that stops running goes stale and alerts
 * through the shipped `source_stale` rule: the freshness and rules processors on the virtual runner.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import { ConfigError } from '../../core/errors.ts';
import { CONNECTORS_FILE, connectorFreshnessSources } from '../../connectors/index.ts';
import type { Output } from '../../processors/contract.ts';
import {
  DEFAULT_FRESHNESS_FILE,
  createFreshnessProcessor,
  loadFreshnessOptions,
  withDeclaredSources,
  type FreshnessRecord,
  type FreshnessState,
} from '../../processors/freshness/index.ts';
import { DEFAULT_RULES_FILE, createRulesProcessor, loadRules } from '../../processors/rules/index.ts';
import { VirtualRunner } from '../../runtime/processor/index.ts';
import { seriesKey } from '../../topics/catalogue.ts';
import { HOUR, MINUTE, T0, ingestRun, options } from '../processors/freshness/helpers.ts';

const CONNECTORS = CONNECTORS_FILE.parse(
  `connectors:
  - name: coinmetrics
    type: coinmetrics
    base_url: http://127.0.0.1:1/v4
    cadence: 1d
    budget_per_hour: 10
    metrics: [SplyCur]
    assets: [{ asset: bitcoin, id: btc }]
  - name: github
    type: github
    base_url: http://127.0.0.1:1
    cadence: 15m
    budget_per_hour: 100
    assets: [{ asset: uniswap, repos: [Uniswap/v3-core] }]
`,
  'connectors.yaml',
);
const rules = createRulesProcessor(await loadRules(DEFAULT_RULES_FILE));

/** The firing and resolved source_stale alerts of the points in `outputs`, as `status source`. */
function staleAlerts(outputs: readonly Output[]): string[] {
  const h = new VirtualRunner(rules);
  for (const o of outputs)
    if (o.kind === 'metric') h.feed('metrics', o.metric, { key: seriesKey(o.metric.name, o.metric.labels) });
  return h.outputs.flatMap((o) =>
    o.kind === 'alert' && o.alert.rule === 'source_stale'
      ? [`${o.alert.status} ${o.alert.labels['source']}`]
      : [],
  );
}

describe('connectors as freshness sources', () => {
  it('takes each connector’s cadence, with a quarter of it of slack (at least 5m)', () => {
    expect(connectorFreshnessSources(CONNECTORS)).toEqual([
      {
        topic: 'ingest.runs',
        key: 'connector-coinmetrics',
        cadenceMs: 24 * HOUR,
        slackMs: 6 * HOUR,
        origin: 'connectors.yaml:2:5: connector coinmetrics',
      },
      {
        topic: 'ingest.runs',
        key: 'connector-github',
        cadenceMs: 15 * MINUTE,
        slackMs: 5 * MINUTE,
        origin: 'connectors.yaml:9:5: connector github',
      },
    ]);
  });

  it('a connector that stops running goes stale at its own cadence and alerts through source_stale', async () => {
    const shipped = await loadFreshnessOptions(DEFAULT_FRESHNESS_FILE);
    const h = new VirtualRunner<FreshnessRecord, FreshnessState>(
      createFreshnessProcessor(withDeclaredSources(shipped, connectorFreshnessSources(CONNECTORS))),
      { clock: new ManualClock(T0) },
    );
    for (const name of ['connector-coinmetrics', 'connector-github', 'other-ingest'])
      h.feed('ingest.runs', ingestRun(name, T0), { key: name });
    const until = (t: number) => {
      for (let now = h.clock.now() + MINUTE; now <= t; now += MINUTE) h.advanceTo(now);
      return staleAlerts(h.outputs);
    };
    // github (15m + 5m) is stale at 20 minutes, not before.
    expect(until(T0 + 19 * MINUTE)).toEqual([]);
    expect(until(T0 + 20 * MINUTE)).toEqual(['firing connector-github']);
    // Past the shipped 1h + 30m: the other ingest is stale, the daily connector is not.
    expect(until(T0 + 2 * HOUR)).toEqual(['firing connector-github', 'firing other-ingest']);
    expect(until(T0 + 30 * HOUR - MINUTE)).toEqual(['firing connector-github', 'firing other-ingest']);
    // coinmetrics (1d + 6h) goes stale at 30 hours; its next run resolves it.
    const stale = until(T0 + 30 * HOUR);
    expect(stale).toEqual(['firing connector-github', 'firing other-ingest', 'firing connector-coinmetrics']);
    h.feed('ingest.runs', ingestRun('connector-coinmetrics', h.clock.now()), {
      key: 'connector-coinmetrics',
    });
    expect(staleAlerts(h.outputs).at(-1)).toBe('resolved connector-coinmetrics');
  });

  it('keeps an override of the connector’s own key in the freshness file', () => {
    const file = options(`
sources:
  - topic: ingest.runs
    cadence: 1h
    slack: 30m
    overrides:
      - { key: connector-github, cadence: 2h, slack: 1h }
`);
    const merged = withDeclaredSources(file, connectorFreshnessSources(CONNECTORS));
    const keys = merged.sources[0]?.overrides.map((o) => [o.key.source, o.settings.cadence]);
    expect(keys).toEqual([
      ['connector-coinmetrics', 24 * HOUR],
      ['connector-github', 2 * HOUR],
    ]);
  });

  it('names the connector when the freshness options cannot watch it', () => {
    const noIngest = options(`
sources:
  - topic: signals
    cadence: 1h
    slack: 30m
`);
    const forgetful = options(`
sources:
  - topic: ingest.runs
    cadence: 1h
    slack: 30m
    forget_after: 12h
`);
    expect(() => withDeclaredSources(noIngest, connectorFreshnessSources(CONNECTORS))).toThrow(ConfigError);
    const problems = (() => {
      try {
        withDeclaredSources(noIngest, connectorFreshnessSources(CONNECTORS));
        withDeclaredSources(forgetful, connectorFreshnessSources(CONNECTORS));
      } catch (e: unknown) {
        return (e as ConfigError).problems;
      }
      return [];
    })();
    expect(problems).toEqual([
      expect.stringMatching(
        /^connectors\.yaml:2:5: connector coinmetrics: the freshness options of test\.yaml do not watch ingest\.runs: add a `- topic: ingest\.runs` source/,
      ),
      expect.stringMatching(/^connectors\.yaml:9:5: connector github: .*do not watch ingest\.runs/),
    ]);
    expect(() => withDeclaredSources(forgetful, connectorFreshnessSources(CONNECTORS))).toThrow(
      /connectors\.yaml:2:5: connector coinmetrics: as the freshness source connector-coinmetrics of ingest\.runs \(cadence 1d, slack 6h\): forget_after 12h must be longer than cadence \+ slack \(30h\)/,
    );
  });
});
