/**
 * Dispatch test helpers: a started DispatchStore on a fresh Postgres schema (the scheduler tests'
 * database-per-file and schema-per-test helpers), alerts, and a notifier that records what it is sent
 * and answers as told (the Notifier contract; the Slack path is covered against SlackReceiver).
 */
import { onTestFinished } from 'vitest';
import { ManualClock } from '../../../core/clock.ts';
import { silentLogger } from '../../../core/logger.ts';
import type { Alert } from '../../../schemas/index.ts';
import {
  DEFAULT_ROUTING_FILE,
  Dispatcher,
  DispatchStore,
  OutboxDelivery,
  loadRouting,
  type RoutingConfig,
} from '../../../sinks/dispatch/index.ts';
import { compileDeliveryPolicy } from '../../../sinks/notifiers/delivery-options.ts';
import {
  accepted,
  type DeliveryResult,
  type Notification,
  type Notifier,
} from '../../../sinks/notifiers/index.ts';
import { testSchema } from '../../scheduler/helpers.ts';

export { testDatabase, testSchema } from '../../scheduler/helpers.ts';

/** 2026-01-05T08:00:00Z. */
export const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);
export const MINUTE = 60_000;
export const HOUR = 3_600_000;

export function alert(overrides: Partial<Alert> = {}): Alert {
  return {
    fingerprint: 'fp-drawdown-p1',
    rule: 'portfolio_drawdown_1h',
    severity: 'warning',
    status: 'firing',
    env: 'prod',
    summary: 'momentum-main drawdown 6.2% exceeds 5%',
    description: null,
    unit: null,
    labels: { portfolio: 'momentum-main' },
    value: 0.062,
    threshold: 0.05,
    starts_at: T0,
    ends_at: null,
    ts: T0,
    ...overrides,
  };
}

export function resolved(firing: Alert, at: number): Alert {
  return { ...firing, status: 'resolved', ends_at: at, ts: at };
}

/** Records notifications; `answer` decides each result (accepted by default). */
export class RecordingNotifier implements Notifier {
  readonly kind = 'log' as const;
  readonly name: string;
  readonly sent: Notification[] = [];
  answer: () => DeliveryResult = () => accepted;

  constructor(name: string) {
    this.name = name;
  }

  destinationOf(): string {
    return this.name;
  }

  send(notification: Notification): Promise<DeliveryResult> {
    const result = this.answer();
    if (result.outcome === 'accepted') this.sent.push(notification);
    return Promise.resolve(result);
  }

  /** `status fingerprint@starts_at` of each accepted alert. */
  lines(): string[] {
    return this.sent.flatMap((n) => n.alerts.map((a) => `${a.status} ${a.fingerprint}@${a.starts_at - T0}`));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

export interface Rig {
  readonly url: string;
  readonly clock: ManualClock;
  readonly store: DispatchStore;
  readonly dispatcher: Dispatcher;
  readonly delivery: OutboxDelivery;
  readonly receivers: Record<'pagerduty' | 'slack' | 'email' | 'fallback', RecordingNotifier>;
}

/** A dispatcher (store, routing, delivery with one attempt per round) on `url`, closed when the test ends. */
export async function rig(
  url: string,
  options: { clock?: ManualClock; routing?: RoutingConfig; receivers?: Rig['receivers'] } = {},
): Promise<Rig> {
  const clock = options.clock ?? new ManualClock(T0);
  const store = new DispatchStore({ url, logger: silentLogger() });
  onTestFinished(() => store.close());
  await store.start();
  const routing = options.routing ?? (await loadRouting(DEFAULT_ROUTING_FILE));
  const receivers = options.receivers ?? {
    pagerduty: new RecordingNotifier('pagerduty'),
    slack: new RecordingNotifier('slack'),
    email: new RecordingNotifier('email'),
    fallback: new RecordingNotifier('fallback'),
  };
  const dispatcher = new Dispatcher({ store, routing, clock, logger: silentLogger() });
  const delivery = new OutboxDelivery({
    store,
    notifiers: new Map(
      Object.entries(receivers).filter(([name]) => name !== 'fallback') as [string, Notifier][],
    ),
    fallbackOf: () => receivers.fallback,
    policy: compileDeliveryPolicy({ maxAttempts: 1, probeIntervalMs: MINUTE }),
    clock,
    sleep: () => Promise.resolve(),
    logger: silentLogger(),
  });
  return { url, clock, store, dispatcher, delivery, receivers };
}

/** A fresh schema of `databaseUrl` and a rig on it. */
export async function freshRig(databaseUrl: string, options: Parameters<typeof rig>[1] = {}): Promise<Rig> {
  return rig(await testSchema(databaseUrl), options);
}
