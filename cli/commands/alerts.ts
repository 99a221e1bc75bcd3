/**
 * `tradewatch alerts ...`: the alerts the dispatcher knows (PostgreSQL at DATABASE_URL), their
 * acknowledgements and the silences (sinks/dispatch/README.md). Exit codes as cli/main.ts: 0 done;
 * 1 Postgres unavailable; 2 bad input (a bad flag, TW_ALERT_UNKNOWN, TW_SILENCE_UNKNOWN).
 */
import { userInfo } from 'node:os';
import { InvalidArgumentError, type Command } from 'commander';
import { DURATION_FORMS, parseDuration } from '../../core/durations.ts';
import type { LabelMatcher } from '../../core/label-matchers.ts';
import { systemClock } from '../../core/clock.ts';
import { compareAlerts, readAlertState } from '../../runtime/alert-state.ts';
import type { Alert } from '../../schemas/index.ts';
import { toError } from '../../core/errors.ts';
import {
  DispatchStore,
  parseMatcher,
  showMatcher,
  silencing,
  type AlertState,
  type Silence,
} from '../../sinks/dispatch/index.ts';
import { physicalName } from '../../topics/index.ts';
import type { CliContext } from '../context.ts';
import { table } from '../table.ts';

type Context = (c: Command) => CliContext;

/**
 * Every alert's state as the `alerts` topic holds it (firing first, most severe first), with what the
 * dispatcher's store adds (acknowledgement, receivers held back, silences that cover it) when PostgreSQL
 * answers; when it does not, the alerts alone and a note on standard error.
 */
async function alertStates(ctx: CliContext, all: boolean): Promise<AlertState[]> {
  const kafka = ctx.kafka();
  const admin = await kafka.admin();
  ctx.onClose(() => admin.close());
  const topic = physicalName('alerts', ctx.config.kafka.topicPrefix);
  // No topic yet (no pipeline has run under this prefix): nothing fires there.
  const inTopic = (await admin.listTopics()).includes(topic)
    ? (await readAlertState(kafka, admin, await ctx.registry(), topic)).alerts
    : new Map<string, Alert>();
  let known = new Map<string, AlertState>();
  let silences: readonly Silence[] = [];
  try {
    const store = await openStore(ctx);
    known = new Map((await store.listAlerts({ all: true })).map((a) => [a.fingerprint, a]));
    silences = await store.listSilences(systemClock.now());
  } catch (e: unknown) {
    process.stderr.write(
      `acknowledgements and silences unknown (the dispatcher's store did not answer: ${toError(e).message})\n`,
    );
  }
  // What the store knows and the topic no longer holds (past its retention) counts too.
  const merged = new Map(inTopic);
  for (const [fingerprint, stored] of known)
    if (!merged.has(fingerprint)) merged.set(fingerprint, stored.alert);
  const alerts = [...merged.values()].filter((a) => all || a.status === 'firing').sort(compareAlerts);
  return alerts.map((alert) => {
    const stored = known.get(alert.fingerprint);
    // An acknowledgement holds for the episode it was given in.
    const ack = stored?.ack != null && stored.alert.starts_at === alert.starts_at ? stored.ack : null;
    const silence = alert.status === 'firing' ? silencing(silences, alert) : undefined;
    const suppressed = stored?.suppressed ?? [];
    return {
      fingerprint: alert.fingerprint,
      alert,
      updatedAt: stored?.updatedAt ?? alert.ts,
      ack,
      suppressed:
        silence !== undefined && suppressed.length === 0
          ? [{ receiver: '*', reason: `silenced by ${silence.id}` }]
          : suppressed,
    };
  });
}

/** The dispatch store of the configuration (DATABASE_URL), started and closed with the context. */
async function openStore(context: CliContext): Promise<DispatchStore> {
  const store = new DispatchStore({
    url: context.config.postgres.url,
    logger: context.logger,
    schema: context.config.namespace.postgresSchema,
  });
  context.onClose(() => store.close());
  await store.start();
  return store;
}

function defaultAuthor(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();

function collectMatcher(raw: string, previous: LabelMatcher[] = []): LabelMatcher[] {
  const m = parseMatcher(raw);
  if ('problem' in m) throw new InvalidArgumentError(m.problem);
  return [...previous, m];
}

function parseFor(raw: string): number {
  const ms = parseDuration(raw);
  if (ms === undefined || ms <= 0) throw new InvalidArgumentError(`expected ${DURATION_FORMS}, above 0`);
  return ms;
}

function parseInstant(raw: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}T/.test(raw) ? Date.parse(raw) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new InvalidArgumentError('expected an ISO 8601 time such as 2026-01-05T18:00:00Z');
  }
  return ms;
}

function alertRow(a: AlertState): Record<string, unknown> {
  return {
    fingerprint: a.fingerprint,
    status: a.alert.status,
    severity: a.alert.severity,
    env: a.alert.env,
    rule: a.alert.rule,
    since: iso(a.alert.starts_at),
    ack: a.ack === null ? '' : `${a.ack.by} ${iso(a.ack.at)}`,
    silenced: a.suppressed.map((s) => `${s.receiver}: ${s.reason}`).join('; '),
    summary: a.alert.summary,
  };
}

