/** The value-axis options the charts share. */
import type { ValueFormat } from './format.ts';
import { formatValue } from './format.ts';

/** A value axis. */
export interface ValueAxis {
  /** Axis name, shown at its end (optional). */
  readonly label?: string;
  /** How tick labels read. Default `number`. */
  readonly format?: ValueFormat;
  /** Fixed bounds (default: fitted to the data). */
  readonly min?: number;
  readonly max?: number;
  /** Whether the axis must include 0. Default false (fitted to the data). */
  readonly zero?: boolean;
}

/** The ECharts `yAxis`/`xAxis` of a value axis. */
export function valueAxis(axis: ValueAxis | undefined) {
  const format = axis?.format ?? 'number';
  return {
    type: 'value' as const,
    name: axis?.label,
    nameTextStyle: { color: '#555' },
    scale: !(axis?.zero ?? false),
    min: axis?.min,
    max: axis?.max,
    axisLabel: { formatter: (v: number) => formatValue(v, format) },
    splitLine: { lineStyle: { color: '#e6e6e6' } },
  };
}

/** The ECharts time axis: UTC labels, no padding beyond the data. */
export function timeAxis() {
  return {
    type: 'time' as const,
    axisLabel: { hideOverlap: true },
    splitLine: { show: false },
  };
}

/** A grid leaving room for the legend when there is one. */
export function grid(legend: boolean) {
  return { left: 70, right: 30, top: legend ? 36 : 16, bottom: 30 };
}

/** A legend on top, shown when there is more than one series. */
export function legend(names: readonly string[]) {
  return names.length > 1 ? { top: 4, data: [...names], textStyle: { color: '#333' } } : undefined;
}
