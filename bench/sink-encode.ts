/**
 * The QuestDB sink's cost to the thread that runs it (issue 13: ~30 % of `tradewatch run --processors
 * drawdown`'s main thread went into encoding ILP): `--rows` drawdown rows (1,000 portfolios, every column
 * given) written and flushed through `QuestDbSink` in commits of `--batch` rows (write, then flush, as
 * the processor runtime does), with `encodeIn: 'thread'` (the reference: encoding on the sink's thread)
 * and `encodeIn: 'worker'` (the sink's thread lays rows out in columns and hands them to a worker).
 *
 * What it measures, per mode and round:
 * - `mainActiveUsPerRow`: the time the sink's (main) thread's event loop was busy during the run
 *   (`performance.eventLoopUtilization()`: every callback, the sink's and Node's own I/O handling),
 *   minus the time spent inside `write()` (the row checks, the same in both modes), ÷ rows. Nothing else
 *   runs on this thread meanwhile, so it is what a flush costs the thread: in `thread` mode the encoding
 *   and the HTTP requests, in `worker` mode the hand-over (columns, posting) and the answers. It is
 *   wall time busy, not CPU time: on a loaded machine a preempted thread counts as busy.
 * - `writeUsPerRow`: the time inside `write()` ÷ rows (the same work in both modes: a check on the
 *   ratio's noise).
 * - `workerActiveUsPerRow`: the worker's own event-loop busy time ÷ rows (the encoding moved there).
 * - `wallMs`: from the first write to the last acknowledged flush.
 * - `isolated`: the two pieces of work alone, on the same rows, in this thread, timed with
 *   `performance.now()` (no I/O, nothing awaited but the client's own `at()`): `encodeUsPerRow`, the
 *   ILP encoding the sink does in `thread` mode (`encodeRow` into a Sender's buffer, reset per batch),
 *   and `handOverUsPerRow`, what replaces it in `worker` mode (`toColumnar` and `postMessage` with the
 *   typed arrays transferred, to a MessagePort; the receiving side's work not counted).
 * The ratios (`worker ÷ thread`) are per round, the two modes back to back (which goes first alternates),
 * after a warm-up round of each; the figures reported are the medians over rounds. Rows go into a table
 * per mode (`bench_sink_<run>_<mode>`), each round on other days (no upserts), dropped at the end.
 *
 *   npx --no-install node bench/sink-encode.ts [--rows 200000] [--batch 10000] [--rounds 5]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { MessageChannel } from 'node:worker_threads';
import { Sender } from '@questdb/nodejs-client';
import { silentLogger } from '../core/logger.ts';
import type { SinkRow } from '../processors/contract.ts';
import { loadConfig } from '../runtime/config.ts';
import { toColumnar } from '../sinks/questdb/columnar.ts';
import { parseEndpoint } from '../sinks/questdb/endpoint.ts';
import { ilpProtocolVersion } from '../sinks/questdb/exec.ts';
import { QuestDbSink, TABLES, type EncodeIn, type TableDefinition } from '../sinks/questdb/index.ts';
import { prepareTable } from '../sinks/questdb/row-check.ts';
import { encodeRow } from '../sinks/questdb/row-encode.ts';
import { num, progress, ratio, round } from './progress.ts';
import { questdbQuery } from './questdb.ts';

export interface SinkEncodeOptions {
  /** QuestDB's HTTP URL. */
  readonly httpUrl: string;
  /** Rows per mode and round. Default 200,000. */
  readonly rows?: number;
  /** Rows per commit (write, then flush), also the sink's `maxRows`. Default 10,000. */
  readonly batch?: number;
  /** Measured rounds (after one warm-up round). Default 5. */
  readonly rounds?: number;
}

export interface ModeFigures {
  readonly mainActiveUsPerRow: number;
  readonly writeUsPerRow: number;
  readonly workerActiveUsPerRow: number | null;
  readonly wallMs: number;
}

export interface SinkEncodeResult {
  readonly rows: number;
  readonly batch: number;
  readonly rounds: number;
  readonly load: { readonly start: number[]; readonly end: number[] };
  /** Per measured round, each mode's figures. */
  readonly perRound: readonly { readonly thread: ModeFigures; readonly worker: ModeFigures }[];
  /** Medians over rounds of the per-round ratios, worker ÷ thread. */
  readonly workerOverThread: {
    readonly mainActivePerRow: number;
    readonly wall: number;
    readonly writePerRow: number;
  };
  /** Medians over rounds of each mode's figures. */
  readonly median: { readonly thread: ModeFigures; readonly worker: ModeFigures };
  /** The encoding and the hand-over alone (medians over rounds), and the ratio of their medians. */
  readonly isolated: {
    readonly encodeUsPerRow: number;
    readonly handOverUsPerRow: number;
    readonly handOverOverEncode: number;
  };
}

const T0 = Date.UTC(2025, 0, 2);
const PORTFOLIOS = 1_000;
const DAY = 86_400_000;

