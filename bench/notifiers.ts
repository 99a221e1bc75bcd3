/**
 * Notifier throughput: notifications per second each notifier delivers to a local receiver speaking
 * its contract (stack/receivers/), one at a time as the dispatcher sends them, and, as the
 * reference measured in the same run against the same receiver, a raw `fetch` POST loop of the same
 * bodies. Slack runs with its rate limit off (its real limit, 1 message per second per webhook, would
 * be the figure otherwise); SES goes to aws-ses-v2-local; Alertmanager is a real one when installed.
 * The ratio notifier ÷ reference is the cost of building the message, classifying the answer and, for
 * SES, the AWS SDK's request signing.
 *
 * `runNotifierBench()` returns JSON-able figures; bench/main.ts decides when to call it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  AlertmanagerNotifier,
  EmailNotifier,
  PagerDutyNotifier,
  SlackNotifier,
  alertmanagerAlert,
  pagerDutyEvent,
  slackMessage,
  type Notifier,
} from '../sinks/notifiers/index.ts';
import type { Alert } from '../schemas/index.ts';
import { findAlertmanager, startAlertmanager } from '../stack/alertmanager/index.ts';
import { PagerDutyReceiver } from '../stack/receivers/pagerduty-receiver.ts';
import { startSesLocal } from '../stack/receivers/ses-local.ts';
import { SlackReceiver } from '../stack/receivers/slack-receiver.ts';

export interface NotifierBenchOptions {
  /** Notifications per notifier (and requests per reference loop). Default 2 000. */
  readonly notifications?: number;
  /** Unmeasured sends before each measured loop. Default 50. */
  readonly warmup?: number;
  /** Measure against a real Alertmanager when one is installed. Default true. */
  readonly alertmanager?: boolean;
  /** Told of each step, for a progress line. */
  readonly progress?: (message: string) => void;
}

export interface Rate {
  readonly count: number;
  readonly ms: number;
  readonly perSecond: number;
}

export interface NotifierBenchFigure {
  readonly notifier: 'slack' | 'email' | 'pagerduty' | 'alertmanager';
  /** What it was measured against. */
  readonly receiver: string;
  readonly sent: Rate;
  /** A raw fetch POST loop of the same bodies against the same receiver. */
  readonly reference: Rate;
  /** notifier ÷ reference notifications per second. */
  readonly ratio: number;
}

export interface NotifierBenchResult {
  readonly notifications: number;
  readonly figures: readonly NotifierBenchFigure[];
  readonly notes: readonly string[];
}

const round = (n: number, digits = 1): number => Number(n.toFixed(digits));

function rate(count: number, ms: number): Rate {
  return { count, ms: round(ms), perSecond: round((count / ms) * 1000) };
}

/** Alerts with distinct fingerprints, alternating firing and resolved. */
function benchAlerts(count: number, now: number): Alert[] {
  return Array.from({ length: count }, (_, i) => ({
    fingerprint: `bench-${i}`,
    rule: 'portfolio_drawdown',
    severity: (['critical', 'error', 'warning', 'info'] as const)[i % 4]!,
    status: i % 2 === 0 ? 'firing' : 'resolved',
    env: 'prod',
    summary: `bench portfolio ${i} drawdown 12.4% exceeds 10%`,
    description: null,
    unit: null,
    labels: { portfolio: `p${i % 50}`, strategy: 'momentum' },
    value: 0.124,
    threshold: 0.1,
    starts_at: now - 60_000,
    ends_at: i % 2 === 0 ? null : now,
    ts: now,
  }));
}

/** Sends each alert as its own notification, in order; throws on the first one not accepted. */
async function sendAll(notifier: Notifier, alerts: readonly Alert[]): Promise<number> {
  const started = performance.now();
  for (const alert of alerts) {
    const result = await notifier.send({ alerts: [alert] });
    if (result.outcome !== 'accepted') {
      throw new Error(`${notifier.name} did not accept a bench notification: ${result.reason}`);
    }
  }
  return performance.now() - started;
}

/** POSTs each body, in order, and checks the status. */
async function postAll(
  url: string,
  bodies: readonly unknown[],
  ok: (status: number) => boolean,
): Promise<number> {
  const started = performance.now();
  for (const body of bodies) {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    await response.text();
    if (!ok(response.status)) throw new Error(`the reference POST got HTTP ${response.status}`);
  }
  return performance.now() - started;
}

/** Rounds the measured loops are split into, notifier and reference alternating, so drift hits both. */
const ROUNDS = 4;

/**
 * Times `notifier` sending `alerts` and the reference posting their bodies, each warmed up first, in
 * {@link ROUNDS} alternating rounds; returns the total ms of each.
 */
