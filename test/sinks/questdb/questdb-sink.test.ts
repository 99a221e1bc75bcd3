import net from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ManualClock } from '../../../core/clock.ts';
import { TradewatchError } from '../../../core/errors.ts';
import { silentLogger } from '../../../core/logger.ts';
import type { SinkRow } from '../../../processors/contract.ts';
import { QuestDbSink, type TableDefinition } from '../../../sinks/questdb/index.ts';
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
  uniqueTables,
} from './helpers.ts';

function thrown(f: () => unknown): TradewatchError {
  try {
    f();
  } catch (e: unknown) {
    expect(e).toBeInstanceOf(TradewatchError);
    return e as TradewatchError;
  }
  throw new Error('expected an error');
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A table as an older catalogue declared it: portfolio (its dedup key) and value. */
function olderTable(name: string): TableDefinition {
  return {
    name,
    doc: 'a table of an older catalogue',
    columns: [
      { name: 'portfolio', type: 'SYMBOL' },
      { name: 'value', type: 'DOUBLE' },
    ],
    keys: ['portfolio'],
  };
}

describe('QuestDbSink', () => {
  it('creates every table as a WAL table, partitioned by day, with its dedup keys and column types', async () => {
    const { sink, tables } = await testSink();
    for (const table of tables) {
      const [meta] = (
        await sink.query(
          `SELECT walEnabled, dedup, partitionBy, designatedTimestamp FROM tables() WHERE table_name = '${table.name}'`,
        )
      ).rows;
      expect(meta).toEqual({ walEnabled: true, dedup: true, partitionBy: 'DAY', designatedTimestamp: 'ts' });
      const columns = (
        await sink.query(`SELECT "column", type, upsertKey FROM table_columns('${table.name}')`)
      ).rows;
      expect(columns).toEqual([
        { column: 'ts', type: 'TIMESTAMP', upsertKey: true },
        ...table.columns.map((c) => ({
          column: c.name,
          type: c.type,
          upsertKey: table.keys.includes(c.name),
        })),
      ]);
    }
    const ddl = (await sink.query(`SHOW CREATE TABLE ${tables[0]?.name}`)).rows[0]?.['ddl'];
    expect(ddl).toContain('DEDUP UPSERT KEYS(ts,portfolio,env)');
  });

  it('create() with ensureTables false neither creates nor checks the tables; a later sink writes into them', async () => {
    const { tables, name } = uniqueTables();
    dropWhenFinished(tables);
    const exists = async (sink: QuestDbSink, table: string) =>
      (await sink.query(`SELECT table_name FROM tables() WHERE table_name = '${table}'`)).rows.length;
    const unchecked = await QuestDbSink.create({
      httpUrl: questdbUrl(),
      logger: silentLogger(),
      tables,
      ensureTables: false,
    });
    onTestFinished(() => unchecked.close().catch(() => undefined));
    for (const table of tables) expect(await exists(unchecked, table.name), table.name).toBe(0);
    const { sink } = await testSink({ tables });
    for (const table of tables) expect(await exists(sink, table.name), table.name).toBe(1);
    // The unchecked sink writes into the tables the checked one created.
    unchecked.write(marks(name('portfolio_marks'), 3));
    await unchecked.flush();
    expect(await sink.waitForRows(name('portfolio_marks'), undefined, 3)).toBe(3);
  });

  it('create() adds the columns an existing table lacks, and still refuses other differences with the fix named', async () => {
    const { tables, name } = uniqueTables();
    dropWhenFinished(tables);
    const direct = directQuestDb();
    const columnsOf = async (table: string): Promise<Record<string, unknown>[]> => [
      ...(await direct.query(`SELECT "column", type, upsertKey FROM table_columns('${table}')`)).rows,
    ];
    await (await QuestDbSink.create({ httpUrl: questdbUrl(), logger: silentLogger(), tables })).close();
    await (await QuestDbSink.create({ httpUrl: questdbUrl(), logger: silentLogger(), tables })).close();
    // Tables as an older catalogue left them (a column fewer), and two changed by hand.
    await direct.query(`ALTER TABLE ${name('drawdown')} DROP COLUMN peak_daily`);
    await direct.query(`ALTER TABLE ${name('alerts')} DROP COLUMN description`);
    await direct.query(`ALTER TABLE ${name('trades')} ALTER COLUMN fee TYPE FLOAT`);
    await direct.query(`ALTER TABLE ${name('metrics')} DEDUP DISABLE`);
    // ALTERs of WAL tables are applied asynchronously too.
    for (const table of ['drawdown', 'alerts', 'trades', 'metrics']) {
      await direct.waitForRows(name(table), undefined, 0);
    }

    const error = await rejection(
      QuestDbSink.create({ httpUrl: questdbUrl(), logger: silentLogger(), tables }),
    );
    expect(error.code).toBe('TW_CONFIG_INVALID');
    expect(error.message).toContain(
      `table "${name('trades')}", column "fee" is FLOAT, expected DOUBLE; ` +
        `fix: ALTER TABLE ${name('trades')} ALTER COLUMN fee TYPE DOUBLE`,
    );
    expect(error.message).toContain(
      `table "${name('metrics')}": the dedup upsert keys are (none), expected (ts, name, series); ` +
        `fix: ALTER TABLE ${name('metrics')} DEDUP ENABLE UPSERT KEYS(ts, name, series)`,
    );
    expect(error.message).toContain(
      'Once nothing else differs, the missing nullable columns are added at start: ' +
        `${name('drawdown')}.peak_daily DOUBLE, ${name('alerts')}.description VARCHAR.`,
    );
    expect(error.details['problems']).toHaveLength(2);
    // A start that fails alters nothing.
    expect((await columnsOf(name('drawdown'))).map((c) => c['column'])).not.toContain('peak_daily');

    // The fixes the error names, run as given.
    await direct.query(`ALTER TABLE ${name('trades')} ALTER COLUMN fee TYPE DOUBLE`);
    await direct.query(`ALTER TABLE ${name('metrics')} DEDUP ENABLE UPSERT KEYS(ts, name, series)`);
    await direct.waitForRows(name('trades'), undefined, 0);
    await direct.waitForRows(name('metrics'), undefined, 0);

    const { logger, lines } = capturedLogger();
    const sink = await QuestDbSink.create({ httpUrl: questdbUrl(), logger, tables });
    onTestFinished(() => sink.close().catch(() => undefined));
    const added = lines.filter((l) => l['msg'] === 'added a missing column to a QuestDB table');
    expect(added.map((l) => [l['level'], l['table'], l['column'], l['type']])).toEqual([
      [30, name('drawdown'), 'peak_daily', 'DOUBLE'],
      [30, name('alerts'), 'description', 'VARCHAR'],
    ]);
    // Visible at once (create() waited for the WAL apply), appended, and not a dedup key.
    expect((await columnsOf(name('drawdown'))).at(-1)).toEqual({
      column: 'peak_daily',
      type: 'DOUBLE',
      upsertKey: false,
    });
    expect((await columnsOf(name('alerts'))).at(-1)).toEqual({
      column: 'description',
      type: 'VARCHAR',
      upsertKey: false,
    });

    const ts = Date.UTC(2025, 0, 2, 12);
    sink.write([
      {
        table: name('drawdown'),
        ts,
        symbols: { portfolio: 'p1', env: 'live' },
        columns: { equity: 90, peak_daily: 100 },
      },
      {
        table: name('alerts'),
        ts,
        symbols: { fingerprint: 'fp1', rule: 'dd', severity: 'page', status: 'firing', env: 'live' },
        columns: { summary: 'p1 is down', description: 'Drawdown of p1 is 10 %.', labels: '{}' },
      },
    ]);
    await sink.flush();
    await sink.waitForRows(name('drawdown'), undefined, 1);
    await sink.waitForRows(name('alerts'), undefined, 1);
    expect((await sink.query(`SELECT equity, peak_daily FROM ${name('drawdown')}`)).rows).toEqual([
      { equity: 90, peak_daily: 100 },
    ]);
    expect((await sink.query(`SELECT summary, description FROM ${name('alerts')}`)).rows).toEqual([
      { summary: 'p1 is down', description: 'Drawdown of p1 is 10 %.' },
    ]);

    // Once added, a start finds nothing to do.
    const quiet = capturedLogger();
    await (await QuestDbSink.create({ httpUrl: questdbUrl(), logger: quiet.logger, tables })).close();
    expect(quiet.lines.filter((l) => l['level'] === 30)).toEqual([]);
  });

  it('create() refuses to add a dedup key or a BOOLEAN column to an existing table, and alters nothing', async () => {
    const table = uniqueName('evolve').replaceAll('-', '_');
    const v1 = olderTable(table);
    const v2: TableDefinition = {
      ...v1,
      columns: [
        ...v1.columns,
        { name: 'venue', type: 'SYMBOL' },
        { name: 'flagged', type: 'BOOLEAN' },
        { name: 'note', type: 'VARCHAR' },
      ],
      keys: ['portfolio', 'venue'],
    };
    dropWhenFinished([v1]);
    await (await QuestDbSink.create({ httpUrl: questdbUrl(), logger: silentLogger(), tables: [v1] })).close();

    const error = await rejection(
      QuestDbSink.create({ httpUrl: questdbUrl(), logger: silentLogger(), tables: [v2] }),
    );
    expect(error.code).toBe('TW_CONFIG_INVALID');
    expect(error.message).toContain(
      `table "${table}", column "venue" is missing (expected SYMBOL); it is a dedup key, and the rows ` +
        'already there would have no value for it, so it is not added; fix: drop the table',
    );
    expect(error.message).toContain(
      `table "${table}", column "flagged" is missing (expected BOOLEAN); QuestDB has no null BOOLEAN, so ` +
        `the rows already there would read false, and it is not added; fix: if false is right for them, ` +
        `run ALTER TABLE ${table} ADD COLUMN flagged BOOLEAN`,
    );
    // The missing key is reported once, not also as a DEDUP ENABLE that would fail.
    expect(error.message).not.toContain('DEDUP ENABLE');
    expect(error.message).toContain(`missing nullable columns are added at start: ${table}.note VARCHAR.`);
    expect(error.details['problems']).toHaveLength(2);
    const columns = (await directQuestDb().query(`SELECT "column" FROM table_columns('${table}')`)).rows;
    expect(columns.map((c) => c['column'])).toEqual(['ts', 'portfolio', 'value']);
  });

  it('create() on several instances at once: all add the missing columns, and all start', async () => {
    const table = uniqueName('concurrent').replaceAll('-', '_');
    const v1 = olderTable(table);
    const v2: TableDefinition = {
      ...v1,
      columns: [
        ...v1.columns,
        { name: 'venue', type: 'SYMBOL' },
        { name: 'note', type: 'VARCHAR' },
        { name: 'seen_at', type: 'TIMESTAMP' },
      ],
    };
    dropWhenFinished([v1]);
    const old = await QuestDbSink.create({ httpUrl: questdbUrl(), logger: silentLogger(), tables: [v1] });
    old.write([{ table, ts: Date.UTC(2025, 0, 2), symbols: { portfolio: 'p1' }, columns: { value: 1 } }]);
    await old.close();

    const sinks = await Promise.all(
      Array.from({ length: 4 }, () =>
        QuestDbSink.create({ httpUrl: questdbUrl(), logger: silentLogger(), tables: [v2] }),
      ),
    );
    for (const sink of sinks) onTestFinished(() => sink.close().catch(() => undefined));
    const columns = (await directQuestDb().query(`SELECT "column", type FROM table_columns('${table}')`))
      .rows;
    expect(columns).toEqual([
      { column: 'ts', type: 'TIMESTAMP' },
      { column: 'portfolio', type: 'SYMBOL' },
      { column: 'value', type: 'DOUBLE' },
      { column: 'venue', type: 'SYMBOL' },
      { column: 'note', type: 'VARCHAR' },
      { column: 'seen_at', type: 'TIMESTAMP' },
    ]);

    const [first] = sinks;
    if (first === undefined) throw new Error('no sink');
    const ts = Date.UTC(2025, 0, 2, 1);
    first.write([
      {
        table,
        ts,
        symbols: { portfolio: 'p1', venue: 'x' },
        columns: { value: 2, note: 'new', seen_at: ts - 1_000 },
      },
    ]);
    await first.flush();
    await first.waitForRows(table, undefined, 2);
    expect((await first.query(`SELECT value, venue, note, seen_at FROM ${table} ORDER BY ts`)).rows).toEqual([
      { value: 1, venue: null, note: null, seen_at: null },
      { value: 2, venue: 'x', note: 'new', seen_at: '2025-01-02T00:59:59.000000Z' },
    ]);
  });

  it('create() on instances whose catalogues disagree on a new column: one adds it, the other is refused', async () => {
    const table = uniqueName('disagree').replaceAll('-', '_');
    const v1: TableDefinition = {
      name: table,
      doc: 'a table of an older catalogue',
      columns: [{ name: 'portfolio', type: 'SYMBOL' }],
      keys: ['portfolio'],
    };
    const withNote = (type: 'VARCHAR' | 'DOUBLE'): TableDefinition => ({
      ...v1,
      columns: [...v1.columns, { name: 'note', type }],
    });
    dropWhenFinished([v1]);
    await (await QuestDbSink.create({ httpUrl: questdbUrl(), logger: silentLogger(), tables: [v1] })).close();

    const results = await Promise.allSettled(
      (['VARCHAR', 'DOUBLE'] as const).map((type) =>
        QuestDbSink.create({ httpUrl: questdbUrl(), logger: silentLogger(), tables: [withNote(type)] }),
      ),
    );
    for (const r of results) {
      if (r.status === 'fulfilled') onTestFinished(() => r.value.close().catch(() => undefined));
    }
    const winner = results.findIndex((r) => r.status === 'fulfilled');
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const added = winner === 0 ? 'VARCHAR' : 'DOUBLE';
    const wanted = winner === 0 ? 'DOUBLE' : 'VARCHAR';
    const loser = results[1 - winner];
    expect(loser?.status === 'rejected' && loser.reason).toMatchObject({
      code: 'TW_CONFIG_INVALID',
      message: expect.stringContaining(
        `table "${table}", column "note" is ${added}, expected ${wanted}; ` +
          `fix: ALTER TABLE ${table} ALTER COLUMN note TYPE ${wanted}`,
      ) as unknown,
    });
  });

  it('writes rows of every table, with TIMESTAMP columns from epoch ms and nulls left empty', async () => {
    const { sink, name } = await testSink();
    const ts = Date.UTC(2025, 0, 2, 12);
    const labels = JSON.stringify({ portfolio: 'p1' });
    sink.write([
      ...marks(name('portfolio_marks'), 2),
      {
        table: name('drawdown'),
        ts,
        symbols: { portfolio: 'p1', env: 'live' },
        columns: {
          equity: 90,
          drawdown_1h: 0.1,
          drawdown_daily: 0.1,
          max_drawdown_1h: 0.1,
          max_drawdown_daily: 0.1,
          peak_1h: 100,
          peak_daily: 100,
        },
      },
      {
        table: name('alerts'),
        ts,
        symbols: { fingerprint: 'fp1', rule: 'drawdown', severity: 'page', status: 'firing', env: 'live' },
        columns: {
          summary: 'p1 is down 10 %, "quoted"\nsecond line',
          value: 0.1,
          threshold: 0.05,
          starts_at: ts - 1_234,
          ends_at: null,
          labels,
          description: 'Drawdown of p1 from its 1 h peak is 10 %.',
        },
      },
      {
        table: name('metrics'),
        ts,
        symbols: { name: 'drawdown_1h', series: 'drawdown_1h{portfolio=p1}' },
        columns: { labels, value: 0.1 },
      },
    ]);
    expect(sink.pending()).toBe(5);
    await sink.flush();
    expect(sink.pending()).toBe(0);

    expect(await sink.waitForRows(name('portfolio_marks'), undefined, 2)).toBe(2);
    expect(await sink.waitForRows(name('drawdown'), undefined, 1)).toBe(1);
    expect(await sink.waitForRows(name('metrics'), undefined, 1)).toBe(1);
    expect(await sink.waitForRows(name('alerts'), undefined, 1)).toBe(1);
    const [alert] = (await sink.query(`SELECT * FROM ${name('alerts')}`)).rows;
    expect(alert).toEqual({
      ts: '2025-01-02T12:00:00.000000Z',
      fingerprint: 'fp1',
      rule: 'drawdown',
      severity: 'page',
      status: 'firing',
      env: 'live',
      summary: 'p1 is down 10 %, "quoted"\nsecond line',
      value: 0.1,
      threshold: 0.05,
      starts_at: '2025-01-02T11:59:58.766000Z',
      ends_at: null,
      labels,
      description: 'Drawdown of p1 from its 1 h peak is 10 %.',
    });
    const equities = (await sink.query(`SELECT equity FROM ${name('portfolio_marks')} ORDER BY ts`)).rows;
    expect(equities).toEqual([{ equity: 100 }, { equity: 101 }]);
  });

  it('writes no duplicates when the same rows are replayed, and upserts a row with the same keys', async () => {
    const { sink, name } = await testSink();
    const table = name('portfolio_marks');
    const rows = [...marks(table, 50, 'p1'), ...marks(table, 50, 'p2')];
    sink.write(rows);
    await sink.flush();
    expect(await sink.waitForRows(table, undefined, 100)).toBe(100);

    // A replay after a crash: the same rows again, twice.
    sink.write(rows);
    sink.write(rows);
    await sink.flush();
    expect(await sink.waitForRows(table, undefined, 100)).toBe(100);

    // Same (ts, portfolio, env): the new value replaces the old one.
    const [first] = rows;
    if (first === undefined) throw new Error('no rows');
    sink.write([{ ...first, columns: { equity: 7, cash: 1 } }]);
    await sink.flush();
    await sink.waitForRows(table, undefined, 100);
    const updated = await sink.query(
      `SELECT equity, cash FROM ${table} WHERE portfolio = 'p1' AND ts = '2025-01-02T00:00:00.000000Z'`,
    );
    expect(updated.rows).toEqual([{ equity: 7, cash: 1 }]);
    expect(await sink.waitForRows(table, undefined, 100)).toBe(100);
  });

  it('says when to flush: at maxRows pending rows, or when the oldest has waited maxDelayMs', async () => {
    const clock = new ManualClock(1_000_000);
    const { sink, name } = await testSink({ maxRows: 5, maxDelayMs: 1_000, clock });
    const table = name('portfolio_marks');
    expect(sink.shouldFlush(clock.now())).toBe(false);

    sink.write(marks(table, 2));
    expect(sink.shouldFlush(clock.now())).toBe(false);
    clock.advance(600);
    sink.write(marks(table, 2, 'p1', 2));
    expect(sink.shouldFlush(clock.now())).toBe(false);
    clock.advance(399);
    expect(sink.shouldFlush(clock.now())).toBe(false);
    clock.advance(1); // the first rows are 1 000 ms old
    expect(sink.shouldFlush(clock.now())).toBe(true);

    await sink.flush();
    expect(sink.pending()).toBe(0);
    expect(sink.shouldFlush(clock.now() + 1_000_000)).toBe(false);

    // By rows: 4 then 5 pending at the same instant.
    sink.write(marks(table, 4, 'p2'));
    expect(sink.shouldFlush(clock.now())).toBe(false);
    sink.write(marks(table, 1, 'p2', 4));
    expect(sink.shouldFlush(clock.now())).toBe(true);

    // A flush sends at most maxRows rows per request, and all of them.
    sink.write(marks(table, 12, 'p3'));
    await sink.flush();
    expect(sink.pending()).toBe(0);
    expect(await sink.waitForRows(table, undefined, 4 + 5 + 12)).toBe(21);
  });

  it('rejects a bad row with what was wrong and where, and loses nothing else', async () => {
    const { sink, name } = await testSink();
    const table = name('portfolio_marks');
    const good = marks(table, 3);
    sink.write(good);

    const bad: SinkRow[] = [
      ...marks(table, 2, 'p9'),
      {
        table,
        ts: Date.UTC(2025, 0, 2),
        symbols: { portfolio: 'p9', env: 'live' },
        columns: { equity: 'a lot' },
      },
      { table, ts: Date.UTC(2025, 0, 2), symbols: { env: 'live' }, columns: { equity: 1, colour: 'red' } },
      { table: 'no_such_table', ts: 1, symbols: {}, columns: {} },
    ];
    const error = thrown(() => sink.write(bad));
    expect(error.code).toBe('TW_RECORD_INVALID');
    expect(error.retriable).toBe(false);
    expect(error.message).toContain('3 of 5 rows cannot be written to QuestDB, so none of them was buffered');
    expect(error.message).toContain(
      `row 2 (table "${table}", column "equity"): found "a lot" (string); expected a finite number (or null) in \`columns\``,
    );
    expect(error.message).toContain(`row 3 (table "${table}", column "colour"): found "red" (string)`);
    expect(error.message).toContain(`row 3 (table "${table}", column "portfolio"): found nothing (missing)`);
    expect(error.message).toContain(
      'row 4 (table "no_such_table"): found "no_such_table" (string); expected one of',
    );
    expect(error.details['problems']).toHaveLength(4);

    // NaN and a symbol given as a column are bad too.
    const nan = thrown(() =>
      sink.write([{ table, ts: 1, symbols: { portfolio: 'p', env: 'e' }, columns: { cash: Number.NaN } }]),
    );
    expect(nan.message).toContain('column "cash"): found NaN (NaN)');
    const misplaced = thrown(() =>
      sink.write([{ table, ts: 1, symbols: { env: 'e' }, columns: { portfolio: 'p' } }]),
    );
    expect(misplaced.message).toContain('expected "portfolio" in `symbols` (it is a SYMBOL column)');

    expect(sink.pending()).toBe(3);
    await sink.flush();
    expect(await sink.waitForRows(table, undefined, 3)).toBe(3);
    const portfolios = await sink.query(`SELECT DISTINCT portfolio FROM ${table}`);
    expect(portfolios.rows).toEqual([{ portfolio: 'p1' }]);
  });

  it('fails fast with TW_QUESTDB_UNAVAILABLE when QuestDB is not there at create()', async () => {
    const port = await closedPort();
    const { tables } = uniqueTables();
    const error = await rejection(
      QuestDbSink.create({
        httpUrl: `http://admin:s3cret@127.0.0.1:${port}`,
        logger: silentLogger(),
        tables,
      }),
    );
    expect(error.code).toBe('TW_QUESTDB_UNAVAILABLE');
    expect(error.retriable).toBe(true);
    expect(error.message).toContain(`http://admin:***@127.0.0.1:${port}`);
    expect(error.message).not.toContain('s3cret');
  });

  it('keeps every row when flush() fails on a closed port, and says so without the password', async () => {
    const proxy = await questdbProxy();
    const { sink, name } = await testSink({ httpUrl: proxy.url('admin:s3cret') });
    const table = name('portfolio_marks');
    await proxy.stop(); // nothing listens on the port now
    sink.write(marks(table, 10));

    for (let attempt = 0; attempt < 2; attempt++) {
      const error = await rejection(sink.flush());
      expect(error.code).toBe('TW_QUESTDB_UNAVAILABLE');
      expect(error.retriable).toBe(true);
      expect(error.message).toContain(`did not acknowledge 10 rows for table "${table}"`);
      expect(error.message).toContain('All 10 unacknowledged rows are kept');
      expect(error.message).toContain('admin:***@');
      expect(error.message).not.toContain('s3cret');
      expect(sink.pending()).toBe(10);
    }
  });

  it('survives an outage in the middle: flush fails, QuestDB comes back, every row lands exactly once', async () => {
    const proxy = await questdbProxy();
    const { sink, name } = await testSink({ httpUrl: proxy.url(), maxRows: 7 });
    const marksTable = name('portfolio_marks');
    const metricsTable = name('metrics');
    const metric = (i: number): SinkRow => ({
      table: metricsTable,
      ts: Date.UTC(2025, 0, 2) + i * 1_000,
      symbols: { name: 'lag', series: 'lag{source=x}' },
      columns: { labels: '{"source":"x"}', value: i },
    });

    sink.write(marks(marksTable, 10));
    await sink.flush();
    sink.write([...marks(marksTable, 20, 'p1', 10), ...Array.from({ length: 15 }, (_, i) => metric(i))]);

    await proxy.stop();
    const error = await rejection(sink.flush());
    expect(error.code).toBe('TW_QUESTDB_UNAVAILABLE');
    expect(sink.pending()).toBe(35);
    sink.write(marks(marksTable, 5, 'p1', 30)); // the pipeline goes on writing meanwhile

    await proxy.resume();
    await sink.flush();
    expect(sink.pending()).toBe(0);
    expect(await sink.waitForRows(marksTable, undefined, 35)).toBe(35);
    expect(await sink.waitForRows(metricsTable, undefined, 15)).toBe(15);
    const distinct = await sink.query(`SELECT count_distinct(ts) n, sum(equity) s FROM ${marksTable}`);
    expect(distinct.rows).toEqual([
      { n: 35, s: Array.from({ length: 35 }, (_, i) => 100 + i).reduce((a, b) => a + b) },
    ]);
  });

  it('resends rows whose acknowledgement was lost, and dedup leaves them there once', async () => {
    const proxy = await questdbProxy();
    const { sink, name } = await testSink({ httpUrl: proxy.url() });
    const direct = directQuestDb();
    const table = name('portfolio_marks');
    sink.write(marks(table, 25));

    proxy.mode = 'swallow-responses'; // QuestDB commits, the sink never hears it
    const error = await rejection(sink.flush());
    expect(error.code).toBe('TW_QUESTDB_UNAVAILABLE');
    expect(sink.pending()).toBe(25);
    expect(await direct.waitForRows(table, undefined, 25)).toBe(25); // committed all the same

    proxy.mode = 'forward';
    await sink.flush();
    expect(sink.pending()).toBe(0);
    expect(await sink.waitForRows(table, undefined, 25)).toBe(25);
  });

  it('close() flushes first, is idempotent, and refuses writes after', async () => {
    const { sink, name } = await testSink();
    const table = name('portfolio_marks');
    sink.write(marks(table, 4));
    const closing = sink.close();
    expect(sink.close()).toBe(closing);
    await closing;
    expect(sink.pending()).toBe(0);
    expect(await sink.waitForRows(table, undefined, 4)).toBe(4);
    expect(thrown(() => sink.write(marks(table, 1))).code).toBe('TW_INTERNAL');
    expect((await rejection(sink.flush())).code).toBe('TW_INTERNAL');
  });

  it('close() gives up at its deadline when QuestDB does not answer', async () => {
    const proxy = await questdbProxy();
    const { sink, name } = await testSink({ httpUrl: proxy.url(), closeTimeoutMs: 300 });
    sink.write(marks(name('portfolio_marks'), 3));
    proxy.mode = 'blackhole';
    await proxy.stop(); // cut the kept-alive connection; new ones go into the black hole
    await proxy.resume();

    const started = performance.now();
    const error = await rejection(sink.close());
    expect(error.code).toBe('TW_TIMEOUT');
    expect(error.message).toContain('3 of 3 rows were not acknowledged');
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('rejects bad options and a bad table catalogue with every problem listed', async () => {
    const tables: TableDefinition[] = [
      { name: 'Bad-Name', doc: '', columns: [{ name: 'ts', type: 'DOUBLE' }], keys: ['missing'] },
    ];
    const error = await rejection(
      QuestDbSink.create({
        httpUrl: 'ftp://x',
        logger: silentLogger(),
        tables,
        maxRows: 0,
        ensureTables: 'yes' as unknown as boolean,
      }),
    );
    expect(error.code).toBe('TW_CONFIG_INVALID');
    expect(error.message).toContain('maxRows must be a positive integer, got 0');
    expect(error.message).toContain('ensureTables must be true or false, got yes');
    expect(error.message).toContain('table "Bad-Name": the name must be lower-case');
    expect(error.message).toContain('do not declare "ts"');
    expect(error.message).toContain('key "missing" is not one of its columns');
    const url = await rejection(QuestDbSink.create({ httpUrl: 'ftp://u:pw@x', logger: silentLogger() }));
    expect(url.message).toContain('must start with http:// or https://');
    expect(url.message).not.toContain(':pw@');
  });
});
