/**
 * The freshness processor end to end, on the real Kafka and QuestDB, through `tradewatch run
 * --processors freshness,rules`: a source that goes silent raises exactly one staleness alert and one
 * resolve when it returns; failing ingests alert; a pipeline SIGKILLed while a timer is pending and
 * restarted after its due time fires it exactly once, and sees its own heartbeat's gap; a broken
 * configuration file stops `run` with exit 2 and its file:line.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import type { Output } from '../../runtime/processor/index.ts';
import {
  createFreshnessProcessor,
  loadFreshnessOptions,
  type FreshnessRecord,
  type FreshnessState,
} from '../../processors/freshness/index.ts';
import { DEFAULT_RULES_FILE, createRulesProcessor, loadRules } from '../../processors/rules/index.ts';
import {
  SchemaRegistry,
  type Alert,
  type InferenceCycle,
  type IngestRun,
  type Metric,
  type RecordTypeName,
} from '../../schemas/index.ts';
import { physicalName, seriesKey } from '../../topics/index.ts';
import { VirtualRunner } from '../../runtime/processor/index.ts';
import { runCli } from '../helpers/cli.ts';
import { testKafka } from '../helpers/kafka.ts';
import { logLines, pipelinePrefix, startPipeline, e2eTable } from '../helpers/pipeline.ts';
import type { RunningCli } from '../helpers/cli.ts';
import { questdbQuery } from '../helpers/questdb.ts';
import { readTopic } from '../helpers/topics.ts';
import { uniqueName } from '../helpers/unique.ts';
import { waitFor } from '../helpers/wait-for.ts';

const registry = await SchemaRegistry.load();
const FIXTURE = fileURLToPath(new URL('../fixtures/freshness/e2e-freshness.yaml', import.meta.url));
const KILL_FIXTURE = fileURLToPath(new URL('../fixtures/freshness/e2e-kill-freshness.yaml', import.meta.url));
const BROKEN = fileURLToPath(new URL('../fixtures/freshness/broken.yaml', import.meta.url));
/** ingest.runs in the fixture: stale after 2 s + 1 s; heartbeats: after 1 s + 5 s. */
const INGEST_STALE_AFTER_MS = 3000;
const HEARTBEAT_STALE_AFTER_MS = 6000;
/** The heartbeat interval the fixture expects, and quick ticks so that tests wait less. */
const ENV = { TW_HEARTBEAT_INTERVAL_MS: '1000', TW_TIMER_TICK_MS: '200' };

const args = (instance: string) => [
  '--processors',
  'freshness,rules',
  '--freshness',
  FIXTURE,
  '--instance-id',
  instance,
];

function run(ingest: string, finishedAt: number, status: IngestRun['status']): IngestRun {
  return {
    ingest,
    env: 'prod',
    run_id: uniqueName('run'),
    started_at: finishedAt - 1000,
    finished_at: finishedAt,
    status,
    rows: status === 'success' ? 10 : 0,
    duration_ms: 1000,
    error: status === 'success' ? null : 'upstream 503',
    data_until: finishedAt - 60_000,
  };
}

/** Produces ingest runs keyed by their ingest, with an explicit Kafka timestamp (the seen time). */
async function produceRuns(prefix: string, runs: readonly IngestRun[], timestamp: number): Promise<void> {
  const codec = registry.codec('IngestRun');
  const producer = await testKafka().producer();
  try {
    await producer.send(
      runs.map((r) => ({
        topic: physicalName('ingest.runs', prefix),
        key: r.ingest,
        value: codec.encode(r),
        timestamp,
      })),
    );
  } finally {
    await producer.close();
  }
}

/** The alerts about a source (labels source) or an ingest (labels ingest) or an instance. */
async function alertsAbout(prefix: string, name: string): Promise<Alert[]> {
  const alerts = await readTopic(physicalName('alerts', prefix), 'Alert');
  return alerts.filter((a) => a.labels['source'] === name || a.labels['ingest'] === name);
}

const story = (alerts: readonly Alert[]) => alerts.map((a) => `${a.rule}:${a.status}`).sort();

async function waitForAlerts(prefix: string, name: string, expected: readonly string[]): Promise<Alert[]> {
  const sorted = [...expected].sort();
  return waitFor(
    `alerts ${expected.join(', ')} about ${name}`,
    async () => {
      const alerts = await alertsAbout(prefix, name);
      const seen = story(alerts);
      return sorted.every((s) => seen.includes(s)) ? alerts : undefined;
    },
    { timeoutMs: 45_000, intervalMs: 250 },
  );
}

