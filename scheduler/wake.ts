/**
 * Waking the scheduler daemon: node-schedule owns the timer (it copes with delays beyond what
 * `setTimeout` accepts), and only wakes the process; what is due is decided by the scheduler itself
 * from its store, so a wake-up that comes early, late or twice changes nothing.
 */
import schedule from 'node-schedule';

/**
 * Resolves at `at` (epoch ms, system clock), or as soon as `signal` aborts; at once when `at` has
 * passed.
 */
export function wakeAt(at: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || at <= Date.now()) {
      resolve();
      return;
    }
    const finish = () => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    };
    // node-schedule answers null (its types say otherwise) for a time it considers passed.
    const job = schedule.scheduleJob(new Date(at), finish) as schedule.Job | null;
    const onAbort = () => {
      job?.cancel();
      finish();
    };
    if (job === null) {
      resolve();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
