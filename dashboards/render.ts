/**
 * The dashboards without Grafana: the same definitions, their queries expanded as the QuestDB plugin
 * expands them and run on QuestDB, drawn to one self-contained HTML page (runtime/html: server-side SVG,
 * no script, no request). For someone without Grafana, an incident report, a wall screen, and the tests.
 */
import { toError } from '../core/errors.ts';
import { DEFAULT_NAMESPACE, type Namespace } from '../core/namespace.ts';
import { parseDuration } from '../core/durations.ts';
import { markup, paragraph, renderPage, type Html, type PageSection } from '../runtime/html/index.ts';
import { ALL, expandQuery, type VariableValue } from './expand.ts';
import { MAX_DATA_POINTS } from './grafana.ts';
import type { DashboardSpec } from './model.ts';
import { PANELS_STYLE, panelError, panelHtml } from './panel-html.ts';
import { resolveVariables, type RunQuery } from './resolve-variables.ts';

export interface RenderOptions {
  /** Runs SQL on QuestDB. */
  readonly run: RunQuery;
  /** The time the page is rendered at (epoch ms): ranges relative to now end here. */
  readonly now: number;
  /** The range, epoch ms; default each dashboard's own (`now-24h` or `now-7d` to now). */
  readonly from?: number;
  readonly to?: number;
  /** Variable values by name (`All` for All); the others as the dashboard opens. */
  readonly variables?: ReadonlyMap<string, string>;
  /**
   * The environment whose tables are read: the `ns` variable's value unless `variables` gives one.
   * Default {@link DEFAULT_NAMESPACE} (plain table names).
   */
  readonly namespace?: Namespace;
}

/** The range of a dashboard: the given one, else its default (`now-<duration>` to now). */
export function dashboardRange(spec: DashboardSpec, options: RenderOptions): { from: number; to: number } {
  const to = options.to ?? options.now;
  if (options.from !== undefined) return { from: options.from, to };
  const back = parseDuration(spec.from.replace(/^now-/, ''));
  if (back === undefined) throw new Error(`dashboard ${spec.uid}: from "${spec.from}" is not now-<duration>`);
  return { from: to - back, to };
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

function describeVariables(values: ReadonlyMap<string, VariableValue>): string {
  return [...values]
    .map(([name, v]) => `${name}=${v.value === ALL ? 'All' : v.value === '' ? '(empty)' : v.value}`)
    .join(', ');
}

/** The sections of one dashboard: one per row of panels. */
async function dashboardSections(spec: DashboardSpec, options: RenderOptions): Promise<PageSection[]> {
  const range = dashboardRange(spec, options);
  const given = new Map(options.variables);
  if (!given.has('ns')) given.set('ns', (options.namespace ?? DEFAULT_NAMESPACE).tablePrefix);
  const variables = await resolveVariables(spec.variables, given, range, options.run);
  const sections: PageSection[] = [];
  let index = 0;
  for (const [r, row] of spec.rows.entries()) {
    const panels: Html[] = [];
    for (const panel of row.panels) {
      const id = `${spec.uid}-${index++}`;
      const sql = expandQuery(panel.sql, { variables, ...range, maxDataPoints: MAX_DATA_POINTS });
      try {
        panels.push(panelHtml(panel, id, await options.run(sql), sql, range));
      } catch (e: unknown) {
        panels.push(panelError(panel, id, toError(e).message, sql));
      }
    }
    const intro =
      r === 0
        ? `${spec.description} ${iso(range.from)} to ${iso(range.to)}; ${describeVariables(variables)}.`
        : undefined;
    sections.push({
      id: `${spec.uid}-row-${r}`,
      title: `${spec.title.replace(/^tradewatch: /, '')}: ${row.title}`,
      ...(intro === undefined ? {} : { intro }),
      content: markup`<div class="panels" style="${PANELS_STYLE}">${panels}</div>`,
    });
  }
  return sections;
}

/** One HTML page with the given dashboards (in order). */
export async function renderDashboards(
  specs: readonly DashboardSpec[],
  options: RenderOptions,
): Promise<string> {
  const sections: PageSection[] = [];
  for (const spec of specs) sections.push(...(await dashboardSections(spec, options)));
  const only = specs.length === 1 ? specs[0] : undefined;
  return renderPage({
    title: only?.title ?? 'tradewatch dashboards',
    subtitle: `Rendered from QuestDB at ${iso(options.now)} by tradewatch dashboards render`,
    sections:
      sections.length > 0 ? sections : [{ title: 'Nothing to show', content: paragraph('No dashboard.') }],
    footer: 'The same definitions as the Grafana dashboards (dashboards/definitions/).',
  });
}
