/**
 * SQL on QuestDB over HTTP `/exec`: counting the rows the pipeline wrote into the run's namespace
 * tables (`<namespace>__<table>`, core/namespace.ts), and dropping those tables at the end.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export async function questdbQuery(httpUrl: string, sql: string): Promise<unknown[][]> {
  const url = new URL('/exec', httpUrl);
  url.searchParams.set('query', sql);
  const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  const body = (await response.json()) as { dataset?: unknown[][]; error?: string };
  if (!response.ok || body.error) throw new Error(`QuestDB: ${body.error ?? response.status} for ${sql}`);
  return body.dataset ?? [];
}

export async function questdbCount(httpUrl: string, fromWhere: string): Promise<number> {
  const rows = await questdbQuery(httpUrl, `SELECT count() FROM ${fromWhere}`);
  return Number(rows[0]?.[0] ?? 0);
}

/**
 * Drops every table whose name starts with `tablePrefix` (a namespace's `<namespace>__`); returns
 * their names. The prefix is matched here, not with LIKE (where `_` is a wildcard).
 */
export async function dropTables(httpUrl: string, tablePrefix: string): Promise<string[]> {
  if (tablePrefix === '') throw new Error('dropTables: an empty prefix would drop every table');
  const tables = (await questdbQuery(httpUrl, 'SELECT table_name FROM tables()'))
    .map((row) => String(row[0]))
    .filter((name) => name.startsWith(tablePrefix));
  for (const table of tables) await questdbQuery(httpUrl, `DROP TABLE IF EXISTS "${table}"`);
  return tables;
}

/**
 * Counts the rows of `table` (the physical name) whose portfolio starts with `portfolioPrefix`, waiting (QuestDB applies
 * committed WAL writes asynchronously) until the count reaches `expected` or stops growing for
 * `quietMs`. Returns the count and how long the wait took.
 */
export async function settledCount(
  httpUrl: string,
  table: string,
  portfolioPrefix: string,
  expected: number,
  { quietMs = 10_000, timeoutMs = 120_000 } = {},
): Promise<{ rows: number; waitedMs: number }> {
  const started = performance.now();
  const where = `${table} WHERE portfolio LIKE '${portfolioPrefix.replaceAll("'", "''")}%'`;
  let last = -1;
  let lastChange = performance.now();
  for (;;) {
    const rows = await questdbCount(httpUrl, where);
    const now = performance.now();
    if (rows !== last) {
      last = rows;
      lastChange = now;
    }
    if (rows >= expected || now - lastChange >= quietMs || now - started >= timeoutMs) {
      return { rows, waitedMs: Math.round(now - started) };
    }
    await sleep(500);
  }
}
