import { describe, expect, it } from 'vitest';
import { TABLES, checkTables, createTableSql } from '../../../sinks/questdb/index.ts';

describe('the QuestDB table catalogue', () => {
  it('is valid', () => {
    expect(checkTables(TABLES)).toEqual([]);
    expect(TABLES.map((t) => t.name)).toEqual(
      expect.arrayContaining(['portfolio_marks', 'drawdown', 'alerts', 'metrics', 'ranking_scores']),
    );
    // Every table deduplicates on something besides ts: a replay must never add rows.
    for (const table of TABLES) expect(table.keys.length, table.name).toBeGreaterThan(0);
  });

  it('creates WAL tables partitioned by day, deduplicated on ts and the keys', () => {
    const marks = TABLES.find((t) => t.name === 'portfolio_marks');
    expect(marks && createTableSql(marks)).toBe(
      'CREATE TABLE IF NOT EXISTS portfolio_marks (ts TIMESTAMP, portfolio SYMBOL, env SYMBOL, equity DOUBLE, ' +
        'cash DOUBLE) TIMESTAMP(ts) PARTITION BY DAY WAL DEDUP UPSERT KEYS(ts, portfolio, env)',
    );
    const keys = Object.fromEntries(TABLES.map((t) => [t.name, t.keys]));
    expect(keys).toEqual(
      expect.objectContaining({
        portfolio_marks: ['portfolio', 'env'],
        drawdown: ['portfolio', 'env'],
        alerts: ['fingerprint', 'status'],
        metrics: ['name', 'series'],
      }),
    );
  });

  it('gives alerts a nullable description, last, as create() appends it to an existing table', () => {
    const alerts = TABLES.find((t) => t.name === 'alerts');
    expect(alerts?.columns.at(-1)).toEqual({
      name: 'description',
      type: 'VARCHAR',
      doc: "the rule's rendered description; null when the rule has none",
    });
    expect(alerts?.keys).not.toContain('description');
  });

  it('lists every problem of a bad catalogue', () => {
    const problems = checkTables([
      { name: 'ok', doc: '', columns: [{ name: 'a', type: 'SYMBOL' }], keys: ['a'] },
      {
        name: 'ok',
        doc: '',
        columns: [
          { name: 'a', type: 'SYMBOL' },
          { name: 'a', type: 'DOUBLE' },
        ],
        keys: ['b'],
      },
    ]);
    expect(problems).toEqual([
      'table "ok" is declared twice',
      'table "ok", column "a" is declared twice',
      'table "ok": key "b" is not one of its columns',
    ]);
  });
});
