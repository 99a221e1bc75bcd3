/** The README's main command, `tradewatch demo`, against the test services. */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { namespace, resolveNamespace } from '../../core/namespace.ts';
import { runCli } from '../helpers/cli.ts';
import { questdbCount, questdbQuery } from '../helpers/questdb.ts';
import { testKafka } from '../helpers/kafka.ts';
import { uniqueName } from '../helpers/unique.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { removePrefix } from '../../topics/index.ts';
import { PROCESSOR_NAMES } from '../../processors/index.ts';

/** Rows of the demo's portfolios in `table`, or -1 when there is no such table. */
async function userTableRows(table: string): Promise<number> {
  const exists = await questdbQuery(`SELECT count() FROM tables() WHERE table_name = '${table}'`);
  if (Number(exists[0]?.[0]) === 0) return -1;
  return questdbCount(`${table} WHERE portfolio IN ('alpha-momentum', 'beta-meanrev', 'gamma-paper')`);
}

describe('tradewatch demo', () => {
  it(
    'shows the alerts that fired and resolved and the rows in QuestDB, and can run again',
    { timeout: 240_000 },
    async () => {
      const prefix = `${uniqueName('t-demo')}.`;
      const demoPrefix = `${prefix}demo.`;
      const env = { TOPIC_PREFIX: prefix };
      // The demo's own namespace: `<the environment's>_demo`, never the user's tables.
      const ns = namespace(`${resolveNamespace(undefined, prefix).name}_demo`);
      const userRows = () => userTableRows(resolveNamespace(undefined, prefix).table('drawdown'));
      const plainRows = () => userTableRows('drawdown');
      const [userBefore, plainBefore] = [await userRows(), await plainRows()];
      const versions: string[] = [];
      const reports: string[] = [];
      try {
        for (const run of [1, 2]) {
          const result = await runCli(['demo'], { env, timeoutMs: 180_000 });
          expect(result.stderr, `run ${run}`).toBe('');
          expect(result.code).toBe(0);
          expect(result.stdout).toContain(`alerts on ${demoPrefix}alerts (7):`);
          expect(result.stdout).toMatch(/FIRING +portfolio_drawdown_1h +alpha-momentum/);
          expect(result.stdout).toMatch(/resolved +portfolio_drawdown_1h +alpha-momentum/);
          expect(result.stdout).toContain(
            'still firing at the end of the path: portfolio_drawdown_daily (gamma-paper)',
          );
          expect(result.stdout).not.toMatch(/(FIRING|resolved) +\S+ +beta-meanrev/); // no alert for the 4% dip
          expect(result.stdout).toContain(
            `rows: ${ns.table('portfolio_marks')} 360, ${ns.table('drawdown')} 360, ${ns.table('alerts')} 7`,
          );
          // A user's tables (this environment's, and the default environment's) are untouched.
          expect([await userRows(), await plainRows()]).toEqual([userBefore, plainBefore]);
          expect(result.stdout).toContain('stack down');

          // The backtest of the demo's history: its metrics, its report, the same version each run.
          const line = /^backtest demo-momentum version ([0-9a-f]{16}): (.*)$/m.exec(result.stdout);
          expect(line, result.stdout).not.toBeNull();
          versions.push(line![1]!);
          expect(line![2]).toMatch(
            /^periods 48, total return -?\d+\.\d\d%, Sharpe -?\d+\.\d\d, max drawdown \d+\.\d\d%, hit rate \d+\.\d\d%, precision@2 \d\.\d\d, rank IC -?\d\.\d\d$/,
          );
          const report = /^report: (.+)$/m.exec(result.stdout)?.[1] ?? '';
          reports.push(report);
          expect(report).toBe(
            path.resolve(`.tradewatch/demo-artifacts/demo-momentum/${line![1]}/report.html`),
          );
          expect(existsSync(report)).toBe(true);
          expect(readFileSync(report, 'utf8')).toContain(line![1]);
          // The backtest's results are in the demo's namespace too.
          const where = `id = 'demo-momentum' AND version = '${line![1]}'`;
          await waitFor('the demo backtest in QuestDB', async () =>
            (await questdbCount(`${ns.table('backtest_runs')} WHERE ${where}`)) === 1 &&
            (await questdbCount(`${ns.table('backtest_periods')} WHERE ${where}`)) === 48
              ? true
              : undefined,
          );
        }
        expect(versions[1]).toBe(versions[0]);
      } finally {
        const admin = await testKafka().admin();
        await removePrefix(admin, demoPrefix, PROCESSOR_NAMES);
        await admin.close();
        const tables = await questdbQuery(
          `SELECT table_name FROM tables() WHERE table_name LIKE '${ns.tablePrefix}%'`,
        );
        for (const [name] of tables) await questdbQuery(`DROP TABLE IF EXISTS "${String(name)}"`);
        for (const report of new Set(reports))
          if (report !== '') rmSync(path.dirname(report), { recursive: true, force: true });
      }
    },
  );
});
