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

/** The ECharts `yAxis` (or, with `x`, `xAxis`: its name centred below) of a value axis. */
export function valueAxis(axis: ValueAxis | undefined, x = false) {
  const format = axis?.format ?? 'number';
  return {
    type: 'value' as const,
    name: axis?.label,
    nameTextStyle: { color: '#555' },
    ...(x ? { nameLocation: 'middle' as const, nameGap: 26 } : {}),
    scale: !(axis?.zero ?? false),
    min: axis?.min,
    max: axis?.max,
    axisLabel: { formatter: (v: number) => formatValue(v, format) },
    splitLine: { lineStyle: { color: '#e6e6e6' } },
  };
}

/** The ECharts time axis: UTC labels (the page's useUTC), dates spelled out, overlapping labels hidden. */
export function timeAxis() {
  return {
    type: 'time' as const,
    axisLabel: {
      hideOverlap: true,
      formatter: {
        year: '{yyyy}',
        month: '{MMM} {yyyy}',
        day: '{MMM} {d}',
        hour: '{HH}:{mm}',
        minute: '{HH}:{mm}',
        second: '{HH}:{mm}:{ss}',
        millisecond: '{HH}:{mm}:{ss}.{SSS}',
        none: '{yyyy}-{MM}-{dd} {HH}:{mm}',
      },
    },
    splitLine: { show: false },
  };
}

/** A grid leaving room above (for a legend or a y-axis name) and below (for an x-axis name) when asked. */
export function grid(roomAbove: boolean, roomBelow = false) {
  return { left: 70, right: 30, top: roomAbove ? 36 : 16, bottom: roomBelow ? 46 : 30 };
}

/** A legend on top, shown when there is more than one series. */
export function legend(names: readonly string[]) {
  // A wide gap: the server measures text with estimated glyph widths, the browser's font may be wider.
  return names.length > 1
    ? {
        top: 4,
        data: [...names],
        itemGap: 28,
        itemWidth: 18,
        itemHeight: 10,
        textStyle: { color: '#333', fontSize: 12 },
      }
    : undefined;
}