/** Drawdown rows as the processor emits them: every column, 1,000 portfolios, one mark each 10 s. */
function drawdownRows(table: string, count: number, day: number): SinkRow[] {
  return Array.from({ length: count }, (_, i) => {
    const equity = 1_000 + (i % 97) - (i % 13) * 0.37;
    return {
      table,
      ts: T0 + day * DAY + Math.floor(i / PORTFOLIOS) * 10_000,
      symbols: { portfolio: `bench-sink-p${i % PORTFOLIOS}`, env: 'prod' },
      columns: {
        equity,
        drawdown_1h: (i % 17) / 1_000,
        drawdown_daily: (i % 23) / 1_000,
        max_drawdown_1h: (i % 29) / 1_000,
        max_drawdown_daily: (i % 31) / 1_000,
        peak_1h: equity * 1.01,
        peak_daily: equity * 1.02,
      },
    };
  });
}

async function runMode(sink: QuestDbSink, rows: readonly SinkRow[], batch: number): Promise<ModeFigures> {
  const worker = sink.encodingThread();
  const workerBefore = worker?.performance.eventLoopUtilization();
  const before = performance.eventLoopUtilization();
  const started = performance.now();
  let writeMs = 0;
  for (let from = 0; from < rows.length; from += batch) {
    const w = performance.now();
    sink.write(rows.slice(from, from + batch));
    writeMs += performance.now() - w;
    await sink.flush();
  }
  const wallMs = performance.now() - started;
  const busy = performance.eventLoopUtilization(before);
  const workerBusy = worker === undefined ? undefined : worker.performance.eventLoopUtilization(workerBefore);
  const perRow = (ms: number): number => (ms * 1_000) / rows.length;
  return {
    mainActiveUsPerRow: perRow(busy.active - writeMs),
    writeUsPerRow: perRow(writeMs),
    workerActiveUsPerRow: workerBusy === undefined ? null : perRow(workerBusy.active),
    wallMs,
  };
}

