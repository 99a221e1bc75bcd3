/**
 * `tradewatch dlq list | replay`: the dead letters, one entry per record however many processors
 * dead-lettered it, and their replay to the source topic once what made them fail is fixed.
 */
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { TradewatchError } from '../../core/errors.ts';
import {
  planReplay,
  readDeadLetterLog,
  replayDeadLetters,
  selectDeadLetters,
  type DeadLetterEntry,
  type DeadLetterFilter,
} from '../../runtime/dlq/index.ts';
import { physicalName } from '../../topics/index.ts';
import type { CliContext } from '../context.ts';
import { WHEN, collect, parsePositiveInt, parseWhen } from '../parse.ts';

interface SelectFlags {
  topic?: string;
  code?: string;
  failedBy?: string;
  since?: string;
  until?: string;
  id?: string[];
}

interface ListFlags extends SelectFlags {
  json?: boolean;
  limit?: number;
}

interface ReplayFlags extends SelectFlags {
  all?: boolean;
  force?: boolean;
  dryRun?: boolean;
}

function withSelection(command: Command): Command {
  return command
    .option('--topic <topic>', 'only records of this source topic (logical name, see `topics list`)')
    .option(
      '--code <code>',
      'only records that failed with this error code (e.g. TW_DECODE_NOT_SINGLE_OBJECT)',
    )
    .option('--failed-by <processor>', 'only records this processor (or tool) dead-lettered')
    .option('--since <when>', `only records that first failed at or after this: ${WHEN}`)
    .option('--until <when>', 'only records that first failed before this (same forms as --since)')
    .option(
      '--id <topic:partition:offset>',
      'only this record (as `dlq list` shows it; repeat for several)',
      collect,
    );
}

function filterOf(flags: SelectFlags, prefix: string, now: number): DeadLetterFilter {
  return {
    ...(flags.topic === undefined ? {} : { topic: physicalName(flags.topic, prefix) }),
    ...(flags.code === undefined ? {} : { code: flags.code }),
    ...(flags.failedBy === undefined ? {} : { failedBy: flags.failedBy }),
    ...(flags.since === undefined ? {} : { since: parseWhen(flags.since, now) }),
    ...(flags.until === undefined ? {} : { until: parseWhen(flags.until, now) }),
    ...(flags.id === undefined ? {} : { ids: flags.id }),
  };
}

async function readSelected(ctx: CliContext, flags: SelectFlags): Promise<DeadLetterEntry[]> {
  const prefix = ctx.config.kafka.topicPrefix;
  const kafka = ctx.kafka();
  const admin = await kafka.admin();
  ctx.onClose(() => admin.close());
  const entries = await readDeadLetterLog(kafka, admin, {
    dlq: physicalName('dlq', prefix),
    replays: physicalName('dlq.replays', prefix),
  });
  return selectDeadLetters(entries, filterOf(flags, prefix, Date.now()));
}

/** The source topic without TOPIC_PREFIX, as people name it. */
const logical = (topic: string, prefix: string): string =>
  prefix !== '' && topic.startsWith(prefix) ? topic.slice(prefix.length) : topic;

const iso = (ts: number): string => new Date(ts).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** An entry for a terminal: a heading line, then each failure's code and message, wrapped at 80 columns. */
function describe(entry: DeadLetterEntry, prefix: string): string {
  const where = `${logical(entry.source.topic, prefix)}[${entry.source.partition}]@${entry.source.offset}`;
  const lines = [`${iso(entry.failures[0]!.failedAt)}  ${where}`, `  id ${entry.id}`];
  for (const f of entry.failures) {
    lines.push(`  ${f.code} by ${f.failedBy || '?'}:`);
    lines.push(...wrap(f.message, 76).map((l) => `    ${l}`));
  }
  if (entry.replayOf !== undefined) {
    lines.push(`  a replay of ${entry.replayOf.id}, which had failed with ${entry.replayOf.code}:`);
    lines.push(...wrap(entry.replayOf.message, 76).map((l) => `    ${l}`));
  }
  if (entry.replays.length > 0) {
    lines.push(`  replayed ${entry.replays.length}×, last at ${iso(entry.replays.at(-1)!.at)}`);
  }
  return lines.join('\n');
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/\s+/)) {
      if (line !== '' && line.length + 1 + word.length > width) {
        out.push(line);
        line = word;
      } else line = line === '' ? word : `${line} ${word}`;
    }
    if (line !== '') out.push(line);
  }
  return out;
}

