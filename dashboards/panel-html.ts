/**
 * One panel as HTML (runtime/html's server-side SVG charts), from the rows its query returned: what
 * Grafana would draw for the same visualisation, or the problem in its place. Every panel is a
 * `<div class="panel" data-panel="<title>" data-rows="<n>">` (`data-error` when it failed).
 */
import {
  barChart,
  formatTime,
  keyValueTable,
  markup,
  paragraph,
  scatterChart,
  table,
  timeChart,
  type BarSeries,
  type Html,
  type TimeSeries,
  type ValueFormat,
} from '../runtime/html/index.ts';
import type { QueryResult } from '../sinks/questdb/index.ts';
import { frameProblems, isNumber, isText, isTime } from './frame-check.ts';
import type { PanelSpec } from './model.ts';

const toMs = (v: unknown): number => (typeof v === 'string' ? Date.parse(v) : Number(v));
const toNumber = (v: unknown): number | null =>
  v === null || v === undefined || v === '' ? null : Number.isFinite(Number(v)) ? Number(v) : null;

function formatOf(panel: PanelSpec): ValueFormat {
  return panel.unit === 'percentunit' ? 'percent' : 'number';
}

/** The panel's share of the row, as in Grafana (width in 24ths); narrow screens get one per line. */
function panelStyle(panel: PanelSpec): string {
  const percent = Math.round(((panel.width ?? 12) / 24) * 10000) / 100;
  return `flex: 1 1 calc(${percent}% - 16px); min-width: 320px; overflow-x: auto; box-sizing: border-box`;
}

/** The style of the row that holds the panels. */
export const PANELS_STYLE = 'display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start';

/** A panel that could not be drawn: its error, and the SQL for whoever fixes it. */
export function panelError(panel: PanelSpec, id: string, message: string, sql: string): Html {
  return markup`<div class="panel" style="${panelStyle(panel)}" id="${id}" data-panel="${panel.title}" data-rows="0" data-error="true">
<h3>${panel.title}</h3>
<p class="error"><strong>This panel failed:</strong> ${message}</p>
<pre>${sql}</pre>
</div>`;
}

/** Long rows (time, text labels, numbers) as one line per label combination and number column. */
function timeSeries(
  result: QueryResult,
  panel: PanelSpec,
  range: { from: number; to: number },
): TimeSeries[] {
  const [time, ...rest] = result.columns;
  const labels = rest.filter(isText).map((c) => c.name);
  const values = rest.filter(isNumber).map((c) => c.name);
  const byName = new Map<string, [number, number | null][]>();
  for (const row of result.rows) {
    const prefix = labels.map((l) => String(row[l])).join(' ');
    for (const v of values) {
      const name = [prefix, values.length > 1 || prefix === '' ? v : ''].filter((s) => s !== '').join(' ');
      const points = byName.get(name) ?? [];
      points.push([toMs(row[time!.name]), toNumber(row[v])]);
      byName.set(name, points);
    }
  }
  const series: TimeSeries[] = [...byName].map(([name, points]) => ({ name, points }));
  for (const t of panel.thresholds ?? []) {
    series.push({
      name: `threshold ${t.value}`,
      dashed: true,
      color: t.color === 'red' ? '#d62728' : '#ff7f0e',
      points: [
        [range.from, t.value],
        [range.to, t.value],
      ],
    });
  }
  return series;
}

/**
 * Counts over time (a `bars` time series) as bars: one category per interval (UTC), one bar per series
 * (thresholds left out); a line between sparse intervals would draw counts that never happened.
 */
function timeBars(series: readonly TimeSeries[]): { categories: string[]; series: BarSeries[] } {
  const data = series.filter((s) => s.dashed !== true);
  const times = [...new Set(data.flatMap((s) => s.points.map(([t]) => t)))].sort((a, b) => a - b);
  return {
    categories: times.map(formatTime),
    series: data.map((s) => {
      const byTime = new Map(s.points.map(([t, v]) => [t, v]));
      return { name: s.name, values: times.map((t) => byTime.get(t) ?? null) };
    }),
  };
}

/** The panel drawn from its rows (or the reason it cannot be). */
export function panelHtml(
  panel: PanelSpec,
  id: string,
  result: QueryResult,
  sql: string,
  range: { from: number; to: number },
): Html {
  const first = result.columns[0]?.name ?? '';
  const problems = frameProblems(
    panel.visualisation,
    result.columns,
    result.rows.map((r) => r[first]),
  );
  if (problems.length > 0) return panelError(panel, id, problems.join('; '), sql);
  const format = formatOf(panel);
  const base = { id, title: panel.title, note: panel.description };
  let content: Html;
  switch (panel.visualisation) {
    case 'timeseries': {
      const series = timeSeries(result, panel, range);
      content =
        panel.bars === true
          ? barChart({ ...base, ...timeBars(series), y: { format } })
          : timeChart({ ...base, series, y: { format } });
      break;
    }
    case 'barchart': {
      const label = result.columns.find(isText)!.name;
      const numbers = result.columns.filter(isNumber);
      content = barChart({
        ...base,
        categories: result.rows.map((r) => String(r[label])),
        series: numbers.map((c) => ({ name: c.name, values: result.rows.map((r) => toNumber(r[c.name])) })),
        y: { format },
      });
      break;
    }
    case 'xychart': {
      const [x, y] = result.columns.filter(isNumber);
      const points = result.rows
        .map((r) => [toNumber(r[x!.name]), toNumber(r[y!.name])] as const)
        .filter((p): p is readonly [number, number] => p[0] !== null && p[1] !== null);
      content = scatterChart({
        ...base,
        points,
        fit: points.length > 2,
        x: { label: x!.name },
        y: { label: y!.name },
      });
      break;
    }
    case 'stat': {
      const labels = result.columns.filter(isText).map((c) => c.name);
      const numbers = result.columns.filter(isNumber).map((c) => c.name);
      const entries = result.rows.flatMap((r) =>
        numbers.map((n) => {
          const label = [
            ...labels.map((l) => String(r[l])),
            numbers.length > 1 || labels.length === 0 ? n : '',
          ]
            .filter((s) => s !== '')
            .join(' ');
          return [label, toNumber(r[n]), format] as const;
        }),
      );
      content = markup`<h3>${panel.title}</h3>${keyValueTable(id, entries, panel.description)}`;
      break;
    }
    case 'table':
      content = markup`<h3>${panel.title}</h3>${table({
        id,
        caption: panel.description,
        rows: result.rows,
        columns: result.columns.map((c) => ({
          label: c.name,
          value: (row: Record<string, unknown>) => {
            const v = row[c.name];
            if (v === null || v === undefined) return null;
            if (isNumber(c)) return Number(v);
            const text = typeof v === 'string' ? v : JSON.stringify(v);
            return isTime(c) ? text.replace(/\.\d+Z$/, 'Z') : text;
          },
          ...(isNumber(c) ? { align: 'right' as const } : {}),
        })),
      })}`;
      break;
  }
  const empty = result.rows.length === 0 ? paragraph('No rows in this range.') : '';
  return markup`<div class="panel" style="${panelStyle(panel)}" data-panel="${panel.title}" data-rows="${result.rows.length}">
${content}${empty}
</div>`;
}
