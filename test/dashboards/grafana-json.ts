/**
 * The checked-in Grafana JSON read back as Grafana reads it: each dashboard's variables, annotations and
 * panels with their QuestDB queries, and the SQL the plugin would send for them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  ALL,
  GRAFANA_DIR,
  MAX_DATA_POINTS,
  expandQuery,
  visualisationOf,
  type VariableValue,
  type Visualisation,
} from '../../dashboards/index.ts';
import type { QueryResult } from '../../sinks/questdb/index.ts';

export interface JsonTarget {
  readonly rawSql: string;
  readonly format: number;
  readonly queryType: string;
  readonly datasource: { readonly type: string; readonly uid: string };
}
export interface JsonPanel {
  readonly type: string;
  readonly title: string;
  readonly maxDataPoints?: number;
  readonly targets?: readonly JsonTarget[];
}
export interface JsonVariable {
  readonly type: string;
  readonly name: string;
  readonly query: string;
  readonly includeAll?: boolean;
  readonly current?: { readonly value: string };
}
export interface JsonDashboard {
  readonly uid: string;
  readonly title: string;
  readonly panels: readonly JsonPanel[];
  readonly templating: { readonly list: readonly JsonVariable[] };
  readonly annotations: { readonly list: readonly { readonly name: string; readonly target?: JsonTarget }[] };
}

/** Every dashboard file under dashboards/grafana/, by file name. */
export function loadGrafanaJson(dir = GRAFANA_DIR): { file: string; dashboard: JsonDashboard }[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({
      file,
      dashboard: JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as JsonDashboard,
    }));
}

/** The panels that query (not rows), with their visualisation. */
export function queryPanels(dashboard: JsonDashboard): { panel: JsonPanel; visualisation: Visualisation }[] {
  return dashboard.panels
    .filter((p) => p.type !== 'row')
    .map((panel) => {
      const visualisation = visualisationOf(panel.type);
      if (visualisation === undefined)
        throw new Error(`${dashboard.uid}: panel "${panel.title}" has type ${panel.type}`);
      return { panel, visualisation };
    });
}

type Run = (sql: string) => Promise<QueryResult>;

/**
 * The variables' values as a dashboard opens with them set to All (or, for `choose: 'first'`, to each
 * list's first value): the text box `ns` set to `tablePrefix`, query variables run in order.
 */
export async function resolveVariables(
  dashboard: JsonDashboard,
  tablePrefix: string,
  range: { from: number; to: number },
  run: Run,
  choose: 'all' | 'first' = 'all',
): Promise<Map<string, VariableValue>> {
  const values = new Map<string, VariableValue>();
  for (const v of dashboard.templating.list) {
    if (v.type === 'textbox') {
      values.set(v.name, { value: v.name === 'ns' ? tablePrefix : (v.current?.value ?? '') });
      continue;
    }
    let options: string[];
    if (v.type === 'custom') {
      options = v.query.split(',').map((s) => s.trim());
    } else if (v.type === 'query') {
      const sql = expandQuery(v.query, { variables: values, ...range, maxDataPoints: MAX_DATA_POINTS });
      const result = await run(sql);
      const first = result.columns[0]?.name ?? '';
      options = result.rows.map((r) => String(r[first]));
      if (options.length === 0)
        throw new Error(`${dashboard.uid}: variable ${v.name} has no values; its query: ${sql}`);
    } else {
      throw new Error(`${dashboard.uid}: variable ${v.name} has type ${v.type}`);
    }
    const all = v.includeAll === true && choose === 'all';
    values.set(v.name, all ? { value: ALL, all: options } : { value: options[0] ?? '' });
  }
  return values;
}

/** The SQL the plugin sends for a target. */
export function panelSql(
  panel: JsonPanel,
  target: JsonTarget,
  variables: ReadonlyMap<string, VariableValue>,
  range: { from: number; to: number },
): string {
  return expandQuery(target.rawSql, {
    variables,
    ...range,
    maxDataPoints: panel.maxDataPoints ?? MAX_DATA_POINTS,
  });
}
