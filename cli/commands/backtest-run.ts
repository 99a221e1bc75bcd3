/**
 * `tradewatch backtest run | list | show | compare | verify | report`: a backtest run in this process
 * (slices across worker threads), its versioned artifacts, and what can be done with them.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { artifactFiles, findArtifact, listArtifacts, readResult } from '../../backtest/artifacts.ts';
import { loadBacktestConfig, parseBacktestConfig, type BacktestConfig } from '../../backtest/config.ts';
import { progressLine } from '../../backtest/progress.ts';
import type { BacktestMetrics } from '../../backtest/result.ts';
import { reportRenderer, runBacktestHere } from '../../backtest/run.ts';
import { renderBacktestComparison } from '../../backtest/report/index.ts';
import { timeSlices } from '../../backtest/engine/index.ts';
import { systemClock } from '../../core/clock.ts';
import { TradewatchError } from '../../core/errors.ts';
import { parseEndpoint } from '../../sinks/questdb/endpoint.ts';
import type { CliContext } from '../context.ts';
import { parsePositiveInt } from '../parse.ts';
import { table } from '../table.ts';

const DEFAULT_ARTIFACTS = 'artifacts';

function parseTime(raw: string): number {
  const ms = Date.parse(raw);
  if (!/\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:\d{2})$/.test(raw) || Number.isNaN(ms)) {
    throw new InvalidArgumentError(
      `expected an ISO-8601 time with a zone (2025-06-01T00:00:00Z), got "${raw}"`,
    );
  }
  return ms;
}

interface RunFlags {
  json?: boolean;
  artifacts: string;
  threads?: number;
  knownAt?: number;
  questdb: boolean;
}

/** Runs `config` here; returns the outcome (the CLI prints it). */
async function run(ctx: CliContext, config: BacktestConfig, flags: RunFlags) {
  return runBacktestHere(config, {
    history: {
      endpoint: parseEndpoint(ctx.config.questdb.httpUrl),
      namespace: ctx.config.namespace,
      knownAt: flags.knownAt ?? systemClock.now(),
    },
    artifactsDir: flags.artifacts,
    ...(flags.threads === undefined ? {} : { threads: flags.threads }),
    progress: progressLine(`backtest ${config.id}`, timeSlices(config).length),
    report: reportRenderer(),
    questdb: flags.questdb
      ? { httpUrl: ctx.config.questdb.httpUrl, logger: ctx.logger, namespace: ctx.config.namespace }
      : null,
  });
}

const shown = (v: number | null): string => (v === null ? '—' : Number(v.toPrecision(6)).toString());

/** The metrics as rows (one per metric; per-K ones one per K). */
function metricRows(metrics: BacktestMetrics): { metric: string; value: string }[] {
  return Object.entries(metrics).flatMap(([name, value]) =>
    value !== null && typeof value === 'object'
      ? Object.entries(value as Record<string, number | null>).map(([k, v]) => ({
          metric: `${name.replace('_at_k', '')}@${k}`,
          value: shown(v),
        }))
      : [{ metric: name, value: shown(value as number | null) }],
  );
}

