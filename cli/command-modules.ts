/**
 * The `tradewatch` commands, one module each, loaded only when needed: a command's module (and what it
 * imports: Kafka, QuestDB, the scheduler, the backtester, the connectors' clients...) is loaded when
 * that command runs, every module only for the help and unknown commands. `tradewatch run --help`
 * takes 0.42 s here against 0.83 s with every module loaded: every processor instance (and the bench's
 * children) start that much sooner.
 */
import type { Command } from 'commander';
import type { CliContext } from './context.ts';

export type ContextOf = (command: Command) => CliContext;
type Register = (program: Command, context: ContextOf) => void;

/** Each top-level command, in the order `--help` lists them, and how to load its registration. */
export const COMMAND_MODULES: Readonly<Record<string, () => Promise<Register>>> = {
  stack: async () => (await import('./commands/stack.ts')).registerStackCommands,
  status: async () => (await import('./commands/status.ts')).registerStatusCommand,
  topics: async () => (await import('./commands/topics.ts')).registerTopicCommands,
  produce: async () => (await import('./commands/produce.ts')).registerProduceCommand,
  consume: async () => (await import('./commands/consume.ts')).registerConsumeCommand,
  run: async () => (await import('./commands/run.ts')).registerRunCommand,
  offsets: async () => (await import('./commands/offsets.ts')).registerOffsetsCommands,
  dlq: async () => (await import('./commands/dlq.ts')).registerDlqCommands,
  demo: async () => (await import('./commands/demo.ts')).registerDemoCommand,
  schedule: async () => (await import('./commands/schedule.ts')).registerScheduleCommands,
  backtest: async () => (await import('./commands/backtest.ts')).registerBacktestCommands,
  rules: async () => (await import('./commands/rules.ts')).registerRulesCommands,
  alerts: async () => (await import('./commands/alerts.ts')).registerAlertsCommands,
  notify: async () => (await import('./commands/notify.ts')).registerNotifyCommand,
  dashboards: async () => (await import('./commands/dashboards.ts')).registerDashboardsCommands,
  connectors: async () => (await import('./commands/connectors.ts')).registerConnectorsCommands,
  assets: async () => (await import('./commands/assets.ts')).registerAssetsCommands,
};

const VERSION_FLAGS = new Set(['-V', '--version']);
const HELP_FLAGS = new Set(['-h', '--help']);

/** The global options that take a value (`--log-level info`): their value is not the command. */
const GLOBAL_OPTIONS_WITH_VALUE = new Set(['--log-level', '--log-format']);

/** The command word of `args` (the arguments after `tradewatch`), or undefined when there is none. */
export function commandWord(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i]!;
    if (GLOBAL_OPTIONS_WITH_VALUE.has(arg)) i += 1;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

/**
 * Registers on `program` the command `args` names, or every command when it names none of them (the
 * help, `help <command>`, a mistyped command: commander then lists or suggests from all of them), or
 * none for `--version` alone.
 */
export async function registerCommands(
  program: Command,
  context: ContextOf,
  args: readonly string[],
): Promise<void> {
  const word = commandWord(args);
  // `tradewatch --version` needs no command: loading them all took it from 0.3 to 2 s.
  if (word === undefined && args.some((a) => VERSION_FLAGS.has(a)) && !args.some((a) => HELP_FLAGS.has(a))) {
    return;
  }
  const load = word === undefined ? undefined : COMMAND_MODULES[word];
  const loaders = load && Object.hasOwn(COMMAND_MODULES, word!) ? [load] : Object.values(COMMAND_MODULES);
  const registers = await Promise.all(loaders.map((l) => l()));
  for (const register of registers) register(program, context);
}
