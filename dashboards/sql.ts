/**
 * Helpers that write the SQL of panels the same way everywhere: table names behind the `ns` variable
 * (checked against the table catalogue, so a panel cannot name a table tradewatch does not write) and
 * filters that vanish when a variable is set to All (the plugin's `$__conditionalAll`).
 */
import { BACKTEST_TABLES, TABLES } from '../sinks/questdb/index.ts';

/** The pipeline's tables and the backtest results' (written by `backtest run`, not by the pipeline). */
const KNOWN_TABLES = new Set([...TABLES, ...BACKTEST_TABLES].map((t) => t.name));

/**
 * `${ns}<name>`: the physical table of the logical `name` in the dashboard's namespace (core/namespace.ts:
 * `<namespace>__<table>`, plain for the empty one). Throws on a table the catalogue does not declare.
 */
export function table(name: string): string {
  if (!KNOWN_TABLES.has(name)) {
    throw new Error(
      `dashboards: table "${name}" is not in sinks/questdb/tables.ts or backtest-tables.ts (known: ${[...KNOWN_TABLES].join(', ')})`,
    );
  }
  return `\${ns}${name}`;
}

/** `column = '<value of variable>'`, or `1=1` when the variable is set to All. */
export function matches(column: string, variable: string): string {
  return `$__conditionalAll(${column} = '\${${variable}}', $${variable})`;
}

/** The filter of a JSON labels column on one label, or `1=1` when the variable is set to All. */
export function labelMatches(column: string, label: string, variable: string): string {
  return `$__conditionalAll(${column} LIKE '%"${label}":"\${${variable}}"%', $${variable})`;
}

/** Joins SQL lines (definitions write one clause per line for readability). */
export function sql(...lines: string[]): string {
  return lines.join('\n');
}