function toJson(entry: DeadLetterEntry) {
  return {
    id: entry.id,
    source: entry.source,
    failures: entry.failures.map((f) => ({
      code: f.code,
      message: f.message,
      failed_at: iso(f.failedAt),
      failed_by: f.failedBy,
      dlq: f.dlq,
    })),
    key: entry.key?.toString('utf8') ?? null,
    value_size: entry.value?.length ?? 0,
    replay_of: entry.replayOf ?? null,
    replays: entry.replays.map((r) => ({ at: iso(r.at), forced: r.forced })),
  };
}

export function registerDlqCommands(program: Command, context: (c: Command) => CliContext): void {
  const dlq = program
    .command('dlq')
    .description('dead letters: records that could not be decoded or validated, and their replay');

  withSelection(
    dlq
      .command('list')
      .description(
        'list dead letters, one entry per record (a record two processors dead-lettered is one entry ' +
          'with two failures), oldest first, with its errors and its replays',
      ),
  )
    .option('--json', 'print one JSON array for scripts')
    .option('-n, --limit <count>', 'show only the newest this many', parsePositiveInt)
    .action(async (opts: ListFlags, command: Command) => {
      const ctx = context(command);
      let entries = await readSelected(ctx, opts);
      if (opts.limit !== undefined) entries = entries.slice(-opts.limit);
      if (opts.json === true) {
        process.stdout.write(`${JSON.stringify(entries.map(toJson), null, 2)}\n`);
        return;
      }
      if (entries.length === 0) {
        process.stdout.write('no dead letters match\n');
        return;
      }
      const prefix = ctx.config.kafka.topicPrefix;
      const codes = new Map<string, number>();
      for (const e of entries) for (const f of e.failures) codes.set(f.code, (codes.get(f.code) ?? 0) + 1);
      process.stdout.write(`${entries.map((e) => describe(e, prefix)).join('\n\n')}\n\n`);
      process.stdout.write(
        `${entries.length} record(s), ${[...codes].map(([c, n]) => `${n} ${c}`).join(', ')}\n`,
      );
    });

  withSelection(
    dlq
      .command('replay')
      .description(
        're-produce the chosen dead letters, unchanged, to the partition of the source topic they came ' +
          'from, in one transaction, marked in tw.replay.* headers; a record replayed before is refused ' +
          'unless --force. Fix what made them fail first (code, configuration, schema)',
      ),
  )
    .option('--all', 'replay every dead letter (without it, at least one selection flag is required)')
    .option('--force', 'replay records that were replayed before too')
    .option('--dry-run', 'list what would be replayed, and re-produce nothing')
    .action(async (opts: ReplayFlags, command: Command) => {
      const ctx = context(command);
      const selective = ['topic', 'code', 'failedBy', 'since', 'until', 'id'].some(
        (k) => opts[k as keyof SelectFlags] !== undefined,
      );
      if (!selective && opts.all !== true) {
        throw new TradewatchError(
          'TW_INPUT_INVALID',
          'say which dead letters to replay: --topic, --code, --failed-by, --since, --until or --id ' +
            '(see `tradewatch dlq list`), or --all for every one',
        );
      }
      const entries = await readSelected(ctx, opts);
      const plan = planReplay(entries, opts.force === true);
      const prefix = ctx.config.kafka.topicPrefix;
      if (opts.dryRun === true) {
        for (const e of plan.replay) process.stdout.write(`would replay ${e.id}\n`);
        for (const e of plan.refused)
          process.stdout.write(`would refuse ${e.id}: replayed before (--force)\n`);
        process.stdout.write(
          `dry run, nothing replayed: ${plan.replay.length} to replay, ${plan.refused.length} refused\n`,
        );
        return;
      }
      if (entries.length === 0) {
        process.stdout.write('no dead letters match: nothing replayed\n');
        return;
      }
      const producer = await ctx.kafka().producer({
        transactionalId: `${ctx.config.kafka.clientId}-dlq-replay-${randomUUID()}`,
      });
      ctx.onClose(() => producer.close());
      await replayDeadLetters(producer, plan, {
        replaysTopic: physicalName('dlq.replays', prefix),
        now: Date.now(),
        force: opts.force === true,
      });
      const topics = new Map<string, number>();
      for (const e of plan.replay) {
        const t = logical(e.source.topic, prefix);
        topics.set(t, (topics.get(t) ?? 0) + 1);
      }
      process.stdout.write(
        `replayed ${plan.replay.length} record(s) in one transaction: ` +
          `${[...topics].map(([t, n]) => `${n} to ${t}`).join(', ')}\n`,
      );
    });
}
