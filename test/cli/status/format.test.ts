import { describe, expect, it } from 'vitest';
import { columns, cut, formatStatus, short, wrap } from '../../../cli/status/format.ts';
import { healthProblems } from '../../../runtime/status/index.ts';
import { healthyParts, report } from '../../runtime/status/fixtures.ts';

const lines = (text: string) => text.trimEnd().split('\n');

describe('the status text', () => {
  it('shows every section in 80 columns, with the verdict first', () => {
    const text = formatStatus(report(healthyParts()));
    expect(lines(text).filter((l) => l.length > 80)).toEqual([]);
    expect(text).toBe(
      [
        'tradewatch status: HEALTHY',
        'at 2026-12-07T04:00:00.000Z, TOPIC_PREFIX prod.',
        '',
        'STACK',
        '  kafka ok (3 broker(s))   questdb ok   postgres ok',
        '',
        'PROCESSORS (consumer groups)',
        '  PROCESSOR  INST  LAG  COMMITTED  STATE',
        '  drawdown      2   12  4s ago     Stable',
        '  drawdown: 10.0.0.5 (3p), 10.0.0.6 (3p)',
        '  not deployed: baseline',
        '',
        'INSTANCES (heartbeats, last hour)',
        '  KIND  INSTANCE  LAST BEAT  STATE',
        '  run   vm-1      2s ago     ok',
        '',
        'DEAD LETTERS AND LATE RECORDS (last hour)',
        '  TOPIC  SOURCE           CODE                         COUNT',
        '  dlq    portfolio.marks  TW_DECODE_NOT_SINGLE_OBJECT  1,204',
        '  late   outcomes         TW_RECORD_LATE                   3',
        '',
        'ALERTS FIRING',
        '  critical 0   error 0   warning 1   info 0',
        '  SEVERITY  RULE                   ENV   SINCE  SUMMARY',
        '  warning   portfolio_drawdown_1h  prod  12m    alpha-momentum (prod) is down 5…',
        '',
        'SCHEDULER',
        '  next: risk-check in 4m',
        '  no failure in the last hour',
        '',
        'DISPATCHER',
        '  undelivered 0   refused in the last hour 0',
        '',
        'no problem',
        '',
      ].join('\n'),
    );
  });

  it('shows a part that failed as its error, and the problems last, wrapped', () => {
    const parts = {
      ...healthyParts(),
      scheduler: {
        ok: false as const,
        tookMs: 5000,
        error:
          'TW_POSTGRES_UNAVAILABLE: could not list the jobs: PostgreSQL at postgres://postgres:***@db:5432/tw did not answer (connect ECONNREFUSED); check DATABASE_URL',
      },
    };
    const text = formatStatus(report(parts, healthProblems(parts, { maxLag: 1000 })));
    expect(lines(text).filter((l) => l.length > 80)).toEqual([]);
    expect(lines(text)[0]).toBe('tradewatch status: UNHEALTHY (1 problem(s))');
    expect(text).toContain(
      'SCHEDULER\n  unknown: TW_POSTGRES_UNAVAILABLE: could not list the jobs: PostgreSQL at\n  postgres://postgres:***@db:5432/tw did not answer (connect ECONNREFUSED);\n  check DATABASE_URL\n',
    );
    expect(text).toMatch(
      /\nPROBLEMS\n {2}- scheduler unknown: TW_POSTGRES_UNAVAILABLE: could not list the jobs:\n {4}PostgreSQL/,
    );
  });

  it('cuts, wraps and aligns', () => {
    expect(cut('abcdef', 4)).toBe('abc…');
    expect(cut('abcd', 4)).toBe('abcd');
    expect(short(999)).toBe('0s');
    expect(short(3_725_000)).toBe('1h2m');
    expect(short(2 * 86_400_000 + 4 * 3_600_000 + 5000)).toBe('2d4h');
    expect(wrap('x'.repeat(100), '  ')).toEqual([`  ${'x'.repeat(77)}…`]);
    expect(
      columns(
        [
          { header: 'A', max: 3 },
          { header: 'N', max: 5, right: true },
        ],
        [['abcdef', '7']],
      ),
    ).toEqual(['  A    N', '  ab…  7']);
  });
});
