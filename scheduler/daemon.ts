/**
 * `tradewatch schedule run`: ticks the scheduler at every occurrence, retry and timeout it knows of
 * (woken by node-schedule), at least every poll interval (heartbeats, other instances' work), and as
 * soon as an attempt of its own ends (a queued run may start). A tick that fails (Postgres down) is
 * logged and tried again at the next wake-up. On abort (SIGINT/SIGTERM) it stops ticking, aborts the
 * attempts in hand, records their end and delivers the outbox.
 */
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { Scheduler } from './scheduler.ts';
import { wakeAt } from './wake.ts';

export interface DaemonOptions {
  readonly scheduler: Scheduler;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Longest sleep between ticks. */
  readonly pollMs: number;
  /** Stops the daemon. */
  readonly signal: AbortSignal;
}

export async function runDaemon(options: DaemonOptions): Promise<void> {
  const { scheduler, clock, logger, signal } = options;
  let nap = new AbortController();
  scheduler.onAttemptEnd(() => nap.abort());
  let failures = 0;
  while (!signal.aborted) {
    let next: number | undefined;
    try {
      const report = await scheduler.tick();
      failures = 0;
      next = report.nextWakeAt;
      // Run events are delivered once their attempt ends, usually at a later tick: that tick logs too.
      if (report.claimed.length + report.skipped + report.lost + report.timedOut + report.eventsSent > 0) {
        logger.info(
          {
            claimed: report.claimed.map((r) => `${r.jobId}@${new Date(r.scheduledAt).toISOString()}`),
            created: report.created,
            skipped: report.skipped,
            lost: report.lost,
            timedOut: report.timedOut,
            eventsSent: report.eventsSent,
          },
          'scheduler tick',
        );
      }
    } catch (e: unknown) {
      failures += 1;
      logger.error({ err: e, failures }, 'a scheduler tick failed; trying again at the next wake-up');
    }
    const now = clock.now();
    // Never a busy loop: at least a few milliseconds between ticks.
    const until = Math.max(now + 5, Math.min(next ?? Infinity, now + options.pollMs));
    nap = new AbortController();
    const stop = () => nap.abort();
    signal.addEventListener('abort', stop, { once: true });
    await wakeAt(until, nap.signal);
    signal.removeEventListener('abort', stop);
  }
  logger.info({ running: scheduler.running().length }, 'scheduler stopping: ending the attempts in hand');
  await scheduler.stop();
  await scheduler.flushEvents();
}
