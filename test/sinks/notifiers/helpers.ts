import type { ManualClock } from '../../../core/clock.ts';
import { SchemaRegistry, type Alert } from '../../../schemas/index.ts';
import { physicalName } from '../../../topics/index.ts';
import type { Sleep } from '../../../sinks/notifiers/index.ts';
import { testKafka } from '../../helpers/kafka.ts';
export { capturedLogger } from '../../helpers/captured-logger.ts';

/** 2026-01-05T08:00:00Z. */
export const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);

/** A firing alert; `overrides` change any field. */
export function alert(overrides: Partial<Alert> = {}): Alert {
  return {
    fingerprint: 'fp-drawdown-p1',
    rule: 'portfolio_drawdown',
    severity: 'critical',
    status: 'firing',
    env: 'prod',
    summary: 'momentum-main drawdown 12.4% exceeds 10%',
    description: null,
    unit: null,
    labels: { portfolio: 'momentum-main' },
    value: 0.124,
    threshold: 0.1,
    starts_at: T0,
    ends_at: null,
    ts: T0,
    ...overrides,
  };
}

/** The resolved record of a firing alert, `afterMs` later. */
export function resolved(firing: Alert, afterMs = 60_000): Alert {
  return {
    ...firing,
    status: 'resolved',
    ends_at: firing.starts_at + afterMs,
    ts: firing.starts_at + afterMs,
  };
}

/** A sleep that moves `clock` instead of waiting, and remembers what it was asked. */
export function fakeSleep(clock: ManualClock): Sleep & { readonly waits: number[] } {
  const waits: number[] = [];
  const sleep = (ms: number): Promise<void> => {
    waits.push(ms);
    if (ms > 0) clock.advance(ms);
    return Promise.resolve();
  };
  return Object.assign(sleep, { waits });
}

/** A logger whose JSON lines are kept in `lines` (to look for secrets in them). */
const registry = SchemaRegistry.load();

/** Produces alerts to `<prefix>alerts`, keyed by fingerprint, in order. */
export async function produceAlerts(prefix: string, alerts: readonly Alert[]): Promise<void> {
  const codec = (await registry).codec('Alert');
  const producer = await testKafka().producer();
  try {
    await producer.send(
      alerts.map((a) => ({
        topic: physicalName('alerts', prefix),
        key: a.fingerprint,
        value: codec.encode(a),
      })),
    );
  } finally {
    await producer.close();
  }
}
