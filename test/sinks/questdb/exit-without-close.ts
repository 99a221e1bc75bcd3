/**
 * A child process for the encoding-worker tests: creates a QuestDB sink (`encodeIn: 'worker'`) on the
 * URL given, writes and flushes one row into table `argv[3]`, then closes the sink or not (`argv[4]`:
 * `close` or `leave`) and lets its main module end. The process must exit by itself either way.
 */
import { silentLogger } from '../../../core/logger.ts';
import { QuestDbSink, TABLES } from '../../../sinks/questdb/index.ts';

const [httpUrl, table, ending] = process.argv.slice(2);
const marks = TABLES.find((t) => t.name === 'portfolio_marks');
if (httpUrl === undefined || table === undefined || marks === undefined) {
  throw new Error('usage: exit-without-close.ts <questdb url> <table> close|leave');
}
const sink = await QuestDbSink.create({
  httpUrl,
  logger: silentLogger(),
  tables: [{ ...marks, name: table }],
  encodeIn: 'worker',
});
sink.write([
  { table, ts: Date.UTC(2025, 0, 2), symbols: { portfolio: 'p1', env: 'live' }, columns: { equity: 1 } },
]);
await sink.flush();
if (ending === 'close') await sink.close();
process.stdout.write(`flushed, worker ${sink.encodingThread() === undefined ? 'gone' : 'running'}\n`);
