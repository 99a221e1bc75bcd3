/**
 * The values of a dashboard's variables outside Grafana (rendering): each as given (`--var k=v`), else
 * as the dashboard opens: the text box at its default, a list at All when it has All, else at its first
 * value, a query variable's values from its query (run with the variables before it).
 */
import { ConfigError } from '../core/errors.ts';
import type { QueryResult } from '../sinks/questdb/index.ts';
import { ALL, expandQuery, type VariableValue } from './expand.ts';
import { MAX_DATA_POINTS } from './grafana.ts';
import type { VariableSpec } from './model.ts';

export type RunQuery = (sql: string) => Promise<QueryResult>;

export async function resolveVariables(
  specs: readonly VariableSpec[],
  given: ReadonlyMap<string, string>,
  range: { readonly from: number; readonly to: number },
  run: RunQuery,
): Promise<Map<string, VariableValue>> {
  const values = new Map<string, VariableValue>();
  for (const spec of specs) {
    const chosen = given.get(spec.name);
    if (spec.kind === 'textbox') {
      values.set(spec.name, { value: chosen ?? spec.defaultValue });
      continue;
    }
    let options: string[];
    if (spec.kind === 'custom') {
      options = [...spec.values];
    } else {
      const sql = expandQuery(spec.sql, { variables: values, ...range, maxDataPoints: MAX_DATA_POINTS });
      const result = await run(sql);
      const first = result.columns[0]?.name ?? '';
      options = result.rows.map((r) => String(r[first]));
    }
    if (chosen !== undefined && chosen !== 'All' && chosen !== ALL) {
      values.set(spec.name, { value: chosen });
    } else if (spec.includeAll) {
      values.set(spec.name, { value: ALL, all: options });
    } else if (chosen !== undefined) {
      throw new ConfigError([`--var ${spec.name}=All: ${spec.name} has no All; give one value`], 'the flags');
    } else {
      values.set(spec.name, { value: options[0] ?? '' });
    }
  }
  return values;
}
