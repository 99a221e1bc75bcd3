/**
 * Waiting for added columns to become visible. QuestDB accepts `ALTER TABLE ... ADD COLUMN` on a WAL
 * table once it is in the table's write-ahead log, and applies it afterwards, behind the writes queued
 * before it; until then `table_columns()` does not list the column. `create()` waits for that before it
 * checks the table again. It polls with a deadline; it never sleeps a fixed time and hopes.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { TradewatchError } from '../../core/errors.ts';
import type { QueryResult } from './exec.ts';
import { walState } from './wait-for-rows.ts';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const POLL_MS = 50;

/**
 * Resolves once `table_columns(table)` lists every name of `columns` (whatever their types: the caller
 * checks those). Throws TW_TIMEOUT after `timeoutMs` (with the columns still not there), or
 * TW_QUESTDB_UNAVAILABLE if QuestDB suspended the table's WAL apply (with its error message).
 */
export async function waitForColumns(
  query: (sql: string) => Promise<QueryResult>,
  table: string,
  columns: readonly string[],
  timeoutMs: number,
): Promise<void> {
  if (!IDENTIFIER.test(table)) throw new TypeError(`not a table name: ${JSON.stringify(table)}`);
  const started = performance.now();
  for (;;) {
    const wal = await walState(query, table);
    const listed = await query(`SELECT "column" FROM table_columns('${table}')`);
    const present = new Set(listed.rows.map((r) => String(r['column'])));
    const absent = columns.filter((c) => !present.has(c));
    if (absent.length === 0) return;
    if (performance.now() - started > timeoutMs) {
      throw new TradewatchError(
        'TW_TIMEOUT',
        `QuestDB did not apply the column(s) ${absent.join(', ')} added to table "${table}" within ` +
          `${timeoutMs} ms (writerTxn ${String(wal?.['writerTxn'])}, sequencerTxn ` +
          `${String(wal?.['sequencerTxn'])}): its WAL apply is behind; start again once it caught up ` +
          '(the columns are added already), or raise alterTimeoutMs',
        { details: { table, columns: absent } },
      );
    }
    await sleep(POLL_MS);
  }
}
