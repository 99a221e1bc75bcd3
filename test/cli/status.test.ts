/**
 * `tradewatch status` on the real stack: a running processor's lag, instances and last commit; the
 * heartbeats; a dead letter counted by source and error code; a firing critical alert; a failed
 * scheduled run; the exit codes (0 healthy, 1 not, 2 usage); a part that fails shows its error without
 * secrets; a group on a topic of 300 partitions.
 */
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { silentLogger } from '../../core/logger.ts';
import { dispatchGroup } from '../../runtime/dispatch/dispatch-runner.ts';
import { commitMetadata } from '../../runtime/kafka/index.ts';
import type { StatusReport } from '../../runtime/status/index.ts';
import { PostgresJobStore } from '../../scheduler/postgres-store.ts';
import { resolveNamespace } from '../../core/namespace.ts';
import { SchemaRegistry } from '../../schemas/index.ts';
import { findTopic, physicalName, processorGroup } from '../../topics/index.ts';
import { runCli, startCli, type CliResult } from '../helpers/cli.ts';
import { testAdmin, testKafka } from '../helpers/kafka.ts';
import { pipelinePrefix, startPipeline } from '../helpers/pipeline.ts';
import { uniqueName } from '../helpers/unique.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { TemplateControl, testDatabase, testJob, testSchema } from '../scheduler/helpers.ts';
import { alert } from '../sinks/dispatch/helpers.ts';

const registry = await SchemaRegistry.load();
const MARKS_PARTITIONS = findTopic('portfolio.marks').partitions;
const db = testDatabase();

async function status(
  env: Record<string, string>,
  ...flags: string[]
): Promise<{ report: StatusReport; result: CliResult }> {
  const result = await runCli(['status', '--json', ...flags], { env });
  expect(result.stderr).toBe('');
  return { report: JSON.parse(result.stdout) as StatusReport, result };
}

const data = <T>(part: { ok: true; data: T } | { ok: false; error: string }): T => {
  if (!part.ok) throw new Error(`part failed: ${part.error}`);
  return part.data;
};

