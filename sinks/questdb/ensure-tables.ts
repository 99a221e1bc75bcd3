/**
 * Creates the catalogue's tables (`CREATE TABLE IF NOT EXISTS`, before the first ILP write, so that ILP
 * never auto-creates a table without its dedup keys), checks that tables which already existed match
 * the catalogue (every column with its type, `ts` designated, WAL, and the dedup keys that make replays
 * harmless), and evolves them additively: a column the catalogue gained is added to an existing table.
 * Extra columns in QuestDB are left alone.
 *
 * Only a nullable column is added: existing rows read null in it, which is the truth (no value was
 * written). A dedup key (rows would have no key) or a BOOLEAN column (QuestDB has no null BOOLEAN, so old
 * rows would read false) is refused, as is every other difference, with the fix to run. Nothing is
 * altered while anything is refused, so a start that fails changes no existing table.
 *
 * Several instances may start at once: `ADD COLUMN IF NOT EXISTS` is a no-op for the second one, and an
 * "already exists" or "duplicate column" answer (two ALTERs that crossed) is tolerated: the check that
 * follows judges the column that is there.
 */
import { TradewatchError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { QuestDbEndpoint } from './endpoint.ts';
import { exec, type ExecOptions } from './exec.ts';
import { createTableSql, TIMESTAMP_COLUMN, type ColumnDefinition, type TableDefinition } from './tables.ts';
import { waitForColumns } from './wait-for-columns.ts';

export interface EnsureTablesOptions {
  /** For every `/exec` request. */
  readonly exec: ExecOptions;
  /** Where each added column is logged (info). */
  readonly logger: Logger;
  /** How long to wait for QuestDB to apply the added columns of one table, in ms. */
  readonly alterTimeoutMs: number;
}

/** What differs between a table in QuestDB and its definition. */
interface Differences {
  /** Differences that are refused, each with its fix. */
  readonly problems: string[];
  /** Nullable columns of the definition the table lacks: added. */
  readonly missing: ColumnDefinition[];
}

/** Tables created and checked concurrently. */
const TABLES_AT_ONCE = 4;

/**
 * Creates the missing tables, adds the missing nullable columns of existing ones and checks them all.
 * Throws TW_CONFIG_INVALID listing every difference that is refused (table, column, what is there, what
 * is expected, how to fix it), TW_QUESTDB_UNAVAILABLE if QuestDB does not answer or suspended a table's
 * WAL apply, or TW_TIMEOUT if an added column is not applied within `alterTimeoutMs`.
 */
export async function ensureTables(
  endpoint: QuestDbEndpoint,
  tables: readonly TableDefinition[],
  options: EnsureTablesOptions,
): Promise<void> {
  const problems: string[] = [];
  const additions: { table: TableDefinition; columns: ColumnDefinition[] }[] = [];
  // A few tables at a time (each is three round trips; one after another they were most of a
  // `tradewatch run`'s start-up); what was found is reported in the catalogue's order.
  const checked = new Array<Differences>(tables.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < tables.length; i = next++) {
      const table = tables[i]!;
      try {
        await exec(endpoint, createTableSql(table), options.exec);
      } catch (e: unknown) {
        if (e instanceof TradewatchError && e.code === 'TW_INPUT_INVALID') {
          checked[i] = {
            problems: [`table "${table.name}" could not be created: ${e.message}`],
            missing: [],
          };
          continue;
        }
        throw e;
      }
      checked[i] = await differences(endpoint, table, options.exec);
    }
  };
  await Promise.all(Array.from({ length: Math.min(TABLES_AT_ONCE, tables.length) }, worker));
  checked.forEach((found, i) => {
    problems.push(...found.problems);
    if (found.missing.length > 0) additions.push({ table: tables[i]!, columns: found.missing });
  });
  if (problems.length > 0) {
    const pending = additions.flatMap(({ table, columns }) =>
      columns.map((c) => `${table.name}.${c.name} ${c.type}`),
    );
    throw refused(
      endpoint,
      problems,
      pending.length === 0
        ? ''
        : `Once nothing else differs, the missing nullable columns are added at start: ${pending.join(', ')}.\n`,
    );
  }

  for (const { table, columns } of additions) {
    problems.push(...(await addColumns(endpoint, table, columns, options)));
  }
  if (problems.length > 0) throw refused(endpoint, problems, '');
}

function refused(endpoint: QuestDbEndpoint, problems: readonly string[], note: string): TradewatchError {
  return new TradewatchError(
    'TW_CONFIG_INVALID',
    `QuestDB tables at ${endpoint.display} do not match the catalogue (sinks/questdb/tables.ts):\n` +
      `${problems.map((p) => `  - ${p}`).join('\n')}\n` +
      note +
      'Fix each table as said above (or drop it to have it created again), or change the catalogue.',
    { details: { url: endpoint.display, problems } },
  );
}

/**
 * Adds `columns` to `table` (one statement each: QuestDB adds a list of columns one by one and stops at
 * the first failure), waits until QuestDB applied them, then checks the table again. Returns what is
 * still wrong (empty when the table now matches).
 */
