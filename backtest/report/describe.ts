/** The words that head a report: what was run, over what, and how it was made. */
import { formatTime } from '../../runtime/html/index.ts';
import type { BacktestResult } from '../result.ts';
import { field } from './series.ts';

/** `id@version` with the version shortened to 12 characters. */
export function runLabel(result: BacktestResult): string {
  return `${result.manifest.id}@${result.manifest.version.slice(0, 12)}`;
}

/** strategy, env, the time span, the horizon and the number of periods, as far as the config says. */
export function runSummary(result: BacktestResult): string {
  const config = result.manifest.config;
  const text = (key: string): string | null => {
    const v = field(config, key);
    return typeof v === 'string' || typeof v === 'number' ? String(v) : null;
  };
  const first = result.periods[0]?.t;
  const last = result.periods.at(-1)?.t;
  const span =
    text('from') !== null && text('to') !== null
      ? `${text('from')} → ${text('to')}`
      : first !== undefined && last !== undefined
        ? `${formatTime(first)} → ${formatTime(last)} UTC`
        : 'no periods';
  const parts = [
    text('strategy') === null ? null : `strategy ${text('strategy')}`,
    text('env') === null ? null : `env ${text('env')}`,
    span,
    text('horizon') === null ? null : `horizon ${text('horizon')}`,
    `${result.periods.length} periods`,
    `${result.alerts.length} alerts`,
  ];
  return parts.filter((p) => p !== null).join(' · ');
}

/** How the run was made: code commit, versions, seed (from the manifest; no clock is read). */
export function provenance(result: BacktestResult): string {
  const m = result.manifest;
  const commit = m.code.commit === null ? 'no commit' : `commit ${m.code.commit.slice(0, 12)}`;
  return `version ${m.version} · ${commit}${m.code.dirty ? ' (dirty tree)' : ''} · tradewatch ${m.tradewatch} · Node ${m.node} · seed ${m.seed}`;
}
