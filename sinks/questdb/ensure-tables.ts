/**
 * Creates the catalogue's tables (`CREATE TABLE IF NOT EXISTS`, before the first ILP write, so that ILP
 * never auto-creates a table without its dedup keys) and checks that tables which already existed match
 * the catalogue: every column with its type, `ts` designated, WAL, and the dedup keys that make replays
 * harmless. Extra columns in QuestDB are left alone.
 */
import { TradewatchError } from '../../runtime/errors.ts';
import type { QuestDbEndpoint } from './endpoint.ts';
import { exec, type ExecOptions } from './exec.ts';
import { createTableSql, TIMESTAMP_COLUMN, type TableDefinition } from './tables.ts';

/**
 * Creates the missing tables and checks them all. Throws TW_CONFIG_INVALID listing every difference
 * (table, column, what is there, what is expected, how to fix it), or TW_QUESTDB_UNAVAILABLE if QuestDB
 * does not answer.
 */
export async function ensureTables(
  endpoint: QuestDbEndpoint,
  tables: readonly TableDefinition[],
  options: ExecOptions,
): Promise<void> {
  const problems: string[] = [];
  for (const table of tables) {
    try {
      await exec(endpoint, createTableSql(table), options);
    } catch (e: unknown) {
      if (e instanceof TradewatchError && e.code === 'TW_INPUT_INVALID') {
        problems.push(`table "${table.name}" could not be created: ${e.message}`);
        continue;
      }
      throw e;
    }
    problems.push(...(await differences(endpoint, table, options)));
  }
  if (problems.length > 0) {
    throw new TradewatchError(
      'TW_CONFIG_INVALID',
      `QuestDB tables at ${endpoint.display} do not match the catalogue (sinks/questdb/tables.ts):\n` +
        `${problems.map((p) => `  - ${p}`).join('\n')}\n` +
        'Fix each table as said above (or drop it to have it created again), or change the catalogue.',
      { details: { url: endpoint.display, problems } },
    );
  }
}

async function differences(
  endpoint: QuestDbEndpoint,
  table: TableDefinition,
  options: ExecOptions,
): Promise<string[]> {
  const problems: string[] = [];
  const where = `table "${table.name}"`;
  const info = await exec(
    endpoint,
    `SELECT designatedTimestamp, walEnabled FROM tables() WHERE table_name = '${table.name}'`,
    options,
  );
  const meta = info.rows[0];
  if (meta === undefined) return [`${where} is missing after CREATE TABLE`];
  if (meta['designatedTimestamp'] !== TIMESTAMP_COLUMN) {
    problems.push(
      `${where}: the designated timestamp is ${String(meta['designatedTimestamp'])}, expected ${TIMESTAMP_COLUMN}`,
    );
  }
  if (meta['walEnabled'] !== true) {
    problems.push(
      `${where} is not a WAL table; fix: ALTER TABLE ${table.name} SET TYPE WAL (then restart QuestDB)`,
    );
  }

  const described = await exec(
    endpoint,
    `SELECT "column", type, upsertKey FROM table_columns('${table.name}')`,
    options,
  );
  const actual = new Map(described.rows.map((r) => [String(r['column']), r]));
  for (const column of [{ name: TIMESTAMP_COLUMN, type: 'TIMESTAMP' }, ...table.columns]) {
    const found = actual.get(column.name);
    if (found === undefined) {
      problems.push(
        `${where}, column "${column.name}" is missing (expected ${column.type}); ` +
          `fix: ALTER TABLE ${table.name} ADD COLUMN ${column.name} ${column.type}`,
      );
    } else if (found['type'] !== column.type) {
      problems.push(
        `${where}, column "${column.name}" is ${String(found['type'])}, expected ${column.type}; ` +
          `fix: ALTER TABLE ${table.name} ALTER COLUMN ${column.name} TYPE ${column.type}`,
      );
    }
  }
  const expectedKeys = [TIMESTAMP_COLUMN, ...table.keys];
  const actualKeys = described.rows.filter((r) => r['upsertKey'] === true).map((r) => String(r['column']));
  if ([...expectedKeys].sort().join() !== [...actualKeys].sort().join()) {
    problems.push(
      `${where}: the dedup upsert keys are (${actualKeys.join(', ') || 'none'}), expected (${expectedKeys.join(', ')}); ` +
        `fix: ALTER TABLE ${table.name} DEDUP ENABLE UPSERT KEYS(${expectedKeys.join(', ')})`,
    );
  }
  return problems;
}
