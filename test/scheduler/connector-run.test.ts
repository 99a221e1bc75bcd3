/**
 * The `connector-run` template through the scheduler, on the real Kafka and PostgreSQL: a job on the
 * Postgres job store runs a CoinMetrics connector (a local server speaking its contract) once per
 * occurrence, through the same code as `connectors run --once`: the first occurrence publishes the
 * signals and one IngestRun, the next one its own IngestRun without refetching what is checkpointed;
 * a provider's refusal fails the attempt, naming the connector.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, inject, it, onTestFinished } from 'vitest';
import { DAY_MS, HOUR_MS } from '../../core/durations.ts';
import { silentLogger } from '../../core/logger.ts';
import { SchemaRegistry } from '../../schemas/index.ts';
import { physicalName } from '../../topics/index.ts';
import { SchedulerOutputs } from '../../scheduler/outputs.ts';
import { Scheduler } from '../../scheduler/scheduler.ts';
import { TEMPLATES } from '../../scheduler/templates/index.ts';
import { coinMetricsServer, dailyRows } from '../connectors/coinmetrics-server.ts';
import { harness, json, T0 } from '../connectors/helpers.ts';
import { runCli } from '../helpers/cli.ts';
import { testKafka, withTestTopics } from '../helpers/kafka.ts';
import { readTopic } from '../helpers/topics.ts';
import { uniqueName } from '../helpers/unique.ts';
import { postgresStore, RecordingEvents, testDatabase, testJob, testSchema } from './helpers.ts';

const registry = await SchemaRegistry.load();
const db = testDatabase();

async function connectorsFile(baseUrl: string, credentials = ''): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tw-connector-run-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'connectors.yaml');
  await writeFile(
    file,
    `env: staging
connectors:
  - name: coinmetrics
    type: coinmetrics
    base_url: ${baseUrl}/v4${credentials}
    cadence: 1h
    budget_per_hour: 10
    history: 5d
    metrics: [SplyCur]
    assets:
      - { asset: bitcoin, id: btc }
`,
  );
  return file;
}

/** A scheduler whose outputs go to the harness's topics and PostgreSQL schema, with a job `conn`. */
async function setup(label: string, handler?: Parameters<typeof coinMetricsServer>[1]) {
  const h = await harness(label);
  const midnight = Math.floor(T0 / DAY_MS) * DAY_MS;
  const server = await coinMetricsServer(
    (asset) => (asset === 'btc' ? dailyRows('btc', midnight, 3, (i) => ({ SplyCur: `1958000${i}.5` })) : []),
    handler,
  );
  const file = await connectorsFile(server.url);
  // The harness's store lives in the schema its URL sets: the template opens its own store there.
  const schema = /search_path=(\w+)/.exec(new URL(h.url).searchParams.get('options') ?? '')?.[1];
  if (schema === undefined) throw new Error(`no schema in ${h.url}`);
  const outputs = new SchedulerOutputs({
    kafka: testKafka(),
    registry,
    topicPrefix: h.prefix,
    transactionalId: uniqueName('tw-test-conn'),
    logger: silentLogger(),
    postgres: { url: inject('services').databaseUrl, schema },
    environment: {},
  });
  onTestFinished(() => outputs.close());
  const store = await postgresStore(inject('services').databaseUrl);
  const events = new RecordingEvents();
  const scheduler = new Scheduler({
    store,
    templates: TEMPLATES,
    events,
    outputs,
    clock: h.clock,
    logger: silentLogger(),
    instanceId: 'a',
  });
  await store.createJob(
    testJob(
      TEMPLATES,
      {
        id: 'conn',
        template: 'connector-run',
        params: { config: file, connectors: ['coinmetrics'] },
        every: '1h',
        retries: 0,
      },
      T0,
    ),
    T0,
  );
  /** Moves the clock to the next occurrence and runs it to its end; returns the run. */
  const occurrence = async () => {
    h.clock.advance(HOUR_MS);
    const report = await scheduler.tick();
    expect(report.claimed).toHaveLength(1);
    await scheduler.idle();
    await scheduler.tick(); // delivers the run's events
    return store.getRun('conn', h.clock.now());
  };
  return { h, server, events, occurrence };
}

