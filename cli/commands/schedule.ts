/**
 * `tradewatch schedule ...`: jobs and their runs in the job store (TW_SCHEDULER_STORE), and the
 * scheduler daemon (`schedule run`). Exit codes as cli/main.ts: 0 done; 1 failed (a run-now whose run
 * did not succeed: TW_JOB_FAILED; the store or a service unavailable); 2 bad input (an invalid job:
 * TW_JOB_INVALID, an unknown job: TW_JOB_UNKNOWN, a bad flag).
 */
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { InvalidArgumentError, type Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { formatDuration } from '../../core/durations.ts';
import { systemClock } from '../../core/clock.ts';
import { TradewatchError, toError } from '../../core/errors.ts';
import {
  JOB_DEFAULTS,
  OutputsRunEventSink,
  Scheduler,
  SchedulerOutputs,
  TEMPLATES,
  TIME_FORMS,
  defineJob,
  describeParams,
  describeSchedule,
  nextOccurrence,
  openJobStore,
  parseTime,
  runDaemon,
  type JobInput,
  type JobStore,
  type RunEventSink,
  type RunRecord,
  type StoredJob,
} from '../../scheduler/index.ts';
import { QuestDbSink } from '../../sinks/questdb/index.ts';
import type { CliContext } from '../context.ts';
import { startHeartbeat } from '../heartbeat.ts';
import { parsePositiveInt } from '../parse.ts';
import { table } from '../table.ts';

type Context = (c: Command) => CliContext;

interface AddFlags {
  template?: string;
  params?: string;
  paramsFile?: string;
  cron?: string;
  tz?: string;
  every?: string;
  anchor?: string;
  at?: string;
  env?: string;
  disabled?: boolean;
  misfire?: string;
  misfireCap?: string;
  misfireGrace?: string;
  overlap?: string;
  timeout?: string;
  retries?: string;
  backoff?: string;
  maxBackoff?: string;
  description?: string;
}

export function registerScheduleCommands(program: Command, context: Context): void {
  const schedule = program
    .command('schedule')
    .description(
      'scheduled jobs (templates on a cron, interval or one-off schedule) and their runs; ' +
        'store: TW_SCHEDULER_STORE (postgres at DATABASE_URL, or json-file)',
    );

  schedule
    .command('add')
    .description('add a job (checked in full: schedule, template, parameters, policies)')
    .argument('<job>', 'job id: lower-case letters, digits, - and _')
    .requiredOption('--template <name>', `the template (${[...TEMPLATES.keys()].join(', ')})`)
    .option(
      '--params <json>',
      'template parameters as a JSON (or YAML flow) object; see `schedule templates`',
    )
    .option('--params-file <file>', 'template parameters from a YAML or JSON file')
    .option('--cron <expression>', 'cron schedule: 5 fields, or 6 with seconds first, or @daily...')
    .option('--tz <zone>', `time zone of --cron (IANA name; default ${JOB_DEFAULTS.tz})`)
    .option('--every <duration>', 'interval schedule, e.g. 15m (occurrences aligned on --anchor)')
    .option('--anchor <time>', 'with --every: a time occurrences fall on (default 1970-01-01T00:00:00Z)')
    .option('--at <time>', 'one-off schedule at this ISO-8601 time with a zone')
    .option(
      '--env <env>',
      `env label of the job's runs and metrics: prod, staging, paper (default ${JOB_DEFAULTS.env})`,
    )
    .option('--disabled', 'add it disabled (enable with `schedule enable`)')
    .option(
      '--misfire <policy>',
      `after downtime: skip, run_once or run_all (default ${JOB_DEFAULTS.misfire})`,
    )
    .option(
      '--misfire-cap <n>',
      `run_all runs at most the latest n missed occurrences (default ${JOB_DEFAULTS.misfireCap})`,
    )
    .option(
      '--misfire-grace <duration>',
      `an occurrence found later than this is a misfire (default ${formatDuration(JOB_DEFAULTS.misfireGraceMs)})`,
    )
    .option(
      '--overlap <policy>',
      `when a run is still running: skip, queue_one or allow (default ${JOB_DEFAULTS.overlap})`,
    )
    .option(
      '--timeout <duration>',
      `an attempt is aborted after this (default ${formatDuration(JOB_DEFAULTS.timeoutMs)})`,
    )
    .option('--retries <n>', `attempts after a failed one (default ${JOB_DEFAULTS.retries})`)
    .option(
      '--backoff <duration>',
      `wait before the first retry, doubled each time (default ${formatDuration(JOB_DEFAULTS.backoffMs)})`,
    )
    .option(
      '--max-backoff <duration>',
      `longest wait between attempts (default ${formatDuration(JOB_DEFAULTS.maxBackoffMs)})`,
    )
    .option('--description <text>', 'free text for people')
    .action(async (id: string, flags: AddFlags, command: Command) => {
      const ctx = context(command);
      const store = await startStore(ctx);
      const now = systemClock.now();
      const job = defineJob(
        { id, ...flags, params: await readParams(flags) } satisfies JobInput,
        TEMPLATES,
        now,
      );
      const stored = await store.createJob(job, now);
      process.stdout.write(`added job ${stored.id}: ${summarize(stored, now)}\n`);
    });

  schedule
    .command('list')
    .description('list the jobs')
    .option('--json', 'one JSON object per job and line')
    .action(async (opts: { json?: boolean }, command: Command) => {
      const store = await startStore(context(command));
      const jobs = await store.listJobs();
      const now = systemClock.now();
      if (opts.json) {
        for (const job of jobs) process.stdout.write(`${JSON.stringify(job)}\n`);
        return;
      }
      process.stdout.write(
        `${table(
          jobs.map((j) => ({
            job: j.id,
            template: j.template,
            schedule: describeSchedule(j.schedule, formatDuration),
            env: j.env,
            enabled: j.enabled ? 'yes' : 'no',
            next: nextRun(j, now),
          })),
        )}\n`,
      );
    });

  schedule
    .command('show')
    .description('show a job: its definition, next occurrence and latest runs')
    .argument('<job>', 'job id')
    .option('--json', 'the job as JSON')
    .action(async (id: string, opts: { json?: boolean }, command: Command) => {
      const store = await startStore(context(command));
      const job = await requireJob(store, id);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(job, null, 2)}\n`);
        return;
      }
      const now = systemClock.now();
      const lines = [
        `job:       ${job.id}${job.description === null ? '' : ` (${job.description})`}`,
        `template:  ${job.template}`,
        `params:    ${JSON.stringify(job.params)}`,
        `schedule:  ${describeSchedule(job.schedule, formatDuration)}; next ${nextRun(job, now)}`,
        `env:       ${job.env}`,
        `enabled:   ${job.enabled ? 'yes' : 'no'}`,
        `misfire:   ${job.misfire.policy} (grace ${formatDuration(job.misfire.graceMs)}, cap ${job.misfire.cap})`,
        `overlap:   ${job.overlap}`,
        `timeout:   ${formatDuration(job.timeoutMs)}`,
        `retries:   ${job.retry.retries} (backoff ${formatDuration(job.retry.backoffMs)}, doubling, at most ${formatDuration(job.retry.maxBackoffMs)})`,
        `store:     ${store.location}`,
        '',
        runsTable(await store.history(job.id, 5)),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });

  schedule
    .command('remove')
    .description('remove a job and its run history')
    .argument('<job>', 'job id')
    .action(async (id: string, _opts: unknown, command: Command) => {
      const store = await startStore(context(command));
      await requireJob(store, id);
      await store.removeJob(id);
      process.stdout.write(`removed job ${id}\n`);
    });

  for (const [name, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    schedule
      .command(name)
      .description(
        enabled
          ? 'enable a job (occurrences while it was disabled are not caught up)'
          : 'disable a job (runs in progress finish)',
      )
      .argument('<job>', 'job id')
      .action(async (id: string, _opts: unknown, command: Command) => {
        const ctx = context(command);
        const job = await (await storeScheduler(ctx)).setEnabled(id, enabled);
        process.stdout.write(`${enabled ? 'enabled' : 'disabled'} job ${job.id}\n`);
      });
  }

  schedule
    .command('run-now')
    .description(
      'run a job now, in this process, with its retries and timeout: exit 0 when it succeeded, 1 when not ' +
        '(for Airflow, Prefect, cron); --enqueue leaves it to a running `schedule run` instead',
    )
    .argument('<job>', 'job id')
    .option('--enqueue', 'only record the run (pending) and return')
    .action(async (id: string, opts: { enqueue?: boolean }, command: Command) => {
      const ctx = context(command);
      if (opts.enqueue) {
        const run = await (await storeScheduler(ctx)).runNow(id, { wait: false });
        process.stdout.write(`enqueued run ${id}@${new Date(run.scheduledAt).toISOString()}\n`);
        return;
      }
      const scheduler = await fullScheduler(ctx, `${ctx.config.kafka.clientId}-run-now-${process.pid}`);
      const run = await scheduler.runNow(id, { wait: true });
      process.stdout.write(`${runsTable([run])}\n`);
      if (run.state !== 'succeeded') {
        throw new TradewatchError(
          'TW_JOB_FAILED',
          `the run of job ${id} ended ${run.state} after ${run.attempt} attempt(s): ${run.error ?? '(no error)'}`,
          { details: { job: id, state: run.state } },
        );
      }
    });

  schedule
    .command('history')
    .description('the latest runs of a job, newest first')
    .argument('<job>', 'job id')
    .option('--limit <n>', 'how many runs (default 20)', parsePositiveInt)
    .option('--json', 'one JSON object per run and line')
    .action(async (id: string, opts: { limit?: number; json?: boolean }, command: Command) => {
      const store = await startStore(context(command));
      await requireJob(store, id);
      const runs = await store.history(id, opts.limit ?? 20);
      if (opts.json) {
        for (const run of runs) process.stdout.write(`${JSON.stringify(run)}\n`);
        return;
      }
      process.stdout.write(`${runsTable(runs)}\n`);
    });

  schedule
    .command('backfill')
    .description(
      'create runs for the job’s occurrences from --from to --to (inclusive); occurrences that already ' +
        'have a run are left alone; a running `schedule run` executes them',
    )
    .argument('<job>', 'job id')
    .requiredOption('--from <time>', 'first time, ISO-8601 with a zone', parseTimeFlag)
    .requiredOption('--to <time>', 'last time, ISO-8601 with a zone', parseTimeFlag)
    .action(async (id: string, opts: { from: number; to: number }, command: Command) => {
      if (opts.to < opts.from) throw new InvalidArgumentError('--to must not be before --from');
      const ctx = context(command);
      const result = await (await storeScheduler(ctx)).backfill(id, opts.from, opts.to);
      process.stdout.write(
        `backfill of ${id}: ${result.created} run(s) created, ${result.existing} occurrence(s) already had one\n`,
      );
    });

  schedule
    .command('templates')
    .description('the job templates and their parameters')
    .action(() => {
      for (const template of TEMPLATES.values()) {
        process.stdout.write(`${template.name}: ${template.description}\n`);
        for (const line of describeParams(template)) process.stdout.write(`  ${line}\n`);
      }
    });

  schedule
    .command('run')
    .description(
      'run the scheduler until SIGINT/SIGTERM: fire occurrences, claim runs (safe with any number of ' +
        'instances on Postgres), heartbeat, retry, recover runs of stopped instances',
    )
    .option('--instance-id <id>', 'this instance’s id among the scheduler instances (default: host-pid)')
    .action(async (opts: { instanceId?: string }, command: Command) => {
      const ctx = context(command);
      const instanceId = opts.instanceId ?? `${hostname()}-${process.pid}`;
      const scheduler = await fullScheduler(ctx, instanceId);
      await startHeartbeat(ctx, {
        kind: 'schedule',
        instance: instanceId,
        topicPrefix: ctx.config.kafka.topicPrefix,
      });
      ctx.logger.info(
        { instance: instanceId, store: ctx.config.scheduler.store, pollMs: ctx.config.scheduler.pollMs },
        'scheduler running; stop with Ctrl-C or SIGTERM',
      );
      await runDaemon({
        scheduler,
        clock: systemClock,
        logger: ctx.logger,
        pollMs: ctx.config.scheduler.pollMs,
        signal: ctx.signal,
      });
      ctx.logger.info('scheduler stopped');
    });
}

async function startStore(ctx: CliContext): Promise<JobStore> {
  const store = openJobStore(ctx.config, ctx.logger);
  ctx.onClose(() => store.close());
  await store.start();
  return store;
}

/** An event sink for commands that produce no run events (they only change jobs and pending runs). */
const NO_EVENTS: RunEventSink = {
  publish: () => Promise.reject(new TradewatchError('TW_INTERNAL', 'this command delivers no run events')),
};

/** A scheduler on the store only, for commands that run nothing. */
async function storeScheduler(ctx: CliContext): Promise<Scheduler> {
  return new Scheduler({
    store: await startStore(ctx),
    templates: TEMPLATES,
    events: NO_EVENTS,
    clock: systemClock,
    logger: ctx.logger,
    instanceId: `cli-${hostname()}-${process.pid}`,
    leaseMs: ctx.config.scheduler.leaseMs,
  });
}

/** A scheduler that runs templates: the store, QuestDB, Kafka. */
async function fullScheduler(ctx: CliContext, instanceId: string): Promise<Scheduler> {
  const store = await startStore(ctx);
  const questdb = await QuestDbSink.create({
    httpUrl: ctx.config.questdb.httpUrl,
    logger: ctx.logger,
    namespace: ctx.config.namespace,
  });
  ctx.onClose(() => questdb.close());
  const outputs = new SchedulerOutputs({
    kafka: ctx.kafka(),
    registry: await ctx.registry(),
    questdb,
    topicPrefix: ctx.config.kafka.topicPrefix,
    transactionalId: `${ctx.config.kafka.clientId}-scheduler-${instanceId}`,
    logger: ctx.logger,
    postgres: { url: ctx.config.postgres.url, schema: ctx.config.namespace.postgresSchema },
    // Credentials named in files (connectors.yaml) are read from the environment at each run.
    environment: process.env,
  });
  ctx.onClose(() => outputs.close());
  return new Scheduler({
    store,
    templates: TEMPLATES,
    events: new OutputsRunEventSink(outputs),
    outputs,
    clock: systemClock,
    logger: ctx.logger,
    instanceId,
    leaseMs: ctx.config.scheduler.leaseMs,
    heartbeatMs: ctx.config.scheduler.pollMs,
  });
}

async function requireJob(store: JobStore, id: string): Promise<StoredJob> {
  const job = await store.getJob(id);
  if (job !== undefined) return job;
  const known = (await store.listJobs()).map((j) => j.id);
  throw new TradewatchError(
    'TW_JOB_UNKNOWN',
    `no job "${id}" in ${store.location}; known jobs: ${known.length === 0 ? '(none)' : known.join(', ')}`,
    { details: { job: id } },
  );
}

async function readParams(flags: AddFlags): Promise<unknown> {
  if (flags.params !== undefined && flags.paramsFile !== undefined) {
    throw new InvalidArgumentError('give --params or --params-file, not both');
  }
  let text = flags.params;
  const source = flags.paramsFile ?? '--params';
  if (flags.paramsFile !== undefined) {
    try {
      text = await readFile(flags.paramsFile, 'utf8');
    } catch (e: unknown) {
      throw new TradewatchError(
        'TW_JOB_INVALID',
        `cannot read --params-file ${flags.paramsFile}: ${toError(e).message}`,
      );
    }
  }
  if (text === undefined) return undefined;
  try {
    return parseYaml(text) as unknown;
  } catch (e: unknown) {
    throw new TradewatchError(
      'TW_JOB_INVALID',
      `${source} is not a JSON or YAML object: ${toError(e).message}; e.g. --params '{"strategy": "momentum"}'`,
    );
  }
}

function parseTimeFlag(raw: string): number {
  const t = parseTime(raw);
  if (t === undefined) throw new InvalidArgumentError(`"${raw}": ${TIME_FORMS}`);
  return t;
}

function nextRun(job: StoredJob, now: number): string {
  if (!job.enabled) return '(disabled)';
  const next = nextOccurrence(job.schedule, Math.max(now, job.cursor));
  return next === undefined ? '(none)' : new Date(next).toISOString();
}

function summarize(job: StoredJob, now: number): string {
  return `${job.template} ${describeSchedule(job.schedule, formatDuration)}, env ${job.env}, next ${nextRun(job, now)}`;
}

function runsTable(runs: readonly RunRecord[]): string {
  const iso = (t: number | null) => (t === null ? '' : new Date(t).toISOString());
  return table(
    runs.map((r) => ({
      scheduled: iso(r.scheduledAt),
      trigger: r.trigger,
      state: r.state,
      attempts: String(r.attempt),
      started: iso(r.startedAt),
      finished: iso(r.finishedAt),
      detail: r.error ?? (Object.keys(r.summary).length === 0 ? '' : JSON.stringify(r.summary)),
    })),
  );
}