function silenceRow(s: Silence, now: number): Record<string, unknown> {
  return {
    id: s.id,
    matchers: s.matchers.map(showMatcher).join(' '),
    state: s.endsAt <= now ? 'ended' : s.startsAt > now ? 'pending' : 'active',
    starts: iso(s.startsAt),
    ends: iso(s.endsAt),
    author: s.author,
    comment: s.comment,
  };
}

export function registerAlertsCommands(program: Command, context: Context): void {
  const alerts = program
    .command('alerts')
    .description('alerts, acknowledgements and silences of the dispatcher (PostgreSQL at DATABASE_URL)');

  alerts
    .command('list')
    .description(
      'the firing alerts, read from the alerts topic itself (whether or not a dispatcher has run), most ' +
        'severe first: since when, acknowledgement, silences and receivers held back (from PostgreSQL)',
    )
    .option('--all', 'resolved alerts too')
    .option('--json', 'one JSON object per line')
    .action(async (flags: { all?: boolean; json?: boolean }, cmd: Command) => {
      const list = await alertStates(context(cmd), flags.all === true);
      if (flags.json === true) {
        for (const a of list) {
          process.stdout.write(
            `${JSON.stringify({ fingerprint: a.fingerprint, alert: a.alert, ack: a.ack, suppressed: a.suppressed })}\n`,
          );
        }
      } else if (list.length === 0) {
        process.stdout.write(flags.all === true ? 'no alerts\n' : 'no firing alerts\n');
      } else process.stdout.write(`${table(list.map(alertRow))}\n`);
    });

  alerts
    .command('ack')
    .description('acknowledge a firing alert: it stops repeating until it resolves (the resolve is notified)')
    .argument('<fingerprint>', 'the alert (see `alerts list`)')
    .option('--author <name>', 'who acknowledges (default: the user name)')
    .option('--comment <text>', 'why', '')
    .action(async (fingerprint: string, flags: { author?: string; comment: string }, cmd: Command) => {
      const store = await openStore(context(cmd));
      const a = await store.acknowledge(
        fingerprint,
        flags.author ?? defaultAuthor(),
        flags.comment,
        systemClock.now(),
      );
      process.stdout.write(
        `acknowledged ${a.fingerprint} (${a.alert.rule}, ${a.alert.env}) by ${a.ack?.by ?? ''}\n`,
      );
    });

  alerts
    .command('silence')
    .description(
      'silence the alerts every matcher holds for (on labels and rule, env, severity); prints its id',
    )
    .requiredOption(
      '--match <matcher>',
      'label=value, label=~regex (whole value) or label=[a,b]; repeat for several (all must hold)',
      collectMatcher,
    )
    .option('--for <duration>', 'how long from the start, e.g. 2h', parseFor)
    .option('--until <time>', 'when it ends, ISO 8601', parseInstant)
    .option('--start <time>', 'when it starts, ISO 8601 (default now)', parseInstant)
    .option('--author <name>', 'who silences (default: the user name)')
    .option('--comment <text>', 'why', '')
    .action(
      async (
        flags: {
          match: LabelMatcher[];
          for?: number;
          until?: number;
          start?: number;
          author?: string;
          comment: string;
        },
        cmd: Command,
      ) => {
        const now = systemClock.now();
        const start = flags.start ?? now;
        if ((flags.for === undefined) === (flags.until === undefined)) {
          cmd.error('error: give exactly one of --for <duration> and --until <time>', { exitCode: 2 });
        }
        const end = flags.until ?? start + (flags.for ?? 0);
        if (end <= start || end <= now) {
          cmd.error(`error: the silence would end (${iso(end)}) before it starts or before now`, {
            exitCode: 2,
          });
        }
        const store = await openStore(context(cmd));
        const silence = await store.addSilence(
          {
            matchers: flags.match,
            startsAt: start,
            endsAt: end,
            author: flags.author ?? defaultAuthor(),
            comment: flags.comment,
          },
          now,
        );
        process.stdout.write(`${silence.id}\n`);
      },
    );

  alerts
    .command('unsilence')
    .description('end a silence now (its alerts still firing are notified on the dispatcher’s next tick)')
    .argument('<id>', 'the silence (see `alerts silences`)')
    .action(async (id: string, _flags: unknown, cmd: Command) => {
      const store = await openStore(context(cmd));
      await store.removeSilence(id, systemClock.now());
      process.stdout.write(`ended silence ${id}\n`);
    });

  alerts
    .command('silences')
    .description('the active and pending silences')
    .option('--all', 'ended silences too')
    .option('--json', 'one JSON object per line')
    .action(async (flags: { all?: boolean; json?: boolean }, cmd: Command) => {
      const store = await openStore(context(cmd));
      const now = systemClock.now();
      const list = await store.listSilences(now, { all: flags.all === true });
      if (flags.json === true) {
        for (const s of list) process.stdout.write(`${JSON.stringify(s)}\n`);
      } else if (list.length === 0) process.stdout.write('no silences\n');
      else process.stdout.write(`${table(list.map((s) => silenceRow(s, now)))}\n`);
    });
}
