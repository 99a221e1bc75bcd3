/**
 * `tradewatch connectors`: runs the connectors of connectors.yaml (connectors/README.md) with the real
 * clients: Kafka through the port, the connector store on PostgreSQL (DATABASE_URL), the credentials
 * from the environment variables the file names. `run` is long-running (each connector every
 * `cadence`, due times from its last run in Postgres, so a restart keeps the pace) or `--once`;
 * `backfill` reads a window; `replay` normalizes a stored run again without the network. Exit 0 when
 * every run succeeded, 1 when one failed or was partial, 2 on an invalid file or flag.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { setTimeout as delay } from 'node:timers/promises';
import { systemClock } from '../../core/clock.ts';
import { formatDuration } from '../../core/durations.ts';
import {
  connectorFreshnessSources,
  createConnector,
  loadConnectorsConfig,
  resolveCredential,
  runConnector,
  runConnectorsOnce,
  selectConnectors,
  ConnectorStore,
  type ConnectorConfig,
  type ConnectorsConfig,
  type RunRequest,
  type RunSummary,
} from '../../connectors/index.ts';
import { parseIsoTimestamp } from '../../schemas/index.ts';
import type { CliContext } from '../context.ts';

type Context = (c: Command) => CliContext;

const DEFAULT_CONFIG = 'connectors.yaml';
const WHEN = 'an ISO-8601 time with a zone (2026-01-01T00:00:00Z) or a date (2026-01-01, UTC)';

function parseTime(raw: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(raw) ? Date.parse(`${raw}T00:00:00Z`) : parseIsoTimestamp(raw);
  if (ms === undefined || Number.isNaN(ms))
    throw new InvalidArgumentError(`expected ${WHEN}, found "${raw}"`);
  return ms;
}

/** One line per run on standard output (JSON with --json). */
function print(summary: RunSummary, asJson: boolean): void {
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K'); // clear the progress line
  if (asJson) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return;
  }
  const parts = [
    summary.connector,
    summary.mode,
    summary.status,
    `rows=${summary.rows}`,
    `requests=${summary.requests}`,
    `not_modified=${summary.notModified}`,
    `quarantined=${summary.quarantined}`,
    `drift=${summary.drift.length}`,
    `flagged=${summary.flagged}`,
  ];
  if (summary.failedExpectations.length > 0)
    parts.push(`failed_expectations=${summary.failedExpectations.join('; ')}`);
  if (summary.error !== null) parts.push(`error=${summary.error}`);
  process.stdout.write(`${parts.join('  ')}\n`);
}

/** What every subcommand opens: the file, the store, a producer, and the runners' dependencies. */
async function open(ctx: CliContext, file: string) {
  const config: ConnectorsConfig = await loadConnectorsConfig(file);
  const store = new ConnectorStore({
    url: ctx.config.postgres.url,
    logger: ctx.logger,
    schema: ctx.config.namespace.postgresSchema,
  });
  ctx.onClose(() => store.close());
  await store.start();
  const producer = await ctx.kafka().producer();
  ctx.onClose(() => producer.close());
  const deps = {
    store,
    producer,
    registry: await ctx.registry(),
    topicPrefix: ctx.config.kafka.topicPrefix,
    clock: systemClock,
    logger: ctx.logger,
    signal: ctx.signal,
  };
  // Progress on a terminal only: standard error stays clean for logs otherwise.
  const onProgress = (connector: ConnectorConfig, p: { scope: string; commits: number; rows: number }) => {
    if (process.stderr.isTTY)
      process.stderr.write(
        `\r${connector.name}: ${p.commits} committed, ${p.rows} rows (last: ${p.scope})\x1b[K`,
      );
  };
  const run = (connector: ConnectorConfig, request: RunRequest): Promise<RunSummary> =>
    runConnector(
      // Credentials are `{ env: NAME }` in the file: the entry point hands over the environment.
      createConnector(connector, resolveCredential(connector, process.env, config.file)),
      connector,
      { ...deps, env: config.env, onProgress: (p) => onProgress(connector, p) },
      request,
    );
  return { config, store, run, deps, onProgress };
}

