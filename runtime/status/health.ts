/**
 * The health rules of `tradewatch status` (README, "tradewatch status"): the system is healthy when none
 * of these holds, and each one that holds is a problem the report lists.
 * - a part could not be gathered (its service did not answer in time), or a stack service is down;
 * - a deployed processor (or the dispatcher) has no instance, or its lag exceeds `maxLag` records;
 * - an instance's heartbeat is missing (neither recent nor a retirement);
 * - a critical alert is firing;
 * - a scheduled run failed (failed, timed out, lost) within the window;
 * - a notification failed to be delivered (retrying, or its receiver down) or was refused for good
 *   within the window.
 */
import type { Problem, StatusParts } from './types.ts';

export interface HealthThresholds {
  /** A processor whose lag exceeds this many records is unhealthy. */
  readonly maxLag: number;
}

export function healthProblems(parts: StatusParts, thresholds: HealthThresholds): Problem[] {
  const problems: Problem[] = [];
  const add = (part: Problem['part'], message: string) => problems.push({ part, message });
  for (const [name, part] of Object.entries(parts) as [keyof StatusParts, StatusParts[keyof StatusParts]][]) {
    if (!part.ok) add(name, `${name} unknown: ${part.error}`);
  }
  const { stack, processors, heartbeats, alerts, scheduler, dispatcher } = parts;
  if (stack.ok) {
    for (const service of ['kafka', 'questdb', 'postgres'] as const) {
      const check = stack.data[service];
      if (!check.ok) add('stack', `${service} does not answer: ${check.error ?? 'no answer'}`);
    }
  }
  if (processors.ok) {
    for (const p of processors.data.filter((x) => x.deployed)) {
      if (p.instances.length === 0) add('processors', `${p.name} has no running instance (group ${p.group})`);
      if (p.lag > thresholds.maxLag) {
        add('processors', `${p.name} is ${p.lag} records behind (more than ${thresholds.maxLag})`);
      }
    }
  }
  if (heartbeats.ok) {
    for (const h of heartbeats.data.filter((x) => x.state === 'missing')) {
      add('heartbeats', `${h.kind} instance ${h.instance} stopped sending heartbeats`);
    }
  }
  if (alerts.ok && alerts.data.firing.critical > 0) {
    add('alerts', `${alerts.data.firing.critical} critical alert(s) firing`);
  }
  if (scheduler.ok && scheduler.data.failures.length > 0) {
    const jobs = [...new Set(scheduler.data.failures.map((f) => f.job))];
    add('scheduler', `${scheduler.data.failures.length} scheduled run(s) failed: ${jobs.join(', ')}`);
  }
  if (dispatcher.ok) {
    const { failing, rejected } = dispatcher.data;
    if (failing > 0) add('dispatcher', `${failing} notification(s) failing to be delivered`);
    if (rejected > 0)
      add('dispatcher', `${rejected} notification(s) refused for good (sent to the fallback)`);
  }
  return problems;
}
