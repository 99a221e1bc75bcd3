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
  // Each part in report order: its error when it could not be gathered, else what its data says.
  const check = <K extends keyof StatusParts>(
    name: K,
    judge: (data: Extract<StatusParts[K], { ok: true }>['data']) => void,
  ) => {
    const part = parts[name];
    if (part.ok) judge(part.data);
    else {
      // One cause (Kafka down) fails several parts: say it once.
      const first = seen.get(part.error);
      add(
        name,
        first === undefined ? `${name} unknown: ${part.error}` : `${name} unknown: same error as ${first}`,
      );
      seen.set(part.error, first ?? name);
    }
  };
  const seen = new Map<string, string>();
  check('stack', (stack) => {
    for (const service of ['kafka', 'questdb', 'postgres'] as const) {
      const c = stack[service];
      if (c.ok) continue;
      add('stack', `${service} does not answer: ${c.error ?? 'no answer'}`);
      if (c.error !== undefined) seen.set(c.error, service);
    }
  });
  check('processors', (list) => {
    for (const p of list.filter((x) => x.deployed)) {
      if (p.instances.length === 0) add('processors', `${p.name} has no running instance (group ${p.group})`);
      if (p.lag > thresholds.maxLag) {
        add('processors', `${p.name} is ${p.lag} records behind (more than ${thresholds.maxLag})`);
      }
    }
  });
  check('heartbeats', (list) => {
    for (const h of list.filter((x) => x.state === 'missing')) {
      add('heartbeats', `${h.kind} instance ${h.instance} stopped sending heartbeats`);
    }
  });
  check('deadLetters', () => undefined);
  check('alerts', (alerts) => {
    if (alerts.firing.critical > 0) add('alerts', `${alerts.firing.critical} critical alert(s) firing`);
  });
  check('scheduler', ({ failures }) => {
    if (failures.length === 0) return;
    const jobs = [...new Set(failures.map((f) => f.job))];
    add('scheduler', `${failures.length} scheduled run(s) failed: ${jobs.join(', ')}`);
  });
  check('dispatcher', ({ failing, rejected }) => {
    if (failing > 0) add('dispatcher', `${failing} notification(s) failing to be delivered`);
    if (rejected > 0)
      add('dispatcher', `${rejected} notification(s) refused for good (sent to the fallback)`);
  });
  return problems;
}
