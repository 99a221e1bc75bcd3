/**
 * The dead-letter recorder on the real Kafka and QuestDB: a drawdown runner dead-letters bytes that
 * are no Avro record and sends a mark past its grace to `late`; the recorder writes one
 * `dead_letters` row for each, from the headers (never the key or value); while its QuestDB does not
 * answer it commits nothing, and what it read is written once QuestDB is back.
 */
import { describe, expect, inject, it, onTestFinished } from 'vitest';
import { silentLogger } from '../../../core/logger.ts';
import { namespace } from '../../../core/namespace.ts';
import { createDrawdownProcessor } from '../../../processors/drawdown/index.ts';
import { DeadLetterRecorder, deadLetterRow } from '../../../runtime/dlq/index.ts';
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

describe('the dead-letter recorder', { timeout: 180_000 }, () => {
  it('writes a row per dead letter and late record, and waits out a QuestDB outage', async () => {
    const prefix = await pipelinePrefix('dlrec');
    const ns = namespace(uniqueName('dlrec').replace(/-/g, '_'));
    const httpUrl = inject('services').questdbHttpUrl;
    const target = new URL(httpUrl);
    const proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port) });
    onTestFinished(() => proxy.stop());
    const sink = await QuestDbSink.create({ httpUrl, logger: silentLogger(), namespace: ns });
    onTestFinished(async () => {
      for (const t of TABLES) await sink.query(`DROP TABLE IF EXISTS ${ns.table(t.name)}`);
      await sink.close();
    });
    const recorderSink = await QuestDbSink.create({
      httpUrl: proxy.url(),
      logger: silentLogger(),
      namespace: ns,
      closeTimeoutMs: 1000,
    });
    onTestFinished(() => recorderSink.close().catch(() => undefined));
    const kafka = testKafka();
    const admin = await kafka.admin();
    onTestFinished(() => admin.close());
    const registry = await SchemaRegistry.load();
    const runner = await ProcessorRunner.start({
      processor: createDrawdownProcessor(),
      kafka,
      registry,
      sink,
      logger: silentLogger(),
      topicPrefix: prefix,
      sessionTimeoutMs: 6000,
    });
    onTestFinished(() => runner.close());

    // QuestDB does not answer the recorder until the side outputs hold both records.
    await proxy.stop();
    const recorder = await DeadLetterRecorder.start({
      kafka,
      sink: recorderSink,
      logger: silentLogger(),
      topicPrefix: prefix,
      retryInitialMs: 50,
    });
    onTestFinished(() => recorder.close());

    const portfolio = uniqueName('pf');
    const topic = physicalName('portfolio.marks', prefix);
    const producer = await kafka.producer();
    onTestFinished(() => producer.close());
    const mark = (ts: number) =>
      registry.codec('PortfolioMark').encode({ portfolio, env: 'prod', ts, equity: 1000, cash: null });
    await producer.send([
      { topic, key: portfolio, value: mark(T0) },
      { topic, key: portfolio, value: mark(T0 - 3_600_000) },
      { topic, key: portfolio, value: Buffer.from('secret payload, not avro') },
    ]);
    await waitFor(
      'the runner to send both',
      () => runner.stats().late === 1 && runner.stats().deadLettered === 1,
    );
    const group = processorGroup('dead-letters', prefix);
    const committed = async () =>
      (await admin.groupOffsets(group, [physicalName('dlq', prefix), physicalName('late', prefix)])).filter(
        (o) => BigInt(o.offset) > 0n,
      );
    // Nothing is committed while the rows are not written (its flush attempts fail meanwhile; the
    // side outputs' batches come one at a time, so the second waits behind the first).
    await waitFor('the recorder to have read one and be retrying', () => recorderSink.pending() > 0);
    expect(await committed()).toEqual([]);

    await proxy.resume();
    await sink.waitForRows('dead_letters', undefined, 2);
    const rows = (await sink.query(`SELECT * FROM ${ns.table('dead_letters')} ORDER BY output`)).rows;
    expect(rows).toHaveLength(2);
    expect(
      rows.map((r) => [r['output'], r['source_topic'], r['code'], r['failed_by'], r['source_offset']]),
    ).toEqual([
      ['dlq', 'portfolio.marks', 'TW_DECODE_NOT_SINGLE_OBJECT', 'drawdown', 2],
      ['late', 'portfolio.marks', 'TW_RECORD_LATE', 'drawdown', 1],
    ]);
    expect(JSON.stringify(rows)).not.toContain('secret payload');
    await waitFor('the recorder to commit both', async () =>
      (await committed()).length === 2 ? true : undefined,
    );
    expect(recorder.recorded).toBe(2);
  });

  it('reads a letter produced by hand, without headers, at its Kafka timestamp', () => {
    const row = deadLetterRow(
      'dlq',
      {
        topic: 'p.dlq',
        partition: 1,
        offset: '7',
        timestamp: T0,
        key: null,
        value: Buffer.from('x'),
        headers: {},
      },
      'p.',
    );
    expect(row).toEqual({
      table: 'dead_letters',
      ts: T0,
      symbols: { output: 'dlq', source_topic: '(unknown)', code: '(none)', failed_by: '(unknown)' },
      columns: {
        source_partition: null,
        source_offset: null,
        output_partition: 1,
        output_offset: 7,
        record_ts: T0,
      },
    });
  });
});
