/**
 * Waiting for written rows to become visible. QuestDB acknowledges an ILP request once it is committed
 * to the table's write-ahead log; applying the log to the table (and deduplicating) happens afterwards,
 * asynchronously. A reader that needs to see a write, such as a test or the demo, waits until
 * `wal_tables()` shows every committed transaction applied (`writerTxn = sequencerTxn`) and the count
 * reaches what it expects. It polls with a deadline; it never sleeps a fixed time and hopes.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { TradewatchError } from '../../core/errors.ts';
import type { QueryResult } from './exec.ts';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const POLL_MS = 50;

/**
 * Resolves with `SELECT count() FROM table [WHERE where]` once it is at least `count` and the table's
 * WAL is fully applied. Throws TW_TIMEOUT after `timeoutMs` (with the last count and transactions seen),
 * or TW_QUESTDB_UNAVAILABLE if QuestDB suspended the table's WAL apply (with its error message).
 */
export async function waitForRows(
  query: (sql: string) => Promise<QueryResult>,
  table: string,
  where: string | undefined,
  count: number,
  timeoutMs: number,
): Promise<number> {
  if (!IDENTIFIER.test(table)) throw new TypeError(`not a table name: ${JSON.stringify(table)}`);
  const started = performance.now();
  const countSql = `SELECT count() n FROM ${table}${where === undefined ? '' : ` WHERE ${where}`}`;
  for (;;) {
    const wal = await walState(query, table);
    const n = Number((await query(countSql)).rows[0]?.['n'] ?? 0);
    const applied = wal !== undefined && wal['writerTxn'] === wal['sequencerTxn'];
    if (applied && n >= count) return n;
    const last = `${n} rows, writerTxn ${String(wal?.['writerTxn'])}, sequencerTxn ${String(wal?.['sequencerTxn'])}`;
    if (performance.now() - started > timeoutMs) {
      throw new TradewatchError(
        'TW_TIMEOUT',
        `waited ${timeoutMs} ms for ${count} rows in "${table}"${where === undefined ? '' : ` where ${where}`}; last: ${last}`,
        { details: { table, where, count } },
      );
    }
    await sleep(POLL_MS);
  }
}

/**
 * The table's row of `wal_tables()` (`writerTxn`, `sequencerTxn`; undefined when there is none). Throws
 * TW_QUESTDB_UNAVAILABLE if QuestDB suspended the table's WAL apply, with its error message: nothing
 * written or altered after that becomes visible until someone resumes it.
 */
export async function walState(
  query: (sql: string) => Promise<QueryResult>,
  table: string,
): Promise<Record<string, unknown> | undefined> {
  const wal = (
    await query(
      `SELECT suspended, writerTxn, sequencerTxn, errorMessage FROM wal_tables() WHERE name = '${table}'`,
    )
  ).rows[0];
  if (wal?.['suspended'] === true) {
    throw new TradewatchError(
      'TW_QUESTDB_UNAVAILABLE',
      `QuestDB suspended WAL apply of table "${table}": ${String(wal['errorMessage'])}; ` +
        `resume it with ALTER TABLE ${table} RESUME WAL once the cause is fixed`,
      { details: { table } },
    );
  }
  return wal;
}
