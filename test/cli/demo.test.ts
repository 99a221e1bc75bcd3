/** The README's main command, `tradewatch demo`, against the test services. */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
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

/** Runs `sql` on the test PostgreSQL; [] when it names a relation that does not exist. */
async function pgRows(sql: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: inject('services').databaseUrl });
  await client.connect();
  try {
    return (await client.query(sql)).rows as Record<string, unknown>[];
  } catch (e: unknown) {
    if ((e as { code?: unknown }).code === '42P01') return []; // undefined_table
    throw e;
  } finally {
    await client.end();
  }
}

/** The connector runs recorded in a PostgreSQL schema (none when it has no connector tables). */
const connectorRuns = (schema: string) =>
  pgRows(`SELECT connector, status, rows FROM ${schema}.tw_connector_runs ORDER BY connector, started_at`);

/** When the demo's connectors ran: the demo's day, 13:00 UTC. */
const CONNECTORS_AT = '2026-01-05T13:00:00.000Z';

describe('tradewatch demo', () => {
  it(
    'shows the alerts that fired and resolved, the rows in QuestDB, a backtest and a connector run, and can run again',
    { timeout: 360_000 },
    async () => {
      const prefix = `${uniqueName('t-demo')}.`;
      const demoPrefix = `${prefix}demo.`;
      const env = { TOPIC_PREFIX: prefix };
      // The demo's own namespace: `<the environment's>_demo`, never the user's tables.
      const ns = namespace(`${resolveNamespace(undefined, prefix).name}_demo`);
      const userRows = () => userTableRows(resolveNamespace(undefined, prefix).table('drawdown'));
      const plainRows = () => userTableRows('drawdown');
      const [userBefore, plainBefore] = [await userRows(), await plainRows()];
      // A user's connector state: the environment's schema and the default one (public).
      const userSchema = resolveNamespace(undefined, prefix).postgresSchema;
      const userRuns = async () => [await connectorRuns(userSchema), await connectorRuns('public')];
      const runsBefore = await userRuns();
      const published: number[] = [];
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

          // The connector step: both connectors ran against the local providers, from no checkpoint.
          expect(result.stdout).toContain('7/7 a connector run');
          expect(result.stdout).toContain(`connector state in PostgreSQL schema ${ns.postgresSchema}`);
          const summary = (name: string) =>
            new RegExp(`^${name} +success +(\\d+) +(\\d+) +2 scope\\(s\\), up to 2026-01-0\\d`, 'm').exec(
              result.stdout,
            );
          const [github, coinmetrics] = [summary('github'), summary('coinmetrics')];
          expect(github, result.stdout).not.toBeNull();
          expect(coinmetrics, result.stdout).not.toBeNull();
          // GitHub: 3 endpoints × 2 repositories, the commits in pages of 20; CoinMetrics: one page per asset.
          expect(Number(github![1])).toBeGreaterThanOrEqual(6);
          expect(Number(coinmetrics![1])).toBe(2);
          // 2 assets × 2 metrics × the 13 daily rows that start inside the 14 days before 13:00.
          expect(Number(coinmetrics![2])).toBe(2 * 2 * 13);
          const signals = Number(github![2]) + Number(coinmetrics![2]);
          published.push(signals);
          // In QuestDB, in the demo's namespace, as the history processor writes them (point in time).
          expect(
            await questdbCount(`${ns.table('history_signals')} WHERE ingested_at = '${CONNECTORS_AT}'`),
          ).toBe(signals);
          expect(result.stdout).toContain(`signals in QuestDB, table ${ns.table('history_signals')}`);
          expect(result.stdout).toMatch(/^latest: bitcoin commits_week \d+\.00, bitcoin commits_week_z /m);
          // The demo's schema holds this run's two runs only (reset at the start of each demo run).
          expect(await connectorRuns(ns.postgresSchema)).toEqual([
            { connector: 'coinmetrics', status: 'success', rows: Number(coinmetrics![2]) },
            { connector: 'github', status: 'success', rows: Number(github![2]) },
          ]);
          // A user's connector state is untouched.
          expect(await userRuns()).toEqual(runsBefore);

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
        // The second run published the same signals, and QuestDB rewrote the same rows.
        expect(published[1]).toBe(published[0]);

        // Without PostgreSQL only the connector step is skipped, with a notice saying what and how to
        // fix it (the password is not shown); the rest of the demo is the same.
        const without = await runCli(['demo'], {
          env: { ...env, DATABASE_URL: 'postgres://demo:s3cret@127.0.0.1:1/postgres' },
          timeoutMs: 180_000,
        });
        expect(without.stderr).toBe('');
        expect(without.code).toBe(0);
        expect(without.stdout).toContain(`alerts on ${demoPrefix}alerts (7):`);
        expect(without.stdout).toContain(`backtest demo-momentum version ${versions[0]}: `);
        expect(without.stdout).toMatch(
          /^SKIPPED: could not .*: PostgreSQL at postgres:\/\/demo:\*+@127\.0\.0\.1:1\/postgres did not answer .*start it \(`docker compose up -d postgres`, or your own\) or point DATABASE_URL at one, and run the demo again; the other steps do not need it\.$/m,
        );
        expect(without.stdout).not.toContain('s3cret');
        expect(without.stdout).not.toContain('signals in QuestDB');
        expect(without.stdout).toContain('stack down');
      } finally {
        const admin = await testKafka().admin();
        await removePrefix(admin, demoPrefix, PROCESSOR_NAMES);
        await admin.close();
        const tables = await questdbQuery(
          `SELECT table_name FROM tables() WHERE table_name LIKE '${ns.tablePrefix}%'`,
        );
        for (const [name] of tables) await questdbQuery(`DROP TABLE IF EXISTS "${String(name)}"`);
        await pgRows(`DROP SCHEMA IF EXISTS ${ns.postgresSchema} CASCADE`);
        for (const report of new Set(reports))
          if (report !== '') rmSync(path.dirname(report), { recursive: true, force: true });
      }
    },
  );
});
