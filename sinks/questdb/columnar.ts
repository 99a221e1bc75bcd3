/**
 * The form in which the sink hands a request's rows to its worker thread (`encodeIn: 'worker'`):
 * columns, not row objects. Building it is one typed-array store (or one array store, for strings) per
 * value, and posting it copies no numbers: the typed arrays' buffers are transferred. Structured-cloning
 * the row objects instead would cost the sink's thread about as much as the ILP encoding it is meant
 * to take away.
 *
 * Numbers (DOUBLE, LONG, INT, TIMESTAMP: the sink's checks allow safe integers only) travel as float64,
 * which holds every one of them exactly; booleans as bytes; strings as arrays, `null` where the row had
 * none. A number or boolean column gets a `nulls` mask (1 = no value) only when some row had no value.
 */
import type { Sender } from '@questdb/nodejs-client';
import type { SinkRow } from '../../processors/contract.ts';
import type { CheckedTable } from './row-check.ts';
import type { ColumnType } from './tables.ts';

export type ColumnarColumn =
  | {
      readonly name: string;
      readonly type: 'SYMBOL' | 'VARCHAR';
      readonly values: readonly (string | null)[];
    }
  | {
      readonly name: string;
      readonly type: 'DOUBLE' | 'LONG' | 'INT' | 'TIMESTAMP';
      readonly values: Float64Array;
      readonly nulls: Uint8Array | null;
    }
  | {
      readonly name: string;
      readonly type: 'BOOLEAN';
      readonly values: Uint8Array;
      readonly nulls: Uint8Array | null;
    };

/** One request's rows: one table, in the order written. */
export interface ColumnarBatch {
  /** The table's name in QuestDB. */
  readonly physical: string;
  /** Its catalogue name (for errors). */
  readonly name: string;
  readonly length: number;
  /** The designated timestamps, epoch ms. */
  readonly ts: Float64Array;
  /** The SYMBOL columns (ILP wants them before the others), then the other columns, in catalogue order. */
  readonly symbols: readonly ColumnarColumn[];
  readonly columns: readonly ColumnarColumn[];
}

/**
 * `rows` (checked against `table`) as a {@link ColumnarBatch}, and the buffers to transfer with it
 * (after posting, the batch's typed arrays are unusable on this side).
 */
export function toColumnar(
  table: CheckedTable,
  rows: readonly SinkRow[],
): { batch: ColumnarBatch; transfer: ArrayBuffer[] } {
  const length = rows.length;
  const transfer: ArrayBuffer[] = [];
  const ts = new Float64Array(length);
  for (let i = 0; i < length; i++) ts[i] = rows[i]!.ts;
  transfer.push(ts.buffer);

  const symbols: ColumnarColumn[] = [];
  for (const name of table.symbols.keys()) {
    const values = new Array<string | null>(length);
    for (let i = 0; i < length; i++) values[i] = rows[i]!.symbols[name] ?? null;
    symbols.push({ name, type: 'SYMBOL', values });
  }
  const columns: ColumnarColumn[] = [];
  for (const [name, { type }] of table.columns) {
    const column = toColumn(name, type, rows);
    columns.push(column);
    if ('nulls' in column) {
      transfer.push(column.values.buffer as ArrayBuffer);
      if (column.nulls !== null) transfer.push(column.nulls.buffer as ArrayBuffer);
    }
  }
  return {
    batch: { physical: table.physical, name: table.definition.name, length, ts, symbols, columns },
    transfer,
  };
}

function toColumn(name: string, type: ColumnType, rows: readonly SinkRow[]): ColumnarColumn {
  const length = rows.length;
  switch (type) {
    case 'SYMBOL':
    case 'VARCHAR': {
      const values = new Array<string | null>(length);
      for (let i = 0; i < length; i++)
        values[i] = (rows[i]!.columns[name] as string | null | undefined) ?? null;
      return { name, type, values };
    }
    case 'BOOLEAN': {
      const values = new Uint8Array(length);
      let nulls: Uint8Array | null = null;
      for (let i = 0; i < length; i++) {
        const value = rows[i]!.columns[name];
        if (value === undefined || value === null) (nulls ??= new Uint8Array(length))[i] = 1;
        else if (value === true) values[i] = 1;
      }
      return { name, type, values, nulls };
    }
    case 'DOUBLE':
    case 'LONG':
    case 'INT':
    case 'TIMESTAMP': {
      const values = new Float64Array(length);
      let nulls: Uint8Array | null = null;
      for (let i = 0; i < length; i++) {
        const value = rows[i]!.columns[name];
        if (value === undefined || value === null) (nulls ??= new Uint8Array(length))[i] = 1;
        else values[i] = value as number;
      }
      return { name, type, values, nulls };
    }
  }
}

/** Writes every row of `batch` into `sender`'s buffer, one ILP line each, as `encodeRow` would. */
export async function encodeColumnar(sender: Sender, batch: ColumnarBatch): Promise<void> {
  const { symbols, columns } = batch;
  for (let i = 0; i < batch.length; i++) {
    sender.table(batch.physical);
    for (const column of symbols) {
      const value = column.values[i];
      if (typeof value === 'string') sender.symbol(column.name, value);
    }
    for (const column of columns) {
      switch (column.type) {
        case 'SYMBOL':
        case 'VARCHAR': {
          const value = column.values[i];
          if (typeof value === 'string') sender.stringColumn(column.name, value);
          break;
        }
        case 'BOOLEAN':
          if (column.nulls?.[i] !== 1) sender.booleanColumn(column.name, column.values[i] === 1);
          break;
        case 'DOUBLE':
          if (column.nulls?.[i] !== 1) sender.floatColumn(column.name, column.values[i]!);
          break;
        case 'LONG':
        case 'INT':
          if (column.nulls?.[i] !== 1) sender.intColumn(column.name, column.values[i]!);
          break;
        case 'TIMESTAMP':
          if (column.nulls?.[i] !== 1) sender.timestampColumn(column.name, column.values[i]!, 'ms');
          break;
      }
    }
    await sender.at(batch.ts[i]!, 'ms');
  }
}
