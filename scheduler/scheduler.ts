/**
 * The scheduler engine. `tick()` does one round of work at the clock's `now`; something else decides
 * when to tick (the daemon: node-schedule at the next occurrence, and every poll interval; tests: a
 * virtual clock). One round:
 * 1. for each attempt this instance runs: end it as `timed_out` past the job's timeout, else renew
 *    its lease (heartbeat); an attempt whose run was taken over is abandoned;
 * 2. for each job, in its critical section (passed over while another instance holds it): end
 *    attempts whose lease ran out as `lost`; turn occurrences since the cursor into runs (misfire and
 *    overlap policies); claim due pending runs (one at a time unless overlap is `allow`);
 * 3. start the claimed attempts (not awaited: see {@link Scheduler.idle});
 * 4. deliver the outbox's run events.
 * An attempt's end (success, failure, timeout) is recorded in the job's critical section, only if this
 * instance still holds the attempt; a failure with attempts left goes back to pending after the
 * exponential backoff.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../runtime/clock.ts';
import { TradewatchError, errorCode, toError } from '../runtime/errors.ts';
import type { Logger } from '../runtime/logger.ts';
import type { JobOutcome, JobRun } from '../schemas/index.ts';
import { formatDuration } from '../core/durations.ts';
import { MAX_MISFIRE_CAP, jobInvalid } from './job-definition.ts';
import { nextOccurrence, occurrencesBetween } from './occurrences.ts';
import type { SchedulerOutputs } from './outputs.ts';
import { backoffMs, planOccurrences } from './policies.ts';
import type { RunEventSink } from './run-events.ts';
import type { JobStore, JobTransaction } from './store.ts';
import { parseParams } from './templates/params.ts';
import type { TemplateContext, TemplateRegistry, TemplateSummary } from './templates/types.ts';
import { FINAL_STATES, RUN_STATES, runKey, type RunRecord, type StoredJob } from './types.ts';

export interface SchedulerOptions {
  readonly store: JobStore;
  readonly templates: TemplateRegistry;
  /** Where run events go (Kafka and QuestDB in production). */
  readonly events: RunEventSink;
  /** What templates write to; required by the built-in templates. */
  readonly outputs?: SchedulerOutputs;
  readonly clock: Clock;
  readonly logger: Logger;
  /** This instance's id, unique among the instances sharing the store (lease owner). */
  readonly instanceId: string;
  /** How long a claim lasts without a heartbeat. Default 30 000 ms. */
  readonly leaseMs?: number;
  /** How often `runNow` heartbeats while it waits for its attempt. Default 5 000 ms (real time). */
  readonly heartbeatMs?: number;
}

/** What one `tick()` did. */
export interface TickReport {
  readonly now: number;
  /** Runs created pending from the schedule. */
  readonly created: number;
  /** Occurrences recorded as skipped (misfire, overlap). */
  readonly skipped: number;
  /** Attempts claimed and started by this instance. */
  readonly claimed: readonly RunRecord[];
  /** Attempts of any instance found with an expired lease and ended as lost. */
  readonly lost: number;
  /** Attempts of this instance ended as timed out. */
  readonly timedOut: number;
  /** Run events delivered. */
  readonly eventsSent: number;
  /** When the next tick is useful: the next occurrence, retry, or timeout (undefined: none known). */
  readonly nextWakeAt: number | undefined;
}

/** Backfills at most this many occurrences at once. */
export const MAX_BACKFILL = 1000;

interface Execution {
  readonly job: StoredJob;
  /** The run as claimed (attempt number, start). */
  readonly run: RunRecord;
  readonly controller: AbortController;
  /** Resolved once the attempt's end is recorded, or the attempt abandoned (never rejects). */
  readonly finished: PromiseWithResolvers<void>;
  /** Its end is decided (finished, timed out, or taken over): later results are ignored. */
  settled: boolean;
}

