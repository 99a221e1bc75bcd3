/**
 * Rules over records (`record: <topic>`) end to end, on the real Kafka and QuestDB, through `tradewatch
 * run --processors rules --rules <file>`: raw ingest runs and trades in → the exact firing and resolved
 * alerts on `alerts` (texts rendered from the records' fields) and their rows in QuestDB's `alerts`
 * table; garbage bytes on ingest.runs dead-lettered with their origin while the records around them
 * still alert; a pending run of records survives a SIGKILL (its state restored from the changelog) and
 * fires exactly once after the restart; the alert a rule removed from the file left firing is resolved
 * on restart, on a timer; a broken rule over records stops `run` with exit 2 and its file:line.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { alertFingerprint } from '../../processors/rules/index.ts';
import { SchemaRegistry, type Alert, type IngestRun, type Trade } from '../../schemas/index.ts';
import type { RecordPosition } from '../../runtime/kafka/index.ts';
import { physicalName, processorGroup } from '../../topics/index.ts';
import { runCli } from '../helpers/cli.ts';
import { testAdmin, testKafka } from '../helpers/kafka.ts';
import { pipelinePrefix, startPipeline, e2eTable } from '../helpers/pipeline.ts';
import { questdbQuery } from '../helpers/questdb.ts';
import { readDeadLetters, readTopic } from '../helpers/topics.ts';
import { uniqueName } from '../helpers/unique.ts';
import { waitFor } from '../helpers/wait-for.ts';

const registry = await SchemaRegistry.load();
const FIXTURE = fileURLToPath(new URL('../fixtures/rules/e2e-record-rules.yaml', import.meta.url));
const BROKEN = fileURLToPath(new URL('../fixtures/rules/e2e-record-rules-broken.yaml', import.meta.url));
const RENAMED = fileURLToPath(new URL('../fixtures/rules/e2e-record-rules-renamed.yaml', import.meta.url));
const EMPTY_RUNS = 'e2e_ingest_runs_empty';
const BIG_FILL = 'e2e_big_fill';
const MINUTE = 60_000;
/** Event times: whole minutes from an hour ago (whole seconds, so QuestDB's text shows them exactly). */
const T0 = Math.floor(Date.now() / 1000) * 1000 - 60 * MINUTE;
const at = (minutes: number) => T0 + minutes * MINUTE;
const iso = (ms: number) => new Date(ms).toISOString();

const args = (instance: string) => [
  '--processors',
  'rules',
  '--rules',
  FIXTURE,
  '--instance-id',
  instance,
  '--no-heartbeat',
];

/** A run of `ingest` that finished at minute `minutes`. */
function ingestRun(ingest: string, minutes: number, status: IngestRun['status'], rows: number): IngestRun {
  return {
    ingest,
    env: 'prod',
    run_id: `${ingest}-r${minutes}`,
    started_at: at(minutes) - 5_000,
    finished_at: at(minutes),
    status,
    rows,
    duration_ms: 5_000,
    error: status === 'success' ? null : 'upstream 503',
    data_until: at(minutes) - MINUTE,
  };
}

/** A fill of `portfolio` on `venue` at minute `minutes`, of `notional` USD. */
function trade(
  portfolio: string,
  minutes: number,
  venue: string,
  notional: number,
  strategy = 'momentum',
): Trade {
  return {
    trade_id: `${venue}-t${minutes}`,
    order_id: `o${minutes}`,
    client_order_id: null,
    strategy,
    env: 'prod',
    portfolio,
    asset: 'BTC',
    side: 'buy',
    quantity: notional / 50_000,
    price: 50_000,
    notional,
    quote_currency: 'USD',
    fee: 1,
    fee_currency: 'USD',
    liquidity: 'taker',
    venue,
    cycle_id: null,
    ts: at(minutes),
  };
}

