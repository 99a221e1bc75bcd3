/** A page with one of each chart, from fixed data: the library's browser test and determinism test. */
import {
  barChart,
  columns,
  eventChart,
  histogram,
  keyValueTable,
  renderPage,
  rollingMean,
  scatterChart,
  timeChart,
} from '../../../runtime/html/index.ts';

const T0 = Date.UTC(2025, 0, 1);
const HOUR = 3_600_000;

/** A deterministic pseudo-random sequence in [0, 1) (a linear congruential generator). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** The sample page and how many points each of its charts has. */
export const SAMPLE_POINTS = {
  equity: 300,
  returns: 300,
  bars: 5,
  scatter: 300,
  alerts: 4,
  gaps: 598,
} as const;

export function samplePage(): string {
  const rand = lcg(7);
  const returns = Array.from({ length: 300 }, () => (rand() - 0.48) * 0.02);
  let equity = 1;
  const curve = returns.map((r, i) => [T0 + i * HOUR, (equity *= 1 + r)] as const);
  const withGaps = returns.map((r, i) => [T0 + i * HOUR, i === 10 || i === 11 ? null : r] as const);
  const rolling = rollingMean(returns, 24);
  return renderPage({
    title: 'Sample <report>',
    subtitle: 'one of each chart',
    sections: [
      {
        title: 'Lines',
        content: [
          timeChart({
            id: 'equity',
            title: 'Equity',
            series: [{ name: 'equity', points: curve, area: true }],
          }),
          timeChart({
            id: 'gaps',
            title: 'Returns with a gap, and their 24-period mean',
            y: { format: 'percent' },
            series: [
              { name: 'return', points: withGaps },
              {
                name: 'mean',
                dashed: true,
                points: returns.map((_, i) => [T0 + i * HOUR, rolling[i] ?? null]),
              },
            ],
          }),
        ],
      },
      {
        title: 'Distributions',
        content: columns(
          histogram({ id: 'returns', title: 'Returns', values: returns, format: 'percent' }),
          barChart({
            id: 'bars',
            title: 'Bars',
            categories: ['a', 'b', 'c', 'd', 'e'],
            series: [{ name: 'v', values: [3, 1, 4, 1, 5] }],
          }),
        ),
      },
      {
        title: 'Relations',
        content: scatterChart({
          id: 'scatter',
          title: 'Return against the next',
          fit: true,
          points: returns.map((r, i) => [r, returns[(i + 1) % returns.length]!] as const),
          x: { format: 'percent' },
          y: { format: 'percent' },
        }),
      },
      {
        title: 'Events',
        content: [
          eventChart({
            id: 'alerts',
            title: 'Alerts',
            lanes: ['drawdown', 'baseline'],
            series: [
              {
                name: 'firing',
                color: '#d62728',
                events: [
                  { t: T0, lane: 'drawdown' },
                  { t: T0 + 50 * HOUR, lane: 'baseline' },
                ],
              },
              {
                name: 'resolved',
                color: '#2ca02c',
                events: [
                  { t: T0 + 5 * HOUR, lane: 'drawdown' },
                  { t: T0 + 60 * HOUR, lane: 'baseline' },
                ],
              },
            ],
          }),
          keyValueTable('metrics', [
            ['total return', equity - 1, 'percent'],
            ['periods', 300, 'integer'],
            ['undefined', null],
          ]),
        ],
      },
    ],
  });
}
