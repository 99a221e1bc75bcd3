import { Writable } from 'node:stream';
import { expect, inject, onTestFinished } from 'vitest';
import { TradewatchError } from '../../../core/errors.ts';
import { createLogger, silentLogger, type Logger } from '../../../core/logger.ts';
import type { SinkRow } from '../../../processors/contract.ts';
import { parseEndpoint } from '../../../sinks/questdb/endpoint.ts';
import { exec, type QueryResult } from '../../../sinks/questdb/exec.ts';
import { waitForRows } from '../../../sinks/questdb/wait-for-rows.ts';
import {
  QuestDbSink,
  TABLES,
  type QuestDbSinkOptions,
  type TableDefinition,
} from '../../../sinks/questdb/index.ts';
import { uniqueName } from '../../helpers/unique.ts';
import { TcpProxy } from '../../helpers/tcp-proxy.ts';

/** The shared QuestDB's HTTP URL. */
export function questdbUrl(): string {
  return inject('services').questdbHttpUrl;
}

/** The catalogue with every table renamed `<name>_<unique suffix>`, and a lookup by catalogue name. */
export function uniqueTables(): { tables: TableDefinition[]; name: (catalogueName: string) => string } {
  const suffix = uniqueName('t').replaceAll('-', '_');
  const tables = TABLES.map((t) => ({ ...t, name: `${t.name}_${suffix}` }));
  return { tables, name: (catalogueName) => `${catalogueName}_${suffix}` };
}

/** A logger whose lines are kept, parsed, in `lines`. */
export function capturedLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), lines };
}

/** Queries on the shared QuestDB directly (not through a test's proxy). */
export function directQuestDb(): {
  query: (sql: string) => Promise<QueryResult>;
  waitForRows: (table: string, where: string | undefined, count: number) => Promise<number>;
} {
  const endpoint = parseEndpoint(questdbUrl());
  const query = (sql: string): Promise<QueryResult> => exec(endpoint, sql);
  return { query, waitForRows: (table, where, count) => waitForRows(query, table, where, count, 30_000) };
}

/** Drops `tables` from the shared QuestDB when the current test ends. */
export function dropWhenFinished(tables: readonly TableDefinition[]): void {
  onTestFinished(async () => {
    const { query } = directQuestDb();
    for (const table of tables) await query(`DROP TABLE IF EXISTS ${table.name}`);
  });
}

/**
 * A sink on the shared QuestDB (or `httpUrl`) with unique tables; closed and its tables dropped when the
 * current test ends.
 */
export async function testSink(
  options: Partial<QuestDbSinkOptions> = {},
): Promise<{ sink: QuestDbSink; name: (catalogueName: string) => string; tables: TableDefinition[] }> {
  const { tables, name } = uniqueTables();
  dropWhenFinished(options.tables ?? tables);
  const sink = await QuestDbSink.create({
    httpUrl: questdbUrl(),
    logger: silentLogger(),
    tables,
    ...options,
  });
  onTestFinished(() => sink.close().catch(() => undefined));
  return { sink, name, tables };
}

/** A proxy to the shared QuestDB, stopped when the current test ends. */
export async function questdbProxy(): Promise<TcpProxy> {
  const endpoint = parseEndpoint(questdbUrl());
  const proxy = await TcpProxy.start({ host: endpoint.host, port: endpoint.port });
  onTestFinished(() => proxy.stop());
  return proxy;
}

const T0 = Date.UTC(2025, 0, 2);

/** `n` marks of one portfolio, one a minute from 2025-01-02, equity 100 + i. */
export function marks(table: string, n: number, portfolio = 'p1', from = 0): SinkRow[] {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return {
      table,
      ts: T0 + i * 60_000,
      symbols: { portfolio, env: 'live' },
      columns: { equity: 100 + i, cash: 10 },
    };
  });
}

/** What `promise` rejected with (fails the test if it resolved, or rejected with something else). */
export async function rejection(promise: Promise<unknown>): Promise<TradewatchError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TradewatchError);
  return error as TradewatchError;
}