describe('connector-run template', () => {
  it('runs the named connectors once per occurrence: signals and one IngestRun each time', async () => {
    const { h, server, events, occurrence } = await setup('sched');
    const first = await occurrence();
    expect(first).toMatchObject({
      state: 'succeeded',
      summary: { connectors: 'coinmetrics', runs: '1', rows: '3', requests: '1' }, // stored as text
    });
    expect((await h.signals()).map((s) => [s.asset, s.source, s.name, s.value])).toEqual([
      ['bitcoin', 'coinmetrics', 'sply_cur', 19580000.5],
      ['bitcoin', 'coinmetrics', 'sply_cur', 19580001.5],
      ['bitcoin', 'coinmetrics', 'sply_cur', 19580002.5],
    ]);
    expect(await h.runs()).toEqual([
      expect.objectContaining({
        ingest: 'connector-coinmetrics',
        env: 'staging',
        status: 'success',
        rows: 3,
      }),
    ]);
    expect(events.of('conn').map((e) => e.outcome)).toEqual(['succeeded']);

    // The next occurrence: a run of its own, resuming after the checkpoint (nothing published twice).
    const second = await occurrence();
    expect(second).toMatchObject({ state: 'succeeded', summary: { runs: '1', rows: '0' } });
    const runs = await h.runs();
    expect(runs.map((r) => [r.ingest, r.status, r.rows])).toEqual([
      ['connector-coinmetrics', 'success', 3],
      ['connector-coinmetrics', 'success', 0],
    ]);
    expect(new Set(runs.map((r) => r.run_id)).size).toBe(2);
    expect(await h.signals()).toHaveLength(3);
    expect(server.exchanges.length).toBeGreaterThanOrEqual(2);
  });

  it('fails the attempt when a connector’s run fails, naming the connector and the error', async () => {
    const { h, occurrence } = await setup('sched-fail', (_exchange, res) => {
      json(res, 403, { error: { type: 'forbidden', message: 'no access' } });
      return true;
    });
    const run = await occurrence();
    expect(run?.state).toBe('failed');
    expect(run?.error).toMatch(/connector coinmetrics run [0-9a-f-]+: failure: .*403/);
    expect(await h.runs()).toEqual([
      expect.objectContaining({ ingest: 'connector-coinmetrics', status: 'failure', rows: 0 }),
    ]);
  });

  it('runs through `schedule add` and `schedule run-now`, with the credential from the scheduler’s environment', async () => {
    const prefix = await withTestTopics('sched-cli');
    const midnight = Math.floor(Date.now() / DAY_MS) * DAY_MS;
    const server = await coinMetricsServer(
      (asset) => (asset === 'btc' ? dailyRows('btc', midnight, 2, (i) => ({ SplyCur: `${10 + i}` })) : []),
      (exchange, res) => {
        if (exchange.query.get('api_key') === 'cm-secret') return false;
        json(res, 401, { error: { type: 'unauthorized', message: 'bad api_key' } });
        return true;
      },
    );
    const file = await connectorsFile(server.url, '\n    credentials: { env: CM_API_KEY }');
    const env = { DATABASE_URL: await testSchema(db.url()), TOPIC_PREFIX: prefix, CM_API_KEY: 'cm-secret' };
    const add = await runCli(
      [
        'schedule',
        'add',
        'cm',
        '--template',
        'connector-run',
        '--every',
        '1d',
        '--retries',
        '0',
        '--params',
        JSON.stringify({ config: file }),
      ],
      { env },
    );
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
    const run = await runCli(['schedule', 'run-now', 'cm'], { env });
    expect(run.stderr).not.toContain('cm-secret');
    expect(run.code).toBe(0);
    const signals = await readTopic(physicalName('signals', prefix), 'Signal');
    expect(signals.map((s) => s.value)).toEqual([10, 11]);
    const runs = await readTopic(physicalName('ingest.runs', prefix), 'IngestRun');
    expect(runs.map((r) => [r.ingest, r.status, r.rows])).toEqual([['connector-coinmetrics', 'success', 2]]);
    const jobRuns = await readTopic(physicalName('jobs.runs', prefix), 'JobRun');
    expect(jobRuns).toMatchObject([{ job: 'cm', outcome: 'succeeded', summary: { rows: '2', runs: '1' } }]);

    // Without the variable the attempt fails, naming it, never a value.
    const unset = await runCli(['schedule', 'run-now', 'cm'], { env: { ...env, CM_API_KEY: '' } });
    expect(unset.code).toBe(1);
    expect(unset.stderr).toMatch(/connector coinmetrics: environment variable CM_API_KEY is not set/);
  });
});