export function registerConnectorsCommands(program: Command, context: Context): void {
  const connectors = program
    .command('connectors')
    .description(
      'external signals (GitHub, CoinMetrics, Token Terminal) as Signals on `signals` (connectors/README.md)',
    );

  connectors
    .command('run [names...]')
    .description(
      'run the connectors (all, or those named): each every `cadence`, until SIGINT/SIGTERM, or once',
    )
    .option('--config <file>', 'the connectors file', DEFAULT_CONFIG)
    .option('--once', 'run each connector once and exit')
    .option('--json', 'print each run summary as a JSON line')
    .action(
      async (names: string[], flags: { config: string; once?: boolean; json?: boolean }, cmd: Command) => {
        const ctx = context(cmd);
        const { config, store, run, deps, onProgress } = await open(ctx, flags.config);
        if (flags.once === true) {
          // The same code as the scheduler's connector-run template.
          const summaries = await runConnectorsOnce(config, names, {
            ...deps,
            environment: process.env,
            onProgress,
            onSummary: (s) => print(s, flags.json === true),
          });
          if (summaries.some((s) => s.status !== 'success')) process.exitCode = 1;
          return;
        }
        const selected = selectConnectors(config, names);
        for (const c of selected) resolveCredential(c, process.env, config.file); // every problem before any run
        while (!ctx.signal.aborted) {
          let nextDue = Infinity;
          for (const c of selected) {
            const last = await store.lastRun(c.name);
            const due = last === undefined ? 0 : last.finishedAt + c.cadenceMs;
            if (due <= systemClock.now() && !ctx.signal.aborted) {
              print(await run(c, { mode: 'run' }), flags.json === true);
              nextDue = Math.min(nextDue, systemClock.now() + c.cadenceMs);
            } else nextDue = Math.min(nextDue, due);
          }
          const wait = Math.max(0, nextDue - systemClock.now());
          ctx.logger.info({ waitMs: wait }, 'connectors: waiting for the next due run');
          await delay(wait, undefined, { signal: ctx.signal }).catch(() => undefined);
        }
      },
    );

  connectors
    .command('backfill <name>')
    .description('read a window of history; resumes from its own checkpoint when run again')
    .requiredOption('--from <time>', `start of the window: ${WHEN}`, parseTime)
    .requiredOption('--to <time>', 'end of the window (exclusive), same forms', parseTime)
    .option('--config <file>', 'the connectors file', DEFAULT_CONFIG)
    .option('--json', 'print the run summary as a JSON line')
    .action(
      async (
        name: string,
        flags: { from: number; to: number; config: string; json?: boolean },
        cmd: Command,
      ) => {
        if (flags.to <= flags.from) throw new InvalidArgumentError('--to must be after --from');
        const ctx = context(cmd);
        const { config, run } = await open(ctx, flags.config);
        const [connector] = selectConnectors(config, [name]);
        const summary = await run(connector!, {
          mode: 'backfill',
          window: { fromMs: flags.from, toMs: flags.to },
        });
        print(summary, flags.json === true);
        if (summary.status !== 'success') process.exitCode = 1;
      },
    );

  connectors
    .command('replay <name>')
    .description(
      'normalize a stored run again from the raw cache, without the network, and publish its signals again',
    )
    .requiredOption('--run <id>', 'the run id (from a run summary or the IngestRun run_id)')
    .option('--config <file>', 'the connectors file', DEFAULT_CONFIG)
    .option('--json', 'print the run summary as a JSON line')
    .action(async (name: string, flags: { run: string; config: string; json?: boolean }, cmd: Command) => {
      const ctx = context(cmd);
      const { config, run } = await open(ctx, flags.config);
      const [connector] = selectConnectors(config, [name]);
      const summary = await run(connector!, { mode: 'replay', runId: flags.run });
      print(summary, flags.json === true);
      if (summary.status !== 'success') process.exitCode = 1;
    });

  connectors
    .command('freshness')
    .description(
      'print the freshness overrides that watch each connector at its cadence (for a freshness file; `run --connectors` applies them itself)',
    )
    .option('--config <file>', 'the connectors file', DEFAULT_CONFIG)
    .action(async (flags: { config: string }) => {
      const config = await loadConnectorsConfig(flags.config);
      const lines = [
        '# under `- topic: ingest.runs` of the freshness file (processors/freshness/README.md)',
        'overrides:',
      ];
      for (const s of connectorFreshnessSources(config)) {
        lines.push(
          `  - { key: ${s.key}, cadence: ${formatDuration(s.cadenceMs)}, slack: ${formatDuration(s.slackMs)} }`,
        );
      }
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
