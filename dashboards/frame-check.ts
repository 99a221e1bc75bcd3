/**
 * Whether a query's result is what its panel's visualisation can draw (model.ts FRAME_SHAPES), from the
 * column names and QuestDB types a query returned. Used by the tests on every panel and by `render`,
 * which shows the problem in place of a chart.
 */
import type { Visualisation } from './model.ts';

export interface ResultColumn {
  readonly name: string;
  readonly type: string;
}

const NUMBER_TYPES = new Set(['DOUBLE', 'FLOAT', 'LONG', 'INT', 'SHORT', 'BYTE', 'DECIMAL']);
const TEXT_TYPES = new Set(['SYMBOL', 'STRING', 'VARCHAR', 'CHAR']);
const TIME_TYPES = new Set(['TIMESTAMP', 'TIMESTAMP_NS', 'DATE']);

export const isNumber = (c: ResultColumn): boolean => NUMBER_TYPES.has(c.type.toUpperCase());
export const isText = (c: ResultColumn): boolean => TEXT_TYPES.has(c.type.toUpperCase());
export const isTime = (c: ResultColumn): boolean => TIME_TYPES.has(c.type.toUpperCase());

const describe = (columns: readonly ResultColumn[]) => columns.map((c) => `${c.name} ${c.type}`).join(', ');

/**
 * The problems with a result for a visualisation; empty when it fits. `times` are the first column's
 * values (a time series must be ascending: the plugin turns a long frame into series only then).
 */
export function frameProblems(
  visualisation: Visualisation,
  columns: readonly ResultColumn[],
  times: readonly unknown[] = [],
): string[] {
  const problems: string[] = [];
  const got = `got (${describe(columns)})`;
  const numbers = columns.filter(isNumber).length;
  switch (visualisation) {
    case 'timeseries': {
      const [first, ...rest] = columns;
      if (first === undefined || first.name !== 'time' || !isTime(first)) {
        problems.push(`a time series needs a timestamp column named \`time\` first; ${got}`);
      }
      const firstNumber = rest.findIndex(isNumber);
      if (firstNumber === -1) problems.push(`a time series needs at least one number column; ${got}`);
      const misplaced = rest.filter(
        (c, i) => !isNumber(c) && !(isText(c) && (firstNumber === -1 || i < firstNumber)),
      );
      if (misplaced.length > 0) {
        problems.push(
          `a time series takes text columns (series names) before its numbers, nothing else: ${describe(misplaced)}; ${got}`,
        );
      }
      const ms = times.map((t) => (typeof t === 'string' ? Date.parse(t) : Number(t)));
      const back = ms.findIndex((t, i) => i > 0 && t < ms[i - 1]!);
      if (back !== -1)
        problems.push(`a time series must be sorted by time (row ${back + 1} goes back): add ORDER BY time`);
      break;
    }
    case 'barchart':
      if (!columns.some(isText) || numbers === 0)
        problems.push(`a bar chart needs a text column and a number; ${got}`);
      break;
    case 'stat':
      if (numbers === 0) problems.push(`a stat needs at least one number column; ${got}`);
      break;
    case 'xychart':
      if (numbers < 2) problems.push(`an x-y chart needs at least two number columns; ${got}`);
      break;
    case 'table':
      if (columns.length === 0) problems.push('a table needs at least one column');
      break;
  }
  return problems;
}

/** The problems with an annotation query's result (Grafana reads `time`, `timeEnd`, `text`, `tags`). */
export function annotationProblems(columns: readonly ResultColumn[]): string[] {
  const byName = new Map(columns.map((c) => [c.name.toLowerCase(), c]));
  const problems: string[] = [];
  const time = byName.get('time');
  if (time === undefined || !isTime(time))
    problems.push(`an annotation needs a timestamp \`time\`; got (${describe(columns)})`);
  if (!byName.has('text')) problems.push(`an annotation needs a \`text\` column; got (${describe(columns)})`);
  return problems;
}

/** The visualisation of a Grafana panel type, or undefined for one the dashboards do not use. */
export function visualisationOf(panelType: string): Visualisation | undefined {
  const known: readonly Visualisation[] = ['timeseries', 'barchart', 'stat', 'table', 'xychart'];
  return known.find((v) => v === panelType);
}
