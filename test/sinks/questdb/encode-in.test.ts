/**
 * Where the sink encodes (`encodeIn`): the worker thread and the sink's own thread write the same rows,
 * and the worker's life (a crash, `close()`, a process that never closes the sink) changes nothing of
 * the delivery contract.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../core/logger.ts';
import type { SinkRow } from '../../../processors/contract.ts';
import { ENCODE_IN, type TableDefinition } from '../../../sinks/questdb/index.ts';
import { uniqueName } from '../../helpers/unique.ts';
import {
  capturedLogger,
  directQuestDb,
  dropWhenFinished,
  marks,
  questdbProxy,
  questdbUrl,
  rejection,
  testSink,
} from './helpers.ts';
import { WriteHoldingProxy } from './write-holding-proxy.ts';

/** A table with a column of every type; `label` is its dedup key besides ts. */
function everyTypeTable(name: string): TableDefinition {
  return {
    name,
    doc: 'every column type, for the encodeIn tests',
    columns: [
      { name: 'label', type: 'SYMBOL' },
      { name: 'tag', type: 'SYMBOL' },
      { name: 'amount', type: 'DOUBLE' },
      { name: 'big', type: 'LONG' },
      { name: 'small', type: 'INT' },
      { name: 'flag', type: 'BOOLEAN' },
      { name: 'note', type: 'VARCHAR' },
      { name: 'seen_at', type: 'TIMESTAMP' },
    ],
    keys: ['label'],
  };
}

/** Text ILP must escape (space, comma, equals, newline, quote, backslash, carriage return) and unicode. */
const AWKWARD = [
  'plain',
  'with space',
  'a,b=c',
  'line one\nline two',
  'say "hi"',
  'back\\slash\\',
  'cr\rlf',
  'Zürich, 東京 = 🚀',
  ' leading and trailing ',
  '=,\\ "\n',
];

function everyTypeRows(table: string): SinkRow[] {
  const t0 = Date.UTC(2025, 0, 2);
  return AWKWARD.flatMap((text, i): SinkRow[] => [
    {
      table,
      ts: t0 + i * 1_000,
      symbols: { label: text, tag: `${text}|tag` },
      columns: {
        amount: i === 3 ? null : (i - 4.5) * 1.25e-3,
        big: i === 5 ? null : Number.MAX_SAFE_INTEGER - i,
        small: -2_147_483_647 + i,
        flag: i % 2 === 0,
        note: `${text}|note`,
        seen_at: t0 - i * 1_234,
      },
    },
    {
      // Nulls everywhere a row may leave one (the tag symbol is not a key).
      table,
      ts: t0 + i * 1_000 + 1,
      symbols: { label: `${text}|sparse` },
      columns: { amount: 42, big: null, small: null, flag: null, note: null, seen_at: null },
    },
  ]);
}

