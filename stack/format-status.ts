import type { StackStatus } from './types.ts';

/**
 * Renders a status as a short table for a person at a terminal: one row per service (name, version,
 * state, pid, endpoints, log file), then one line saying whether the stack is healthy.
 */
export function formatStatus(status: StackStatus): string {
  const header = ['SERVICE', 'STATE', 'PID', 'ENDPOINTS', 'LOG'];
  const rows = status.services.map((s) => [
    `${s.name} ${s.version}`,
    s.state,
    s.pid === undefined ? '-' : String(s.pid),
    Object.entries(s.endpoints)
      .map(([role, address]) => `${role}=${address}`)
      .join(' '),
    s.logFile,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line), status.healthy ? 'healthy: yes' : 'healthy: no'].join('\n');
}
