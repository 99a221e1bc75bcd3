/**
 * Turns what a person gave (`schedule add` flags) into a {@link JobDefinition}, checking everything at
 * once: the id, exactly one schedule (a valid cron in a known time zone, an interval, or a one-off in
 * the future), a known template and its parameters, the env, and the policies. One TW_JOB_INVALID
 * error lists every problem, each with what was found and what is accepted.
 */
import { z } from 'zod';
import { DURATION_FORMS, parseDuration } from '../core/durations.ts';
import { TradewatchError } from '../core/errors.ts';
import { ENVIRONMENTS, type Environment } from '../schemas/index.ts';
import { closest, renderValue } from '../core/problems.ts';
import { cronProblems } from './occurrences.ts';
import { describeParams, parseParams } from './templates/params.ts';
import type { TemplateRegistry } from './templates/types.ts';
import {
  MISFIRE_POLICIES,
  OVERLAP_POLICIES,
  type JobDefinition,
  type MisfirePolicy,
  type OverlapPolicy,
  type Schedule,
} from './types.ts';

/** A job as given, field names as the `schedule add` flags; unknown and missing values are checked here. */
export interface JobInput {
  readonly id?: unknown;
  readonly description?: unknown;
  readonly template?: unknown;
  /** An object, or JSON / YAML text of one. */
  readonly params?: unknown;
  readonly cron?: unknown;
  readonly tz?: unknown;
  readonly every?: unknown;
  readonly anchor?: unknown;
  readonly at?: unknown;
  readonly env?: unknown;
  readonly disabled?: unknown;
  readonly misfire?: unknown;
  readonly misfireCap?: unknown;
  readonly misfireGrace?: unknown;
  readonly overlap?: unknown;
  readonly timeout?: unknown;
  readonly retries?: unknown;
  readonly backoff?: unknown;
  readonly maxBackoff?: unknown;
}

/** The defaults of a job's options (documented in scheduler/README.md). */
export const JOB_DEFAULTS: Readonly<{
  tz: string;
  env: Environment;
  misfire: MisfirePolicy;
  misfireCap: number;
  misfireGraceMs: number;
  overlap: OverlapPolicy;
  timeoutMs: number;
  retries: number;
  backoffMs: number;
  maxBackoffMs: number;
}> = Object.freeze({
  tz: 'UTC',
  env: 'prod',
  misfire: 'run_once',
  misfireCap: 10,
  misfireGraceMs: 60_000,
  overlap: 'skip',
  timeoutMs: 3_600_000,
  retries: 2,
  backoffMs: 30_000,
  maxBackoffMs: 600_000,
});

/** The most misfired occurrences `run_all` may run (and the most a job's catch-up records). */
export const MAX_MISFIRE_CAP = 1000;
/** The smallest interval. */
const MIN_EVERY_MS = 1_000;

const ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/**
 * Validates a job. `now` (epoch ms) rejects a one-off in the past.
 * @throws TradewatchError TW_JOB_INVALID listing every problem.
 */