async function measure(
  notifier: Notifier,
  alerts: readonly Alert[],
  warm: readonly Alert[],
  reference: (alerts: readonly Alert[]) => Promise<number>,
): Promise<{ notifierMs: number; referenceMs: number }> {
  await sendAll(notifier, warm);
  await reference(warm);
  let notifierMs = 0;
  let referenceMs = 0;
  const size = Math.ceil(alerts.length / ROUNDS);
  for (let i = 0; i < alerts.length; i += size) {
    const chunk = alerts.slice(i, i + size);
    notifierMs += await sendAll(notifier, chunk);
    referenceMs += await reference(chunk);
  }
  return { notifierMs, referenceMs };
}

export async function runNotifierBench(options: NotifierBenchOptions = {}): Promise<NotifierBenchResult> {
  const count = options.notifications ?? 2_000;
  const warmup = options.warmup ?? 50;
  const progress = options.progress ?? (() => undefined);
  const now = Date.now();
  const alerts = benchAlerts(count, now);
  const warm = benchAlerts(warmup, now);
  const figures: NotifierBenchFigure[] = [];
  const notes: string[] = [];
  const figure = (
    notifier: NotifierBenchFigure['notifier'],
    receiver: string,
    notifierMs: number,
    referenceMs: number,
  ): void => {
    const measured = rate(count, notifierMs);
    const reference = rate(count, referenceMs);
    figures.push({
      notifier,
      receiver,
      sent: measured,
      reference,
      ratio: round(measured.perSecond / reference.perSecond, 3),
    });
    progress(`  ${notifier}: ${measured.perSecond}/s (reference ${reference.perSecond}/s)`);
  };

  progress(`notifiers: ${count} notifications each, one at a time`);
  {
    const receiver = await SlackReceiver.start();
    try {
      const url = receiver.webhook('bench');
      const slack = new SlackNotifier({ channels: { bench: url }, ratePerSecond: 0 });
      const { notifierMs, referenceMs } = await measure(slack, alerts, warm, (chunk) =>
        postAll(
          url,
          chunk.map((a) => slackMessage({ alerts: [a] })),
          (s) => s === 200,
        ),
      );
      figure('slack', 'local Slack webhook contract server', notifierMs, referenceMs);
    } finally {
      await receiver.close();
    }
  }
  {
    const receiver = await PagerDutyReceiver.start();
    try {
      const routingKey = 'BENCHKEY0123456789abcdefABCDEF01';
      const pd = new PagerDutyNotifier({ routingKey, url: receiver.url });
      const { notifierMs, referenceMs } = await measure(pd, alerts, warm, (chunk) =>
        postAll(
          `${receiver.url}/v2/enqueue`,
          chunk.map((a) => pagerDutyEvent(a, routingKey, 'tradewatch')),
          (s) => s === 202,
        ),
      );
      figure('pagerduty', 'local PagerDuty Events API v2 contract server', notifierMs, referenceMs);
    } finally {
      await receiver.close();
    }
  }
  {
    const ses = await startSesLocal();
    try {
      const email = new EmailNotifier({
        from: 'bench@example.com',
        to: ['oncall@example.com'],
        endpoint: ses.url,
        credentials: { accessKeyId: 'BENCH', secretAccessKey: 'BENCH' },
      });
      // The reference: the same local server's cheapest endpoint (its SES API needs SigV4 signing).
      const { notifierMs, referenceMs } = await measure(email, alerts, warm, (chunk) =>
        postAll(
          `${ses.url}/clear-store`,
          chunk.map(() => ({})),
          (s) => s === 200,
        ),
      );
      await email.close();
      figure('email', 'aws-ses-v2-local (SES v2 API)', notifierMs, referenceMs);
      notes.push(
        'email reference: POST /clear-store on the same aws-ses-v2-local server (its SES API needs SigV4 signing, so a raw loop cannot call it)',
      );
    } finally {
      await ses.close();
    }
  }
  if (options.alertmanager !== false && (await findAlertmanager()) !== undefined) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tw-bench-am-'));
    const am = await startAlertmanager({ dir });
    try {
      const notifier = new AlertmanagerNotifier({ url: am.url });
      const { notifierMs, referenceMs } = await measure(notifier, alerts, warm, (chunk) =>
        postAll(
          `${am.url}/api/v2/alerts`,
          chunk.map((a) => [alertmanagerAlert(a, Date.now(), 86_400_000)]),
          (s) => s === 200,
        ),
      );
      figure(
        'alertmanager',
        'Prometheus Alertmanager (Debian prometheus-alertmanager)',
        notifierMs,
        referenceMs,
      );
    } finally {
      await am.stop();
      await rm(dir, { recursive: true, force: true });
    }
  } else {
    notes.push('alertmanager: not measured (not installed, or turned off)');
  }
  notes.push(
    'one notification at a time, as the dispatcher’s delivery sends them; Slack with its 1/s-per-webhook rate limit off; the dispatcher adds one Postgres update per notification on top',
  );
  return { notifications: count, figures, notes };
}
