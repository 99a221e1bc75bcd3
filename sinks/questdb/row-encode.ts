/**
 * Encodes a {@link SinkRow} with the ILP client, on the sink's own thread (`encodeIn: 'thread'`): what
 * the sink did before it had a worker thread, and the reference the worker's columnar encoding
 * (columnar.ts) is tested against.
 */
import type { Sender } from '@questdb/nodejs-client';
import type { SinkRow } from '../../processors/contract.ts';
import type { CheckedTable } from './row-check.ts';

/** Writes `row` (checked against `table`) into `sender`'s buffer as one ILP line. */
export async function encodeRow(sender: Sender, table: CheckedTable, row: SinkRow): Promise<void> {
  sender.table(table.physical);
  // ILP wants every symbol before the other columns.
  for (const name of table.symbols.keys()) {
    const value = row.symbols[name];
    if (value !== undefined) sender.symbol(name, value);
  }
  for (const [name, column] of table.columns) {
    const value = row.columns[name];
    if (value === undefined || value === null) continue;
    switch (column.type) {
      case 'DOUBLE':
        sender.floatColumn(name, value as number);
        break;
      case 'LONG':
      case 'INT':
        sender.intColumn(name, value as number);
        break;
      case 'BOOLEAN':
        sender.booleanColumn(name, value as boolean);
        break;
      case 'VARCHAR':
      case 'SYMBOL':
        sender.stringColumn(name, value as string);
        break;
      case 'TIMESTAMP':
        sender.timestampColumn(name, value as number, 'ms');
        break;
    }
  }
  await sender.at(row.ts, 'ms');
}