async function addColumns(
  endpoint: QuestDbEndpoint,
  table: TableDefinition,
  columns: readonly ColumnDefinition[],
  options: EnsureTablesOptions,
): Promise<string[]> {
  const problems: string[] = [];
  for (const column of columns) {
    try {
      await exec(endpoint, addColumnSql(table, column), options.exec);
      options.logger.info(
        { table: table.name, column: column.name, type: column.type },
        'added a missing column to a QuestDB table',
      );
    } catch (e: unknown) {
      if (!(e instanceof TradewatchError && e.code === 'TW_INPUT_INVALID')) throw e;
      // Another instance added it first, possibly with another type: the check below judges it. QuestDB
      // says "already exists" when it sees the column, "duplicate column" when the two ALTERs crossed.
      if (/already exists|duplicate column/i.test(e.message)) continue;
      problems.push(`table "${table.name}", column "${column.name}" could not be added: ${e.message}`);
    }
  }
  if (problems.length > 0) return problems;
  await waitForColumns(
    (sql) => exec(endpoint, sql, options.exec),
    table.name,
    columns.map((c) => c.name),
    options.alterTimeoutMs,
  );
  const after = await differences(endpoint, table, options.exec);
  return [
    ...after.problems,
    ...after.missing.map(
      (c) => `table "${table.name}", column "${c.name}" is still missing after ${addColumnSql(table, c)}`,
    ),
  ];
}

function addColumnSql(table: TableDefinition, column: ColumnDefinition): string {
  return `ALTER TABLE ${table.name} ADD COLUMN IF NOT EXISTS ${column.name} ${column.type}`;
}

async function differences(
  endpoint: QuestDbEndpoint,
  table: TableDefinition,
  options: ExecOptions,
): Promise<Differences> {
  const problems: string[] = [];
  const missing: ColumnDefinition[] = [];
  const where = `table "${table.name}"`;
  const info = await exec(
    endpoint,
    `SELECT designatedTimestamp, walEnabled FROM tables() WHERE table_name = '${table.name}'`,
    options,
  );
  const meta = info.rows[0];
  if (meta === undefined) return { problems: [`${where} is missing after CREATE TABLE`], missing };
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
  const expectedKeys = [TIMESTAMP_COLUMN, ...table.keys];
  let missingKey = false;
  const timestamp: ColumnDefinition = { name: TIMESTAMP_COLUMN, type: 'TIMESTAMP' };
  for (const column of [timestamp, ...table.columns]) {
    const found = actual.get(column.name);
    if (found === undefined) {
      const refusal = whyNotAddable(table, column, expectedKeys);
      if (refusal === undefined) {
        missing.push(column);
      } else {
        missingKey ||= expectedKeys.includes(column.name);
        problems.push(`${where}, column "${column.name}" is missing (expected ${column.type}); ${refusal}`);
      }
    } else if (found['type'] !== column.type) {
      problems.push(
        `${where}, column "${column.name}" is ${String(found['type'])}, expected ${column.type}; ` +
          `fix: ALTER TABLE ${table.name} ALTER COLUMN ${column.name} TYPE ${column.type}`,
      );
    }
  }
  const actualKeys = described.rows.filter((r) => r['upsertKey'] === true).map((r) => String(r['column']));
  // A missing key column is reported above; DEDUP ENABLE on a column that is not there would only fail.
  if (!missingKey && [...expectedKeys].sort().join() !== [...actualKeys].sort().join()) {
    problems.push(
      `${where}: the dedup upsert keys are (${actualKeys.join(', ') || 'none'}), expected (${expectedKeys.join(', ')}); ` +
        `fix: ALTER TABLE ${table.name} DEDUP ENABLE UPSERT KEYS(${expectedKeys.join(', ')})`,
    );
  }
  return { problems, missing };
}

/**
 * Why a column missing from an existing table cannot simply be added (the rest of the message, with
 * the fix), or undefined when it can: it is nullable, so the existing rows truthfully read null.
 */
function whyNotAddable(
  table: TableDefinition,
  column: ColumnDefinition,
  expectedKeys: readonly string[],
): string | undefined {
  if (column.name === TIMESTAMP_COLUMN) {
    return 'it is the designated timestamp, which cannot be added to an existing table; fix: drop the table to have it created again';
  }
  if (expectedKeys.includes(column.name)) {
    return (
      'it is a dedup key, and the rows already there would have no value for it, so it is not added; ' +
      `fix: drop the table to have it created again (copy its rows out first if they matter), or take "${column.name}" out of the keys in the catalogue`
    );
  }
  if (column.type === 'BOOLEAN') {
    return (
      'QuestDB has no null BOOLEAN, so the rows already there would read false, and it is not added; ' +
      `fix: if false is right for them, run ALTER TABLE ${table.name} ADD COLUMN ${column.name} BOOLEAN; ` +
      'otherwise declare the column with a nullable type in the catalogue'
    );
  }
  return undefined;
}
