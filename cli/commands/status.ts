/**
 * `tradewatch status`: the whole system at a glance for an operator: the stack, the processors'
 * consumer groups, the instances' heartbeats, dead letters and late records of the last hour, firing
 * alerts, the scheduler and the dispatcher. Text in 80 columns, or `--json` (runtime/status/types.ts).
 * Exit codes: 0 healthy; 1 unhealthy (the problems are listed); 2 bad flags or configuration.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { systemClock } from '../../core/clock.ts';
import { DURATION_FORMS, parseDuration } from '../../core/durations.ts';
import { closest } from '../../core/problems.ts';
import { PROCESSOR_NAMES } from '../../processors/index.ts';
import type { CliContext } from '../context.ts';
import { parsePositiveInt } from '../parse.ts';
import { formatStatus } from '../status/format.ts';
import { DISPATCH, gatherStatus } from '../status/gather.ts';

const GROUP_NAMES: readonly string[] = [...PROCESSOR_NAMES, DISPATCH];

export const STATUS_HEALTH_RULES = `Health (exit 1 when any holds, else 0; 2 on bad flags or configuration):
  - a part did not answer within --timeout, or Kafka, QuestDB or PostgreSQL
    is down;
  - a deployed processor (or the dispatcher) has no running instance, or is
    more than --max-lag records behind;
  - an instance's heartbeat is missing (older than TW_HEARTBEAT_INTERVAL_MS
    plus 10 s, and not a retirement: a graceful stop retires an instance);
  - a critical alert is firing;
  - a scheduled run failed, timed out or was lost within --window;
  - a notification is failing to be delivered, or was refused for good
    within --window.
Deployed: named in --processors, else every processor whose consumer group
has committed offsets or members.`;

interface StatusFlags {
  json?: boolean;
  processors?: string[];
  maxLag: number;
  window: number;
  timeout: number;
  maxRecords: number;
}

export function registerStatusCommand(program: Command, context: (c: Command) => CliContext): void {
  program
    .command('status')
    .description(
      'the system at a glance: stack, processors (lag, last commit, instances), heartbeats, dead ' +
        'letters and late records, firing alerts, scheduler, dispatcher; exit 1 when unhealthy',
    )
    .option('--json', 'one JSON object (README, "tradewatch status")')
    .option(
      '--processors <names>',
      `comma-separated processors that must be running (${GROUP_NAMES.join(', ')}); default: those deployed`,
      parseGroupNames,
    )
    .option('--max-lag <records>', 'lag above which a processor is unhealthy', parsePositiveInt, 10_000)
    .addOption(
      new Option('--window <duration>', 'the window of dead-letter, late, failure and refusal counts')
        .argParser(parseWindow)
        .default(3_600_000, '1h'),
    )
    .addOption(
      new Option('--timeout <duration>', 'deadline of each part').argParser(parseWindow).default(5000, '5s'),
    )
    .option(
      '--max-records <n>',
      'read at most this many dlq (and late) records; beyond, the newest',
      parsePositiveInt,
      100_000,
    )
    .addHelpText('after', `\n${STATUS_HEALTH_RULES}`)
    .action(async (flags: StatusFlags, cmd: Command) => {
      const ctx = context(cmd);
      const report = await gatherStatus(ctx, {
        ...(flags.processors === undefined ? {} : { processors: flags.processors }),
        maxLag: flags.maxLag,
        windowMs: flags.window,
        partTimeoutMs: flags.timeout,
        maxRecords: flags.maxRecords,
        clock: systemClock,
      });
      process.stdout.write(flags.json === true ? `${JSON.stringify(report)}\n` : formatStatus(report));
      if (!report.healthy) process.exitCode = 1;
    });
}

/** Commander parser: comma-separated processor names (and `dispatch`), with a did-you-mean (exit 2). */
function parseGroupNames(raw: string): string[] {
  const names = raw
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  for (const name of names) {
    if (GROUP_NAMES.includes(name)) continue;
    const guess = closest(name, GROUP_NAMES);
    throw new InvalidArgumentError(
      `unknown processor "${name}"${guess === undefined ? '' : ` (did you mean "${guess}"?)`}; ` +
        `choose from ${GROUP_NAMES.join(', ')}`,
    );
  }
  return names;
}

function parseWindow(raw: string): number {
  const ms = parseDuration(raw);
  if (ms === undefined || ms <= 0) throw new InvalidArgumentError(`expected ${DURATION_FORMS}, above 0`);
  return ms;
}
