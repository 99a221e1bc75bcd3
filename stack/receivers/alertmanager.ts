/**
 * A real Prometheus Alertmanager for a test file (stack/alertmanager/), in a temporary directory, and
 * its view of the alerts through GET /api/v2/alerts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startAlertmanager, type AlertmanagerProcess } from '../alertmanager/index.ts';

/** An alert as GET /api/v2/alerts shows it (the fields tests look at). */
export interface GettableAlert {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly fingerprint: string;
  readonly status: { readonly state: string };
  readonly generatorURL?: string;
}

export interface LocalAlertmanager extends AlertmanagerProcess {
  /** The alerts Alertmanager holds as active (GET /api/v2/alerts: resolved ones are not listed). */
  alerts(): Promise<GettableAlert[]>;
}

export async function startLocalAlertmanager(): Promise<LocalAlertmanager> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tw-alertmanager-'));
  let process: AlertmanagerProcess;
  try {
    process = await startAlertmanager({ dir });
  } catch (error: unknown) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: process.url,
    pid: process.pid,
    async alerts() {
      const response = await fetch(`${process.url}/api/v2/alerts`);
      return (await response.json()) as GettableAlert[];
    },
    async stop() {
      await process.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
