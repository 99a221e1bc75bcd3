/**
 * The local stack on the real services: Kafka and QuestDB started from nothing in a fresh stack dir,
 * on ports free at test time, so it never touches a stack a developer is running on the default ports.
 * The jars are shared with the default location (`<repo>/.stack/lib`): downloaded once.
 */
import { randomBytes } from 'node:crypto';
import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, it, expect, onTestFinished } from 'vitest';
import { TradewatchError } from '../../core/errors.ts';
import { createKafkaClient, type KafkaClient } from '../../runtime/kafka/index.ts';
import { silentLogger } from '../../core/logger.ts';
import { portIsFree, waitFor } from '../../stack/health.ts';
import { LocalStack, formatStatus, type LocalStackOptions, type StackStatus } from '../../stack/index.ts';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
const SHARED_LIB_DIR = path.join(REPO_ROOT, '.stack', 'lib');
/** Generous: a first run downloads about 75 MB of jars before starting two JVMs. */
const STACK_TEST_TIMEOUT_MS = 240_000;
const CLEANUP_TIMEOUT_MS = 60_000;

/** `count` distinct ports that nobody listens on now (held together so that none repeats). */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const server = net.createServer();
          server.once('error', reject);
          server.listen({ host: '127.0.0.1', port: 0 }, () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

async function stackOptions(): Promise<LocalStackOptions> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tw-stack-test-'));
  const [kafkaPort, kafkaControllerPort, questdbHttpPort, questdbPgPort, questdbIlpPort, questdbMetricsPort] =
    (await freePorts(6)) as [number, number, number, number, number, number];
  return {
    logger: silentLogger(),
    dir,
    libDir: SHARED_LIB_DIR,
    kafkaPort,
    kafkaControllerPort,
    questdbHttpPort,
    questdbPgPort,
    questdbIlpPort,
    questdbMetricsPort,
    startTimeoutMs: 120_000,
    stopTimeoutMs: 30_000,
  };
}

/** Creates a stack and registers its teardown (down, then remove the temp dir) at once. */
async function createStack(): Promise<{ stack: LocalStack; options: LocalStackOptions }> {
  const options = await stackOptions();
  const stack = new LocalStack(options);
  onTestFinished(async () => {
    try {
      await stack.down();
    } finally {
      await rm(options.dir, { recursive: true, force: true });
    }
  }, CLEANUP_TIMEOUT_MS);
  return { stack, options };
}

function allPorts(o: LocalStackOptions): number[] {
  return [
    o.kafkaPort,
    o.kafkaControllerPort,
    o.questdbHttpPort,
    o.questdbPgPort,
    o.questdbIlpPort,
    o.questdbMetricsPort,
  ];
}

function pids(status: StackStatus): Record<string, number | undefined> {
  return Object.fromEntries(status.services.map((s) => [s.name, s.pid]));
}

interface ExecAnswer {
  dataset?: unknown[][];
  error?: string;
}

async function questdbExec(o: LocalStackOptions, sql: string): Promise<ExecAnswer> {
  const response = await fetch(`http://127.0.0.1:${o.questdbHttpPort}/exec?query=${encodeURIComponent(sql)}`);
  return (await response.json()) as ExecAnswer;
}

/** Waits until `sql` answers `expected` as its dataset, or the deadline passes. */
async function waitForRows(o: LocalStackOptions, sql: string, expected: unknown[][]): Promise<void> {
  let last: ExecAnswer | undefined;
  const ok = await waitFor(
    async () => {
      last = await questdbExec(o, sql);
      return JSON.stringify(last.dataset) === JSON.stringify(expected);
    },
    { deadline: Date.now() + 30_000, intervalMs: 100 },
  );
  expect(ok ? expected : last).toEqual(expected);
}

function kafkaClient(o: LocalStackOptions): KafkaClient {
  return createKafkaClient({ brokers: [`127.0.0.1:${o.kafkaPort}`], logger: silentLogger() });
}