export class Scheduler {
  readonly instanceId: string;
  readonly #store: JobStore;
  readonly #templates: TemplateRegistry;
  readonly #events: RunEventSink;
  readonly #outputs: SchedulerOutputs | undefined;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #leaseMs: number;
  readonly #heartbeatMs: number;
  readonly #executions = new Map<string, Execution>();
  readonly #attemptEndListeners: (() => void)[] = [];

  constructor(options: SchedulerOptions) {
    this.instanceId = options.instanceId;
    this.#store = options.store;
    this.#templates = options.templates;
    this.#events = options.events;
    this.#outputs = options.outputs;
    this.#clock = options.clock;
    this.#logger = options.logger.child({ component: 'scheduler', instance: options.instanceId });
    this.#leaseMs = options.leaseMs ?? 30_000;
    this.#heartbeatMs = options.heartbeatMs ?? 5_000;
  }

  /** One round of work at the clock's now (see the file comment). */
  async tick(): Promise<TickReport> {
    const now = this.#clock.now();
    const timedOut = await this.#maintainExecutions(now);
    let created = 0;
    let skipped = 0;
    let lost = 0;
    const claimed: { job: StoredJob; run: RunRecord }[] = [];
    for (const listed of await this.#store.listJobs()) {
      const result = await this.#store.withJob(listed.id, 'skip', (tx) => this.#plan(tx, now));
      if (result === undefined) continue;
      created += result.created;
      skipped += result.skipped;
      lost += result.lost;
      claimed.push(...result.claimed.map((run) => ({ job: result.job, run })));
    }
    for (const { job, run } of claimed) this.#start(job, run);
    const eventsSent = await this.flushEvents();
    return {
      now,
      created,
      skipped,
      claimed: claimed.map((c) => c.run),
      lost,
      timedOut,
      eventsSent,
      nextWakeAt: await this.nextWakeAt(now),
    };
  }