describe('QuestDbSink encodeIn', () => {
  it('writes the same rows from the worker thread as from the sink thread: every type, nulls, unicode, escapes', async () => {
    const suffix = uniqueName('enc').replaceAll('-', '_');
    const tables = {
      thread: everyTypeTable(`every_type_thread_${suffix}`),
      worker: everyTypeTable(`every_type_worker_${suffix}`),
    };
    dropWhenFinished([tables.thread, tables.worker]);
    const read = async (mode: 'thread' | 'worker'): Promise<Record<string, unknown>[]> => {
      // maxRows 3: several requests per table, in order.
      const { sink } = await testSink({ tables: [tables[mode]], encodeIn: mode, maxRows: 3 });
      if (mode === 'worker') expect(sink.encodingThread()).toBeDefined();
      else expect(sink.encodingThread()).toBeUndefined();
      const rows = everyTypeRows(tables[mode].name);
      sink.write(rows);
      await sink.flush();
      expect(sink.pending()).toBe(0);
      await sink.waitForRows(tables[mode].name, undefined, rows.length);
      return [...(await sink.query(`SELECT * FROM ${tables[mode].name} ORDER BY ts`)).rows];
    };
    const [thread, worker] = [await read('thread'), await read('worker')];
    expect(worker).toEqual(thread);
    expect(worker).toHaveLength(2 * AWKWARD.length);
    // And both are what was written.
    expect(worker.filter((_, i) => i % 2 === 0).map((r) => [r['label'], r['tag'], r['note']])).toEqual(
      AWKWARD.map((text) => [text, `${text}|tag`, `${text}|note`]),
    );
    expect(worker[0]).toEqual({
      ts: '2025-01-02T00:00:00.000000Z',
      label: 'plain',
      tag: 'plain|tag',
      amount: -4.5 * 1.25e-3,
      big: Number.MAX_SAFE_INTEGER,
      small: -2_147_483_647,
      flag: true,
      note: 'plain|note',
      seen_at: '2025-01-02T00:00:00.000000Z',
    });
    expect(worker[6]).toMatchObject({ amount: null, big: Number.MAX_SAFE_INTEGER - 3, flag: false });
    expect(worker[10]).toMatchObject({ amount: 0.5 * 1.25e-3, big: null });
    // QuestDB has no null BOOLEAN: a row without a flag reads false.
    expect(worker[1]).toEqual({
      ts: '2025-01-02T00:00:00.001000Z',
      label: 'plain|sparse',
      tag: null,
      amount: 42,
      big: null,
      small: null,
      flag: false,
      note: null,
      seen_at: null,
    });
  });

  it('a worker that dies under a flush fails it with TW_QUESTDB_UNAVAILABLE, keeps its rows, and the next flush writes them once', async () => {
    const proxy = await WriteHoldingProxy.start();
    const { logger, lines } = capturedLogger();
    const { sink, name } = await testSink({ httpUrl: proxy.url(), logger, maxRows: 10 });
    const table = name('portfolio_marks');
    const metrics = name('metrics');
    sink.write(marks(table, 25));
    sink.write([
      {
        table: metrics,
        ts: Date.UTC(2025, 0, 2),
        symbols: { name: 'm', series: 'm{}' },
        columns: { labels: '{}', value: 1 },
      },
    ]);

    proxy.holding = true;
    const flushing = sink.flush();
    await proxy.held(2); // a request of each table is in flight in the worker
    const worker = sink.encodingThread();
    if (worker === undefined) throw new Error('no worker thread');
    expect(await worker.terminate()).toBe(1);

    const error = await rejection(flushing);
    expect(error.code).toBe('TW_QUESTDB_UNAVAILABLE');
    expect(error.retriable).toBe(true);
    expect(error.message).toContain("the sink's worker thread (encodeIn: 'worker') exited with code 1");
    expect(error.message).toContain('unacknowledged rows are kept');
    expect(sink.pending()).toBe(26);
    expect(sink.encodingThread()).toBeUndefined();
    expect(
      lines.some(
        (l) =>
          l['level'] === 40 &&
          l['msg'] === 'the QuestDB sink worker thread exited; the next flush starts a new one',
      ),
    ).toBe(true);

    // The request reached QuestDB all the same (its answer had nobody to go to).
    await proxy.deliver();
    const direct = directQuestDb();
    expect(await direct.waitForRows(table, undefined, 10)).toBe(10); // the first request: maxRows rows
    expect(await direct.waitForRows(metrics, undefined, 1)).toBe(1);

    proxy.holding = false;
    await sink.flush();
    expect(sink.pending()).toBe(0);
    const next = sink.encodingThread();
    expect(next).toBeDefined();
    expect(next).not.toBe(worker);
    expect(await sink.waitForRows(table, undefined, 25)).toBe(25);
    expect(await sink.waitForRows(metrics, undefined, 1)).toBe(1);
    const written = await sink.query(`SELECT count() n, count_distinct(ts) d, sum(equity) s FROM ${table}`);
    expect(written.rows).toEqual([
      { n: 25, d: 25, s: Array.from({ length: 25 }, (_, i) => 100 + i).reduce((a, b) => a + b) },
    ]);
  });

  it('a worker that dies between flushes is replaced by the next flush, which loses nothing', async () => {
    const { sink, name } = await testSink();
    const table = name('portfolio_marks');
    await sink.encodingThread()?.terminate();
    expect(sink.encodingThread()).toBeUndefined();
    sink.write(marks(table, 5));
    await sink.flush();
    expect(sink.encodingThread()).toBeDefined();
    expect(await sink.waitForRows(table, undefined, 5)).toBe(5);
  });

  describe.each(ENCODE_IN)('encodeIn: %s', (encodeIn) => {
    it('a flush to a port where nothing listens fails retriably and keeps the rows; once back, they land once', async () => {
      const proxy = await questdbProxy();
      const { sink, name } = await testSink({ httpUrl: proxy.url(), encodeIn, maxRows: 4 });
      const table = name('portfolio_marks');
      const metrics = name('metrics');
      await proxy.stop();
      sink.write(marks(table, 10));
      sink.write([
        {
          table: metrics,
          ts: Date.UTC(2025, 0, 2),
          symbols: { name: 'm', series: 'm{}' },
          columns: { labels: '{}', value: 1 },
        },
      ]);
      const error = await rejection(sink.flush());
      expect(error.code).toBe('TW_QUESTDB_UNAVAILABLE');
      expect(error.retriable).toBe(true);
      expect(error.message).toContain(`did not acknowledge 4 rows for table "${table}"`);
      expect(error.message).toContain('All 11 unacknowledged rows are kept');
      expect(sink.pending()).toBe(11);

      await proxy.resume();
      await sink.flush();
      expect(sink.pending()).toBe(0);
      expect(await sink.waitForRows(table, undefined, 10)).toBe(10);
      expect(await sink.waitForRows(metrics, undefined, 1)).toBe(1);
    });

    it('sends a request again once when its connection was reset, and keeps the rows when that fails too', async () => {
      const proxy = await questdbProxy();
      const { logger, lines } = capturedLogger();
      const { sink, name } = await testSink({ httpUrl: proxy.url(), logger, encodeIn });
      const table = name('portfolio_marks');
      sink.write(marks(table, 6));
      proxy.mode = 'swallow-responses'; // every answer lost: the connection is cut (ECONNRESET)
      const error = await rejection(sink.flush());
      expect(error.code).toBe('TW_QUESTDB_UNAVAILABLE');
      expect(sink.pending()).toBe(6);
      // The reset's code crossed from the worker thread: the request was sent again, once.
      const resent = lines.filter(
        (l) => l['msg'] === 'QuestDB connection was closed under us; sending again',
      );
      expect(resent).toHaveLength(1);
      expect(resent[0]?.['err']).toMatchObject({ code: 'ECONNRESET' });
      proxy.mode = 'forward';
      await sink.flush();
      expect(await sink.waitForRows(table, undefined, 6)).toBe(6);
    });

    it("passes the ILP client's log lines to the sink's logger, its debug lines at trace", async () => {
      const lines: Record<string, unknown>[] = [];
      const destination = new Writable({
        write(chunk: Buffer, _encoding, done) {
          for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
            lines.push(JSON.parse(line) as Record<string, unknown>);
          }
          done();
        },
      });
      const { sink, name } = await testSink({
        logger: createLogger({ level: 'trace', destination }),
        encodeIn,
      });
      sink.write(marks(name('portfolio_marks'), 3));
      await sink.flush();
      const client = lines.filter((l) => l['source'] === '@questdb/nodejs-client');
      expect(client.some((l) => l['msg'] === 'Flushing, number of flushed rows: 3')).toBe(true);
      expect(new Set(client.map((l) => l['level']))).toEqual(new Set([10]));
    });
  });

  it('close() ends the worker thread', async () => {
    const { sink, name } = await testSink();
    const worker = sink.encodingThread();
    if (worker === undefined) throw new Error('no worker thread');
    const exited = once(worker, 'exit');
    sink.write(marks(name('portfolio_marks'), 2));
    await sink.close();
    await exited;
    expect(sink.encodingThread()).toBeUndefined();
    expect(await sink.waitForRows(name('portfolio_marks'), undefined, 2)).toBe(2);
  });

  it.each(['close', 'leave'] as const)('a process whose sink it does %s exits by itself', async (ending) => {
    const table = uniqueName('exit').replaceAll('-', '_');
    dropWhenFinished([{ name: table, doc: '', columns: [], keys: [] }]);
    const script = fileURLToPath(new URL('./exit-without-close.ts', import.meta.url));
    const child = spawn(process.execPath, [script, questdbUrl(), table, ending], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    // A hang is what this test is about: a deadline far beyond a normal exit, then it fails.
    const deadline = setTimeout(() => child.kill('SIGKILL'), 45_000);
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    clearTimeout(deadline);
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(out).toBe(`flushed, worker ${ending === 'close' ? 'gone' : 'running'}\n`);
    expect(await directQuestDb().waitForRows(table, undefined, 1)).toBe(1);
  });
});
