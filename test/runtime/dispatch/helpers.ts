/** A dispatcher on the real Kafka and Postgres, for the dispatch runner's tests. */
import type { Clock } from '../../../core/clock.ts';
import { silentLogger } from '../../../core/logger.ts';
import { DispatchRunner, type DispatchRunnerOptions } from '../../../runtime/dispatch/dispatch-runner.ts';
import { DEFAULT_ROUTING_FILE, DispatchStore, loadRouting } from '../../../sinks/dispatch/index.ts';
import type { Notifier } from '../../../sinks/notifiers/index.ts';
import { testKafka } from '../../helpers/kafka.ts';
import { RecordingNotifier } from '../../sinks/dispatch/helpers.ts';

/**
 * A started store at `url` and `start()`, which starts a DispatchRunner on it under `prefix`: the shipped
 * routing, `slack` and recording email and PagerDuty notifiers, 50 ms ticks, one delivery attempt, and
 * `options` over those. The caller closes the runner and the store.
 */
export async function dispatchRig(
  url: string,
  prefix: string,
  slack: Notifier,
  clock: Clock,
  options: Partial<DispatchRunnerOptions> = {},
): Promise<{ store: DispatchStore; start: () => Promise<DispatchRunner> }> {
  const notifiers = new Map<string, Notifier>([
    ['slack', slack],
    ['email', new RecordingNotifier('email')],
    ['pagerduty', new RecordingNotifier('pagerduty')],
  ]);
  const store = new DispatchStore({ url, logger: silentLogger() });
  await store.start();
  const routing = await loadRouting(DEFAULT_ROUTING_FILE);
  const start = () =>
    DispatchRunner.start({
      kafka: testKafka(),
      store,
      routing,
      notifiers,
      fallbackOf: () => new RecordingNotifier('fallback'),
      logger: silentLogger(),
      topicPrefix: prefix,
      tickMs: 50,
      clock,
      delivery: { maxAttempts: 1 },
      ...options,
    });
  return { store, start };
}
