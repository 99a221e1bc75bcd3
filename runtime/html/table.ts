/** Tables and the other plain blocks of a page: key–value lists, preformatted text, side-by-side columns. */
import { checkChartId } from './chart-svg.ts';
import type { ValueFormat } from './format.ts';
import { formatValue } from './format.ts';
import type { Html, HtmlValue } from './html.ts';
import { markup } from './html.ts';

/** A table column: its header and how a row's cell reads. */
export interface Column<Row> {
  readonly label: string;
  /** The cell: text as is, numbers through `format`, null as "—". */
  readonly value: (row: Row) => string | number | null;
  /** For number cells. Default `number`. */
  readonly format?: ValueFormat;
  /** Default: right for number cells, left otherwise. */
  readonly align?: 'left' | 'right';
}

/** A table. */
export interface TableOptions<Row> {
  /** Unique on the page (same rules as a chart id). Becomes `data-table`. */
  readonly id: string;
  readonly caption?: string;
  readonly columns: readonly Column<Row>[];
  readonly rows: readonly Row[];
}

/** A table with `data-table` and `data-rows` on it; no rows reads "No rows". */
export function table<Row>(options: TableOptions<Row>): Html {
  checkChartId(options.id);
  const head = options.columns.map((c) => markup`<th>${c.label}</th>`);
  const body = options.rows.map((row) => {
    const cells = options.columns.map((c) => {
      const v = c.value(row);
      const numeric = typeof v === 'number' || v === null;
      const align = c.align ?? (numeric ? 'right' : 'left');
      const text = typeof v === 'string' ? v : formatValue(v, c.format);
      return markup`<td class="${align}">${text}</td>`;
    });
    return markup`<tr>${cells}</tr>\n`;
  });
  const empty =
    options.rows.length === 0
      ? markup`<tr><td colspan="${options.columns.length}" class="empty">No rows</td></tr>\n`
      : '';
  const caption = options.caption ? markup`<caption>${options.caption}</caption>\n` : '';
  return markup`<table data-table="${options.id}" data-rows="${options.rows.length}">
${caption}<thead><tr>${head}</tr></thead>
<tbody>
${body}${empty}</tbody>
</table>
`;
}

/** A two-column table of labels and values (metrics, settings). */
export function keyValueTable(
  id: string,
  entries: readonly (readonly [label: string, value: string | number | null, format?: ValueFormat])[],
  caption?: string,
): Html {
  return table({
    id,
    ...(caption === undefined ? {} : { caption }),
    columns: [
      { label: 'name', value: (e: (typeof entries)[number]) => e[0] },
      {
        label: 'value',
        value: (e) => (typeof e[1] === 'number' ? formatValue(e[1], e[2]) : e[1]),
        align: 'right',
      },
    ],
    rows: entries,
  });
}

/** Preformatted text (JSON, YAML), escaped. */
export function codeBlock(text: string, label?: string): Html {
  const aria = label ? markup` aria-label="${label}"` : '';
  return markup`<pre${aria}><code>${text}</code></pre>\n`;
}

/** A paragraph of text, escaped. */
export function paragraph(text: string): Html {
  return markup`<p>${text}</p>\n`;
}

/** A block of at most `maxHeight` pixels (default 480) that scrolls: a long table that should not push the rest away. */
export function scrollBox(content: HtmlValue, maxHeight = 480): Html {
  return markup`<div class="scroll" style="max-height:${maxHeight}px">${content}</div>\n`;
}

/** Blocks next to each other, in equal columns (they stack on a narrow screen). */
export function columns(...blocks: readonly HtmlValue[]): Html {
  return markup`<div class="columns">${blocks.map((b) => markup`<div class="column">${b}</div>`)}</div>\n`;
}
