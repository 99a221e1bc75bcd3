/** Bar charts over categories, and histograms of a set of values. */
import type { BarSeriesOption } from 'echarts/charts';
import type { ValueAxis } from './axis.ts';
import { grid, legend, valueAxis } from './axis.ts';
import type { ChartBase } from './chart-svg.ts';
import { checkFinite, figure } from './chart-svg.ts';
import type { ValueFormat } from './format.ts';
import { formatValue } from './format.ts';
import { TradewatchError } from '../../core/errors.ts';
import type { Html } from './html.ts';
import { histogramBins } from './stats.ts';

/** One series of bars, one value per category (null: no bar). */
export interface BarSeries {
  readonly name: string;
  readonly values: readonly (number | null)[];
  readonly color?: string;
}

/** A bar chart. */
export interface BarChartOptions extends ChartBase {
  /** The x-axis labels, in order. */
  readonly categories: readonly string[];
  readonly series: readonly BarSeries[];
  readonly y?: ValueAxis;
  /** Space between categories as a CSS percentage. Default "20%" (histograms use "0%"). */
  readonly gap?: string;
}

/** A bar chart; `data-points` is the number of non-null values over all series. */
export function barChart(options: BarChartOptions): Html {
  return bars(options);
}

/** The bar chart, with `data-points` overridden when given (a histogram counts values, not bins). */
function bars(options: BarChartOptions, pointsDrawn?: number): Html {
  let points = 0;
  for (const s of options.series) {
    if (s.values.length !== options.categories.length) {
      throw new TradewatchError(
        'TW_INPUT_INVALID',
        `chart "${options.id}", series "${s.name}": ${s.values.length} values for ${options.categories.length} categories; give one value (or null) per category`,
      );
    }
    checkFinite(options.id, s.name, s.values);
    points += s.values.filter((v) => v !== null).length;
  }
  const names = options.series.map((s) => s.name);
  return figure(options, { points: pointsDrawn ?? points, series: options.series.length }, () => ({
    grid: grid(names.length > 1),
    legend: legend(names),
    xAxis: {
      type: 'category',
      data: [...options.categories],
      axisLabel: { hideOverlap: true },
      axisTick: { alignWithLabel: true },
    },
    yAxis: valueAxis({ zero: true, ...options.y }),
    series: options.series.map((s): BarSeriesOption => ({
      type: 'bar',
      name: s.name,
      data: [...s.values],
      color: s.color,
      barCategoryGap: options.gap ?? '20%',
      silent: true,
    })),
  }));
}

/** A histogram. */
export interface HistogramOptions extends ChartBase {
  /** The values to bin (non-finite ones are an error). */
  readonly values: readonly number[];
  /** Bin count (default ⌈√n⌉ clamped to 5…60). */
  readonly bins?: number;
  /** How bin bounds read on the x-axis. Default `number`. */
  readonly format?: ValueFormat;
  /** Name of the counted thing, for the y-axis. Default "count". */
  readonly countLabel?: string;
}

/**
 * A histogram of `values` in equal-width bins, each labelled by its lower bound. `data-points` is the
 * number of values binned (the bars' counts add up to it).
 */
export function histogram(options: HistogramOptions): Html {
  checkFinite(options.id, 'values', options.values);
  const bins = histogramBins(options.values, options.bins);
  const format = options.format ?? 'number';
  return bars(
    {
      ...options,
      categories: bins.map((b) => formatValue(b.lo, format)),
      series: [{ name: options.countLabel ?? 'count', values: bins.map((b) => b.count) }],
      y: { label: options.countLabel ?? 'count', format: 'integer', zero: true },
      gap: '4%',
    },
    options.values.length,
  );
}
