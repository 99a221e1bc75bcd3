/**
 * Two environments on one cluster (TOPIC_PREFIX, and the namespace derived from it): the same portfolio
 * name in both, and each environment's QuestDB tables hold only its own rows; the default tables and
 * the other tests' `e2e` namespace hold none of them.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it, onTestFinished } from 'vitest';
import { resolveNamespace, type Namespace } from '../../core/namespace.ts';
import { crashAndRecovery } from '../helpers/equity-paths.ts';
import { e2eTable, pipelinePrefix, startPipeline, produceMarks } from '../helpers/pipeline.ts';
import { questdbCount, questdbQuery } from '../helpers/questdb.ts';
import { waitFor } from '../helpers/wait-for.ts';

/** Drops the namespace's QuestDB tables when the test ends. */
function dropTablesAtEnd(ns: Namespace): void {
  onTestFinished(async () => {
    const tables = await questdbQuery(
      `SELECT table_name FROM tables() WHERE table_name LIKE '${ns.tablePrefix}%'`,
    );
    for (const [name] of tables) await questdbQuery(`DROP TABLE IF EXISTS "${String(name)}"`);
  });
}

describe('environments on one cluster', { timeout: 180_000 }, () => {
  it('never see each other’s QuestDB rows: each writes its own namespace, derived from TOPIC_PREFIX', async () => {
    const portfolio = `ns-${randomBytes(3).toString('hex')}`;
    const marks = crashAndRecovery(portfolio);
    const envs = await Promise.all(
      [marks, marks.slice(0, 10)].map(async (own) => {
        const prefix = await pipelinePrefix('ns');
        const ns = resolveNamespace(undefined, prefix);
        dropTablesAtEnd(ns);
        await produceMarks(prefix, own);
        return { prefix, ns, marks: own };
      }),
    );
    expect(envs[0]!.ns.name).not.toBe(envs[1]!.ns.name);
    for (const env of envs) {
      // TW_NAMESPACE unset (an empty value counts as unset): derived from the prefix.
      await startPipeline(env.prefix, ['--processors', 'drawdown'], { TW_NAMESPACE: '' });
    }
    for (const env of envs) {
      const where = `${env.ns.table('drawdown')} WHERE portfolio = '${portfolio}'`;
      await waitFor(
        `${env.marks.length} rows in ${env.ns.table('drawdown')}`,
        async () => (await questdbCount(where)) >= env.marks.length,
        {
          timeoutMs: 90_000,
          intervalMs: 250,
        },
      );
    }
    for (const env of envs) {
      expect(await questdbCount(`${env.ns.table('drawdown')} WHERE portfolio = '${portfolio}'`)).toBe(
        env.marks.length,
      );
      expect(await questdbCount(`${env.ns.table('portfolio_marks')} WHERE portfolio = '${portfolio}'`)).toBe(
        env.marks.length,
      );
    }
    // Neither wrote the default environment's tables, nor the other tests' namespace.
    for (const table of ['drawdown', e2eTable('drawdown')]) {
      const exists = await questdbQuery(`SELECT count() FROM tables() WHERE table_name = '${table}'`);
      if (Number(exists[0]?.[0]) > 0)
        expect(await questdbCount(`${table} WHERE portfolio = '${portfolio}'`)).toBe(0);
    }
  });
});
