/**
 * The attempts one scheduler instance runs: each claimed attempt runs its template in this process
 * (not awaited by the tick), its lease is renewed on every tick (heartbeat), it is ended as
 * `timed_out` past the job's timeout, abandoned once another instance took its run over, and its end
 * is recorded in the job's critical section only while this instance still holds it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../core/clock.ts';
import { TradewatchError, errorCode, toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { JobOutcome } from '../schemas/index.ts';
import { formatDuration } from '../core/durations.ts';
import { jobInvalid } from './job-definition.ts';
import type { SchedulerOutputs } from './outputs.ts';
import { endAttempt, holds, storedSummary } from './run-records.ts';
import type { JobStore } from './store.ts';
import { parseParams } from './templates/params.ts';
import type { TemplateContext, TemplateRegistry, TemplateSummary } from './templates/types.ts';
import { runKey, type RunRecord, type StoredJob } from './types.ts';

export interface AttemptsOptions {
  readonly store: JobStore;
  readonly templates: TemplateRegistry;
  readonly outputs: SchedulerOutputs | undefined;
  readonly clock: Clock;
  /** The scheduler's logger. */
  readonly logger: Logger;
  /** This instance's id (the lease owner). */
  readonly instanceId: string;
  /** How long a claim lasts without a heartbeat, in ms. */
  readonly leaseMs: number;
}

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

type Ended = Exclude<JobOutcome, 'skipped' | 'lost'>;

export class Attempts {
  readonly #o: AttemptsOptions;
  readonly #executions = new Map<string, Execution>();
  readonly #endListeners: (() => void)[] = [];

  constructor(options: AttemptsOptions) {
    this.#o = options;
  }

  /** Whether this instance runs the attempt of the run `key` ({@link runKey}). */
  has(key: string): boolean {
    return this.#executions.has(key);
  }

  /** Attempts this instance is running now. */
  running(): RunRecord[] {
    return [...this.#executions.values()].filter((e) => !e.settled).map((e) => e.run);
  }

  /** When each attempt in hand reaches its timeout. */
  deadlines(now: number): number[] {
    return [...this.#executions.values()].map((e) => (e.run.startedAt ?? now) + e.job.timeoutMs);
  }

  /** Calls `listener` each time an attempt has ended and its end is recorded. */
  onEnd(listener: () => void): void {
    this.#endListeners.push(listener);
  }

  /** Resolves once every attempt started has ended (or been abandoned). */
  async idle(): Promise<void> {
    while (this.#executions.size > 0) {
      await Promise.all([...this.#executions.values()].map((e) => e.finished.promise));
    }
  }

  /** Aborts the attempts in hand (templates see their signal aborted) and waits for their end. */
  async stop(): Promise<void> {
    for (const execution of this.#executions.values()) {
      execution.controller.abort(new Error('the scheduler is stopping'));
    }
    await this.idle();
  }

  /** Starts an attempt claimed by this instance. */
  start(job: StoredJob, run: RunRecord): void {
    const controller = new AbortController();
    const execution: Execution = { job, run, controller, finished: Promise.withResolvers(), settled: false };
    this.#executions.set(runKey(run), execution);
    const logger = this.#o.logger.child({ job: job.id, run: runKey(run), attempt: run.attempt });
    void (async () => {
      let outcome: 'succeeded' | 'failed' = 'succeeded';
      let error: string | null = null;
      let summary: Record<string, string> = {};
      try {
        summary = storedSummary(await this.#runTemplate(job, run, controller.signal, logger));
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

  /**
   * Starts an attempt and waits for its end, heartbeating (and checking its timeout) every
   * `heartbeatMs` of real time.
   */
  async runToEnd(job: StoredJob, run: RunRecord, heartbeatMs: number): Promise<void> {
    this.start(job, run);
    const execution = this.#executions.get(runKey(run));
    while (execution !== undefined && !execution.settled) {
      const nap = new AbortController();
      const tick = sleep(heartbeatMs, undefined, { signal: nap.signal }).catch(() => undefined);
      await Promise.race([execution.finished.promise, tick]);
      nap.abort();
      if (!execution.settled) await this.maintain(this.#o.clock.now());
    }
    await execution?.finished.promise;
  }

  /** Step 1 of a tick: timeouts and heartbeats of this instance's attempts. Returns the timeouts. */
  async maintain(now: number): Promise<number> {
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
      const renewed = await this.#o.store.withJob(execution.job.id, 'wait', async (tx) => {
        const current = (await tx.runs(['running'])).find((r) => r.scheduledAt === execution.run.scheduledAt);
        if (!holds(current, execution.run.attempt, this.#o.instanceId)) return false;
        await tx.updateRun({ ...(current as RunRecord), leaseExpiresAt: now + this.#o.leaseMs });
        return true;
      });
      if (renewed !== true) {
        this.#o.logger.warn(
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
    for (const listener of this.#endListeners) listener();
  }

  async #runTemplate(
    job: StoredJob,
    run: RunRecord,
    signal: AbortSignal,
    logger: Logger,
  ): Promise<TemplateSummary> {
    const { templates, clock, outputs } = this.#o;
    const template = templates.get(job.template);
    if (template === undefined) {
      throw jobInvalid(job.id, [
        `template "${job.template}" is not known to this tradewatch; known: ${[...templates.keys()].join(', ')}`,
      ]);
    }
    const parsed = parseParams(template, job.params);
    if (!parsed.ok) throw jobInvalid(job.id, parsed.problems);
    const context: TemplateContext = {
      job,
      scheduledAt: run.scheduledAt,
      now: () => clock.now(),
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
    outcome: Ended,
    error: string | null,
    summary: Readonly<Record<string, string>>,
  ): Promise<void> {
    const { store, clock, logger, instanceId } = this.#o;
    try {
      const now = clock.now();
      const recorded = await store.withJob(execution.job.id, 'wait', async (tx) => {
        const current = (await tx.runs(['running'])).find((r) => r.scheduledAt === execution.run.scheduledAt);
        if (!holds(current, execution.run.attempt, instanceId)) return false;
        const event = await endAttempt(
          tx,
          current as RunRecord,
          { outcome, error, summary },
          instanceId,
          now,
        );
        await tx.addEvents([event]);
        return true;
      });
      if (recorded !== true) {
        logger.warn(
          { job: execution.job.id, run: runKey(execution.run), outcome },
          'the attempt ended but the run is no longer this instance’s (taken over, or the job removed): its result is discarded',
        );
      }
    } catch (e: unknown) {
      // The lease runs out and an instance ends the attempt as lost: the retry policy still applies.
      logger.error(
        { err: e, job: execution.job.id, run: runKey(execution.run) },
        'could not record an attempt',
      );
    }
  }
}
