/**
 * `tradewatch dashboards ...`: the Grafana dashboards over QuestDB, as code (dashboards/README.md).
 * - `dashboards build [--check] [--out dir]`: writes dashboards/grafana/*.json (or `--out`) from the
 *   definitions; `--check` writes nothing and exits 1 when a file is stale, missing or has no definition.
 * - `dashboards render [--dashboard d] [--from w] [--to w] [--var k=v]... [--out file]`: the same
 *   dashboards as one self-contained HTML page, from QuestDB (QUESTDB_HTTP_URL).
 * - `dashboards serve [--port p] [--host h] [--refresh d] [--var k=v]...`: the rendered pages on a small
 *   HTTP server (loopback by default), rendered again on an interval, until SIGINT/SIGTERM.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { parseDuration } from '../../core/durations.ts';
import { ConfigError } from '../../core/errors.ts';
import type { Namespace } from '../../core/namespace.ts';
import {
  DashboardServer,
  loadDashboards,
  renderDashboards,
  syncDashboardFiles,
  type DashboardSpec,
  type RunQuery,
} from '../../dashboards/index.ts';
import { parseEndpoint } from '../../sinks/questdb/endpoint.ts';
import { exec } from '../../sinks/questdb/exec.ts';
import type { CliContext } from '../context.ts';
import { WHEN, collect, parsePositiveInt, parseWhen } from '../parse.ts';

interface ViewFlags {
  dashboard?: string;
  var?: string[];
  rules?: string;
}

/** The dashboards a `--dashboard` names (uid, uid without `tradewatch-`, or title), or all of them. */
function choose(specs: readonly DashboardSpec[], name: string | undefined): DashboardSpec[] {
  if (name === undefined) return [...specs];
  const wanted = name.toLowerCase();
  const found = specs.filter(
    (s) =>
      s.uid === wanted ||
      s.uid === `tradewatch-${wanted}` ||
      s.title.toLowerCase().replace(/^tradewatch: /, '') === wanted,
  );
  if (found.length === 0) {
    throw new ConfigError(
      [
        `--dashboard ${name}: no such dashboard; choose one of ${specs.map((s) => s.uid.replace(/^tradewatch-/, '')).join(', ')}`,
      ],
      'a flag',
    );
  }
  return found;
}

/** `--var k=v` flags as a map, every name checked against the chosen dashboards' variables. */
function variablesOf(raw: readonly string[], specs: readonly DashboardSpec[]): Map<string, string> {
  const names = new Set(specs.flatMap((s) => s.variables.map((v) => v.name)));
  const values = new Map<string, string>();
  for (const item of raw) {
    const at = item.indexOf('=');
    // `K` as the dashboards label it, `k` as they name it.
    const name = at === -1 ? '' : item.slice(0, at) === 'K' ? 'k' : item.slice(0, at);
    if (!names.has(name)) {
      throw new ConfigError(
        [
          `--var ${item}: expected <name>=<value> with a variable of the dashboards: ${[...names].join(', ')} ` +
            '(`ns` is the table prefix of the namespace, e.g. --var ns=demo__; All for every value)',
        ],
        'a flag',
      );
    }
    values.set(name, item.slice(at + 1));
  }
  return values;
}

/**
 * The environment's namespace: the `ns` variable's default. Derived from TOPIC_PREFIX here; where the
 * configuration carries the namespace (TW_NAMESPACE), that is the one to pass.
 */
/** The environment's namespace (TW_NAMESPACE, or derived from TOPIC_PREFIX). */
function namespaceOf(context: CliContext): Namespace {
  return context.config.namespace;
}

function questdbRunner(context: CliContext): RunQuery {
  const endpoint = parseEndpoint(context.config.questdb.httpUrl);
  return (sql) => exec(endpoint, sql, { timeoutMs: 60_000 });
}

export function registerDashboardsCommands(
  program: Command,
  getContext: (command: Command) => CliContext,
): void {
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

  dashboards
    .command('render')
    .description('render the dashboards from QuestDB to one self-contained HTML page (no Grafana needed)')
    .option(
      '--dashboard <name>',
      'one dashboard (overview, portfolios, strategies, ranking, data-sources, scheduler); default all',
    )
    .option('--from <when>', `start of the range: ${WHEN} (default: the dashboard's own, 24h or 7d)`)
    .option('--to <when>', 'end of the range (same forms; default now)')
    .option(
      '--var <name=value>',
      'a variable (ns, env, portfolio, strategy, k, source; All for every value); repeatable',
      collect,
      [],
    )
    .option('--out <file>', 'write the page here (default: standard output)')
    .option('--rules <file>', 'the alert rules file the thresholds come from (default: the shipped rules)')
    .action(async (flags: ViewFlags & { from?: string; to?: string; out?: string }, command: Command) => {
      const context = getContext(command);
      const now = Date.now();
      const specs = choose(await loadDashboards(flags.rules), flags.dashboard);
      const page = await renderDashboards(specs, {
        run: questdbRunner(context),
        namespace: namespaceOf(context),
        now,
        variables: variablesOf(flags.var ?? [], specs),
        ...(flags.from === undefined ? {} : { from: parseWhen(flags.from, now) }),
        ...(flags.to === undefined ? {} : { to: parseWhen(flags.to, now) }),
      });
      if (flags.out === undefined) {
        process.stdout.write(page);
      } else {
        await writeFile(flags.out, page);
        process.stderr.write(`wrote ${flags.out} (${specs.length} dashboard(s), ${page.length} bytes)\n`);
      }
    });

  dashboards
    .command('serve')
    .description(
      'serve the rendered dashboards for a wall screen, rendered again on an interval, until SIGINT/SIGTERM',
    )
    .option('--port <port>', 'TCP port (0: any free one)', (v) => (v === '0' ? 0 : parsePositiveInt(v)), 3001)
    .option(
      '--host <host>',
      'address to listen on (loopback by default: the pages show your data)',
      '127.0.0.1',
    )
    .option('--refresh <duration>', 'how often the pages are rendered again and reload (e.g. 30s, 1m)', '1m')
    .option('--dashboard <name>', 'only this dashboard (default all)')
    .option('--var <name=value>', 'a variable, as for render; repeatable', collect, [])
    .option('--rules <file>', 'the alert rules file the thresholds come from (default: the shipped rules)')
    .action(async (flags: ViewFlags & { port: number; host: string; refresh: string }, command: Command) => {
      const context = getContext(command);
      const refreshMs = parseDuration(flags.refresh);
      if (refreshMs === undefined || refreshMs < 1000) {
        throw new ConfigError(
          [`--refresh ${flags.refresh}: expected a duration of at least 1s (30s, 1m, 5m)`],
          'a flag',
        );
      }
      const specs = choose(await loadDashboards(flags.rules), flags.dashboard);
      const server = await DashboardServer.start({
        specs,
        run: questdbRunner(context),
        namespace: namespaceOf(context),
        logger: context.logger.child({ component: 'dashboards-serve' }),
        host: flags.host,
        port: flags.port,
        refreshMs,
        variables: variablesOf(flags.var ?? [], specs),
      });
      context.onClose(() => server.close());
      context.logger.info({ url: server.url, refreshMs }, `dashboards served at ${server.url}`);
      process.stdout.write(
        `serving ${specs.length} dashboard(s) at ${server.url}/ (every ${flags.refresh})\n`,
      );
      await new Promise<void>((resolve) => {
        if (context.signal.aborted) resolve();
        else context.signal.addEventListener('abort', () => resolve(), { once: true });
      });
    });
}
