/**
 * `tradewatch dashboards ...`: the Grafana dashboards over QuestDB, as code (dashboards/README.md).
 * - `dashboards build [--check] [--out dir]`: writes dashboards/grafana/*.json (or `--out`) from the
 *   definitions; `--check` writes nothing and exits 1 when a file is stale, missing or has no definition.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { loadDashboards, syncDashboardFiles } from '../../dashboards/index.ts';

export function registerDashboardsCommands(program: Command): void {
  const dashboards = program
    .command('dashboards')
    .description('Grafana dashboards over QuestDB: generate their JSON, render them to HTML, serve them');

  dashboards
    .command('build')
    .description('write dashboards/grafana/*.json from the definitions in dashboards/definitions/')
    .option('--check', 'write nothing; exit 1 when a file differs from its definition')
    .option('--rules <file>', 'the alert rules file the thresholds come from (default: the shipped rules)')
    .option(
      '--out <dir>',
      'where the JSON goes (default: dashboards/grafana, what docker-compose.yml provisions)',
    )
    .action(async (options: { check?: boolean; rules?: string; out?: string }) => {
      const specs = await loadDashboards(options.rules);
      const states = await syncDashboardFiles(specs, {
        write: options.check !== true,
        ...(options.out === undefined ? {} : { dir: path.resolve(options.out) }),
      });
      let bad = 0;
      for (const { file, state } of states) {
        const shown = path.relative(process.cwd(), file);
        if (state === 'stale' || state === 'missing' || state === 'extra') bad++;
        process.stdout.write(`${state.padEnd(9)} ${shown}\n`);
      }
      if (bad > 0) {
        process.stderr.write(
          `tradewatch: ${bad} dashboard file(s) differ from their definitions: run \`npm run dashboards:build\`` +
            ' (and delete the extra ones)\n',
        );
        process.exitCode = 1;
      }
    });
}
