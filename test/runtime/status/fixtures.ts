/** A status report with every part healthy, to change one thing at a time. */
import type { StatusParts, StatusReport } from '../../../runtime/status/index.ts';

export const AT = Date.UTC(2026, 11, 7, 4, 0);
const ok = <T>(data: T) => ({ ok: true as const, tookMs: 12, data });

export function healthyParts(): StatusParts {
  return {
    stack: ok({
      kafka: { ok: true, brokers: 3, controller: 1 },
      questdb: { ok: true },
      postgres: { ok: true },
    }),
    processors: ok([
      {
        name: 'drawdown',
        group: 'prod.tradewatch.drawdown',
        state: 'Stable',
        deployed: true,
        instances: [
          { clientId: 'tradewatch', host: '10.0.0.5', partitions: 3 },
          { clientId: 'tradewatch', host: '10.0.0.6', partitions: 3 },
        ],
        lag: 12,
        topics: [{ topic: 'prod.portfolio.marks', partitions: 6, lag: 12 }],
        lastCommitAt: AT - 4000,
      },
      {
        name: 'baseline',
        group: 'prod.tradewatch.baseline',
        state: 'Dead',
        deployed: false,
        instances: [],
        lag: 0,
        topics: [],
        lastCommitAt: null,
      },
    ]),
    heartbeats: ok([{ instance: 'vm-1', kind: 'run', lastAt: AT - 2000, state: 'ok' as const }]),
    deadLetters: ok({
      since: AT - 3_600_000,
      counts: [
        {
          topic: 'dlq' as const,
          source: 'prod.portfolio.marks',
          code: 'TW_DECODE_NOT_SINGLE_OBJECT',
          count: 1204,
        },
        { topic: 'late' as const, source: 'prod.outcomes', code: 'TW_RECORD_LATE', count: 3 },
      ],
      truncated: false,
    }),
    alerts: ok({
      firing: { critical: 0, error: 0, warning: 1, info: 0 },
      top: [
        {
          severity: 'warning' as const,
          rule: 'portfolio_drawdown_1h',
          env: 'prod',
          since: AT - 720_000,
          summary: 'alpha-momentum (prod) is down 5.60% over the last hour (threshold 5.00%)',
        },
      ],
    }),
    scheduler: ok({ next: [{ job: 'risk-check', at: AT + 240_000 }], failures: [] }),
    dispatcher: ok({ pending: 0, failing: 0, oldestPendingAt: null, rejected: 0 }),
  };
}

export function report(parts: StatusParts, problems: StatusReport['problems'] = []): StatusReport {
  return { version: 1, at: AT, topicPrefix: 'prod.', healthy: problems.length === 0, problems, ...parts };
}
