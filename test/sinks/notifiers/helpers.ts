import { Writable } from 'node:stream';
import { inject, onTestFinished } from 'vitest';
import { ManualClock } from '../../../runtime/clock.ts';
import { createKafkaClient, readToEnd, type IncomingRecord } from '../../../runtime/kafka/index.ts';
import { createLogger, type Logger } from '../../../runtime/logger.ts';
import { SchemaRegistry, type Alert } from '../../../schemas/index.ts';
import { physicalName } from '../../../topics/index.ts';
import {
  NotifierRunner,
  notifierGroup,
  type NotifierRunnerOptions,
  type Sleep,
} from '../../../sinks/notifiers/index.ts';
import { testKafka } from '../../helpers/kafka.ts';

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
export function capturedLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), lines };
}

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

/** Every committed record of `<prefix><topic>`, raw. */
export async function readRaw(prefix: string, topic: string): Promise<IncomingRecord[]> {
  const kafka = testKafka();
  const admin = await kafka.admin();
  const out: IncomingRecord[] = [];
  try {
    await readToEnd(kafka, admin, {
      topic: physicalName(topic, prefix),
      groupPrefix: 'tw-test-read',
      onRecords: (records) => void out.push(...records),
    });
  } finally {
    await admin.close();
  }
  return out;
}

export async function decodeAlert(value: Buffer | null): Promise<Alert> {
  return (await registry).codec('Alert').decode(value!);
}

/** The committed offsets of a notifier's group: `{ 'alerts/0': '3', ... }`. */
export async function committed(prefix: string, notifier: string): Promise<Record<string, string>> {
  const admin = await testKafka().admin();
  try {
    const positions = await admin.groupOffsets(notifierGroup(notifier, prefix), [
      physicalName('alerts', prefix),
      physicalName('alerts.retry', prefix),
    ]);
    const out: Record<string, string> = {};
    for (const p of positions) out[`${p.topic.slice(prefix.length)}/${p.partition}`] = p.offset;
    return out;
  } finally {
    await admin.close();
  }
}

/** The end offsets of `<prefix><topic>`: `{ 'alerts/0': '3', ... }`. */
export async function ends(prefix: string, topic: string): Promise<Record<string, string>> {
  const admin = await testKafka().admin();
  try {
    const out: Record<string, string> = {};
    for (const p of await admin.offsets(physicalName(topic, prefix))) out[`${topic}/${p.partition}`] = p.high;
    return out;
  } finally {
    await admin.close();
  }
}

/**
 * Starts a runner on the test Kafka (from the beginning, ticking every 50 ms); at the end of the test
 * it is closed and its group deleted.
 */
export async function startRunner(
  options: Omit<NotifierRunnerOptions, 'kafka' | 'logger'> & { logger?: Logger; prefix: string },
): Promise<NotifierRunner> {
  const { prefix, ...rest } = options;
  const logger = options.logger ?? createLogger({ level: 'silent' });
  const runner = await NotifierRunner.start({
    kafka: createKafkaClient({ brokers: inject('services').kafkaBrokers, logger }),
    logger,
    topicPrefix: prefix,
    fromBeginning: true,
    tickMs: 50,
    sessionTimeoutMs: 6_000,
    ...rest,
  });
  onTestFinished(async () => {
    await runner.close();
    const admin = await testKafka().admin();
    await admin.deleteGroups([runner.groupId]).catch(() => undefined);
    await admin.close();
  });
  return runner;
}

export { ManualClock };
