/**
 * The pipeline end to end, on the real Kafka and QuestDB, through the `tradewatch run` command:
 * marks in → drawdown metrics → one firing and one resolved alert → rows in QuestDB; poison records
 * dead-lettered while good ones still alert; SIGKILL at random points loses and duplicates nothing;
 * two instances share the work and a rebalance keeps results exact; SIGTERM drains and exits 0.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, inject, it, onTestFinished } from 'vitest';
import type { Alert, PortfolioMark } from '../../schemas/index.ts';
import { physicalName, processorGroup } from '../../topics/index.ts';
import { TcpProxy } from '../helpers/tcp-proxy.ts';
import { crashAndRecovery } from '../helpers/equity-paths.ts';
import { testAdmin, testKafka } from '../helpers/kafka.ts';
import {
  logLines,
  ownedPartitions,
  pipelinePrefix,
  startPipeline,
  e2eTable,
  produceMarks,
} from '../helpers/pipeline.ts';
import { questdbCount } from '../helpers/questdb.ts';
import { referenceRun } from '../helpers/reference-run.ts';
import { readDeadLetters, readTopic } from '../helpers/topics.ts';
import { waitFor } from '../helpers/wait-for.ts';

/** Alerts in a stable order, for comparing runs. */
const sorted = (alerts: readonly Alert[]) =>
  [...alerts].sort(
    (a, b) => a.fingerprint.localeCompare(b.fingerprint) || a.ts - b.ts || a.status.localeCompare(b.status),
  );

const sqlList = (values: readonly string[]) => values.map((v) => `'${v}'`).join(',');

/** The processors these tests exercise (the others have their own end-to-end tests). */
const DRAWDOWN_AND_RULES = ['--processors', 'drawdown,rules'];

async function waitForAlerts(prefix: string, count: number): Promise<Alert[]> {
  return waitFor(
    `${count} alerts`,
    async () => {
      const alerts = await readTopic(physicalName('alerts', prefix), 'Alert');
      return alerts.length >= count ? alerts : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 500 },
  );
}

/** Waits until QuestDB holds `expected` rows for these portfolios, and checks it never holds more. */
async function expectRows(table: string, where: string, expected: number): Promise<void> {
  await waitFor(
    `${expected} rows in ${table}`,
    async () => (await questdbCount(`${e2eTable(table)} WHERE ${where}`)) >= expected,
    {
      timeoutMs: 60_000,
      intervalMs: 250,
    },
  );
  expect(await questdbCount(`${e2eTable(table)} WHERE ${where}`)).toBe(expected);
}

const unique = (label: string) => `${label}-${randomBytes(3).toString('hex')}`;

