/**
 * Every connector is a freshness source automatically (`tradewatch run --connectors`): the shipped
 * freshness file's `ingest.runs` source gets one override per connector at its configured cadence (a
 * quarter of it of slack, at least 5m), and a connector that stops running goes stale and alerts
 * through the shipped `source_stale` rule: the freshness and rules processors on the virtual runner.
 * A connector that never runs is watched from the pipeline's start (its state created by the runtime
 * before any record): the freshness processor on the real runner and Kafka, with a manual clock.
 */
import { Writable } from 'node:stream';
import { describe, expect, inject, it, onTestFinished } from 'vitest';
import { createLogger, silentLogger } from '../../core/logger.ts';
import { ProcessorRunner } from '../../runtime/processor/index.ts';
import { SchemaRegistry, type Metric } from '../../schemas/index.ts';
import { QuestDbSink } from '../../sinks/questdb/index.ts';
import { physicalName } from '../../topics/index.ts';
import { testKafka } from '../helpers/kafka.ts';
import { E2E_NAMESPACE, pipelinePrefix } from '../helpers/pipeline.ts';
import { readTopic } from '../helpers/topics.ts';
import { waitFor } from '../helpers/wait-for.ts';
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
        env: 'prod',
      },
      {
        topic: 'ingest.runs',
        key: 'connector-github',
        cadenceMs: 15 * MINUTE,
        slackMs: 5 * MINUTE,
        origin: 'connectors.yaml:9:5: connector github',
        env: 'prod',
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

  it('watches a connector that never ran from the pipeline’s start: stale after its cadence + slack, durably', async () => {
    const prefix = await pipelinePrefix('c-never');
    const shipped = await loadFreshnessOptions(DEFAULT_FRESHNESS_FILE);
    const processor = createFreshnessProcessor({
      ...withDeclaredSources(shipped, connectorFreshnessSources(CONNECTORS)),
      reportEveryMs: null,
    });
    const kafka = testKafka();
    const registry = await SchemaRegistry.load();
    const sink = await QuestDbSink.create({
      httpUrl: inject('services').questdbHttpUrl,
      logger: silentLogger(),
      namespace: E2E_NAMESPACE,
    });
    onTestFinished(() => sink.close());
    const clock = new ManualClock(T0);
    // The runner says when it starts watching an expected key (after its partition caught up).
    const watching: string[] = [];
    const logger = createLogger({
      level: 'info',
      destination: new Writable({
        write(chunk: Buffer, _encoding, done) {
          const line = JSON.parse(chunk.toString('utf8')) as { msg?: string; key?: string };
          if (line.msg?.startsWith('watching ') === true) watching.push(String(line.key));
          done();
        },
      }),
    });
    const start = async () => {
      const runner = await ProcessorRunner.start({
        processor,
        kafka,
        registry,
        sink,
        logger,
        topicPrefix: prefix,
        clock,
        timerTickMs: 50,
        sessionTimeoutMs: 6000,
      });
      onTestFinished(() => runner.close());
      return runner;
    };
    const stalePoints = async (): Promise<Metric[]> =>
      (await readTopic(physicalName('metrics', prefix), 'Metric')).filter(
        (m) => m.name === 'source_stale' && m.labels['topic'] === 'ingest.runs',
      );
    const asOutputs = (points: readonly Metric[]): Output[] =>
      points.map((metric) => ({ kind: 'metric', metric }));

    const first = await start();
    // No record on ingest.runs at all: the runtime creates both connectors' states, and commits them.
    await waitFor('the expected sources watched', () => (watching.length >= 2 ? true : undefined));
    expect(watching.sort()).toEqual(['connector-coinmetrics', 'connector-github']);
    expect(await stalePoints()).toEqual([]);
    // github (15m + 5m) goes stale 20 minutes after the watch began, stamped then; coinmetrics not yet.
    clock.set(T0 + 25 * MINUTE);
    const stale = await waitFor('github stale', async () => {
      const points = await stalePoints();
      return points.length >= 1 && points;
    });
    expect(stale.map((m) => [m.labels['source'], m.value, m.ts])).toEqual([
      ['connector-github', 1, T0 + 20 * MINUTE],
    ]);
    expect(staleAlerts(asOutputs(stale))).toEqual(['firing connector-github']);
    // Its first run resolves it.
    const producer = await kafka.producer();
    onTestFinished(() => producer.close());
    await producer.send([
      {
        topic: physicalName('ingest.runs', prefix),
        key: 'connector-github',
        value: registry.codec('IngestRun').encode(ingestRun('connector-github', T0 + 25 * MINUTE)),
        timestamp: T0 + 25 * MINUTE,
      },
    ]);
    const resolved = await waitFor('github fresh again', async () => {
      const points = await stalePoints();
      return points.length >= 2 && points;
    });
    expect(staleAlerts(asOutputs(resolved))).toEqual([
      'firing connector-github',
      'resolved connector-github',
    ]);
    await first.close();

    // A restart an hour later keeps when the watch began: coinmetrics (1d + 6h) is stale at T0 + 30h.
    clock.set(T0 + HOUR);
    await start();
    // Restored, not created again: the watch still began at T0.
    expect(watching).toHaveLength(2);
    clock.set(T0 + 31 * HOUR);
    const later = await waitFor('coinmetrics stale', async () => {
      const points = (await stalePoints()).filter((m) => m.labels['source'] === 'connector-coinmetrics');
      return points.length >= 1 && points;
    });
    expect(later.map((m) => [m.value, m.ts])).toEqual([[1, T0 + 30 * HOUR]]);
  });
});