describe('tradewatch status', () => {
  it(
    'shows a running processor, heartbeats, a dead letter by source and code, a critical alert and a failed run (exit 1)',
    { timeout: 180_000 },
    async () => {
      const started = Date.now();
      const prefix = await pipelinePrefix('status');
      const env = { TOPIC_PREFIX: prefix, DATABASE_URL: await testSchema(db.url()) };
      const marks = physicalName('portfolio.marks', prefix);
      const mark = (ts: number, equity: number) =>
        registry.codec('PortfolioMark').encode({ portfolio: 'alpha', env: 'prod', ts, equity, cash: null });
      const now = Date.now();
      const producer = await testKafka().producer();
      try {
        await producer.send([
          { topic: marks, key: 'alpha', partition: 0, value: mark(now - 120_000, 1_000_000) },
          { topic: marks, key: 'alpha', partition: 0, value: Buffer.from('definitely not avro') },
          { topic: marks, key: 'alpha', partition: 0, value: mark(now - 60_000, 990_000) },
          {
            topic: physicalName('alerts', prefix),
            key: 'fp-status',
            value: registry.codec('Alert').encode(
              alert({
                fingerprint: 'fp-status',
                severity: 'critical',
                starts_at: now - 300_000,
                ts: now - 300_000,
              }),
            ),
          },
          // A dispatcher that stopped beating two minutes ago without retiring: missing.
          {
            topic: physicalName('heartbeats', prefix),
            key: 'notify/ghost',
            timestamp: now - 120_000,
            value: registry.codec('Metric').encode({
              name: 'tradewatch_heartbeat',
              labels: { instance: 'notify/ghost', kind: 'notify' },
              value: 10,
              ts: now - 120_000,
            }),
          },
        ]);
      } finally {
        await producer.close();
      }
      // A job, and a run of it that failed ten minutes ago.
      const store = new PostgresJobStore({
        url: env.DATABASE_URL,
        logger: silentLogger(),
        // The CLI's schema: the environment's namespace, derived from the prefix.
        schema: resolveNamespace(undefined, prefix).postgresSchema,
      });
      onTestFinished(() => store.close());
      await store.start();
      await store.createJob(
        testJob(new TemplateControl().templates(), { id: 'nightly', every: '1h' }, now),
        now,
      );
      await store.withJob('nightly', 'wait', (tx) =>
        tx.insertRuns([
          {
            jobId: 'nightly',
            scheduledAt: now - 900_000,
            trigger: 'schedule',
            state: 'failed',
            attempt: 1,
            nextAttemptAt: now - 900_000,
            leaseOwner: null,
            leaseExpiresAt: null,
            startedAt: now - 900_000,
            finishedAt: now - 600_000,
            error: 'the reconciliation query failed',
            summary: {},
            createdAt: now - 900_000,
          },
        ]),
      );

      await startPipeline(prefix, ['--processors', 'drawdown']);
      const { report, result } = await waitFor(
        'drawdown caught up and the dead letter counted',
        async () => {
          const got = await status(env);
          const drawdown = data(got.report.processors).find((p) => p.name === 'drawdown');
          const counted = data(got.report.deadLetters).counts.length > 0;
          const beating = data(got.report.heartbeats).some((h) => h.kind === 'run' && h.state === 'ok');
          return drawdown?.lag === 0 && drawdown.instances.length === 1 && counted && beating
            ? got
            : undefined;
        },
        { timeoutMs: 90_000, intervalMs: 500 },
      );

      // Figures for the record, not assertions: how long each part took.
      const parts = [
        'stack',
        'processors',
        'heartbeats',
        'deadLetters',
        'alerts',
        'scheduler',
        'dispatcher',
      ] as const;
      const took = parts.map((k) => `${k} ${report[k].tookMs} ms`);
      process.stdout.write(`status parts: ${took.join(', ')}\n`);
      expect(result.code).toBe(1);
      expect(report.healthy).toBe(false);
      expect(report.topicPrefix).toBe(prefix);
      const stack = data(report.stack);
      expect([stack.kafka.ok, stack.questdb.ok, stack.postgres.ok]).toEqual([true, true, true]);

      const processors = data(report.processors);
      const drawdown = processors.find((p) => p.name === 'drawdown')!;
      expect(drawdown).toMatchObject({ group: processorGroup('drawdown', prefix), deployed: true, lag: 0 });
      expect(drawdown.topics).toEqual([{ topic: marks, partitions: MARKS_PARTITIONS, lag: 0 }]);
      expect(drawdown.instances[0]!.partitions).toBe(MARKS_PARTITIONS);
      // The runner commits when it committed, as offset metadata.
      expect(drawdown.lastCommitAt).toBeGreaterThanOrEqual(started);
      expect(drawdown.lastCommitAt).toBeLessThanOrEqual(report.at);
      expect(processors.filter((p) => p.deployed).map((p) => p.name)).toEqual(['drawdown']);

      expect(data(report.heartbeats).map((h) => [h.kind, h.instance, h.state])).toEqual([
        ['notify', 'notify/ghost', 'missing'],
        ['run', hostname(), 'ok'],
      ]);
      expect(data(report.deadLetters).counts).toEqual([
        { topic: 'dlq', source: marks, code: 'TW_DECODE_NOT_SINGLE_OBJECT', count: 1 },
      ]);
      const alerts = data(report.alerts);
      expect(alerts.firing).toEqual({ critical: 1, error: 0, warning: 0, info: 0 });
      expect(alerts.top.map((a) => [a.severity, a.rule])).toEqual([['critical', 'portfolio_drawdown_1h']]);
      const scheduler = data(report.scheduler);
      expect(scheduler.next.map((n) => n.job)).toEqual(['nightly']);
      expect(scheduler.failures.map((f) => [f.job, f.state, f.error])).toEqual([
        ['nightly', 'failed', 'the reconciliation query failed'],
      ]);
      expect(data(report.dispatcher)).toEqual({ pending: 0, failing: 0, oldestPendingAt: null, rejected: 0 });
      expect(report.problems.map((p) => p.part)).toEqual(['heartbeats', 'alerts', 'scheduler']);

      // The same for a person: 80 columns, the problems last.
      const text = await runCli(['status'], { env });
      expect(text.code).toBe(1);
      const lines = text.stdout.trimEnd().split('\n');
      expect(lines.filter((l) => l.length > 80)).toEqual([]);
      expect(lines[0]).toBe('tradewatch status: UNHEALTHY (3 problem(s))');
      expect(text.stdout).toMatch(/^ {2}drawdown +1 +0 +\d+[smh]\S* ago +Stable$/m);
      expect(text.stdout).toMatch(/^ {2}dlq +portfolio\.marks +TW_DECODE_NOT_SINGLE_OBJECT +1$/m);
      expect(text.stdout).toContain('  - 1 critical alert(s) firing');
      expect(text.stdout).toContain('  - notify instance notify/ghost stopped sending heartbeats');
    },
  );

  it(
    'exits 0 while run, notify and schedule run are healthy, and 1 once the expected ones stopped',
    { timeout: 150_000 },
    async () => {
      const prefix = await pipelinePrefix('status-ok');
      const env = { TOPIC_PREFIX: prefix, DATABASE_URL: await testSchema(db.url()) };
      const admin = await testAdmin();
      onTestFinished(() => admin.deleteGroups([dispatchGroup(prefix)]).catch(() => undefined));
      const pipeline = await startPipeline(prefix, ['--processors', 'drawdown']);
      const notifiers = fileURLToPath(new URL('../fixtures/dispatch/notifiers.yaml', import.meta.url));
      const others = [
        startCli(['notify', '--notifiers', notifiers], { env }),
        startCli(['schedule', 'run', '--instance-id', 'sched-1'], { env }),
      ];
      onTestFinished(() => {
        for (const o of others)
          if (o.child.exitCode === null && o.child.signalCode === null) o.child.kill('SIGKILL');
      });
      const expected = ['--processors', 'drawdown,dispatch'];
      const healthy = await waitFor(
        'a healthy status with the three kinds of instances',
        async () => {
          for (const o of others) if (o.child.exitCode !== null) throw new Error(`exited:\n${o.stderr()}`);
          const got = await status(env, ...expected);
          const kinds = got.report.heartbeats.ok ? got.report.heartbeats.data.map((h) => h.kind) : [];
          return got.result.code === 0 && kinds.length === 3 ? got : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 500 },
      );
      expect(healthy.report.healthy).toBe(true);
      expect(healthy.report.problems).toEqual([]);
      expect(data(healthy.report.heartbeats).map((h) => [h.kind, h.instance, h.state])).toEqual([
        ['notify', `notify/${hostname()}`, 'ok'],
        ['run', hostname(), 'ok'],
        ['schedule', 'schedule/sched-1', 'ok'],
      ]);
      const deployed = data(healthy.report.processors).filter((p) => p.deployed);
      expect(deployed.map((p) => [p.name, p.instances.length])).toEqual([
        ['drawdown', 1],
        ['dispatch', 1],
      ]);
      // The dispatcher commits at its first start, with when (drawdown has read nothing yet).
      expect(deployed.map((p) => p.lastCommitAt === null)).toEqual([true, false]);
      const text = await runCli(['status', ...expected], { env });
      expect(text.code).toBe(0);
      expect(text.stdout.split('\n')[0]).toBe('tradewatch status: HEALTHY');
      expect(text.stdout.trimEnd().split('\n').at(-1)).toBe('no problem');

      // Graceful stops: the instances leave their groups and retire their heartbeats (not a problem).
      for (const p of [pipeline, ...others]) p.child.kill('SIGTERM');
      for (const p of [pipeline, ...others]) expect((await p.exited).code).toBe(0);
      const stopped = await status(env, ...expected);
      expect(stopped.result.code).toBe(1);
      expect(stopped.report.problems).toEqual([
        {
          part: 'processors',
          message: `drawdown has no running instance (group ${processorGroup('drawdown', prefix)})`,
        },
        { part: 'processors', message: `dispatch has no running instance (group ${dispatchGroup(prefix)})` },
      ]);
      expect(data(stopped.report.heartbeats).map((h) => h.state)).toEqual(['retired', 'retired', 'retired']);
    },
  );

  it(
    'reports a group over 300 partitions: its lag, its last commit and no instance',
    { timeout: 120_000 },
    async () => {
      const prefix = `${uniqueName('t-status-wide')}.`;
      const topic = `${prefix}wide`;
      const group = processorGroup('drawdown', prefix);
      const kafka = testKafka();
      const admin = await testAdmin(kafka);
      onTestFinished(async () => {
        await admin.deleteTopics([topic]);
        await admin.deleteGroups([group]).catch(() => undefined);
      });
      await admin.createTopics([{ name: topic, partitions: 300, replicationFactor: 1, configs: {} }]);
      // Two records on every partition. 300 new leaders may take a while on a loaded machine: what
      // a refused send left out is sent again (each partition filled up to two records, no more).
      const producer = await kafka.producer();
      try {
        await waitFor(
          'two records on each of the 300 partitions',
          async () => {
            const short = (await admin.offsets(topic)).filter((p) => Number(p.high) < 2);
            if (short.length === 0) return true;
            await producer.send(
              short.flatMap((p) =>
                ['a', 'b']
                  .slice(Number(p.high))
                  .map((v) => ({ topic, partition: p.partition, key: null, value: Buffer.from(v) })),
              ),
            );
            return false;
          },
          { timeoutMs: 60_000, intervalMs: 200 },
        );
      } finally {
        await producer.close();
      }
      // The group committed past the first record of each partition, as the runner commits (with its time).
      const committedAt = Date.now();
      const committer = await kafka.producer({ transactionalId: `${group}.test` });
      try {
        await committer.sendAtomically([], {
          consumerOffsets: {
            groupId: group,
            offsets: Array.from({ length: 300 }, (_, partition) => ({ topic, partition, offset: '1' })),
            metadata: commitMetadata(committedAt),
          },
        });
      } finally {
        await committer.close();
      }

      // A transaction's offsets are visible to OffsetFetch once its markers are written, just after.
      await waitFor('the 300 committed offsets', async () => {
        const offsets = (await admin.committedOffsets([group])).get(group) ?? [];
        return offsets.length === 300;
      });
      const { report, result } = await status({ TOPIC_PREFIX: prefix }, '--processors', 'drawdown');
      expect(result.code).toBe(1);
      const drawdown = data(report.processors).find((p) => p.name === 'drawdown')!;
      expect(drawdown).toMatchObject({ state: 'Empty', instances: [], lag: 300, lastCommitAt: committedAt });
      expect(drawdown.topics).toEqual([{ topic, partitions: 300, lag: 300 }]);
      expect(report.problems.map((p) => p.message)).toContain(
        `drawdown has no running instance (group ${group})`,
      );
      // Figures for the record, not assertions: how long the processors part took over 300 partitions.
      process.stdout.write(`status over 300 partitions: processors part ${report.processors.tookMs} ms\n`);
    },
  );

  it(
    'shows a part that fails with its error, without secrets, and still the others',
    { timeout: 60_000 },
    async () => {
      const prefix = `${uniqueName('t-status-down')}.`;
      const result = await runCli(['status', '--json', '--timeout', '3s'], {
        env: {
          TOPIC_PREFIX: prefix,
          QUESTDB_HTTP_URL: 'http://admin:qdb-s3cret@127.0.0.1:1',
          DATABASE_URL: 'postgres://postgres:pg-s3cret@127.0.0.1:1/nowhere',
        },
      });
      expect(result.code).toBe(1);
      expect(result.stdout).not.toContain('s3cret');
      const report = JSON.parse(result.stdout) as StatusReport;
      const stack = data(report.stack);
      expect([stack.kafka.ok, stack.questdb.ok, stack.postgres.ok]).toEqual([true, false, false]);
      expect(stack.questdb.error).toContain('TW_QUESTDB_UNAVAILABLE');
      expect(report.scheduler.ok).toBe(false);
      expect(report.dispatcher.ok).toBe(false);
      expect(!report.dispatcher.ok && report.dispatcher.error).toContain('TW_POSTGRES_UNAVAILABLE');
      expect(report.processors.ok && report.heartbeats.ok && report.alerts.ok).toBe(true);
      const text = await runCli(['status', '--timeout', '3s'], {
        env: { TOPIC_PREFIX: prefix, DATABASE_URL: 'postgres://postgres:pg-s3cret@127.0.0.1:1/nowhere' },
      });
      expect(text.code).toBe(1);
      expect(text.stdout + text.stderr).not.toContain('s3cret');
      expect(text.stdout).toMatch(/^SCHEDULER\n {2}unknown: TW_POSTGRES_UNAVAILABLE: /m);
    },
  );

  it('refuses an unknown processor with a suggestion (exit 2)', async () => {
    const result = await runCli(['status', '--processors', 'drawdown,rulez']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown processor "rulez" (did you mean "rules"?)');
  });
});