  /** Resolves once every attempt this instance started has ended (or been abandoned). */
  async idle(): Promise<void> {
    while (this.#executions.size > 0) {
      await Promise.all([...this.#executions.values()].map((e) => e.finished.promise));
    }
  }

  /** Calls `listener` each time an attempt of this instance has ended and its end is recorded. */
  onAttemptEnd(listener: () => void): void {
    this.#attemptEndListeners.push(listener);
  }

  /** Attempts this instance is running now. */
  running(): RunRecord[] {
    return [...this.#executions.values()].filter((e) => !e.settled).map((e) => e.run);
  }

  /**
   * Stops: aborts the attempts in hand (templates see their signal aborted) and waits for them to
   * record their end. A template that ignores the signal is left behind; its lease runs out and
   * another instance ends it as lost.
   */
  async stop(): Promise<void> {
    for (const execution of this.#executions.values()) {
      execution.controller.abort(new Error('the scheduler is stopping'));
    }
    await this.idle();
  }

  /**
   * When the next tick is useful, after `now`: the next occurrence of an enabled job, retry or timeout.
   * Runs due now but waiting (for a running one, or for another instance's lock) are not in it: an
   * attempt's end ({@link onAttemptEnd}) or the poll interval brings them.
   */
  async nextWakeAt(now: number): Promise<number | undefined> {
    const times: number[] = [];
    for (const job of await this.#store.listJobs()) {
      if (!job.enabled) continue;
      const next = nextOccurrence(job.schedule, Math.max(job.cursor, now));
      if (next !== undefined) times.push(next);
    }
    const pending = await this.#store.nextPendingAt(now);
    if (pending !== undefined) times.push(pending);
    for (const e of this.#executions.values()) times.push((e.run.startedAt ?? now) + e.job.timeoutMs);
    return times.length === 0 ? undefined : Math.min(...times);
  }

  /** Delivers the outbox (as much as is there); returns how many events went out. */
  async flushEvents(): Promise<number> {
    let sent = 0;
    for (;;) {
      const now = this.#clock.now();
      const batch = await this.#store.claimEvents(this.instanceId, now, this.#leaseMs, 500);
      if (batch.length === 0) return sent;
      try {
        await this.#events.publish(batch.map((e) => e.event));
      } catch (e: unknown) {
        // They stay in the outbox and go out again once this claim's lease has run out.
        this.#logger.warn({ err: e, events: batch.length }, 'run events not delivered; retried later');
        return sent;
      }
      await this.#store.markEventsSent(
        batch.map((e) => e.id),
        now,
      );
      sent += batch.length;
    }
  }

  /**
   * Enables or disables a job. Enabling moves its cursor to now: occurrences of the disabled period
   * are not misfires. Throws TW_JOB_UNKNOWN.
   */
  async setEnabled(jobId: string, enabled: boolean): Promise<StoredJob> {
    const now = this.#clock.now();
    const job = await this.#store.withJob(jobId, 'wait', async (tx) => {
      if (tx.job.enabled === enabled) return tx.job;
      await tx.updateJob({ enabled, ...(enabled ? { cursor: now } : {}) }, now);
      return { ...tx.job, enabled, updatedAt: now, ...(enabled ? { cursor: now } : {}) };
    });
    if (job === undefined) throw await this.#unknownJob(jobId);
    return job;
  }

  /**
   * Asks for a run of `jobId` now (trigger manual, scheduled at now). With `wait`, this instance claims
   * it at once (whatever the overlap policy: it was asked for explicitly), runs every attempt the retry
   * policy allows (sleeping through the backoff on the real clock) and resolves with the final run;
   * without, it leaves it pending for a running scheduler. Throws TW_JOB_UNKNOWN.
   */
  async runNow(jobId: string, options: { wait: boolean }): Promise<RunRecord> {
    const now = this.#clock.now();
    const run = await this.#store.withJob(jobId, 'wait', async (tx) => {
      // A run already scheduled at this very millisecond: the manual one takes the next free one.
      for (let at = now; ; at += 1) {
        const [inserted] = await tx.insertRuns([pendingRun(jobId, at, 'manual', now)]);
        if (inserted !== undefined) return inserted;
      }
    });
    if (run === undefined) throw await this.#unknownJob(jobId);
    if (!options.wait) return run;
    return this.#driveToEnd(jobId, run.scheduledAt);
  }

  /**
   * Creates pending runs (trigger backfill) for the occurrences of `jobId` in [from, to]; occurrences
   * that already have a run are left as they are. Throws TW_JOB_UNKNOWN, or TW_JOB_INVALID for more
   * than {@link MAX_BACKFILL} occurrences.
   */
  async backfill(jobId: string, from: number, to: number): Promise<{ created: number; existing: number }> {
    const now = this.#clock.now();
    const result = await this.#store.withJob(jobId, 'wait', async (tx) => {
      const scan = occurrencesBetween(tx.job.schedule, from - 1, to, MAX_BACKFILL + 1, MAX_BACKFILL + 1);
      if (scan.latest.length > MAX_BACKFILL) {
        throw jobInvalid(jobId, [
          `a backfill from ${new Date(from).toISOString()} to ${new Date(to).toISOString()} covers more than ${MAX_BACKFILL} occurrences: backfill a shorter range at a time`,
        ]);
      }
      const inserted = await tx.insertRuns(scan.latest.map((t) => pendingRun(jobId, t, 'backfill', now)));
      return { created: inserted.length, existing: scan.latest.length - inserted.length };
    });
    if (result === undefined) throw await this.#unknownJob(jobId);
    return result;
  }

  async #unknownJob(jobId: string): Promise<TradewatchError> {
    const known = (await this.#store.listJobs()).map((j) => j.id);
    return new TradewatchError(
      'TW_JOB_UNKNOWN',
      `no job "${jobId}" in ${this.#store.location}; known jobs: ${known.length === 0 ? '(none)' : known.join(', ')}`,
      { details: { job: jobId } },
    );
  }

  /** Step 2 of a tick for one job, inside its critical section. */
  async #plan(
    tx: JobTransaction,
    now: number,
  ): Promise<{ job: StoredJob; created: number; skipped: number; lost: number; claimed: RunRecord[] }> {
    const job = tx.job;
    const events: JobRun[] = [];
    let lost = 0;
    let running = 0;
    for (const run of await tx.runs(['running'])) {
      const mine = this.#executions.has(runKey(run));
      if (mine || (run.leaseExpiresAt ?? 0) > now) {
        running += 1;
        continue;
      }
      lost += 1;
      const why =
        `the lease of instance ${run.leaseOwner ?? '?'} ran out at ${new Date(run.leaseExpiresAt ?? 0).toISOString()}: ` +
        'it stopped heartbeating (killed, stopped, or cut off from the store)';
      this.#logger.warn({ job: job.id, run: runKey(run), owner: run.leaseOwner }, 'a run was lost');
      events.push(await this.#endAttempt(tx, job, run, 'lost', why, {}, now));
    }

    let created = 0;
    let skipped = 0;
    if (job.enabled && now > job.cursor) {
      const scan = occurrencesBetween(job.schedule, job.cursor, now, MAX_MISFIRE_CAP);
      const queued = (await tx.runs(['pending'])).filter((r) => r.attempt === 0 && r.trigger === 'schedule');
      const plan = planOccurrences(job, scan, now, { running: running > 0, queued: queued.length });
      if (plan.dropped > 0) {
        this.#logger.warn(
          { job: job.id, dropped: plan.dropped },
          `${plan.dropped} missed occurrences older than the latest ${MAX_MISFIRE_CAP} were not recorded`,
        );
      }
      const rows = [
        ...plan.run.map((t) => pendingRun(job.id, t, 'schedule', now)),
        ...plan.skip.map((s) => skippedRun(job.id, s.at, s.reason, now)),
      ];
      for (const run of await tx.insertRuns(rows)) {
        if (run.state === 'skipped') {
          skipped += 1;
          events.push(this.#event(job, run, 'skipped', true, now));
        } else created += 1;
      }
      await tx.updateJob({ cursor: now }, now);
    }

    const claimed: RunRecord[] = [];
    if (job.enabled) {
      const due = (await tx.runs(['pending'])).filter((r) => r.nextAttemptAt <= now);
      const take = job.overlap === 'allow' ? due : running === 0 ? due.slice(0, 1) : [];
      for (const run of take) claimed.push(await this.#claim(tx, run, now));
    }
    await tx.addEvents(events);
    return { job, created, skipped, lost, claimed };
  }

  async #claim(tx: JobTransaction, run: RunRecord, now: number): Promise<RunRecord> {
    const claimed: RunRecord = {
      ...run,
      state: 'running',
      attempt: run.attempt + 1,
      leaseOwner: this.instanceId,
      leaseExpiresAt: now + this.#leaseMs,
      startedAt: now,
      finishedAt: null,
    };
    await tx.updateRun(claimed);
    return claimed;
  }

  /** Ends the attempt `run` with `outcome`: final, or back to pending after the backoff. Returns its event. */
  async #endAttempt(
    tx: JobTransaction,
    job: StoredJob,
    run: RunRecord,
    outcome: Exclude<JobOutcome, 'skipped'>,
    error: string | null,
    summary: Readonly<Record<string, string>>,
    now: number,
  ): Promise<JobRun> {
    const maxAttempts = job.retry.retries + 1;
    const retry = outcome !== 'succeeded' && run.attempt < maxAttempts;
    const next: RunRecord = {
      ...run,
      state: retry ? 'pending' : outcome,
      nextAttemptAt: retry ? now + backoffMs(job.retry, run.attempt) : run.nextAttemptAt,
      leaseOwner: null,
      leaseExpiresAt: null,
      finishedAt: now,
      error,
      summary,
    };
    await tx.updateRun(next);
    return this.#event(job, next, outcome, !retry, now);
  }

  #event(job: StoredJob, run: RunRecord, outcome: JobOutcome, final: boolean, now: number): JobRun {
    const started = outcome === 'skipped' ? null : run.startedAt;
    return {
      job: job.id,
      template: job.template,
      env: job.env,
      scheduled_at: run.scheduledAt,
      trigger: run.trigger,
      attempt: outcome === 'skipped' ? 0 : run.attempt,
      max_attempts: job.retry.retries + 1,
      instance: this.instanceId,
      started_at: started,
      finished_at: now,
      outcome,
      final,
      next_attempt_at: final ? null : run.nextAttemptAt,
      error: run.error,
      duration_ms: started === null ? null : now - started,
      delay_ms: (started ?? now) - run.scheduledAt,
      summary: { ...run.summary },
    };
  }

  /** Step 1 of a tick: timeouts and heartbeats of this instance's attempts. Returns the timeouts. */
  async #maintainExecutions(now: number): Promise<number> {
    let timedOut = 0;
    for (const execution of [...this.#executions.values()]) {
      if (execution.settled) continue;
      const started = execution.run.startedAt ?? now;
      if (now - started >= execution.job.timeoutMs) {
        timedOut += 1;
        const why = `the attempt ran longer than the job's timeout of ${formatDuration(execution.job.timeoutMs)}`;
        execution.settled = true;
        execution.controller.abort(new TradewatchError('TW_TIMEOUT', why));
        await this.#record(execution, 'timed_out', why, {});
        this.#finish(execution);
        continue;
      }
      const renewed = await this.#store.withJob(execution.job.id, 'wait', async (tx) => {
        const current = (await tx.runs(['running'])).find((r) => r.scheduledAt === execution.run.scheduledAt);
        if (!holds(current, execution, this.instanceId)) return false;
        await tx.updateRun({ ...(current as RunRecord), leaseExpiresAt: now + this.#leaseMs });
        return true;
      });
      if (renewed !== true) {
        this.#logger.warn(
          { job: execution.job.id, run: runKey(execution.run) },
          'this instance no longer holds the run (its lease ran out and another instance ended it): attempt abandoned',
        );
        execution.settled = true;
        execution.controller.abort(new Error('the run was taken over by another scheduler instance'));
        this.#finish(execution);
      }
    }
    return timedOut;
  }

  /** The attempt's end is recorded (or it was abandoned): it is no longer this instance's. */
  #finish(execution: Execution): void {
    this.#executions.delete(runKey(execution.run));
    execution.finished.resolve();
    for (const listener of this.#attemptEndListeners) listener();
  }

  /** Starts an attempt claimed by this instance. */
  #start(job: StoredJob, run: RunRecord): void {
    const controller = new AbortController();
    const execution: Execution = { job, run, controller, finished: Promise.withResolvers(), settled: false };
    this.#executions.set(runKey(run), execution);
    const logger = this.#logger.child({ job: job.id, run: runKey(run), attempt: run.attempt });
    void (async () => {
      let outcome: 'succeeded' | 'failed' = 'succeeded';
      let error: string | null = null;
      let summary: Record<string, string> = {};
      try {
        summary = stringify(await this.#runTemplate(job, run, controller.signal, logger));
      } catch (e: unknown) {
        outcome = 'failed';
        error = `${errorCode(e)}: ${toError(e).message}`;
        logger.warn({ err: e }, 'attempt failed');
      }
      if (execution.settled) return;
      execution.settled = true;
      await this.#record(execution, outcome, error, summary);
      this.#finish(execution);
    })();
  }

  async #runTemplate(
    job: StoredJob,
    run: RunRecord,
    signal: AbortSignal,
    logger: Logger,
  ): Promise<TemplateSummary> {
    const template = this.#templates.get(job.template);
    if (template === undefined) {
      throw jobInvalid(job.id, [
        `template "${job.template}" is not known to this tradewatch; known: ${[...this.#templates.keys()].join(', ')}`,
      ]);
    }
    const parsed = parseParams(template, job.params);
    if (!parsed.ok) throw jobInvalid(job.id, parsed.problems);
    const outputs = this.#outputs;
    const context: TemplateContext = {
      job,
      scheduledAt: run.scheduledAt,
      now: () => this.#clock.now(),
      signal,
      logger,
      get outputs(): SchedulerOutputs {
        if (outputs === undefined) throw new TradewatchError('TW_INTERNAL', 'this scheduler has no outputs');
        return outputs;
      },
    };
    return template.run(parsed.params, context);
  }

  /** Records the end of this instance's attempt, if it still holds it (never throws: logs). */
  async #record(
    execution: Execution,
    outcome: Exclude<JobOutcome, 'skipped' | 'lost'>,
    error: string | null,
    summary: Readonly<Record<string, string>>,
  ): Promise<void> {
    try {
      const now = this.#clock.now();
      const recorded = await this.#store.withJob(execution.job.id, 'wait', async (tx) => {
        const current = (await tx.runs(['running'])).find((r) => r.scheduledAt === execution.run.scheduledAt);
        if (!holds(current, execution, this.instanceId)) return false;
        const event = await this.#endAttempt(tx, tx.job, current as RunRecord, outcome, error, summary, now);
        await tx.addEvents([event]);
        return true;
      });
      if (recorded !== true) {
        this.#logger.warn(
          { job: execution.job.id, run: runKey(execution.run), outcome },
          'the attempt ended but the run is no longer this instance’s (taken over, or the job removed): its result is discarded',
        );
      }
    } catch (e: unknown) {
      // The lease runs out and an instance ends the attempt as lost: the retry policy still applies.
      this.#logger.error(
        { err: e, job: execution.job.id, run: runKey(execution.run) },
        'could not record an attempt',
      );
    }
  }

  /** Runs `jobId`'s run at `scheduledAt` to its final state in this process (see {@link runNow}). */
  async #driveToEnd(jobId: string, scheduledAt: number): Promise<RunRecord> {
    for (;;) {
      const now = this.#clock.now();
      const step = await this.#store.withJob(jobId, 'wait', async (tx) => {
        const run = (await tx.runs(RUN_STATES)).find((r) => r.scheduledAt === scheduledAt);
        if (run === undefined || run.state !== 'pending' || run.nextAttemptAt > now)
          return { job: tx.job, run };
        return { job: tx.job, run, claimed: await this.#claim(tx, run, now) };
      });
      if (step?.run === undefined) throw await this.#unknownJob(jobId);
      if (FINAL_STATES.includes(step.run.state) && step.claimed === undefined) return step.run;
      if (step.claimed !== undefined) {
        this.#start(step.job, step.claimed);
        const execution = this.#executions.get(runKey(step.claimed));
        while (execution !== undefined && !execution.settled) {
          const nap = new AbortController();
          const tick = sleep(this.#heartbeatMs, undefined, { signal: nap.signal }).catch(() => undefined);
          await Promise.race([execution.finished.promise, tick]);
          nap.abort();
          if (!execution.settled) await this.#maintainExecutions(this.#clock.now());
        }
        await execution?.finished.promise;
      } else if (step.run.state === 'pending') {
        await sleep(Math.max(0, step.run.nextAttemptAt - now));
      } else {
        // Running elsewhere (claimed by a scheduler instance before us): wait for it.
        await sleep(this.#heartbeatMs);
      }
      await this.flushEvents();
    }
  }
}

/** Whether `current` is still the attempt `execution` runs, held by `instanceId`. */
function holds(current: RunRecord | undefined, execution: Execution, instanceId: string): boolean {
  return (
    current !== undefined &&
    current.state === 'running' &&
    current.leaseOwner === instanceId &&
    current.attempt === execution.run.attempt
  );
}

/** A new run row of an occurrence, not yet claimed. */
export function pendingRun(jobId: string, at: number, trigger: RunRecord['trigger'], now: number): RunRecord {
  return {
    jobId,
    scheduledAt: at,
    trigger,
    state: 'pending',
    attempt: 0,
    nextAttemptAt: at,
    leaseOwner: null,
    leaseExpiresAt: null,
    startedAt: null,
    finishedAt: null,
    error: null,
    summary: {},
    createdAt: now,
  };
}

function skippedRun(jobId: string, at: number, reason: string, now: number): RunRecord {
  return { ...pendingRun(jobId, at, 'schedule', now), state: 'skipped', finishedAt: now, error: reason };
}

function stringify(summary: TemplateSummary): Record<string, string> {
  return Object.fromEntries(Object.entries(summary).map(([k, v]) => [k, String(v)]));
}
