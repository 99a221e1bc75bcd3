import { describe, expect, it } from 'vitest';
import { healthProblems, type Part, type StatusParts } from '../../../runtime/status/index.ts';
import { AT, healthyParts } from './fixtures.ts';

const problems = (change: (p: StatusParts) => Partial<StatusParts>, maxLag = 1000) => {
  const parts = healthyParts();
  return healthProblems({ ...parts, ...change(parts) }, { maxLag });
};
const data = <T>(part: Part<T>): T => {
  if (!part.ok) throw new Error(part.error);
  return part.data;
};

describe('the health rules', () => {
  it('find nothing wrong in a healthy system (a warning firing, dead letters and an undeployed processor are no problem)', () => {
    expect(problems(() => ({}))).toEqual([]);
  });

  it('a part that did not answer, and a service that is down', () => {
    expect(
      problems((p) => ({
        alerts: { ok: false, tookMs: 5000, error: 'TW_TIMEOUT: no answer within 5000 ms' },
        stack: {
          ...p.stack,
          data: { ...data(p.stack), questdb: { ok: false, error: 'TW_QUESTDB_UNAVAILABLE: refused' } },
        } as StatusParts['stack'],
      })),
    ).toEqual([
      { part: 'stack', message: 'questdb does not answer: TW_QUESTDB_UNAVAILABLE: refused' },
      { part: 'alerts', message: 'alerts unknown: TW_TIMEOUT: no answer within 5000 ms' },
    ]);
  });

  it('says once an error that failed several parts', () => {
    const down = 'TW_KAFKA_UNAVAILABLE: Kafka at k:9092 did not answer';
    const failed = { ok: false as const, tookMs: 3, error: down };
    expect(
      problems((p) => ({
        stack: { ok: true, tookMs: 1, data: { ...data(p.stack), kafka: { ok: false, error: down } } },
        processors: failed,
        alerts: failed,
      })),
    ).toEqual([
      { part: 'stack', message: `kafka does not answer: ${down}` },
      { part: 'processors', message: 'processors unknown: same error as kafka' },
      { part: 'alerts', message: 'alerts unknown: same error as kafka' },
    ]);
  });

  it('a deployed processor without instance or behind by more than the maximum lag', () => {
    const [drawdown, baseline] = data(healthyParts().processors);
    const list = [
      { ...drawdown!, lag: 1001 },
      { ...baseline!, deployed: true },
    ];
    expect(problems(() => ({ processors: { ok: true, tookMs: 1, data: list } }))).toEqual([
      { part: 'processors', message: 'drawdown is 1001 records behind (more than 1000)' },
      { part: 'processors', message: 'baseline has no running instance (group prod.tradewatch.baseline)' },
    ]);
    // At the maximum, not beyond it: healthy.
    expect(
      problems(() => ({ processors: { ok: true, tookMs: 1, data: [{ ...drawdown!, lag: 1000 }] } })),
    ).toEqual([]);
  });

  it('a missing heartbeat (a retired one is no problem), a critical alert, a failed run, an undelivered notification', () => {
    expect(
      problems((p) => ({
        heartbeats: {
          ok: true,
          tookMs: 1,
          data: [
            { instance: 'notify/vm-1', kind: 'notify', lastAt: AT - 60_000, state: 'missing' },
            { instance: 'vm-2', kind: 'run', lastAt: AT - 60_000, state: 'retired' },
          ],
        },
        alerts: {
          ok: true,
          tookMs: 1,
          data: { ...data(p.alerts), firing: { critical: 2, error: 0, warning: 0, info: 0 } },
        },
        scheduler: {
          ok: true,
          tookMs: 1,
          data: {
            next: [],
            failures: [
              {
                job: 'risk-check',
                scheduledAt: AT - 600_000,
                state: 'timed_out',
                finishedAt: AT - 500_000,
                error: 'timed out after 5m',
              },
            ],
          },
        },
        dispatcher: {
          ok: true,
          tookMs: 1,
          data: { pending: 4, failing: 2, oldestPendingAt: AT - 60_000, rejected: 1 },
        },
      })),
    ).toEqual([
      { part: 'heartbeats', message: 'notify instance notify/vm-1 stopped sending heartbeats' },
      { part: 'alerts', message: '2 critical alert(s) firing' },
      { part: 'scheduler', message: '1 scheduled run(s) failed: risk-check' },
      { part: 'dispatcher', message: '2 notification(s) failing to be delivered' },
      { part: 'dispatcher', message: '1 notification(s) refused for good (sent to the fallback)' },
    ]);
    // Pending notifications that never failed (waiting for their group) are no problem.
    expect(
      problems(() => ({
        dispatcher: {
          ok: true,
          tookMs: 1,
          data: { pending: 4, failing: 0, oldestPendingAt: AT, rejected: 0 },
        },
      })),
    ).toEqual([]);
  });
});
