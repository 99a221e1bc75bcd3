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
 * This instance's attempts are attempts.ts's; a run's rows and events, run-records.ts's.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../core/clock.ts';
import { TradewatchError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { JobRun } from '../schemas/index.ts';
import { Attempts } from './attempts.ts';
import { MAX_MISFIRE_CAP, jobInvalid } from './job-definition.ts';
import { nextOccurrence, occurrencesBetween } from './occurrences.ts';
import type { SchedulerOutputs } from './outputs.ts';
import { planOccurrences } from './policies.ts';
import type { RunEventSink } from './run-events.ts';
import { claimRun, endAttempt, pendingRun, runEvent, skippedRun } from './run-records.ts';
import type { JobStore, JobTransaction } from './store.ts';
import type { TemplateRegistry } from './templates/types.ts';
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

/** `jobs` in an order of their own for `instance`: by an FNV-1a hash of the instance and job ids. */
export function inInstanceOrder<J extends { readonly id: string }>(
  jobs: readonly J[],
  instance: string,
): J[] {
  const hash = (text: string): number => {
    let h = 0x811c9dc5;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
    return h;
  };
  return jobs
    .map((job) => ({ job, order: hash(`${instance}|${job.id}`) }))
    .sort((a, b) => a.order - b.order || a.job.id.localeCompare(b.job.id))
    .map((j) => j.job);
}

/** Backfills at most this many occurrences at once. */
export const MAX_BACKFILL = 1000;

export class Scheduler {
  readonly instanceId: string;
  readonly #store: JobStore;
  readonly #events: RunEventSink;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #leaseMs: number;
  readonly #heartbeatMs: number;
  readonly #attempts: Attempts;

  constructor(options: SchedulerOptions) {
    this.instanceId = options.instanceId;
    this.#store = options.store;
    this.#events = options.events;
    this.#clock = options.clock;
    this.#logger = options.logger.child({ component: 'scheduler', instance: options.instanceId });
    this.#leaseMs = options.leaseMs ?? 30_000;
    this.#heartbeatMs = options.heartbeatMs ?? 5_000;
    this.#attempts = new Attempts({
      store: options.store,
      templates: options.templates,
      outputs: options.outputs,
      clock: options.clock,
      logger: this.#logger,
      instanceId: options.instanceId,
      leaseMs: this.#leaseMs,
    });
  }

  /** One round of work at the clock's now (see the file comment). */
  async tick(): Promise<TickReport> {
    const now = this.#clock.now();
    const timedOut = await this.#attempts.maintain(now);
    let created = 0;
    let skipped = 0;
    let lost = 0;
    const claimed: { job: StoredJob; run: RunRecord }[] = [];
    // Each instance goes through the jobs in its own order: instances ticking at the same occurrence
    // start on different jobs and share them, instead of the fastest one claiming every job.
    for (const listed of inInstanceOrder(await this.#store.listJobs(), this.instanceId)) {
      const result = await this.#store.withJob(listed.id, 'skip', (tx) => this.#plan(tx, now));
      if (result === undefined) continue;
      created += result.created;
      skipped += result.skipped;
      lost += result.lost;
      claimed.push(...result.claimed.map((run) => ({ job: result.job, run })));
    }
    for (const { job, run } of claimed) this.#attempts.start(job, run);
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
  idle(): Promise<void> {
    return this.#attempts.idle();
  }

  /** Calls `listener` each time an attempt of this instance has ended and its end is recorded. */
  onAttemptEnd(listener: () => void): void {
    this.#attempts.onEnd(listener);
  }

  /** Attempts this instance is running now. */
  running(): RunRecord[] {
    return this.#attempts.running();
  }

  /**
   * Stops: aborts the attempts in hand (templates see their signal aborted) and waits for them to
   * record their end. A template that ignores the signal is left behind; its lease runs out and
   * another instance ends it as lost.
   */
  stop(): Promise<void> {
    return this.#attempts.stop();
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
    times.push(...this.#attempts.deadlines(now));
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
      const mine = this.#attempts.has(runKey(run));
      if (mine || (run.leaseExpiresAt ?? 0) > now) {
        running += 1;
        continue;
      }
      lost += 1;
      const why =
        `the lease of instance ${run.leaseOwner ?? '?'} ran out at ${new Date(run.leaseExpiresAt ?? 0).toISOString()}: ` +
        'it stopped heartbeating (killed, stopped, or cut off from the store)';
      this.#logger.warn({ job: job.id, run: runKey(run), owner: run.leaseOwner }, 'a run was lost');
      events.push(
        await endAttempt(tx, run, { outcome: 'lost', error: why, summary: {} }, this.instanceId, now),
      );
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
          events.push(runEvent(job, run, 'skipped', true, this.instanceId, now));
        } else created += 1;
      }
      await tx.updateJob({ cursor: now }, now);
    }

    const claimed: RunRecord[] = [];
    if (job.enabled) {
      const due = (await tx.runs(['pending'])).filter((r) => r.nextAttemptAt <= now);
      const take = job.overlap === 'allow' ? due : running === 0 ? due.slice(0, 1) : [];
      for (const run of take) claimed.push(await claimRun(tx, run, this.instanceId, this.#leaseMs, now));
    }
    await tx.addEvents(events);
    return { job, created, skipped, lost, claimed };
  }

  /** Runs `jobId`'s run at `scheduledAt` to its final state in this process (see {@link runNow}). */
  async #driveToEnd(jobId: string, scheduledAt: number): Promise<RunRecord> {
    for (;;) {
      const now = this.#clock.now();
      const step = await this.#store.withJob(jobId, 'wait', async (tx) => {
        const run = (await tx.runs(RUN_STATES)).find((r) => r.scheduledAt === scheduledAt);
        if (run === undefined || run.state !== 'pending' || run.nextAttemptAt > now)
          return { job: tx.job, run };
        return { job: tx.job, run, claimed: await claimRun(tx, run, this.instanceId, this.#leaseMs, now) };
      });
      if (step?.run === undefined) throw await this.#unknownJob(jobId);
      if (FINAL_STATES.includes(step.run.state) && step.claimed === undefined) return step.run;
      if (step.claimed !== undefined) {
        await this.#attempts.runToEnd(step.job, step.claimed, this.#heartbeatMs);
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