/** The `source_stale` points of a source, as [value, ts]. */
async function staleStory(prefix: string, source: string): Promise<[number, number][]> {
  const metrics: Metric[] = await readTopic(physicalName('metrics', prefix), 'Metric');
  return metrics
    .filter((m) => m.name === 'source_stale' && m.labels['source'] === source)
    .map((m) => [m.value, m.ts]);
}

/**
 * A watcher (freshness and rules, no heartbeat of its own) and another instance (`other`: it runs a
 * processor with nothing to do, and beats every second), once the watcher saw its heartbeat.
 */
async function watchedInstance(prefix: string, watched: string, other: readonly string[]) {
  const watcher = await startPipeline(prefix, [...args(uniqueName('fr')), '--no-heartbeat'], ENV);
  const first = await startPipeline(prefix, other, ENV);
  await waitFor(
    'freshness to see its heartbeat',
    async () => (await staleStory(prefix, watched)).length > 0,
    {
      timeoutMs: 30_000,
      intervalMs: 100,
    },
  );
  return { watcher, first };
}

/** The transitions of a source that a running freshness processor logged, in order. */
function freshnessEvents(watcher: RunningCli, source: string): string[] {
  return logLines(watcher.stderr())
    .filter((l) => l['source'] === source && typeof l['event'] === 'string')
    .map((l) => String(l['event']));
}

/** A record the SIGKILL test produced, with the Kafka timestamp it was given. */
interface Produced {
  readonly topic: 'ingest.runs' | 'inference.cycles';
  readonly type: RecordTypeName;
  readonly key: string;
  readonly value: IngestRun | InferenceCycle;
  readonly timestamp: number;
}

/** e2e-kill-freshness.yaml: stale after 12 s + 8 s. */
const KILL_STALE_AFTER_MS = 20_000;

/**
 * What an uninterrupted run makes of `produced` (in produce order, as each key's partition delivers
 * it): the freshness processor in memory, then the default rules over its points. Its timers fire only
 * as the records go by (each record first plays what fell due before it, as a tick would have).
 */
async function referenceOf(
  produced: readonly Produced[],
): Promise<{ metrics: Metric[]; alerts: Alert[]; rows: number }> {
  const freshness = new VirtualRunner<FreshnessRecord, FreshnessState>(
    createFreshnessProcessor(await loadFreshnessOptions(KILL_FIXTURE)),
    { clock: new ManualClock(produced[0]!.timestamp) },
  );
  for (const p of produced) {
    if (p.timestamp > freshness.clock.now()) freshness.clock.set(p.timestamp);
    freshness.feed(p.topic, p.value, { key: p.key, timestamp: p.timestamp });
  }
  const metrics = freshness.outputs.flatMap((o) => (o.kind === 'metric' ? [o.metric] : []));
  const rules = new VirtualRunner(createRulesProcessor(await loadRules(DEFAULT_RULES_FILE)));
  for (const m of metrics) rules.feed('metrics', m, { key: seriesKey(m.name, m.labels) });
  const alerts = rules.outputs.flatMap((o: Output) => (o.kind === 'alert' ? [o.alert] : []));
  const rows = freshness.outputs.filter((o) => o.kind === 'row' && o.row.table === 'freshness').length;
  return { metrics, alerts, rows };
}

const byJson = <T>(items: readonly T[]): string[] => items.map((i) => JSON.stringify(i)).sort();

