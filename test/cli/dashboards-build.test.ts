/** `tradewatch dashboards build`: writes the JSON, and `--check` fails on a stale, missing or extra file. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, onTestFinished, test } from 'vitest';
import { loadDashboards } from '../../dashboards/index.ts';
import { runCli } from '../helpers/cli.ts';

test('build writes every dashboard; --check exits 1 naming what differs', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'tw-dashboards-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));

  const missing = await runCli(['dashboards', 'build', '--check', '--out', dir]);
  expect(missing.code).toBe(1);
  expect(missing.stdout).toMatch(/^missing +\S+tradewatch-overview\.json$/m);
  expect(missing.stderr).toContain('npm run dashboards:build');

  const built = await runCli(['dashboards', 'build', '--out', dir]);
  expect(built.code).toBe(0);
  // One file per dashboard of the catalogue.
  expect(built.stdout.match(/^written /gm)).toHaveLength((await loadDashboards()).length);
  expect((await loadDashboards()).length).toBeGreaterThanOrEqual(7);
  const overview = JSON.parse(await readFile(path.join(dir, 'tradewatch-overview.json'), 'utf8')) as {
    uid: string;
  };
  expect(overview.uid).toBe('tradewatch-overview');
  expect((await runCli(['dashboards', 'build', '--check', '--out', dir])).code).toBe(0);

  await writeFile(path.join(dir, 'tradewatch-ranking.json'), '{}\n');
  await writeFile(path.join(dir, 'old.json'), '{}\n');
  const stale = await runCli(['dashboards', 'build', '--check', '--out', dir]);
  expect(stale.code).toBe(1);
  expect(stale.stdout).toMatch(/^stale +\S+tradewatch-ranking\.json$/m);
  expect(stale.stdout).toMatch(/^extra +\S+old\.json$/m);
});
