/**
 * Progress reports on the real Kafka and QuestDB: a runner writes `processor_progress` rows for the
 * partition it owns (the group's committed offset, the end, the lag, the last commit); while the
 * batches' QuestDB is down, commits are held and the reports show the lag growing; while the reports'
 * QuestDB does not answer (a proxy that swallows every request), the batches are still processed,
 * written and committed, and once it answers again the reports catch up.
 */
import { describe, expect, inject, it, onTestFinished } from 'vitest';
import { silentLogger } from '../../../core/logger.ts';
import { namespace } from '../../../core/namespace.ts';
import { createDrawdownProcessor } from '../../../processors/drawdown/index.ts';
import { ProcessorRunner } from '../../../runtime/processor/index.ts';
import { SchemaRegistry } from '../../../schemas/index.ts';
import { QuestDbSink, TABLES } from '../../../sinks/questdb/index.ts';
import { physicalName, processorGroup } from '../../../topics/index.ts';
import { testKafka } from '../../helpers/kafka.ts';
import { pipelinePrefix } from '../../helpers/pipeline.ts';
import { TcpProxy } from '../../helpers/tcp-proxy.ts';
import { uniqueName } from '../../helpers/unique.ts';
import { waitFor } from '../../helpers/wait-for.ts';

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);

describe('progress reports', { timeout: 180_000 }, () => {
  it('are written per owned partition, show the lag while commits are held, and hold no commit when QuestDB does not answer them', async () => {
    const prefix = await pipelinePrefix('progress');
    const ns = namespace(uniqueName('prog').replace(/-/g, '_'));
    const httpUrl = inject('services').questdbHttpUrl;
    const target = new URL(httpUrl);
    const proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port) });
    onTestFinished(() => proxy.stop());
    const sink = await QuestDbSink.create({ httpUrl, logger: silentLogger(), namespace: ns });
    onTestFinished(async () => {
      for (const t of TABLES) await sink.query(`DROP TABLE IF EXISTS ${ns.table(t.name)}`);
      await sink.close();
    });
    // The batches' QuestDB, behind a proxy of its own.
    const batchProxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port) });
    onTestFinished(() => batchProxy.stop());
    const batchSink = await QuestDbSink.create({
      httpUrl: batchProxy.url(),
      logger: silentLogger(),
      namespace: ns,
      closeTimeoutMs: 1000,
    });
    onTestFinished(() => batchSink.close().catch(() => undefined));
    const progressSink = await QuestDbSink.create({
      httpUrl: proxy.url(),
      logger: silentLogger(),
      namespace: ns,
      requestTimeoutMs: 2000,
      retryTimeoutMs: 500,
      closeTimeoutMs: 1000,
    });
    onTestFinished(() => progressSink.close().catch(() => undefined));

    const kafka = testKafka();
    const admin = await kafka.admin();
    onTestFinished(() => admin.close());
    const registry = await SchemaRegistry.load();
    const runner = await ProcessorRunner.start({
      processor: createDrawdownProcessor(),
      kafka,
      registry,
      sink: batchSink,
      logger: silentLogger(),
      topicPrefix: prefix,
      sessionTimeoutMs: 6000,
      sinkRetryInitialMs: 50,
      sinkRetryMaxMs: 200,
      instanceId: 'progress-test',
      progress: { sink: progressSink, intervalMs: 100 },
    });
    onTestFinished(() => runner.close());

    const portfolio = uniqueName('pf');
    const topic = physicalName('portfolio.marks', prefix);
    const producer = await kafka.producer();
    onTestFinished(() => producer.close());
    const produce = (from: number) =>
      producer.send(
        [0, 1, 2].map((i) => ({
          topic,
          key: portfolio,
          value: registry.codec('PortfolioMark').encode({
            portfolio,
            env: 'prod',
            ts: T0 + (from + i) * 60_000,
            equity: 1_000_000 - (from + i),
            cash: null,
          }),
        })),
      );
    const group = processorGroup('drawdown', prefix);
    const committed = async () =>
      (await admin.groupOffsets(group, [topic])).find((o) => BigInt(o.offset) > 0n);
    const progress = async (offset: number) =>
      (
        await sink.query(
          `SELECT * FROM ${ns.table('processor_progress')} WHERE committed_offset = ${offset} ORDER BY ts`,
        )
      ).rows;

    await produce(0);
    const first = await waitFor('the first marks to be committed', async () => {
      const c = await committed();
      return c?.offset === '3' ? c : undefined;
    });
    const [row] = await waitFor('a progress row at offset 3', async () => {
      const rows = await progress(3);
      return rows.length > 0 ? rows : undefined;
    });
    expect(row).toMatchObject({
      processor: 'drawdown',
      consumer_group: group,
      instance: 'progress-test',
      topic: 'portfolio.marks',
      input_partition: first.partition,
      committed_offset: 3,
      end_offset: 3,
      lag: 0,
    });
    expect(row!['last_commit_at']).not.toBeNull();
    expect(Number(row!['commit_age_ms'])).toBeGreaterThanOrEqual(0);

    // The batches' QuestDB is down: commits are held, and the reports show the lag.
    await batchProxy.stop();
    await produce(3);
    const [behind] = await waitFor('a progress row 3 records behind', async () => {
      const rows = (await progress(3)).filter((r) => r['end_offset'] === 6);
      return rows.length > 0 ? rows : undefined;
    });
    expect(behind).toMatchObject({ committed_offset: 3, end_offset: 6, lag: 3 });
    expect((await committed())?.offset).toBe('3');
    await batchProxy.resume();
    await waitFor('the held marks to be committed', async () =>
      (await committed())?.offset === '6' ? true : undefined,
    );
    await waitFor('a progress row caught up at 6', async () =>
      (await progress(6)).some((r) => r['lag'] === 0) ? true : undefined,
    );

    // The reports' QuestDB now takes every request and answers none.
    await proxy.stop();
    proxy.mode = 'blackhole';
    await proxy.resume();
    await produce(6);
    await waitFor('the next marks to be committed while the reports hang', async () =>
      (await committed())?.offset === '9' ? true : undefined,
    );
    await sink.waitForRows('drawdown', `portfolio = '${portfolio}'`, 9);
    expect(await progress(9)).toEqual([]);
    await expect(Promise.race([runner.failed, Promise.resolve('running')])).resolves.toBe('running');

    // It answers again: the reports catch up.
    await proxy.stop();
    proxy.mode = 'forward';
    await proxy.resume();
    const [after] = await waitFor(
      'a progress row at offset 9',
      async () => {
        const rows = await progress(9);
        return rows.length > 0 ? rows : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(after).toMatchObject({ end_offset: 9, lag: 0 });
  });
});