/** Sends records in order (keyed like the catalogue: ingest runs by ingest, trades by portfolio). */
async function produce(
  prefix: string,
  records: readonly (
    | { readonly topic: 'ingest.runs'; readonly value: IngestRun }
    | { readonly topic: 'trades'; readonly value: Trade }
  )[],
): Promise<RecordPosition[]> {
  const producer = await testKafka().producer();
  try {
    return await producer.send(
      records.map((r) => ({
        topic: physicalName(r.topic, prefix),
        key: r.topic === 'ingest.runs' ? r.value.ingest : r.value.portfolio,
        value:
          r.topic === 'ingest.runs'
            ? registry.codec('IngestRun').encode(r.value)
            : registry.codec('Trade').encode(r.value),
      })),
    );
  } finally {
    await producer.close();
  }
}

const runs = (values: readonly IngestRun[]) =>
  values.map((value) => ({ topic: 'ingest.runs', value }) as const);

/** Alerts in the order they were emitted for one key: event time, then fingerprint. */
const byTs = (a: Alert, b: Alert) => a.ts - b.ts || a.fingerprint.localeCompare(b.fingerprint);

/** The alerts of these fingerprints on the prefix's `alerts` topic (read committed), in ts order. */
async function alertsOf(prefix: string, fingerprints: readonly string[]): Promise<Alert[]> {
  const alerts = await readTopic(physicalName('alerts', prefix), 'Alert');
  return alerts.filter((a) => fingerprints.includes(a.fingerprint)).sort(byTs);
}

async function waitForAlerts(
  prefix: string,
  fingerprints: readonly string[],
  count: number,
): Promise<Alert[]> {
  return waitFor(
    `${count} alerts of ${fingerprints.join(', ')}`,
    async () => {
      const alerts = await alertsOf(prefix, fingerprints);
      return alerts.length >= count ? alerts : undefined;
    },
    { timeoutMs: 45_000, intervalMs: 250 },
  );
}

/** The `alerts` table rows of these fingerprints (the table is shared: fingerprints are this test's). */
async function alertRows(fingerprints: readonly string[]): Promise<unknown[][]> {
  return questdbQuery(
    'SELECT fingerprint, rule, severity, status, env, summary, description, value, threshold, labels, ' +
      `starts_at, ends_at, ts FROM ${e2eTable('alerts')} WHERE fingerprint IN (${fingerprints.map((f) => `'${f}'`).join(',')}) ` +
      'ORDER BY ts, fingerprint',
  );
}

/** An alert as the table holds it (timestamps in QuestDB's microsecond ISO form). */
function rowOf(alert: Alert): unknown[] {
  const micros = (ms: number | null) => (ms === null ? null : iso(ms).replace('Z', '000Z'));
  return [
    alert.fingerprint,
    alert.rule,
    alert.severity,
    alert.status,
    alert.env,
    alert.summary,
    alert.description,
    alert.value,
    alert.threshold,
    JSON.stringify(alert.labels),
    micros(alert.starts_at),
    micros(alert.ends_at),
    micros(alert.ts),
  ];
}

async function waitForRows(fingerprints: readonly string[], expected: readonly Alert[]): Promise<void> {
  await waitFor(
    `${expected.length} alerts rows`,
    async () => (await alertRows(fingerprints)).length >= expected.length,
    { timeoutMs: 30_000, intervalMs: 250 },
  );
  expect(await alertRows(fingerprints)).toEqual([...expected].sort(byTs).map(rowOf));
}

/** The ingest rule's alert at minute `minutes` of a run of empty successes that began at `from`. */
function emptyRunsAlert(
  ingest: string,
  status: Alert['status'],
  from: number,
  minutes: number,
  last: IngestRun,
): Alert {
  return {
    fingerprint: alertFingerprint(EMPTY_RUNS, 'prod', { ingest }),
    rule: EMPTY_RUNS,
    severity: 'warning',
    status,
    env: 'prod',
    summary: `ingest ${ingest} (prod) wrote no rows 3 runs in a row`,
    description: `Last run ${last.run_id} (${last.status}) finished ${iso(last.finished_at)} with ${last.rows} rows.`,
    labels: { ingest },
    value: null,
    threshold: null,
    unit: null,
    starts_at: at(from),
    ends_at: status === 'resolved' ? at(minutes) : null,
    ts: at(minutes),
  };
}