export function defineJob(input: JobInput, templates: TemplateRegistry, now: number): JobDefinition {
  const problems: string[] = [];
  const id = typeof input.id === 'string' ? input.id : '';
  if (!ID.test(id)) {
    problems.push(
      `job id ${renderValue(input.id)} is not valid; accepted: 1 to 63 lower-case letters, digits, "-" and "_", starting with a letter or digit (e.g. pnl-daily-prod)`,
    );
  }

  const schedule = parseSchedule(input, now, problems);

  const env = input.env ?? JOB_DEFAULTS.env;
  if (!(ENVIRONMENTS as readonly unknown[]).includes(env)) {
    problems.push(`--env ${renderValue(env)} is not an env; accepted: ${ENVIRONMENTS.join(', ')}`);
  }

  const misfire = input.misfire ?? JOB_DEFAULTS.misfire;
  if (!(MISFIRE_POLICIES as readonly unknown[]).includes(misfire)) {
    problems.push(
      `--misfire ${renderValue(misfire)} is not a misfire policy; accepted: skip (drop missed occurrences), run_once (run the latest missed once), run_all (run the missed ones, at most --misfire-cap)`,
    );
  }
  const misfireCap = integer(
    input.misfireCap,
    JOB_DEFAULTS.misfireCap,
    '--misfire-cap',
    1,
    MAX_MISFIRE_CAP,
    problems,
  );
  const graceMs = duration(input.misfireGrace, JOB_DEFAULTS.misfireGraceMs, '--misfire-grace', problems);

  const overlap = input.overlap ?? JOB_DEFAULTS.overlap;
  if (!(OVERLAP_POLICIES as readonly unknown[]).includes(overlap)) {
    problems.push(
      `--overlap ${renderValue(overlap)} is not an overlap policy; accepted: skip (drop an occurrence due while a run is running), queue_one (let one wait), allow (run alongside)`,
    );
  }
  const timeoutMs = duration(input.timeout, JOB_DEFAULTS.timeoutMs, '--timeout', problems, 1);
  const retries = integer(input.retries, JOB_DEFAULTS.retries, '--retries', 0, 100, problems);
  const backoffMs = duration(input.backoff, JOB_DEFAULTS.backoffMs, '--backoff', problems);
  const maxBackoffMs = duration(input.maxBackoff, JOB_DEFAULTS.maxBackoffMs, '--max-backoff', problems);
  if (backoffMs !== undefined && maxBackoffMs !== undefined && maxBackoffMs < backoffMs) {
    problems.push(`--max-backoff (${maxBackoffMs} ms) must not be shorter than --backoff (${backoffMs} ms)`);
  }

  const params = parseTemplate(input, templates, problems);

  let description: string | null = null;
  if (input.description !== undefined) {
    if (typeof input.description === 'string') description = input.description;
    else problems.push(`--description ${renderValue(input.description)}: expected a text`);
  }

  if (problems.length > 0) throw jobInvalid(typeof input.id === 'string' ? input.id : undefined, problems);
  return Object.freeze({
    id,
    description,
    template: input.template as string,
    params: params ?? {},
    schedule: schedule as Schedule,
    env: env as Environment,
    enabled: input.disabled !== true,
    misfire: { policy: misfire as MisfirePolicy, cap: misfireCap as number, graceMs: graceMs as number },
    overlap: overlap as OverlapPolicy,
    timeoutMs: timeoutMs as number,
    retry: {
      retries: retries as number,
      backoffMs: backoffMs as number,
      maxBackoffMs: maxBackoffMs as number,
    },
  });
}

/** The TW_JOB_INVALID error for `problems` of job `id`. */
export function jobInvalid(id: string | undefined, problems: readonly string[]): TradewatchError {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return new TradewatchError(
    'TW_JOB_INVALID',
    `the job ${id === undefined ? '' : `"${id}" `}is invalid (${count}):\n${problems.map((p) => `  - ${p}`).join('\n')}\n` +
      'Fix the flags above (`tradewatch schedule add --help`, scheduler/README.md) and try again.',
    { details: { job: id, problems } },
  );
}