export function registerBacktestRunCommands(backtest: Command, context: (c: Command) => CliContext): void {
  const artifactsOption = ['--artifacts <dir>', 'where artifacts are', DEFAULT_ARTIFACTS] as const;
  backtest
    .command('run')
    .description('run a backtest config (version 2) here, slices across worker threads; write its artifact')
    .argument('<config>', 'the config file, YAML or JSON (format: backtest/README.md)')
    .option('--json', 'print one JSON object: id, version, artifact, metrics')
    .option(...artifactsOption)
    .option('--threads <n>', 'worker threads (default: the CPUs)', parsePositiveInt)
    .option('--known-at <time>', 'take history as known at this time (default: now)', parseTime)
    .option('--no-questdb', 'do not write the results to QuestDB')
    .action(async (file: string, flags: RunFlags, command: Command) => {
      const ctx = context(command);
      const config = await loadBacktestConfig(file);
      const { result, artifact } = await run(ctx, config, flags);
      const { id, version } = result.manifest;
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ id, version, artifact, metrics: result.metrics })}\n`);
        return;
      }
      process.stdout.write(
        `backtest ${id} version ${version}: ${result.metrics.periods} periods, ${result.alerts.length} alert(s)\n` +
          `artifact: ${artifact}\n\n${table(metricRows(result.metrics))}\n`,
      );
    });

  backtest
    .command('list')
    .description('list the artifacts, newest first')
    .option(...artifactsOption)
    .option('--json', 'one JSON object per line')
    .action(async (flags: { artifacts: string; json?: boolean }) => {
      const found = await listArtifacts(flags.artifacts);
      const rows = found.map((a) => ({
        id: a.manifest.id,
        version: a.manifest.version,
        periods: a.metrics.periods,
        total_return: shown(a.metrics.total_return),
        sharpe: shown(a.metrics.sharpe),
        max_drawdown: shown(a.metrics.max_drawdown),
        artifact: a.dir,
      }));
      if (flags.json) for (const r of rows) process.stdout.write(`${JSON.stringify(r)}\n`);
      else process.stdout.write(`${table(rows)}\n`);
    });

  backtest
    .command('show')
    .description('show an artifact: its metrics and manifest')
    .argument('<id>', 'a backtest id (its newest version), <id>/<version> or an artifact folder')
    .option(...artifactsOption)
    .option('--json', 'the manifest and metrics as one JSON object')
    .action(async (ref: string, flags: { artifacts: string; json?: boolean }) => {
      const a = await findArtifact(flags.artifacts, ref);
      if (flags.json) {
        process.stdout.write(
          `${JSON.stringify({ artifact: a.dir, manifest: a.manifest, metrics: a.metrics })}\n`,
        );
        return;
      }
      const m = a.manifest;
      process.stdout.write(
        `backtest ${m.id} version ${m.version} (${a.dir})\n` +
          `code ${m.code.commit ?? 'unknown'}${m.code.dirty ? ' (dirty)' : ''}, node ${m.node}, tradewatch ${m.tradewatch}\n` +
          `config ${m.configDigest.slice(0, 12)}, inputs ${Object.entries(m.inputs)
            .map(([k, v]) => `${k} ${v.slice(0, 12)}`)
            .join(', ')}\n\n${table(metricRows(a.metrics))}\n`,
      );
    });

  backtest
    .command('compare')
    .description('two artifacts’ metrics side by side')
    .argument('<a>', 'a backtest id, <id>/<version> or an artifact folder')
    .argument('<b>', 'the same for the other')
    .option(...artifactsOption)
    .option('--json', 'one JSON object: a, b and their metrics')
    .option('--html <file>', 'also write the two reports side by side to this file')
    .action(
      async (refA: string, refB: string, flags: { artifacts: string; json?: boolean; html?: string }) => {
        const [a, b] = [await findArtifact(flags.artifacts, refA), await findArtifact(flags.artifacts, refB)];
        if (flags.html !== undefined) {
          await writeFile(
            flags.html,
            renderBacktestComparison(await readResult(a.dir), await readResult(b.dir)),
          );
        }
        if (flags.json) {
          process.stdout.write(
            `${JSON.stringify({ a: { artifact: a.dir, metrics: a.metrics }, b: { artifact: b.dir, metrics: b.metrics } })}\n`,
          );
          return;
        }
        const rowsA = metricRows(a.metrics);
        const rowsB = new Map(metricRows(b.metrics).map((r) => [r.metric, r.value]));
        const label = (x: typeof a) => `${x.manifest.id}/${x.manifest.version.slice(0, 8)}`;
        process.stdout.write(
          `${table(rowsA.map((r) => ({ metric: r.metric, [label(a)]: r.value, [label(b)]: rowsB.get(r.metric) ?? '—' })))}\n`,
        );
      },
    );

  backtest
    .command('verify')
    .description('re-run an artifact’s config and say what differs (exit 1 when anything does)')
    .argument('<artifact>', 'an artifact folder, <id>/<version> or an id')
    .option(...artifactsOption)
    .option('--known-at <time>', 'take history as known at this time (default: now)', parseTime)
    .action(async (ref: string, flags: { artifacts: string; knownAt?: number }, command: Command) => {
      const ctx = context(command);
      const stored = await findArtifact(flags.artifacts, ref);
      const config = parseBacktestConfig(
        JSON.stringify(stored.manifest.config),
        join(stored.dir, 'manifest.json'),
      );
      const scratch = join(flags.artifacts, '.verify');
      const { result, artifact } = await run(ctx, config, { ...flags, artifacts: scratch, questdb: false });
      const differences: string[] = [];
      if (result.manifest.version !== stored.manifest.version) {
        differences.push(`version: ${stored.manifest.version} then, ${result.manifest.version} now`);
        for (const [name, digest] of Object.entries(result.manifest.inputs)) {
          if (stored.manifest.inputs[name] !== digest)
            differences.push(`input ${name}: its query gives other rows now`);
        }
        for (const key of ['code', 'lockfileDigest', 'node', 'tradewatch'] as const) {
          if (JSON.stringify(stored.manifest[key]) !== JSON.stringify(result.manifest[key])) {
            differences.push(
              `${key}: ${JSON.stringify(stored.manifest[key])} then, ${JSON.stringify(result.manifest[key])} now`,
            );
          }
        }
      }
      const files = artifactFiles(result, config.ks, reportRenderer());
      for (const [name, text] of Object.entries(files)) {
        if (name === 'manifest.json') continue;
        const before = await readFile(join(stored.dir, name), 'utf8').catch(() => undefined);
        if (before !== text) differences.push(`${name} differs (re-run: ${join(artifact, name)})`);
      }
      if (differences.length > 0) {
        throw new TradewatchError(
          'TW_BACKTEST_DIFFERS',
          `the re-run of ${stored.dir} differs:\n${differences.map((d) => `  - ${d}`).join('\n')}`,
          { details: { artifact: stored.dir, differences } },
        );
      }
      process.stdout.write(`${stored.dir}: verified, the re-run gives the same version and files\n`);
    });

  backtest
    .command('report')
    .description('write report.html of an artifact (and print where it is)')
    .argument('<id>', 'a backtest id (its newest version), <id>/<version> or an artifact folder')
    .option(...artifactsOption)
    .action(async (ref: string, flags: { artifacts: string }) => {
      const stored = await findArtifact(flags.artifacts, ref);
      const file = join(stored.dir, 'report.html');
      await writeFile(file, reportRenderer()(await readResult(stored.dir)));
      process.stdout.write(`${file}\n`);
    });
}
