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
  /** `faint`: thin and translucent (raw values under a mean); `bold`: thick (the mean). Default `normal`. */
  readonly weight?: 'faint' | 'normal' | 'bold';
  /** Drawn as steps (values that hold until the next point). Default false. */
  readonly step?: boolean;
  /** A CSS colour (default: the palette, in series order). */
  readonly color?: string;
}

/** A time chart. */
export interface TimeChartOptions extends ChartBase {
  readonly series: readonly TimeSeries[];
  readonly y?: ValueAxis;
  /** Bounds of the time axis, epoch ms (default: fitted to the data). A dashboard's time range. */
  readonly from?: number;
  readonly to?: number;
}

const WIDTHS = { faint: 1, normal: 1.6, bold: 2.4 } as const;

/** A line draws nothing for a value with gaps on both sides: such series (and short ones) get dots. */
function needsSymbols(points: readonly TimePoint[]): boolean {
  let values = 0;
  for (let i = 0; i < points.length; i++) {
    if (points[i]![1] === null) continue;
    values++;
    const before = i === 0 ? null : points[i - 1]![1];
    const after = i === points.length - 1 ? null : points[i + 1]![1];
    if (before === null && after === null) return true;
  }
  return values <= 48;
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
    xAxis: { ...timeAxis(), min: options.from, max: options.to },
    yAxis: valueAxis(options.y),
    series: options.series.map((s): LineSeriesOption => ({
      type: 'line',
      name: s.name,
      data: s.points.map(([t, v]) => [t, v]),
      showSymbol: needsSymbols(s.points),
      symbolSize: 4,
      connectNulls: false,
      step: s.step ? 'end' : false,
      color: s.color,
      lineStyle: {
        width: WIDTHS[s.weight ?? 'normal'],
        type: s.dashed ? 'dashed' : 'solid',
        opacity: s.weight === 'faint' ? 0.45 : 1,
      },
      areaStyle: s.area ? { opacity: 0.25 } : undefined,
      silent: true,
    })),
  }));
}
