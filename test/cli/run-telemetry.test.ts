/**
 * A real `tradewatch run` writes the pipeline's telemetry to its namespace's tables: a `dead_letters`
 * row for an undecodable mark (the `dead-letters` recorder it starts), `processor_progress` rows of
 * its processors, and the drawdown's metric points in `metrics` (the `metric-points` processor); and
 * stops cleanly on SIGTERM.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { namespace } from '../../core/namespace.ts';
import { physicalName } from '../../topics/index.ts';
import { TABLES } from '../../sinks/questdb/index.ts';
import { testKafka } from '../helpers/kafka.ts';
import { pipelinePrefix, produceMarks, startPipeline } from '../helpers/pipeline.ts';
import { questdbQuery } from '../helpers/questdb.ts';
import { uniqueName } from '../helpers/unique.ts';
import { waitFor } from '../helpers/wait-for.ts';

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);

describe('tradewatch run', { timeout: 180_000 }, () => {
  it('writes dead letters, progress and metric points to QuestDB', async () => {
    const prefix = await pipelinePrefix('run-telemetry');
    const ns = namespace(uniqueName('runtel').replace(/-/g, '_'));
    onTestFinished(async () => {
      for (const t of TABLES) await questdbQuery(`DROP TABLE IF EXISTS ${ns.table(t.name)}`);
    });
    const pipeline = await startPipeline(
      prefix,
      ['--processors', 'drawdown,metric-points,dead-letters', '--no-heartbeat'],
      { TW_NAMESPACE: ns.name, TW_PROGRESS_INTERVAL_MS: '200' },
    );
    const portfolio = uniqueName('pf');
    await produceMarks(prefix, [{ portfolio, env: 'prod', ts: T0, equity: 1000, cash: null }]);
    const producer = await testKafka().producer();
    onTestFinished(() => producer.close());
    await producer.send([
      { topic: physicalName('portfolio.marks', prefix), key: portfolio, value: Buffer.from('{"no":"avro"}') },
    ]);

    const rows = (sql: string) =>
      waitFor(
        sql,
        async () => {
          const found = await questdbQuery(sql).catch(() => []);
          return found.length > 0 ? found : undefined;
        },
        { timeoutMs: 60_000 },
      );
    expect(
      await rows(`SELECT output, source_topic, code, failed_by FROM ${ns.table('dead_letters')}`),
    ).toEqual([['dlq', 'portfolio.marks', 'TW_DECODE_NOT_SINGLE_OBJECT', 'drawdown']]);
    const progress = await rows(
      `SELECT processor, topic, lag FROM ${ns.table('processor_progress')} WHERE processor = 'drawdown' AND committed_offset = 2`,
    );
    expect(progress[0]).toEqual(['drawdown', 'portfolio.marks', 0]);
    expect(
      await rows(`SELECT DISTINCT processor FROM ${ns.table('processor_progress')} ORDER BY processor`),
    ).toEqual([['drawdown'], ['metric-points']]);
    const points = await rows(
      `SELECT name FROM ${ns.table('metrics')} WHERE series = 'drawdown_1h{env=prod,portfolio=${portfolio}}'`,
    );
    expect(points).toEqual([['drawdown_1h']]);

    pipeline.child.kill('SIGTERM');
    const exit = await pipeline.exited;
    expect(exit.code, exit.stderr).toBe(0);
  });
});
