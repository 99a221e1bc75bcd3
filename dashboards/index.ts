/**
 * Dashboards as code: definitions (definitions/, in the model of model.ts) → Grafana JSON (grafana.ts,
 * Grafana's typed builders, the QuestDB data source plugin) checked in under grafana/ (files.ts); the
 * plugin's expansion of macros and variables (expand.ts), for the tests and for rendering without Grafana.
 */
export { loadDashboards } from './catalogue.ts';
export { GRAFANA_DIR, syncDashboardFiles, type FileState } from './files.ts';
export {
  MAX_DATA_POINTS,
  QUERY_FORMAT,
  QUESTDB_DATASOURCE,
  QUESTDB_PLUGIN,
  grafanaDashboard,
  grafanaJson,
  type QuestDbQuery,
} from './grafana.ts';
export {
  ALL,
  applyConditionalAll,
  applyMacros,
  expandQuery,
  queryIntervalMs,
  replaceVariables,
  roundInterval,
  sampleByInterval,
  type ExpandOptions,
  type VariableValue,
} from './expand.ts';
export {
  FRAME_SHAPES,
  VISUALISATIONS,
  type AnnotationSpec,
  type DashboardSpec,
  type PanelSpec,
  type Threshold,
  type VariableSpec,
  type Visualisation,
} from './model.ts';
export {
  annotationProblems,
  frameProblems,
  isNumber,
  isText,
  isTime,
  visualisationOf,
  type ResultColumn,
} from './frame-check.ts';
export { dashboardRange, renderDashboards, type RenderOptions } from './render.ts';
export { resolveVariables, type RunQuery } from './resolve-variables.ts';
export { DashboardServer, type DashboardServerOptions } from './serve.ts';