function parseSchedule(input: JobInput, now: number, problems: string[]): Schedule | undefined {
  const given = (['cron', 'every', 'at'] as const).filter((k) => input[k] !== undefined);
  if (given.length !== 1) {
    problems.push(
      `${given.length === 0 ? 'no schedule given' : `several schedules given (${given.map((g) => `--${g}`).join(', ')})`}: ` +
        'give exactly one of --cron "<expression>" [--tz <zone>], --every <duration> [--anchor <time>], --at <time>',
    );
    return undefined;
  }
  if (input.tz !== undefined && input.cron === undefined) problems.push('--tz applies to --cron only');
  if (input.anchor !== undefined && input.every === undefined)
    problems.push('--anchor applies to --every only');
  if (input.cron !== undefined) {
    const tz = input.tz ?? JOB_DEFAULTS.tz;
    if (typeof input.cron !== 'string' || typeof tz !== 'string') {
      problems.push(`--cron ${renderValue(input.cron)} --tz ${renderValue(tz)}: expected texts`);
      return undefined;
    }
    const found = cronProblems(input.cron, tz).map((p) => `--cron/--tz: ${p}`);
    problems.push(...found);
    return found.length > 0 ? undefined : { kind: 'cron', expression: input.cron.trim(), timezone: tz };
  }
  if (input.every !== undefined) {
    const everyMs = parseDuration(input.every, { unitless: true });
    if (everyMs === undefined || everyMs < MIN_EVERY_MS) {
      problems.push(
        `--every ${renderValue(input.every)} is not an interval of at least 1s; accepted: ${DURATION_FORMS}`,
      );
    }
    let anchor = 0;
    if (input.anchor !== undefined) {
      const t = parseTime(input.anchor);
      if (t === undefined) problems.push(`--anchor ${renderValue(input.anchor)}: ${TIME_FORMS}`);
      else anchor = t;
    }
    return everyMs === undefined ? undefined : { kind: 'interval', everyMs, anchor };
  }
  const at = parseTime(input.at);
  if (at === undefined) {
    problems.push(`--at ${renderValue(input.at)}: ${TIME_FORMS}`);
    return undefined;
  }
  if (at <= now) {
    problems.push(
      `--at ${new Date(at).toISOString()} is not in the future (now ${new Date(now).toISOString()}); to run a job now use \`schedule run-now\``,
    );
  }
  return { kind: 'once', at };
}

/** What a time may look like, for error messages. */
export const TIME_FORMS =
  'expected an ISO-8601 time with a zone, e.g. 2025-03-03T14:30:00Z or 2025-03-03T09:30:00-05:00';

/** Epoch ms of an ISO-8601 time with an explicit zone (or epoch ms as a number), else undefined. */
export function parseTime(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(value.trim()))
    return undefined;
  const t = Date.parse(value.trim());
  return Number.isNaN(t) ? undefined : t;
}

function parseTemplate(
  input: JobInput,
  templates: TemplateRegistry,
  problems: string[],
): Record<string, unknown> | undefined {
  const names = [...templates.keys()];
  if (typeof input.template !== 'string' || !templates.has(input.template)) {
    const guess = typeof input.template === 'string' ? closest(input.template, names) : undefined;
    problems.push(
      `--template ${renderValue(input.template)} is not a template${guess === undefined ? '' : ` (did you mean "${guess}"?)`}; accepted: ${names.join(', ')}`,
    );
    return undefined;
  }
  const template = templates.get(input.template);
  if (template === undefined) return undefined;
  let raw = input.params;
  if (typeof raw === 'string') {
    try {
      raw = JSON.parse(raw) as unknown;
    } catch (e: unknown) {
      problems.push(`--params is not a JSON object: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
  }
  const result = parseParams(template, raw);
  if (result.ok) return result.params;
  problems.push(
    ...result.problems,
    `accepted parameters of template "${template.name}":\n${describeParams(template)
      .map((l) => `      ${l}`)
      .join('\n')}`,
  );
  return undefined;
}

function integer(
  value: unknown,
  fallback: number,
  flag: string,
  min: number,
  max: number,
  problems: string[],
): number | undefined {
  if (value === undefined) return fallback;
  const n = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
  const result = z.number().int().min(min).max(max).safeParse(n);
  if (result.success) return result.data;
  problems.push(`${flag} ${renderValue(value)}: expected a whole number from ${min} to ${max}`);
  return undefined;
}

function duration(
  value: unknown,
  fallback: number,
  flag: string,
  problems: string[],
  min = 0,
): number | undefined {
  if (value === undefined) return fallback;
  const ms = parseDuration(value, { unitless: true });
  if (ms !== undefined && ms >= min) return ms;
  problems.push(`${flag} ${renderValue(value)}: expected ${DURATION_FORMS} (a number alone is ms)`);
  return undefined;
}