describe('the pipeline', { timeout: 240_000 }, () => {
  it('turns marks into one firing and one resolved alert and rows in QuestDB, dead-letters poison, and drains on SIGTERM', async () => {
    const prefix = await pipelinePrefix('e2e');
    const portfolio = unique('e2e');
    const marks = crashAndRecovery(portfolio);
    const expected = await referenceRun(marks);
    expect(expected.alerts.map((a) => a.status)).toEqual(['firing', 'resolved']);

    // Poison first: garbage bytes, and a single-object record of a schema nobody knows.
    const producer = await testKafka().producer();
    await producer.send([
      {
        topic: physicalName('portfolio.marks', prefix),
        key: portfolio,
        value: Buffer.from('not avro at all'),
      },
      {
        topic: physicalName('portfolio.marks', prefix),
        key: portfolio,
        value: Buffer.from([0xc3, 0x01, 0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3, 0x02]),
      },
    ]);
    await producer.close();
    await produceMarks(prefix, marks);

    const pipeline = await startPipeline(prefix, DRAWDOWN_AND_RULES);
    const alerts = await waitForAlerts(prefix, 2);
    expect(sorted(alerts)).toEqual(sorted(expected.alerts));
    expect(alerts[0]?.labels['portfolio']).toBe(portfolio);
    expect(alerts.find((a) => a.status === 'resolved')?.ends_at).toBe(
      alerts.find((a) => a.status === 'resolved')?.ts,
    );

    const letters = await readDeadLetters(physicalName('dlq', prefix));
    expect(letters.map((l) => l.error.code).sort()).toEqual([
      'TW_DECODE_NOT_SINGLE_OBJECT',
      'TW_DECODE_UNKNOWN_SCHEMA',
    ]);
    for (const letter of letters) {
      expect(letter.source.topic).toBe(physicalName('portfolio.marks', prefix));
      expect(letter.failedBy).toBe('drawdown');
      expect(letter.key?.toString()).toBe(portfolio);
    }

    await expectRows('portfolio_marks', `portfolio = '${portfolio}'`, marks.length);
    await expectRows('drawdown', `portfolio = '${portfolio}'`, marks.length);
    await expectRows('alerts', `fingerprint IN (${sqlList(alerts.map((a) => a.fingerprint))})`, 2);

    pipeline.child.kill('SIGTERM');
    const exit = await pipeline.exited;
    expect(exit.code).toBe(0);
    expect(logLines(exit.stderr).filter((l) => l['msg'] === 'drawdown stopped')).toHaveLength(1);
  });

  it('loses and duplicates nothing when SIGKILLed at random points of a stream', async () => {
    const prefix = await pipelinePrefix('kill');
    const portfolios = Array.from({ length: 6 }, (_, i) => unique(`kill${i}`));
    const marks = portfolios.flatMap((p, i) => crashAndRecovery(p, i % 2 === 0 ? 'prod' : 'paper'));
    const expected = await referenceRun(marks);
    await produceMarks(prefix, marks);

    // Seeded, so every run kills at the same points of progress.
    let seed = 20261124;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const metricsTopic = physicalName('metrics', prefix);
    const admin = await testAdmin();
    const progress = async () => (await admin.offsets(metricsTopic)).reduce((n, p) => n + Number(p.high), 0);
    const total = expected.metrics.length;
    for (let kill = 0; kill < 5; kill++) {
      const pipeline = await startPipeline(prefix, DRAWDOWN_AND_RULES);
      const target = Math.floor(random() * total);
      // Progress persists across runs: a target already passed kills during start-up and restore.
      await waitFor(
        `progress to ${target} of ${total} metric points`,
        async () => (await progress()) >= target,
        {
          timeoutMs: 60_000,
          intervalMs: 20,
        },
      );
      pipeline.child.kill('SIGKILL');
      await pipeline.exited;
    }

    await startPipeline(prefix, DRAWDOWN_AND_RULES);
    const alerts = await waitForAlerts(prefix, expected.alerts.length);
    // Read-committed consumers see exactly the uninterrupted run's alerts: none lost, none repeated.
    await waitFor(
      'metrics to catch up',
      async () => (await readTopic(metricsTopic, 'Metric')).length >= total,
      {
        timeoutMs: 60_000,
        intervalMs: 500,
      },
    );
    expect(sorted(alerts)).toEqual(sorted(expected.alerts));
    expect(sorted(await readTopic(physicalName('alerts', prefix), 'Alert'))).toEqual(sorted(expected.alerts));
    expect(await readTopic(metricsTopic, 'Metric')).toHaveLength(total);
    await expectRows('drawdown', `portfolio IN (${sqlList(portfolios)})`, marks.length);
    await expectRows('portfolio_marks', `portfolio IN (${sqlList(portfolios)})`, marks.length);
    await expectRows(
      'alerts',
      `fingerprint IN (${sqlList(alerts.map((a) => a.fingerprint))})`,
      expected.alerts.length,
    );
  });

  it('shares the partitions between two instances, and a rebalance keeps the results exact', async () => {
    const prefix = await pipelinePrefix('group');
    const portfolios = Array.from({ length: 8 }, (_, i) => unique(`grp${i}`));
    const marks = portfolios.flatMap((p) => crashAndRecovery(p));
    const expected = await referenceRun(marks);
    // The first half holds every portfolio's firing (minute 13), the rest their resolution (minute 17).
    const half = marks.filter((m) => m.ts < marks[0]!.ts + 15 * 60_000);
    const rest = marks.filter((m) => m.ts >= marks[0]!.ts + 15 * 60_000);

    const a = await startPipeline(prefix, ['--instance-id', 'a', '--processors', 'drawdown']);
    const b = await startPipeline(prefix, ['--instance-id', 'b', '--processors', 'drawdown']);
    const rules = await startPipeline(prefix, ['--instance-id', 'r', '--processors', 'rules']);
    await waitFor(
      'both instances to own partitions',
      () => {
        const ofA = ownedPartitions(a, 'drawdown') ?? [];
        const ofB = ownedPartitions(b, 'drawdown') ?? [];
        return (
          ofA.length > 0 &&
          ofB.length > 0 &&
          ofA.length + ofB.length === 6 &&
          ofA.every((p) => !ofB.includes(p))
        );
      },
      { timeoutMs: 60_000 },
    );

    await produceMarks(prefix, half);
    await waitFor(
      'the first half processed',
      async () => (await readTopic(physicalName('alerts', prefix), 'Alert')).length >= portfolios.length,
      {
        timeoutMs: 60_000,
        intervalMs: 500,
      },
    );
    // B leaves: A takes over its partitions, restoring their state from the changelog.
    b.child.kill('SIGTERM');
    expect((await b.exited).code).toBe(0);
    await waitFor('A to own every partition', () => (ownedPartitions(a, 'drawdown') ?? []).length === 6, {
      timeoutMs: 60_000,
    });
    await produceMarks(prefix, rest);

    const alerts = await waitForAlerts(prefix, expected.alerts.length);
    expect(sorted(alerts)).toEqual(sorted(expected.alerts));
    await expectRows('drawdown', `portfolio IN (${sqlList(portfolios)})`, marks.length);
    for (const p of [a, rules]) p.child.kill('SIGTERM');
    expect((await a.exited).code).toBe(0);
    expect((await rules.exited).code).toBe(0);
  });

  it('holds its commits through a QuestDB outage and catches up when it returns, losing nothing', async () => {
    const prefix = await pipelinePrefix('outage');
    const portfolio = unique('outage');
    const marks = crashAndRecovery(portfolio);
    const expected = await referenceRun(marks);
    // The pipeline reaches QuestDB through a proxy the test can take down; the shared QuestDB stays up.
    const questdb = new URL(inject('services').questdbHttpUrl);
    const proxy = await TcpProxy.start({ host: questdb.hostname, port: Number(questdb.port) });
    onTestFinished(() => proxy.stop());
    const pipeline = await startPipeline(prefix, DRAWDOWN_AND_RULES, { QUESTDB_HTTP_URL: proxy.url() });

    await proxy.stop();
    await produceMarks(prefix, marks);
    await waitFor('the pipeline to notice the outage', () =>
      logLines(pipeline.stderr()).some(
        (l) => l['msg'] === 'the sink is unavailable: holding commits until it is back',
      ),
    );
    // Nothing committed while QuestDB is away: no alert, no metric, the input offsets where they were.
    expect(await readTopic(physicalName('alerts', prefix), 'Alert')).toEqual([]);
    expect(await readTopic(physicalName('metrics', prefix), 'Metric')).toEqual([]);
    const admin = await testAdmin();
    const committed = await admin.groupOffsets(processorGroup('drawdown', prefix));
    expect(committed.every((o) => o.offset === '-1' || o.offset === '0')).toBe(true);

    await proxy.resume();
    const alerts = await waitForAlerts(prefix, expected.alerts.length);
    expect(sorted(alerts)).toEqual(sorted(expected.alerts));
    await expectRows('drawdown', `portfolio = '${portfolio}'`, marks.length);
    expect(logLines(pipeline.stderr()).some((l) => l['msg'] === 'the sink is back; catching up')).toBe(true);
    pipeline.child.kill('SIGTERM');
    expect((await pipeline.exited).code).toBe(0);
  });

  it('catches up on a backlog whose state changes exceed the broker’s 1 MiB batch limit', async () => {
    const prefix = await pipelinePrefix('backlog');
    // 240 portfolios × 300 marks 10 s apart, a backlog read in large batches: each batch's outputs (four
    // metric records per mark, and the changelog of the ~40 portfolios of a partition) are well over
    // 1 MiB, so the commit must split them into requests the broker takes.
    const start = Date.UTC(2026, 0, 6, 9, 0, 0);
    const marks: PortfolioMark[] = [];
    const portfolios = Array.from({ length: 240 }, (_, i) => unique(`bl${i}`));
    for (let n = 0; n < 300; n++) {
      for (const [i, portfolio] of portfolios.entries()) {
        const equity = 1_000_000 * (1 + 0.002 * Math.sin(n / 7 + i));
        marks.push({ portfolio, env: 'prod', ts: start + n * 10_000, equity, cash: null });
      }
    }
    await produceMarks(prefix, marks);
    const pipeline = await startPipeline(prefix, ['--processors', 'drawdown']);
    const admin = await testAdmin();
    await waitFor(
      'the whole backlog committed',
      async () => {
        if (pipeline.child.exitCode !== null) throw new Error(`the pipeline exited:\n${pipeline.stderr()}`);
        const committed = await admin.groupOffsets(processorGroup('drawdown', prefix));
        return committed.reduce((n, o) => n + Math.max(0, Number(o.offset)), 0) >= marks.length;
      },
      { timeoutMs: 180_000, intervalMs: 500 },
    );
    expect(pipeline.stderr()).not.toContain('MESSAGE_TOO_LARGE');
    await expectRows('drawdown', `portfolio IN (${sqlList(portfolios.slice(0, 5))})`, 5 * 300);
    pipeline.child.kill('SIGTERM');
    expect((await pipeline.exited).code).toBe(0);
  });
});
