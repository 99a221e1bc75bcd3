/**
 * The dashboards as Grafana JSON, built with Grafana's own typed builders
 * (`@grafana/grafana-foundation-sdk`), over the QuestDB data source plugin (`questdb-questdb-datasource`).
 *
 * The plugin's query model (questdb/grafana-questdb-datasource, src/types.ts): `{ refId, queryType: 'sql',
 * rawSql, format, selectedFormat }` with format 0 = time series (the plugin turns a long frame, text
 * columns beside the numbers, into one series per text value; rows must be sorted by time) and
 * 1 = table (the rows as they are).
 */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as barchart from '@grafana/grafana-foundation-sdk/barchart';
import * as xychart from '@grafana/grafana-foundation-sdk/xychart';
import type { DashboardSpec, PanelSpec, Threshold, VariableSpec } from './model.ts';

/** The plugin's id (GF_INSTALL_PLUGINS) and the provisioned data source's uid. */
export const QUESTDB_PLUGIN = 'questdb-questdb-datasource';
export const QUESTDB_DATASOURCE: common.DataSourceRef = { type: QUESTDB_PLUGIN, uid: 'questdb' };

/** The plugin's `format`: 0 time series, 1 table. */
export const QUERY_FORMAT = { timeseries: 0, table: 1 } as const;

/**
 * Points a time-series panel asks for: Grafana's `$__interval` (and so `$__sampleByInterval`) is the
 * range divided by this, rounded. Fixed rather than the panel's width in pixels, so the SQL the tests run
 * is the SQL Grafana runs.
 */
export const MAX_DATA_POINTS = 200;

/** A QuestDB plugin query (the SDK has builders for Grafana's core data sources only). */
export interface QuestDbQuery extends cog.Dataquery {
  readonly refId: string;
  readonly datasource: common.DataSourceRef;
  readonly queryType: 'sql';
  readonly rawSql: string;
  readonly format: 0 | 1;
  readonly selectedFormat: 0 | 1;
}

export class QuestDbQueryBuilder implements cog.Builder<cog.Dataquery> {
  readonly #rawSql: string;
  readonly #format: 0 | 1;
  readonly #refId: string;
  constructor(rawSql: string, format: 0 | 1, refId = 'A') {
    this.#rawSql = rawSql;
    this.#format = format;
    this.#refId = refId;
  }
  build(): QuestDbQuery {
    return {
      refId: this.#refId,
      datasource: QUESTDB_DATASOURCE,
      queryType: 'sql',
      rawSql: this.#rawSql,
      format: this.#format,
      selectedFormat: this.#format,
      _implementsDataqueryVariant: () => undefined,
    };
  }
}

function thresholdsOf(list: readonly Threshold[] | undefined): dashboard.ThresholdsConfigBuilder {
  const steps: dashboard.Threshold[] = [{ value: null, color: 'green' }];
  for (const t of [...(list ?? [])].sort((a, b) => a.value - b.value)) {
    steps.push({ value: t.value, color: t.color });
  }
  return new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps(steps);
}

function panelBuilder(panel: PanelSpec): cog.Builder<dashboard.Panel> {
  const format = panel.visualisation === 'timeseries' ? QUERY_FORMAT.timeseries : QUERY_FORMAT.table;
  const query = new QuestDbQueryBuilder(panel.sql, format);
  const common_ = <
    B extends {
      title(t: string): B;
      description(d: string): B;
      datasource(d: common.DataSourceRef): B;
      withTarget(q: cog.Builder<cog.Dataquery>): B;
      span(w: number): B;
      height(h: number): B;
      thresholds(t: cog.Builder<dashboard.ThresholdsConfig>): B;
      unit(u: string): B;
    },
  >(
    b: B,
  ): B => {
    const built = b
      .title(panel.title)
      .description(panel.description)
      .datasource(QUESTDB_DATASOURCE)
      .withTarget(query)
      .span(panel.width ?? 12)
      .height(panel.height ?? 8)
      .thresholds(thresholdsOf(panel.thresholds));
    return panel.unit === undefined ? built : built.unit(panel.unit);
  };
  switch (panel.visualisation) {
    case 'timeseries': {
      const b = common_(new timeseries.PanelBuilder())
        .maxDataPoints(MAX_DATA_POINTS)
        .drawStyle(panel.bars === true ? common.GraphDrawStyle.Bars : common.GraphDrawStyle.Line)
        .fillOpacity(panel.bars === true ? 80 : 10)
        .stacking(
          new common.StackingConfigBuilder().mode(
            panel.stacked === true ? common.StackingMode.Normal : common.StackingMode.None,
          ),
        );
      return panel.thresholds === undefined
        ? b
        : b.thresholdsStyle(
            new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed),
          );
    }
    case 'stat':
      return common_(new stat.PanelBuilder()).colorMode(common.BigValueColorMode.Background);
    case 'table':
      return common_(new table.PanelBuilder());
    case 'barchart':
      return common_(new barchart.PanelBuilder());
    case 'xychart':
      return common_(new xychart.PanelBuilder()).mapping(xychart.SeriesMapping.Auto);
  }
}

function variableBuilder(variable: VariableSpec): cog.Builder<dashboard.VariableModel> {
  switch (variable.kind) {
    case 'textbox':
      return new dashboard.TextBoxVariableBuilder(variable.name)
        .label(variable.label)
        .description(variable.description)
        .defaultValue(variable.defaultValue)
        .current({ text: variable.defaultValue, value: variable.defaultValue });
    case 'custom': {
      const b = new dashboard.CustomVariableBuilder(variable.name)
        .label(variable.label)
        .description(variable.description)
        .values(variable.values.join(','));
      return variable.includeAll
        ? b.includeAll(true).current({ text: 'All', value: '$__all' })
        : b.current({ text: variable.values[0] ?? '', value: variable.values[0] ?? '' });
    }
    case 'query':
      return new dashboard.QueryVariableBuilder(variable.name)
        .label(variable.label)
        .description(variable.description)
        .datasource(QUESTDB_DATASOURCE)
        .query(variable.sql)
        .definition(variable.sql)
        .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
        .sort(dashboard.VariableSort.AlphabeticalAsc)
        .includeAll(variable.includeAll);
  }
}

/** The Grafana dashboard of a definition (the object `dashboards/grafana/<uid>.json` holds). */
export function grafanaDashboard(spec: DashboardSpec): dashboard.Dashboard {
  const builder = new dashboard.DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags([...spec.tags])
    .timezone('utc')
    .time({ from: spec.from, to: 'now' })
    .refresh('1m')
    .readonly()
    .tooltip(dashboard.DashboardCursorSync.Crosshair);
  for (const variable of spec.variables) builder.withVariable(variableBuilder(variable));
  for (const annotation of spec.annotations) {
    builder.annotation(
      new dashboard.AnnotationQueryBuilder()
        .name(annotation.name)
        .datasource(QUESTDB_DATASOURCE)
        .enable(true)
        .iconColor(annotation.color)
        .target(new QuestDbQueryBuilder(annotation.sql, QUERY_FORMAT.table, 'Anno')),
    );
  }
  for (const row of spec.rows) {
    builder.withRow(new dashboard.RowBuilder(row.title));
    for (const panel of row.panels) builder.withPanel(panelBuilder(panel));
  }
  return builder.build();
}

/** The JSON text of a dashboard, as checked in (stable key order, two-space indent, final newline). */
export function grafanaJson(spec: DashboardSpec): string {
  return `${JSON.stringify(grafanaDashboard(spec), null, 2)}\n`;
}
