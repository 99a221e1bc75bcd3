/** Scatter plots, with an optional least-squares line and Pearson's r. */
import type { LineSeriesOption, ScatterSeriesOption } from 'echarts/charts';
import type { ValueAxis } from './axis.ts';
import { grid, valueAxis } from './axis.ts';
import type { ChartBase } from './chart-svg.ts';
import { PALETTE, checkFinite, figure } from './chart-svg.ts';
import { formatNumber } from './format.ts';
import type { Html } from './html.ts';
import { linearFit, pearson } from './stats.ts';

/** A scatter plot. */
export interface ScatterChartOptions extends ChartBase {
  /** The (x, y) pairs; finite numbers. */
  readonly points: readonly (readonly [x: number, y: number])[];
  /** The points' series name (legend). Default "points". */
  readonly name?: string;
  readonly x?: ValueAxis;
  readonly y?: ValueAxis;
  /**
   * Draw the least-squares line and add Pearson's r and n to the title (and `data-r` to the figure,
   * "" when r is undefined). Default false.
   */
  readonly fit?: boolean;
}

/** A scatter plot; `data-points` is the number of pairs. */
export function scatterChart(options: ScatterChartOptions): Html {
  const xs = options.points.map((p) => p[0]);
  const ys = options.points.map((p) => p[1]);
  checkFinite(options.id, 'x', xs);
  checkFinite(options.id, 'y', ys);
  const name = options.name ?? 'points';
  const r = options.fit ? pearson(xs, ys) : null;
  const line = options.fit ? linearFit(xs, ys) : null;
  const title = options.fit
    ? `${options.title} (Pearson r = ${r === null ? 'undefined' : formatNumber(r)}, n = ${options.points.length})`
    : options.title;
  const series: (ScatterSeriesOption | LineSeriesOption)[] = [
    {
      type: 'scatter',
      name,
      data: options.points.map(([x, y]) => [x, y]),
      symbolSize: 4,
      itemStyle: { color: PALETTE[0], opacity: 0.6 },
      // One path for many points, and everything drawn at once (SSR has no next frame to draw more in).
      large: true,
      largeThreshold: 500,
      progressive: 0,
      silent: true,
    },
  ];
  if (line) {
    const x0 = Math.min(...xs);
    const x1 = Math.max(...xs);
    series.push({
      type: 'line',
      name: 'least squares',
      data: [
        [x0, line.intercept + line.slope * x0],
        [x1, line.intercept + line.slope * x1],
      ],
      showSymbol: false,
      lineStyle: { color: PALETTE[1], width: 2 },
      itemStyle: { color: PALETTE[1] },
      silent: true,
    });
  }
  return figure(
    { ...options, title },
    {
      points: options.points.length,
      series: 1,
      data: options.fit ? { r: r === null ? '' : String(r) } : {},
    },
    () => ({
      // No legend: the note says what the line is; the room above is for the y-axis name.
      grid: grid(options.y?.label !== undefined, options.x?.label !== undefined),
      xAxis: valueAxis(options.x, true),
      yAxis: valueAxis(options.y),
      series,
    }),
  );
}