describe('rules over records end to end', { timeout: 120_000 }, () => {
  it('turns ingest runs and trades into the exact firing and resolved alerts, and their alerts rows', async () => {
    const prefix = await pipelinePrefix('rec-rules');
    const ingest = uniqueName('ingest');
    const portfolio = uniqueName('pf');

    // Runs 1, 2 empty; 3 a failure ends that run; 4, 5, 6 empty fire (from 4); 7 a failure keeps it
    // firing (not the clearing side); 8 writes rows and resolves it.
    const ingestRuns = [
      ingestRun(ingest, 0, 'success', 10),
      ingestRun(ingest, 1, 'success', 0),
      ingestRun(ingest, 2, 'success', 0),
      ingestRun(ingest, 3, 'failure', 0),
      ingestRun(ingest, 4, 'success', 0),
      ingestRun(ingest, 5, 'success', 0),
      ingestRun(ingest, 6, 'success', 0),
      ingestRun(ingest, 7, 'failure', 0),
      ingestRun(ingest, 8, 'success', 42),
    ];
    // binance fires at 0; a second big binance fill of another strategy is the same alert (group_by);
    // kraken fires on its own; 800k is above binance's clear level (stays firing), 100k resolves it.
    const trades = [
      trade(portfolio, 0, 'binance', 2_000_000),
      trade(portfolio, 1, 'binance', 1_500_000, 'mean-reversion'),
      trade(portfolio, 2, 'kraken', 3_000_000),
      trade(portfolio, 3, 'binance', 800_000),
      trade(portfolio, 4, 'binance', 100_000),
    ];
    await produce(prefix, [
      ...runs(ingestRuns),
      ...trades.map((value) => ({ topic: 'trades', value }) as const),
    ]);

    await startPipeline(prefix, args(uniqueName('rr')));

    const ingestFingerprint = alertFingerprint(EMPTY_RUNS, 'prod', { ingest });
    const fillLabels = (venue: string) => ({ portfolio, team: 'execution', venue });
    const binance = alertFingerprint(BIG_FILL, 'prod', fillLabels('binance'));
    const kraken = alertFingerprint(BIG_FILL, 'prod', fillLabels('kraken'));
    const fingerprints = [ingestFingerprint, binance, kraken];
    expect(new Set(fingerprints).size).toBe(3);

    const fill = (status: Alert['status'], t: Trade, startsAt: number): Alert => ({
      fingerprint: t.venue === 'binance' ? binance : kraken,
      rule: BIG_FILL,
      severity: 'error',
      status,
      env: 'prod',
      summary: `${portfolio} filled ${t.notional.toFixed(0)} USD on ${t.venue}`,
      description: `buy ${t.quantity} BTC at 50000 (trade ${t.trade_id}, ${t.strategy})`,
      labels: fillLabels(t.venue),
      value: t.notional,
      threshold: 1_000_000,
      unit: null,
      starts_at: startsAt,
      ends_at: status === 'resolved' ? t.ts : null,
      ts: t.ts,
    });
    const expected: Alert[] = [
      emptyRunsAlert(ingest, 'firing', 4, 6, ingestRuns[6]!),
      emptyRunsAlert(ingest, 'resolved', 4, 8, ingestRuns[8]!),
      fill('firing', trades[0]!, at(0)),
      fill('firing', trades[2]!, at(2)),
      fill('resolved', trades[4]!, at(0)),
    ];
    const alerts = await waitForAlerts(prefix, fingerprints, expected.length);
    expect(alerts).toEqual([...expected].sort(byTs));
    // Nothing else on the topic: the stream ends with an alert on each key, so all of it was read.
    expect(await readTopic(physicalName('alerts', prefix), 'Alert')).toHaveLength(expected.length);
    expect(await readDeadLetters(physicalName('dlq', prefix))).toEqual([]);

    await waitForRows(fingerprints, expected);
  });

  it('dead-letters undecodable ingest runs with their origin while the runs around them still alert', async () => {
    const prefix = await pipelinePrefix('rec-dlq');
    const ingest = uniqueName('ingest');
    const topic = physicalName('ingest.runs', prefix);
    const good = [1, 2, 3].map((m) => ingestRun(ingest, m, 'success', 0));
    // Garbage bytes, and a single-object record of a schema nobody knows, between the three empty runs.
    const garbage = Buffer.from('not avro at all');
    const unknownSchema = Buffer.from([0xc3, 0x01, 0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3, 0x02]);
    const producer = await testKafka().producer();
    const poison: RecordPosition[] = [];
    try {
      await produce(prefix, runs([good[0]!]));
      poison.push(
        ...(await producer.send([{ topic, key: ingest, value: garbage, headers: { 'x-origin': 'e2e' } }])),
      );
      await produce(prefix, runs([good[1]!]));
      poison.push(...(await producer.send([{ topic, key: ingest, value: unknownSchema }])));
      await produce(prefix, runs([good[2]!]));
    } finally {
      await producer.close();
    }
    await startPipeline(prefix, args(uniqueName('rr')));

    const fingerprint = alertFingerprint(EMPTY_RUNS, 'prod', { ingest });
    const expected = [emptyRunsAlert(ingest, 'firing', 1, 3, good[2]!)];
    expect(await waitForAlerts(prefix, [fingerprint], 1)).toEqual(expected);
    const letters = await waitFor(
      'two dead letters',
      async () => {
        const read = await readDeadLetters(physicalName('dlq', prefix));
        return read.length >= 2 ? read : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    const byOffset = [...letters].sort((a, b) => Number(BigInt(a.source.offset) - BigInt(b.source.offset)));
    expect(byOffset).toMatchObject([
      {
        source: { topic, partition: poison[0]!.partition, offset: poison[0]!.offset },
        error: { code: 'TW_DECODE_NOT_SINGLE_OBJECT' },
        failedBy: 'rules',
        key: Buffer.from(ingest),
        value: garbage,
        headers: { 'x-origin': Buffer.from('e2e') },
      },
      {
        source: { topic, partition: poison[1]!.partition, offset: poison[1]!.offset },
        error: { code: 'TW_DECODE_UNKNOWN_SCHEMA' },
        failedBy: 'rules',
        key: Buffer.from(ingest),
        value: unknownSchema,
        headers: {},
      },
    ]);
    expect(await readTopic(physicalName('alerts', prefix), 'Alert')).toEqual(expected);
    await waitForRows([fingerprint], expected);
  });

  it('restores a pending run of records from the changelog after a SIGKILL and fires it exactly once', async () => {
    const prefix = await pipelinePrefix('rec-kill');
    const ingest = uniqueName('ingest');
    const instance = uniqueName('rr');
    const first = await startPipeline(prefix, args(instance));

    // Two of the three empty runs: pending, in the state only.
    const positions = await produce(
      prefix,
      runs([ingestRun(ingest, 1, 'success', 0), ingestRun(ingest, 2, 'success', 0)]),
    );
    const last = positions.find((p) => p.topic === physicalName('ingest.runs', prefix))!;
    const admin = await testAdmin();
    // Committed with the changelog write, in one transaction: from here on the state is durable.
    await waitFor(
      'the two runs committed',
      async () =>
        (await admin.groupOffsets(processorGroup('rules', prefix), [last.topic])).some(
          (o) => o.partition === last.partition && BigInt(o.offset) > BigInt(last.offset),
        ),
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    first.child.kill('SIGKILL');
    await first.exited;
    expect(await readTopic(physicalName('alerts', prefix), 'Alert')).toEqual([]);

    await startPipeline(prefix, args(instance));
    // The third fires, from the first; a fourth keeps it firing; the fifth resolves it.
    const rest = [
      ingestRun(ingest, 3, 'success', 0),
      ingestRun(ingest, 4, 'success', 0),
      ingestRun(ingest, 5, 'success', 7),
    ];
    await produce(prefix, runs(rest));
    const fingerprint = alertFingerprint(EMPTY_RUNS, 'prod', { ingest });
    const expected = [
      emptyRunsAlert(ingest, 'firing', 1, 3, rest[0]!),
      emptyRunsAlert(ingest, 'resolved', 1, 5, rest[2]!),
    ];
    const alerts = await waitForAlerts(prefix, [fingerprint], 2);
    // Everything before the resolution was read (one key, one partition, in order): one firing only.
    expect(alerts).toEqual(expected);
    expect(await readTopic(physicalName('alerts', prefix), 'Alert')).toHaveLength(2);
    await waitForRows([fingerprint], expected);
  });

  it('keeps metric state in tradewatch.rules.changelog, and resolves on restart the alert of a rule removed from the file', async () => {
    const prefix = await pipelinePrefix('rec-removed');
    const ingest = uniqueName('ingest');
    const instance = uniqueName('rr');
    const first = await startPipeline(prefix, args(instance));
    const fired = [1, 2, 3].map((m) => ingestRun(ingest, m, 'success', 0));
    await produce(prefix, runs(fired));
    const fingerprint = alertFingerprint(EMPTY_RUNS, 'prod', { ingest });
    const firing = emptyRunsAlert(ingest, 'firing', 1, 3, fired[2]!);
    expect(await waitForAlerts(prefix, [fingerprint], 1)).toEqual([firing]);
    // The metrics input (primary) keeps the rules processor's own changelog name.
    const topics = await (await testAdmin()).listTopics();
    expect(topics).toContain(`${prefix}tradewatch.rules.changelog`);
    expect(topics).toContain(`${prefix}tradewatch.rules.ingest.runs.changelog`);
    expect(topics).not.toContain(`${prefix}tradewatch.rules.metrics.changelog`);
    first.child.kill('SIGTERM');
    expect((await first.exited).code).toBe(0);

    // The rule is renamed (for the processor: removed, and another added). Nothing more is produced:
    // the restored state's open episode is resolved on a timer tick, from the alert as it fired.
    const renamed = [...args(instance)];
    renamed[renamed.indexOf(FIXTURE)] = RENAMED;
    const before = Date.now();
    await startPipeline(prefix, renamed, { TW_TIMER_TICK_MS: '200' });
    const alerts = await waitForAlerts(prefix, [fingerprint], 2);
    expect(alerts[0]).toEqual(firing);
    expect(alerts[1]).toEqual({
      ...firing,
      status: 'resolved',
      description: `${firing.description} (Resolved because the rule was removed from the rules file or no longer covers this series.)`,
      ends_at: alerts[1]?.ts,
      ts: expect.any(Number) as unknown,
    });
    expect(alerts[1]!.ts).toBeGreaterThanOrEqual(before);
    await waitForRows([fingerprint], alerts);
  });

  it('refuses to run with a broken rule over records: exit 2, every problem with its line', async () => {
    const result = await runCli(['run', '--processors', 'rules', '--rules', BROKEN]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('TW_RULES_INVALID');
    expect(result.stderr).toContain(
      'test/fixtures/rules/e2e-record-rules-broken.yaml:4:13: rule "runs_of_a_typo" (rules[0]): record: ' +
        'expected a topic whose records rules can watch (portfolio.marks, trades, inference.cycles, outcomes, ' +
        'ingest.runs, signals, jobs.runs), found "ingest.run"',
    );
    expect(result.stderr).toContain(
      'test/fixtures/rules/e2e-record-rules-broken.yaml:10:12: rule "fills_by_a_missing_field" (rules[1]): ' +
        'field: Trade records (topic trades) have no field "notionl" (did you mean "notional"?)',
    );
  });
});