/** µs per row of the ILP encoding alone, and of the columnar hand-over alone (see the file's comment). */
async function isolated(
  httpUrl: string,
  definition: TableDefinition,
  rows: readonly SinkRow[],
  batch: number,
): Promise<{ encode: number; handOver: number }> {
  const table = prepareTable(definition);
  const version = await ilpProtocolVersion(parseEndpoint(httpUrl));
  // Never flushed: no connection is made.
  const sender = await Sender.fromConfig(
    `http::addr=127.0.0.1:9;auto_flush=off;protocol_version=${version};`,
  );
  let started = performance.now();
  for (let from = 0; from < rows.length; from += batch) {
    for (const row of rows.slice(from, from + batch)) await encodeRow(sender, table, row);
    sender.reset();
  }
  const encode = performance.now() - started;
  const { port1, port2 } = new MessageChannel();
  port2.on('message', () => undefined);
  started = performance.now();
  for (let from = 0; from < rows.length; from += batch) {
    const { batch: columns, transfer } = toColumnar(table, rows.slice(from, from + batch));
    port1.postMessage({ id: from, batch: columns }, transfer);
  }
  const handOver = performance.now() - started;
  port1.close();
  return { encode: (encode * 1_000) / rows.length, handOver: (handOver * 1_000) / rows.length };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function medianFigures(figures: readonly ModeFigures[]): ModeFigures {
  const workers = figures.flatMap((f) => (f.workerActiveUsPerRow === null ? [] : [f.workerActiveUsPerRow]));
  return {
    mainActiveUsPerRow: median(figures.map((f) => f.mainActiveUsPerRow)),
    writeUsPerRow: median(figures.map((f) => f.writeUsPerRow)),
    workerActiveUsPerRow: workers.length === 0 ? null : median(workers),
    wallMs: median(figures.map((f) => f.wallMs)),
  };
}

/** Measures both modes (see the file's comment); deletes its tables, also on failure. */
export async function measureSinkEncode(options: SinkEncodeOptions): Promise<SinkEncodeResult> {
  const rows = options.rows ?? 200_000;
  const batch = options.batch ?? 10_000;
  const rounds = options.rounds ?? 5;
  const run = Date.now().toString(36);
  const drawdown = TABLES.find((t) => t.name === 'drawdown');
  if (drawdown === undefined) throw new Error('bench/sink-encode: the catalogue has no drawdown table');
  const modes: readonly EncodeIn[] = ['thread', 'worker'];
  const table = (mode: EncodeIn): string => `bench_sink_${run}_${mode}`;
  const load = { start: loadavg().map((l) => round(l, 2)), end: [] as number[] };
  const sinks = new Map<EncodeIn, QuestDbSink>();
  try {
    for (const mode of modes) {
      const sink = await QuestDbSink.create({
        httpUrl: options.httpUrl,
        logger: silentLogger(),
        tables: [{ ...drawdown, name: table(mode) }],
        maxRows: batch,
        encodeIn: mode,
      });
      sinks.set(mode, sink);
    }
    const perRound: { thread: ModeFigures; worker: ModeFigures }[] = [];
    const alone: { encode: number; handOver: number }[] = [];
    for (let r = 0; r <= rounds; r++) {
      const order = r % 2 === 0 ? modes : [...modes].reverse();
      const figures = new Map<EncodeIn, ModeFigures>();
      for (const mode of order) {
        const data = drawdownRows(table(mode), rows, r);
        figures.set(mode, await runMode(sinks.get(mode)!, data, batch));
      }
      const thread = figures.get('thread')!;
      const worker = figures.get('worker')!;
      progress(
        `${r === 0 ? 'warm-up' : `round ${r}/${rounds}`}: main thread ${thread.mainActiveUsPerRow.toFixed(2)} µs/row ` +
          `inline, ${worker.mainActiveUsPerRow.toFixed(2)} with the worker; wall ${num(thread.wallMs)} / ${num(worker.wallMs)} ms`,
      );
      const pieces = await isolated(options.httpUrl, drawdown, drawdownRows(drawdown.name, rows, r), batch);
      progress(
        `  alone: encoding ${pieces.encode.toFixed(2)} µs/row, hand-over ${pieces.handOver.toFixed(2)} µs/row`,
      );
      if (r > 0) {
        perRound.push({ thread, worker });
        alone.push(pieces);
      }
    }
    const encodeUsPerRow = median(alone.map((a) => a.encode));
    const handOverUsPerRow = median(alone.map((a) => a.handOver));
    load.end = loadavg().map((l) => round(l, 2));
    return {
      rows,
      batch,
      rounds,
      load,
      perRound,
      workerOverThread: {
        mainActivePerRow: median(
          perRound.map((p) => p.worker.mainActiveUsPerRow / p.thread.mainActiveUsPerRow),
        ),
        wall: median(perRound.map((p) => p.worker.wallMs / p.thread.wallMs)),
        writePerRow: median(perRound.map((p) => p.worker.writeUsPerRow / p.thread.writeUsPerRow)),
      },
      median: {
        thread: medianFigures(perRound.map((p) => p.thread)),
        worker: medianFigures(perRound.map((p) => p.worker)),
      },
      isolated: { encodeUsPerRow, handOverUsPerRow, handOverOverEncode: handOverUsPerRow / encodeUsPerRow },
    };
  } finally {
    for (const sink of sinks.values()) await sink.close().catch(() => undefined);
    for (const mode of modes) {
      await questdbQuery(options.httpUrl, `DROP TABLE IF EXISTS ${table(mode)}`).catch(() => undefined);
    }
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '200000' },
      batch: { type: 'string', default: '10000' },
      rounds: { type: 'string', default: '5' },
    },
  });
  const [rows, batch, rounds] = [values.rows, values.batch, values.rounds].map(Number);
  if (![rows, batch, rounds].every((n) => Number.isInteger(n) && n! > 0)) {
    process.stderr.write('bench/sink-encode: --rows, --batch and --rounds take positive integers\n');
    process.exit(2);
  }
  const config = loadConfig();
  const result = await measureSinkEncode({ httpUrl: config.questdb.httpUrl, rows, batch, rounds });
  const { thread, worker } = result.median;
  process.stdout.write(
    `QuestDB sink, ${num(result.rows)} drawdown rows in commits of ${num(result.batch)}, ` +
      `median of ${result.rounds} rounds (load ${result.load.start.join(' ')} → ${result.load.end.join(' ')}):\n` +
      `  main thread busy per row (write() excluded): thread ${thread.mainActiveUsPerRow.toFixed(2)} µs, ` +
      `worker ${worker.mainActiveUsPerRow.toFixed(2)} µs: ${ratio(result.workerOverThread.mainActivePerRow)}\n` +
      `  the worker thread's own busy time per row: ${worker.workerActiveUsPerRow?.toFixed(2) ?? 'n/a'} µs\n` +
      `  write() per row: thread ${thread.writeUsPerRow.toFixed(2)} µs, worker ${worker.writeUsPerRow.toFixed(2)} µs: ` +
      `${ratio(result.workerOverThread.writePerRow)}\n` +
      `  wall: thread ${num(thread.wallMs)} ms, worker ${num(worker.wallMs)} ms: ${ratio(result.workerOverThread.wall)}\n` +
      `  alone: ILP encoding ${result.isolated.encodeUsPerRow.toFixed(2)} µs/row, columnar hand-over ` +
      `${result.isolated.handOverUsPerRow.toFixed(2)} µs/row: ${ratio(result.isolated.handOverOverEncode)}\n`,
  );
  const dir = path.join(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `sink-encode-${new Date().toISOString().replaceAll(':', '-')}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  process.stderr.write(`wrote ${path.relative(process.cwd(), file)}\n`);
}
