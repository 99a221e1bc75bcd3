/**
 * One chart to inline SVG with Apache ECharts' server-side renderer (no DOM, no canvas, no script in
 * the output), wrapped in a `<figure data-chart data-points>` that tests and readers can find.
 */
import { BarChart, LineChart, ScatterChart } from 'echarts/charts';
import type { BarSeriesOption, LineSeriesOption, ScatterSeriesOption } from 'echarts/charts';
import { GridComponent, LegendComponent } from 'echarts/components';
import type { GridComponentOption, LegendComponentOption } from 'echarts/components';
import { init, use } from 'echarts/core';
import type { ComposeOption } from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { TradewatchError } from '../../core/errors.ts';
import { markup, trustedHtml } from './html.ts';
import type { Html } from './html.ts';

use([LineChart, BarChart, ScatterChart, GridComponent, LegendComponent, SVGRenderer]);

/** The ECharts option subset the chart helpers build. */
export type ChartOption = ComposeOption<
  LineSeriesOption | BarSeriesOption | ScatterSeriesOption | GridComponentOption | LegendComponentOption
>;

/** What every chart takes. */
export interface ChartBase {
  /** Unique on the page: letters, digits, `-` and `_`, starting with a letter. Becomes `data-chart`. */
  readonly id: string;
  /** Shown above the chart. */
  readonly title: string;
  /** A line of explanation under the title (optional). */
  readonly note?: string;
  /** Pixels; the SVG scales down to the page width. Default 900. */
  readonly width?: number;
  /** Pixels. Default 300. */
  readonly height?: number;
}

/** The palette, in series order: distinguishable, and readable on white. */
export const PALETTE = [
  '#2f6fdf',
  '#e8743b',
  '#19a979',
  '#945ecf',
  '#ed4a7b',
  '#13a4b4',
  '#bf9b30',
  '#6c757d',
] as const;

/**
 * Chart text is laid out on the server with ECharts' built-in glyph widths, which are Arial's: so the
 * SVG asks for Arial or a font with its metrics (Liberation Sans on Linux), and labels do not overlap.
 * (Unquoted: the family list goes into a style attribute.)
 */
const FONT = 'Arial, Liberation Sans, Helvetica, sans-serif';

const ID = /^[A-Za-z][A-Za-z0-9_-]*$/;

/** Throws a clear error when `id` cannot be a chart id. */
export function checkChartId(id: string): void {
  if (!ID.test(id)) {
    throw new TradewatchError(
      'TW_INPUT_INVALID',
      `chart id ${JSON.stringify(id)} is invalid: use letters, digits, "-" and "_", starting with a letter`,
    );
  }
}

/** Throws a clear error naming the chart, the series and the index of the first non-finite value. */
export function checkFinite(chart: string, series: string, values: Iterable<number | null>): void {
  let i = 0;
  for (const v of values) {
    if (v !== null && !Number.isFinite(v)) {
      throw new TradewatchError(
        'TW_INPUT_INVALID',
        `chart "${chart}", series "${series}": value ${i} is ${String(v)}; pass a finite number, or null for a gap`,
      );
    }
    i++;
  }
}

/**
 * ECharts names ids and classes after its instance and process-wide counters (`zr3-c17`, `zr3-cls-42`):
 * they are renamed after the chart id, numbered from 0 in order of appearance, so the same input gives
 * the same bytes and two charts on a page never share an id.
 */
function scopeIds(id: string, svg: string): string {
  const renamed = new Map<string, string>();
  const counters = new Map<string, number>();
  return svg.replace(/\bzr\d+-([A-Za-z]+-?)(\d+)\b/g, (whole: string, kind: string) => {
    let name = renamed.get(whole);
    if (name === undefined) {
      const n = counters.get(kind) ?? 0;
      counters.set(kind, n + 1);
      name = `tw-${id}-${kind}${n}`;
      renamed.set(whole, name);
    }
    return name;
  });
}

/** Renders `option` to an SVG string: animation off, time in UTC, ids scoped to the chart. */
export function renderSvg(id: string, option: ChartOption, width: number, height: number): string {
  checkChartId(id);
  const chart = init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({
      animation: false,
      useUTC: true,
      color: [...PALETTE],
      textStyle: { fontFamily: FONT },
      ...option,
    });
    return scopeIds(id, chart.renderToSVGString());
  } finally {
    chart.dispose();
  }
}

/** Attributes of a chart's wrapper beyond `data-chart`. */
export interface FigureCounts {
  /** Data points drawn (non-null values over all series; events; histogram inputs). */
  readonly points: number;
  /** Series drawn. */
  readonly series: number;
  /** More `data-*` attributes for the wrapper, by name without the prefix (a scatter's `r`). */
  readonly data?: Readonly<Record<string, string>>;
}

/**
 * The chart's figure: title, optional note, then the SVG (or "No data" when there is nothing to draw).
 * `data-points` and `data-series` say what was drawn.
 */
export function figure(base: ChartBase, counts: FigureCounts, option: () => ChartOption): Html {
  checkChartId(base.id);
  const width = base.width ?? 900;
  const height = base.height ?? 300;
  const body =
    counts.points === 0
      ? markup`<p class="empty">No data</p>`
      : trustedHtml(renderSvg(base.id, option(), width, height));
  const data = Object.entries(counts.data ?? {}).map(([k, v]) => markup` data-${k}="${v}"`);
  const note = base.note ? markup`<span class="chart-note">${base.note}</span>` : '';
  return markup`<figure class="chart" id="chart-${base.id}" data-chart="${base.id}" data-points="${counts.points}" data-series="${counts.series}"${data}>
<figcaption><span class="chart-title">${base.title}</span>${note}</figcaption>
${body}
</figure>
`;
}
