/** Line and area charts over a time axis: several series, null values as gaps. */
import type { LineSeriesOption } from 'echarts/charts';
import type { ValueAxis } from './axis.ts';
import { grid, legend, timeAxis, valueAxis } from './axis.ts';
import type { ChartBase } from './chart-svg.ts';
import { checkFinite, figure } from './chart-svg.ts';
import type { Html } from './html.ts';

/** A point: epoch milliseconds and a value (null: a gap in the line). */
export type TimePoint = readonly [t: number, value: number | null];

/** One line. */
export interface TimeSeries {
  readonly name: string;
  /** In time order. */
  readonly points: readonly TimePoint[];
  /** Fill between the line and zero. Default false. */
  readonly area?: boolean;
  /** Dashed and thinner (rolling means, thresholds). Default false. */
  readonly dashed?: boolean;
  /** Drawn as steps (values that hold until the next point). Default false. */
  readonly step?: boolean;
  /** A CSS colour (default: the palette, in series order). */
  readonly color?: string;
}

/** A time chart. */
export interface TimeChartOptions extends ChartBase {
  readonly series: readonly TimeSeries[];
  readonly y?: ValueAxis;
}

/** Counts the non-null values the chart draws. */
function countPoints(series: readonly TimeSeries[]): number {
  let n = 0;
  for (const s of series) for (const [, v] of s.points) if (v !== null) n++;
  return n;
}

/**
 * A line chart with a UTC time x-axis. `data-points` is the number of non-null values over all
 * series; with none, the figure says "No data".
 */
export function timeChart(options: TimeChartOptions): Html {
  for (const s of options.series) {
    checkFinite(
      options.id,
      s.name,
      (function* () {
        for (const [t, v] of s.points) {
          yield t;
          yield v;
        }
      })(),
    );
  }
  const names = options.series.map((s) => s.name);
  return figure(options, { points: countPoints(options.series), series: options.series.length }, () => ({
    grid: grid(names.length > 1),
    legend: legend(names),
    xAxis: timeAxis(),
    yAxis: valueAxis(options.y),
    series: options.series.map((s): LineSeriesOption => ({
      type: 'line',
      name: s.name,
      data: s.points.map(([t, v]) => [t, v]),
      showSymbol: false,
      connectNulls: false,
      step: s.step ? 'end' : false,
      color: s.color,
      lineStyle: { width: s.dashed ? 1.2 : 1.6, type: s.dashed ? 'dashed' : 'solid' },
      areaStyle: s.area ? { opacity: 0.25 } : undefined,
      silent: true,
    })),
  }));
}
