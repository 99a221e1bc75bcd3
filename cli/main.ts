/**
 * The entry point of the `tradewatch` command. It alone owns the process: it turns SIGINT/SIGTERM into
 * an abort signal the commands observe, releases resources in reverse order, prints errors as a person
 * needs them (code, what, how to fix), and exits with an honest code:
 *   0 success, including a clean stop on SIGINT/SIGTERM · 1 the operation failed, or a stop did not
 *   finish within TW_SHUTDOWN_TIMEOUT_MS and was forced · 2 invalid configuration (environment, flags,
 *   the rules file) or usage ·
 *   128+n a second signal n cut the shutdown short.
 */
import { readFile } from 'node:fs/promises';
import { Command, CommanderError } from 'commander';
import { ConfigError, TradewatchError, toError } from '../core/errors.ts';
import { registerCommands } from './command-modules.ts';
import { CliContext, type GlobalFlags } from './context.ts';

const { version: PACKAGE_VERSION } = JSON.parse(
  await readFile(new URL('../package.json', import.meta.url), 'utf8'),
) as { version: string };

/** Codes of invalid input besides ConfigError: fix it and try again (exit 2). */
const BAD_INPUT = new Set<string>([
  'TW_RULES_INVALID',
  'TW_RULE_TEST_INVALID',
  'TW_JOB_INVALID',
  'TW_JOB_UNKNOWN',
  'TW_BACKTEST_INVALID',
  'TW_BACKTEST_NOT_FOUND',
  'TW_ALERT_UNKNOWN',
  'TW_SILENCE_UNKNOWN',
]);

const abort = new AbortController();
let stoppedBy: NodeJS.Signals | undefined;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (stoppedBy) {
      // A second signal: the user wants out now.
      process.exit(128 + (sig === 'SIGINT' ? 2 : 15));
    }
    stoppedBy = sig;
    const deadlineMs = context?.config.shutdownTimeoutMs ?? 30_000;
    setTimeout(() => {
      process.stderr.write(
        `tradewatch: TW_TIMEOUT: the shutdown after ${sig} did not finish within ${deadlineMs} ms ` +
          '(TW_SHUTDOWN_TIMEOUT_MS): forced. Uncommitted records will be processed again on restart.\n',
      );
      process.exit(1);
    }, deadlineMs).unref();
    abort.abort(new Error(`stopped by ${sig}`));
  });
}

let context: CliContext | undefined;
/** Lazily builds the context, so that `--help` works even with a broken configuration. */
const getContext = (command: Command): CliContext => {
  context ??= new CliContext(command.optsWithGlobals<GlobalFlags>(), abort.signal);
  return context;
};

const program = new Command('tradewatch')
  .description('Watch and automate an automated trading stack through Kafka and QuestDB.')
  .option(
    '--log-level <level>',
    'minimum log level (fatal, error, warn, info, debug, trace, silent); env TW_LOG_LEVEL',
  )
  .option('--log-format <format>', 'json or pretty; env TW_LOG_FORMAT (default: pretty on a terminal)')
  .version(PACKAGE_VERSION, '-V, --version', 'print the tradewatch version')
  .showHelpAfterError()
  .exitOverride();

// Only the module of the command being run is loaded (all of them for the help).
await registerCommands(program, getContext, process.argv.slice(2));

let exitCode = 0;
try {
  await program.parseAsync(process.argv);
} catch (error: unknown) {
  exitCode = report(error);
} finally {
  try {
    await context?.close();
  } catch (error: unknown) {
    if (exitCode === 0) exitCode = report(error);
  }
}

if (exitCode !== 0) {
  // Commands that finish but report a failure (drift, an unhealthy stack) set process.exitCode themselves.
  process.exitCode = exitCode;
}

function report(thrown: unknown): number {
  if (thrown instanceof CommanderError) {
    // Commander already printed the usage problem (or the help / version text).
    return thrown.exitCode === 0 ? 0 : 2;
  }
  const error = toError(thrown);
  if (error instanceof TradewatchError) {
    process.stderr.write(`tradewatch: ${error.code}: ${error.message}\n`);
    if (!(error instanceof ConfigError) && context?.config.log.level === 'debug') {
      process.stderr.write(`${error.stack ?? ''}\n`);
    }
    // Invalid configuration, including a rules file: fix it and start again.
    return error instanceof ConfigError || BAD_INPUT.has(error.code) ? 2 : 1;
  }
  process.stderr.write(
    `tradewatch: TW_INTERNAL: ${error.stack ?? error.message}\nThis is a bug: please report it.\n`,
  );
  return 1;
}
