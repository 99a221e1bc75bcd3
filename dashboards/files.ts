/** The checked-in Grafana JSON: `dashboards/grafana/<uid>.json`, one per definition, generated. */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { grafanaJson } from './grafana.ts';
import type { DashboardSpec } from './model.ts';

/** Where the provisioned dashboards live (docker-compose.yml mounts it into Grafana). */
export const GRAFANA_DIR = fileURLToPath(new URL('./grafana/', import.meta.url));

export interface FileState {
  readonly file: string;
  /** `written`, `unchanged`, `stale` (differs from its definition), `missing` or `extra` (no definition). */
  readonly state: 'written' | 'unchanged' | 'stale' | 'missing' | 'extra';
}

/**
 * Compares (and with `write`, rewrites) every dashboard's JSON with what its definition generates. Files
 * without a definition are reported as `extra` (and removed by nobody: delete them by hand).
 */
export async function syncDashboardFiles(
  specs: readonly DashboardSpec[],
  options: { dir?: string; write: boolean },
): Promise<FileState[]> {
  const dir = options.dir ?? GRAFANA_DIR;
  if (options.write) await mkdir(dir, { recursive: true });
  const states: FileState[] = [];
  const expected = new Set<string>();
  for (const spec of specs) {
    const file = path.join(dir, `${spec.uid}.json`);
    expected.add(path.basename(file));
    const text = grafanaJson(spec);
    const current = await readFile(file, 'utf8').catch(() => undefined);
    if (current === text) {
      states.push({ file, state: 'unchanged' });
    } else if (options.write) {
      await writeFile(file, text);
      states.push({ file, state: 'written' });
    } else {
      states.push({ file, state: current === undefined ? 'missing' : 'stale' });
    }
  }
  const present = await readdir(dir).catch(() => [] as string[]);
  for (const name of present.filter((n) => n.endsWith('.json') && !expected.has(n)).sort()) {
    states.push({ file: path.join(dir, name), state: 'extra' });
  }
  return states;
}
