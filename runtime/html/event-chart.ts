/** A timeline of events: one lane per kind (a rule, a source), a mark per event at its time. */
import type { ScatterSeriesOption } from 'echarts/charts';
import { grid, legend, timeAxis } from './axis.ts';
import type { ChartBase } from './chart-svg.ts';
import { checkFinite, figure } from './chart-svg.ts';
import { TradewatchError } from '../../core/errors.ts';
import type { Html } from './html.ts';

/** An event at time `t` (epoch ms) in lane `lane`. */
export interface TimelineEvent {
  readonly t: number;
  readonly lane: string;
}

/** Events drawn alike (one legend entry): "firing", "resolved", a severity. */
export interface EventSeries {
  readonly name: string;
  readonly events: readonly TimelineEvent[];
  readonly color?: string;
  /** An ECharts symbol: circle, rect, triangle, diamond… Default circle. */
  readonly symbol?: string;
}

/** A timeline. */
export interface EventChartOptions extends ChartBase {
  /** The lanes, top to bottom. Every event's lane must be one of them. */
  readonly lanes: readonly string[];
  readonly series: readonly EventSeries[];
  /** Bounds of the time axis (default: fitted to the events). */
  readonly from?: number;
  readonly to?: number;
}

/** A timeline chart; `data-points` is the number of events. Height grows with the lanes by default. */
export function eventChart(options: EventChartOptions): Html {
  const lanes = new Set(options.lanes);
  let points = 0;
  for (const s of options.series) {
    checkFinite(
      options.id,
      s.name,
      s.events.map((e) => e.t),
    );
    for (const e of s.events) {
      if (!lanes.has(e.lane)) {
        throw new TradewatchError(
          'TW_INPUT_INVALID',
          `chart "${options.id}", series "${s.name}": event at ${e.t} is in lane "${e.lane}", which is not in lanes; add it to lanes`,
        );
      }
    }
    points += s.events.length;
  }
  const names = options.series.map((s) => s.name);
  const height = options.height ?? Math.max(140, 70 + 26 * options.lanes.length);
  return figure({ ...options, height }, { points, series: options.series.length }, () => ({
    grid: { ...grid(names.length > 1), left: 180 },
    legend: legend(names),
    xAxis: { ...timeAxis(), min: options.from, max: options.to },
    yAxis: {
      type: 'category',
      data: [...options.lanes].reverse(),
      axisLabel: { width: 165, overflow: 'truncate' },
      splitLine: { show: true, lineStyle: { color: '#eee' } },
    },
    series: options.series.map((s): ScatterSeriesOption => ({
      type: 'scatter',
      name: s.name,
      data: s.events.map((e) => [e.t, e.lane]),
      symbol: s.symbol ?? 'circle',
      symbolSize: 8,
      color: s.color,
      progressive: 0,
      silent: true,
    })),
  }));
}
