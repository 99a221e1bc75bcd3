/**
 * The dashboards' own model: what a dashboard, a panel and a variable are, independent of Grafana. The
 * definitions (definitions/) are written in it; grafana.ts turns them into Grafana's JSON with Grafana's
 * typed builders, and the same definitions are what `tradewatch dashboards render` draws without Grafana.
 *
 * Terminology:
 * - visualisation: how a panel shows its rows: `timeseries` (lines over time), `barchart` (a bar per
 *   row), `stat` (one big number per row), `table` (the rows as they are), `xychart` (points of two
 *   numbers);
 * - frame shape: what a visualisation needs from the query's columns (see {@link FRAME_SHAPES});
 * - ns: the table prefix of the environment's namespace (core/namespace.ts), a dashboard variable.
 */

export const VISUALISATIONS = ['timeseries', 'barchart', 'stat', 'table', 'xychart'] as const;
export type Visualisation = (typeof VISUALISATIONS)[number];

/**
 * What each visualisation needs from its query, as Grafana reads the QuestDB plugin's frames:
 * - timeseries: the first column a timestamp named `time`, ascending (the plugin turns a long frame into a
 *   wide one only when it is sorted by time), then text columns naming the series, then at least one number;
 * - barchart: a text column (the bars' names) and at least one number;
 * - stat: at least one number (text columns name the values);
 * - xychart: at least two numbers (x, then y);
 * - table: any columns.
 */
export const FRAME_SHAPES: Readonly<Record<Visualisation, string>> = {
  timeseries: 'a timestamp column `time` first, ascending, then text series names, then numbers',
  barchart: 'a text column and at least one number',
  stat: 'at least one number',
  xychart: 'at least two numbers',
  table: 'any columns',
};

/** Units Grafana knows (a subset): how values are shown. */
export type Unit = 'percentunit' | 'ms' | 'short' | 'none' | 'currencyUSD' | 'dateTimeAsIso' | 'h';

/** A threshold line or colour step: a value and what it means. */
export interface Threshold {
  readonly value: number;
  readonly color: 'green' | 'yellow' | 'orange' | 'red';
  /** Where the value comes from, for people (e.g. the rule that fires at it). */
  readonly from: string;
}

export interface PanelSpec {
  readonly title: string;
  readonly description: string;
  readonly visualisation: Visualisation;
  /**
   * QuestDB SQL with the plugin's macros (`$__timeFilter(ts)`, `$__fromTime`, `$__toTime`,
   * `$__sampleByInterval`, `$__conditionalAll(cond, $var)`) and the dashboard's variables (`${ns}`...).
   */
  readonly sql: string;
  /** Grid width in 1/24ths of the dashboard (default 12) and height in rows of 30 px (default 8). */
  readonly width?: number;
  readonly height?: number;
  readonly unit?: Unit;
  readonly thresholds?: readonly Threshold[];
  /** Stacked bars or areas (timeseries). Default false. */
  readonly stacked?: boolean;
  /** Draw bars rather than lines (timeseries of counts). Default false. */
  readonly bars?: boolean;
}

/** A dashboard variable. `ns` is a text box; the others are single-select lists with All. */
export type VariableSpec =
  | {
      readonly kind: 'textbox';
      readonly name: string;
      readonly label: string;
      readonly description: string;
      readonly defaultValue: string;
    }
  | {
      readonly kind: 'custom';
      readonly name: string;
      readonly label: string;
      readonly description: string;
      readonly values: readonly string[];
      readonly includeAll: boolean;
    }
  | {
      readonly kind: 'query';
      readonly name: string;
      readonly label: string;
      readonly description: string;
      /** SQL returning one text column of values (may use the variables before it). */
      readonly sql: string;
      readonly includeAll: boolean;
    };

export interface AnnotationSpec {
  readonly name: string;
  /** SQL returning `time`, `timeEnd`, `text` and `tags`, as Grafana's SQL annotations read them. */
  readonly sql: string;
  readonly color: string;
}

export interface DashboardSpec {
  /** Stable id: the Grafana uid and the file name (`dashboards/grafana/<uid>.json`). */
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly variables: readonly VariableSpec[];
  readonly annotations: readonly AnnotationSpec[];
  /** Rows of panels, in order: a row title and its panels. */
  readonly rows: readonly { readonly title: string; readonly panels: readonly PanelSpec[] }[];
  /** The default time range, relative to now (`now-24h`). */
  readonly from: string;
}