describe('the freshness processor end to end', { timeout: 120_000 }, () => {
  it('raises one staleness alert when a source goes silent and resolves it when data returns; failing ingests alert', async () => {
    const prefix = await pipelinePrefix('fresh');
    const ingest = uniqueName('ingest');
    await startPipeline(prefix, args(uniqueName('fr')), ENV);

    // Three failures in a row, then silence.
    const t1 = Date.now();
    await produceRuns(
      prefix,
      [run(ingest, t1 - 300, 'failure'), run(ingest, t1 - 200, 'failure'), run(ingest, t1 - 100, 'partial')],
      t1,
    );
    const firing = await waitForAlerts(prefix, ingest, ['ingest_failing:firing', 'source_stale:firing']);
    const stale = firing.find((a) => a.rule === 'source_stale')!;
    // Stale from the seen time of the last record plus cadence and slack, to the millisecond.
    expect(stale).toMatchObject({
      severity: 'warning',
      env: 'prod',
      labels: { source: ingest, topic: 'ingest.runs' },
      starts_at: t1 + INGEST_STALE_AFTER_MS,
    });
    expect(firing.find((a) => a.rule === 'ingest_failing')).toMatchObject({
      severity: 'error',
      value: 3,
      starts_at: t1 - 100,
    });

    // Data returns, and the ingest succeeds.
    const t2 = Date.now();
    await produceRuns(prefix, [run(ingest, t2, 'success')], t2);
    const all = await waitForAlerts(prefix, ingest, [
      'ingest_failing:firing',
      'ingest_failing:resolved',
      'source_stale:firing',
      'source_stale:resolved',
    ]);
    expect(story(all)).toEqual([
      'ingest_failing:firing',
      'ingest_failing:resolved',
      'source_stale:firing',
      'source_stale:resolved',
    ]);
    expect(all.find((a) => a.rule === 'source_stale' && a.status === 'resolved')).toMatchObject({
      starts_at: t1 + INGEST_STALE_AFTER_MS,
      ends_at: t2,
    });
    expect(await staleStory(prefix, ingest)).toEqual([
      [0, t1],
      [1, t1 + INGEST_STALE_AFTER_MS],
      [0, t2],
    ]);

    // The rows: the source's first sight, its stale spell and its return; the four runs.
    await waitFor(
      'the freshness and ingest_runs rows',
      async () => {
        const events = await questdbQuery(
          `SELECT event FROM ${e2eTable('freshness')} WHERE source = '${ingest}' ORDER BY ts`,
        );
        const runs = await questdbQuery(
          `SELECT count() FROM ${e2eTable('ingest_runs')} WHERE ingest = '${ingest}'`,
        );
        return events.length >= 3 && Number(runs[0]?.[0]) >= 4;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(
      await questdbQuery(`SELECT event FROM ${e2eTable('freshness')} WHERE source = '${ingest}' ORDER BY ts`),
    ).toEqual([['first_seen'], ['stale'], ['resumed']]);
    expect(
      await questdbQuery(
        `SELECT status, consecutive_failures FROM ${e2eTable('ingest_runs')} WHERE ingest = '${ingest}' ORDER BY ts`,
      ),
    ).toEqual([
      ['failure', 1],
      ['failure', 2],
      ['partial', 3],
      ['success', 0],
    ]);
  });

  it('fires a timer that fell due while the pipeline was SIGKILLed exactly once after the restart', async () => {
    const prefix = await pipelinePrefix('fresh-kill');
    const ingest = uniqueName('ingest');
    // No heartbeat of its own: the restart's gap in it is not this test's subject (see the next one).
    const killArgs = [...args(uniqueName('fr')), '--no-heartbeat'];
    const first = await startPipeline(prefix, killArgs, ENV);

    const tB = Date.now();
    await produceRuns(prefix, [run(ingest, tB, 'success')], tB);
    await waitFor('freshness to see the source', async () => (await staleStory(prefix, ingest)).length > 0, {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    first.child.kill('SIGKILL');
    const killedAt = Date.now();
    await first.exited;
    // The timer was pending, not fired, when the pipeline died.
    expect(killedAt).toBeLessThan(tB + INGEST_STALE_AFTER_MS);
    await waitFor(
      'the due time to pass while the pipeline is down',
      () => Date.now() > tB + INGEST_STALE_AFTER_MS + 500,
      {
        timeoutMs: 10_000,
      },
    );

    await startPipeline(prefix, killArgs, ENV);
    const fired = await waitForAlerts(prefix, ingest, ['source_stale:firing']);
    expect(fired.find((a) => a.status === 'firing')?.starts_at).toBe(tB + INGEST_STALE_AFTER_MS);

    const tR = Date.now();
    await produceRuns(prefix, [run(ingest, tR, 'success')], tR);
    await waitForAlerts(prefix, ingest, ['source_stale:firing', 'source_stale:resolved']);
    // Exactly once: the points of the source are those of an uninterrupted run.
    expect(await staleStory(prefix, ingest)).toEqual([
      [0, tB],
      [1, tB + INGEST_STALE_AFTER_MS],
      [0, tR],
    ]);
    expect(story(await alertsAbout(prefix, ingest))).toEqual([
      'source_stale:firing',
      'source_stale:resolved',
    ]);
  });

  it('sees another tradewatch instance’s heartbeat stop when it is SIGKILLed, and come back when it restarts', async () => {
    const prefix = await pipelinePrefix('fresh-beat');
    const watched = uniqueName('beat');
    const other = ['--processors', 'drawdown', '--instance-id', watched];
    const { first } = await watchedInstance(prefix, watched, other);
    first.child.kill('SIGKILL');
    await first.exited;
    const beats = (await readTopic(physicalName('heartbeats', prefix), 'Metric')).filter(
      (m) => m.labels['instance'] === watched,
    );
    const lastBeat = Math.max(...beats.map((m) => m.ts));
    const fired = await waitForAlerts(prefix, watched, ['tradewatch_heartbeat_missing:firing']);
    expect(fired[0]).toMatchObject({
      severity: 'error',
      env: 'prod',
      labels: { source: watched, topic: 'heartbeats' },
      // The last beat's send time plus 1 s + 5 s.
      starts_at: lastBeat + HEARTBEAT_STALE_AFTER_MS,
    });

    await startPipeline(prefix, other, ENV);
    const all = await waitForAlerts(prefix, watched, [
      'tradewatch_heartbeat_missing:firing',
      'tradewatch_heartbeat_missing:resolved',
    ]);
    expect(story(all)).toEqual([
      'tradewatch_heartbeat_missing:firing',
      'tradewatch_heartbeat_missing:resolved',
    ]);
  });

  it('takes a graceful restart of another instance for no incident: same default id, retired while down', async () => {
    const prefix = await pipelinePrefix('fresh-retire');
    // No --instance-id: the default, the host name, is the same after the restart.
    const watched = hostname();
    const other = ['--processors', 'drawdown'];
    const { watcher, first } = await watchedInstance(prefix, watched, other);
    first.child.kill('SIGTERM');
    expect((await first.exited).code).toBe(0);
    const stoppedAt = Date.now();
    await waitFor('freshness to see it retire', () => freshnessEvents(watcher, watched).includes('retired'), {
      timeoutMs: 30_000,
      intervalMs: 200,
    });
    // Down for longer than three missed beats and the slack: a crash would have been an incident by now.
    await waitFor(
      'the heartbeat to be overdue',
      () => Date.now() - stoppedAt > HEARTBEAT_STALE_AFTER_MS + 2000,
      {
        timeoutMs: 30_000,
        intervalMs: 200,
      },
    );
    await startPipeline(prefix, other, ENV);
    await waitFor('freshness to see it back', () => freshnessEvents(watcher, watched).includes('resumed'), {
      timeoutMs: 30_000,
      intervalMs: 200,
    });
    expect(await alertsAbout(prefix, watched)).toEqual([]);
    expect(freshnessEvents(watcher, watched)).toEqual(['retired', 'resumed']);
    const instances = new Set(
      (await readTopic(physicalName('heartbeats', prefix), 'Metric')).map((m) => m.labels['instance']),
    );
    expect([...instances]).toEqual([watched]);
  });

  it('ends with exactly the outputs of an uninterrupted run when SIGKILLed at random points of a live stream', async () => {
    const prefix = await pipelinePrefix('fresh-chaos');
    const tag = uniqueName('c');
    const [steady, flaky, silent, aging, failing] = ['steady', 'flaky', 'silent', 'aging', 'failing'].map(
      (n) => `${tag}-${n}`,
    ) as [string, string, string, string, string];
    const instance = uniqueName('fr');
    const killArgs = [
      '--processors',
      'freshness,rules',
      '--freshness',
      KILL_FIXTURE,
      '--instance-id',
      instance,
    ];

    // Seeded, so every run kills at the same points of the stream; over 5 s apart, for the restarts.
    let seed = 20261124;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const targets = [0, 1, 2].map((k) => 15 + k * 45 + Math.floor(random() * 20));

    const RECORDS = 170;
    const produced: Produced[] = [];
    let sent = 0;
    const producer = await testKafka().producer();
    const streaming = (async () => {
      try {
        for (let i = 0; i < RECORDS; i++) {
          const j = Math.floor(i / 5);
          const now = Date.now();
          let record: Produced | undefined;
          const ingestRun = (ingest: string, status: IngestRun['status']): Produced => ({
            topic: 'ingest.runs',
            type: 'IngestRun',
            key: ingest,
            value: { ...run(ingest, now, status), run_id: `${ingest}-${j}` },
            timestamp: now,
          });
          const cycle = (
            strategy: string,
            status: InferenceCycle['status'],
            weightsAgeMs: number,
          ): Produced => ({
            topic: 'inference.cycles',
            type: 'InferenceCycle',
            key: strategy,
            value: {
              cycle_id: `${strategy}-${j}`,
              strategy,
              env: 'prod',
              model_version: 'm1',
              weights_version: 'w1',
              weights_updated_at: now - 1000 - weightsAgeMs,
              as_of: now - 1000,
              started_at: now - 500,
              finished_at: now,
              status,
              error: status === 'failure' ? 'NaN features' : null,
              horizon_ms: 3_600_000,
              metrics: {},
              predictions: [],
            },
            timestamp: now,
          });
          switch (i % 5) {
            case 0:
              record = ingestRun(steady, j === 7 ? 'partial' : 'success');
              break;
            case 1:
              // Five failures in a row, then three more later: two ingest_failing episodes.
              record = ingestRun(flaky, (j >= 2 && j < 7) || (j >= 10 && j < 13) ? 'failure' : 'success');
              break;
            case 2:
              // Silent from its 5th to its 30th record: 26 x 5 x 200 ms = 26 s, over 20 s.
              record = j >= 4 && j < 30 ? undefined : ingestRun(silent, 'success');
              break;
            case 3:
              // Weights two hours old (the fixture allows one), then ten minutes old.
              record = cycle(aging, 'success', j < 8 ? 7_200_000 : 600_000);
              break;
            case 4:
              record = cycle(failing, j >= 3 && j < 6 ? 'failure' : 'success', 0);
              break;
          }
          if (record !== undefined) {
            await producer.send([
              {
                topic: physicalName(record.topic, prefix),
                key: record.key,
                value: registry.codec(record.type).encode(record.value),
                timestamp: record.timestamp,
              },
            ]);
            produced.push(record);
          }
          sent = i + 1;
          // A live stream: a record every 200 ms.
          await delay(200);
        }
      } finally {
        await producer.close();
      }
    })();

    let pipeline = await startPipeline(prefix, killArgs, ENV);
    for (const target of targets) {
      await waitFor(`record ${target} of ${RECORDS} sent`, () => sent >= target, {
        timeoutMs: 60_000,
        intervalMs: 20,
      });
      pipeline.child.kill('SIGKILL');
      await pipeline.exited;
      pipeline = await startPipeline(prefix, killArgs, ENV);
    }
    await streaming;

    const expected = await referenceOf(produced);
    // The stream's story, as the rules see it: every episode the test made, once.
    expect(story(expected.alerts)).toEqual(
      ['ingest_failing', 'ingest_failing', 'inference_cycle_failing', 'model_weights_stale', 'source_stale']
        .flatMap((r) => [`${r}:firing`, `${r}:resolved`])
        .sort(),
    );
    const sources = [steady, flaky, silent, aging, failing].map((s) => `'${s}'`).join(',');
    const rowCount = async () =>
      Number(
        (
          await questdbQuery(`SELECT count() FROM ${e2eTable('freshness')} WHERE source IN (${sources})`)
        )[0]?.[0],
      );
    const metricsTopic = physicalName('metrics', prefix);
    const alertsTopic = physicalName('alerts', prefix);
    await waitFor(
      'the pipeline to catch up',
      async () =>
        (await readTopic(metricsTopic, 'Metric')).length >= expected.metrics.length &&
        (await readTopic(alertsTopic, 'Alert')).length >= expected.alerts.length &&
        (await rowCount()) >= expected.rows,
      { timeoutMs: 45_000, intervalMs: 500 },
    );
    // Stopped before the sources go stale for good (20 s after the stream), which is not compared.
    expect(Date.now()).toBeLessThan(Math.max(...produced.map((p) => p.timestamp)) + KILL_STALE_AFTER_MS);
    pipeline.child.kill('SIGTERM');
    expect((await pipeline.exited).code).toBe(0);

    // Read-committed readers see exactly the uninterrupted run's points and alerts; QuestDB upserts the
    // replayed rows.
    expect(byJson(await readTopic(metricsTopic, 'Metric'))).toEqual(byJson(expected.metrics));
    expect(byJson(await readTopic(alertsTopic, 'Alert'))).toEqual(byJson(expected.alerts));
    expect(await rowCount()).toBe(expected.rows);
  });

  it('refuses to run with an invalid freshness file: exit 2, every problem with its line', async () => {
    const result = await runCli(['run', '--processors', 'freshness', '--freshness', BROKEN]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('TW_CONFIG_INVALID');
    expect(result.stderr).toContain(
      'test/fixtures/freshness/broken.yaml:3:14: sources[0] (ingest.runs): cadence: expected a positive duration',
    );
    expect(result.stderr).toContain(
      'test/fixtures/freshness/broken.yaml:5:12: sources[1] (nope): topic: "nope" is not in the topic catalogue',
    );
  });
});