describe('LocalStack', () => {
  it(
    'starts from nothing, keeps data across down and up, and up is idempotent',
    { timeout: STACK_TEST_TIMEOUT_MS },
    async () => {
      const { stack, options } = await createStack();

      const before = await stack.status();
      expect(before.healthy).toBe(false);
      expect(before.services.map((s) => s.state)).toEqual(['stopped', 'stopped']);

      const up = await stack.up();
      expect(up.healthy).toBe(true);
      for (const service of up.services) {
        expect(service.state).toBe('running');
        expect(service.pid).toBeGreaterThan(0);
      }
      const status = await stack.status();
      expect(status.healthy).toBe(true);
      expect(pids(status)).toEqual(pids(up));
      expect(formatStatus(status)).toContain(`bootstrap=127.0.0.1:${options.kafkaPort}`);

      // Write something to each service.
      const suffix = randomBytes(4).toString('hex');
      const topic = `tw-stack-test-${suffix}`;
      const table = `tw_stack_test_${suffix}`;
      const kafka = kafkaClient(options);
      const admin = await kafka.admin();
      onTestFinished(() => admin.close());
      await admin.createTopics([{ name: topic, partitions: 1, replicationFactor: 1, configs: {} }]);
      const producer = await kafka.producer();
      await producer.send([{ topic, key: 'k', value: Buffer.from('hello') }]);
      await producer.close();
      await admin.close();

      expect(
        (
          await questdbExec(
            options,
            `CREATE TABLE ${table} (v LONG, ts TIMESTAMP) TIMESTAMP(ts) PARTITION BY DAY WAL`,
          )
        ).error,
      ).toBeUndefined();
      expect((await questdbExec(options, `INSERT INTO ${table} VALUES (42, now())`)).error).toBeUndefined();
      // WAL tables apply writes asynchronously.
      await waitForRows(options, `SELECT v FROM ${table}`, [[42]]);

      const down = await stack.down();
      expect(down.healthy).toBe(false);
      for (const service of down.services) {
        expect(service.state).toBe('stopped');
        expect(service.pid).toBeUndefined();
      }
      for (const port of allPorts(options)) expect(await portIsFree('127.0.0.1', port)).toBe(true);
      // down is idempotent too.
      expect((await stack.down()).services.map((s) => s.state)).toEqual(['stopped', 'stopped']);

      const again = await stack.up();
      expect(again.healthy).toBe(true);
      const admin2 = await kafka.admin();
      onTestFinished(() => admin2.close());
      expect(await admin2.listTopics()).toContain(topic);
      expect(await admin2.offsets(topic)).toEqual([{ partition: 0, low: '0', high: '1' }]);
      await admin2.close();
      await waitForRows(options, `SELECT v FROM ${table}`, [[42]]);

      // A second up() finds both running and starts nothing.
      const third = await stack.up();
      expect(third.healthy).toBe(true);
      expect(pids(third)).toEqual(pids(again));
    },
  );

  it('says which port, service and variable when a port is taken', { timeout: 60_000 }, async () => {
    const { stack, options } = await createStack();
    const squatter = net.createServer();
    await new Promise<void>((resolve) =>
      squatter.listen({ host: '127.0.0.1', port: options.questdbPgPort }, resolve),
    );
    onTestFinished(() => new Promise<void>((resolve) => squatter.close(() => resolve())));

    const error = await stack.up().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TradewatchError);
    expect((error as TradewatchError).code).toBe('TW_STACK_START_FAILED');
    expect((error as TradewatchError).message).toContain(`port ${options.questdbPgPort}`);
    expect((error as TradewatchError).message).toContain('questdb');
    expect((error as TradewatchError).message).toContain('TW_STACK_QUESTDB_PG_PORT');
    // Ports are checked before anything starts: nothing was left running.
    expect((await stack.status()).services.map((s) => s.state)).toEqual(['stopped', 'stopped']);
  });

  it(
    'stops what it started and quotes the log when a service fails to start',
    { timeout: 120_000 },
    async () => {
      const { options } = await createStack();
      // A `java` that runs everything except QuestDB, which fails at once the way a broken JVM would.
      const fakeJava = path.join(options.dir, 'java-without-questdb.sh');
      await writeFile(
        fakeJava,
        [
          '#!/bin/sh',
          'case "$*" in',
          '  *io.questdb.ServerMain*) echo "simulated failure: QuestDB cannot start"; exit 3 ;;',
          'esac',
          'exec java "$@"',
          '',
        ].join('\n'),
        { mode: 0o755 },
      );
      const stack = new LocalStack({ ...options, javaCommand: fakeJava });
      onTestFinished(() => stack.down().then(() => undefined), CLEANUP_TIMEOUT_MS);

      const error = await stack.up().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TradewatchError);
      const { code, message } = error as TradewatchError;
      expect(code).toBe('TW_STACK_START_FAILED');
      expect(message).toContain('questdb did not start');
      expect(message).toContain(path.join(options.dir, 'logs', 'questdb.log'));
      expect(message).toContain('simulated failure: QuestDB cannot start');
      // Kafka, started by the same call, was stopped again: nothing is left half-started.
      expect((await stack.status()).services.map((s) => s.state)).toEqual(['stopped', 'stopped']);
      for (const port of allPorts(options)) expect(await portIsFree('127.0.0.1', port)).toBe(true);
    },
  );

  it('cleans up a stale pid file whose pid belongs to another program', { timeout: 60_000 }, async () => {
    const { stack, options } = await createStack();
    const runDir = path.join(options.dir, 'run');
    await mkdir(runDir, { recursive: true });
    // This test's own pid: alive, but not Kafka. It must be neither reported nor signalled.
    await writeFile(path.join(runDir, 'kafka.pid'), `${process.pid}\n`);

    const status = await stack.status();
    const kafka = status.services.find((s) => s.name === 'kafka');
    expect(kafka?.state).toBe('stopped');
    expect(kafka?.pid).toBeUndefined();
    await stack.down();
    await expect(access(path.join(runDir, 'kafka.pid'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
