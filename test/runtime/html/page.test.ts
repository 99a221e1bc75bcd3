import { describe, expect, it } from 'vitest';
import {
  barChart,
  codeBlock,
  escapeHtml,
  eventChart,
  formatNumber,
  formatPercent,
  formatTime,
  histogram,
  markup,
  renderPage,
  scatterChart,
  table,
  timeChart,
} from '../../../runtime/html/index.ts';
import { samplePage } from './sample-page.ts';

describe('html', () => {
  it('escapes text and attributes, keeps Html', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    const inner = markup`<b>${'<i>'}</b>`;
    expect(markup`<p title="${'"q"'}">${inner}${null}${[1, '<']}</p>`.text).toBe(
      '<p title="&quot;q&quot;"><b>&lt;i&gt;</b>1&lt;</p>',
    );
  });

  it('formats numbers, percentages and UTC times without a locale', () => {
    expect(formatPercent(0.0125)).toBe('1.25%');
    expect(formatPercent(-0.5)).toBe('-50%');
    expect(formatNumber(1234567.8)).toBe('1,234,568');
    expect(formatNumber(0.000123456)).toBe('0.0001235');
    expect(formatNumber(12.34567)).toBe('12.3457');
    expect(formatTime(Date.UTC(2025, 0, 2, 3, 4))).toBe('2025-01-02 03:04');
  });
});

describe('charts', () => {
  const t0 = Date.UTC(2025, 0, 1);
  const hour = 3_600_000;

  it('renders the same bytes for the same input, with ids scoped to the chart', () => {
    const a = samplePage();
    const b = samplePage();
    expect(a).toBe(b);
    expect(a).not.toMatch(/\bzr\d+-/);
    expect(a).toContain('clip-path="url(#tw-equity-c0)"');
    expect(a).not.toContain('<script');
  });

  it('counts the non-null points it draws and says "No data" when there are none', () => {
    const chart = timeChart({
      id: 'gaps',
      title: 'Gaps',
      series: [
        {
          name: 'a',
          points: [
            [t0, 1],
            [t0 + hour, null],
            [t0 + 2 * hour, 3],
          ],
        },
        { name: 'b', points: [[t0, 2]] },
      ],
    }).text;
    expect(chart).toContain('data-chart="gaps" data-points="3" data-series="2"');
    expect(chart).toContain('<svg');
    const empty = timeChart({
      id: 'none',
      title: 'None',
      series: [{ name: 'a', points: [[t0, null]] }],
    }).text;
    expect(empty).toContain('data-points="0"');
    expect(empty).toContain('No data');
    expect(empty).not.toContain('<svg');
  });

  it('draws a dot for a value between gaps, which a line alone would not show', () => {
    const dots = (points: [number, number | null][]) =>
      (
        timeChart({ id: 'd', title: 'D', series: [{ name: 'a', points }] }).text.match(/<path d="M[^"]*A/g) ??
        []
      ).length;
    const long = (value: (i: number) => number | null) =>
      Array.from({ length: 100 }, (_, i): [number, number | null] => [t0 + i * hour, value(i)]);
    expect(dots(long((i) => i))).toBe(0);
    expect(dots(long((i) => (i === 50 ? 1 : i === 49 || i === 51 ? null : i)))).toBeGreaterThan(0);
  });

  it('puts Pearson r and n in a scatter title and on the figure', () => {
    const chart = scatterChart({
      id: 'sc',
      title: 'P@K vs return',
      fit: true,
      points: [
        [1, 2],
        [2, 4],
        [3, 5],
        [4, 4],
        [5, 5],
      ],
    }).text;
    expect(chart).toContain('P@K vs return (Pearson r = 0.7746, n = 5)');
    expect(chart).toMatch(/data-points="5" data-series="1" data-r="0\.7745966/);
  });

  it('histogram counts its values; bar and timeline count theirs', () => {
    expect(histogram({ id: 'h', title: 'H', values: [1, 2, 2, 3, 10] }).text).toContain('data-points="5"');
    expect(
      barChart({ id: 'b', title: 'B', categories: ['x', 'y'], series: [{ name: 's', values: [1, null] }] })
        .text,
    ).toContain('data-points="1"');
    const timeline = eventChart({
      id: 'ev',
      title: 'Alerts',
      lanes: ['drawdown', 'baseline'],
      series: [
        {
          name: 'firing',
          events: [
            { t: t0, lane: 'drawdown' },
            { t: t0 + hour, lane: 'baseline' },
          ],
        },
      ],
    }).text;
    expect(timeline).toContain('data-points="2"');
  });

  it('rejects bad input with what, where and how to fix it', () => {
    expect(() =>
      timeChart({
        id: 'x',
        title: 'X',
        series: [
          {
            name: 'eq',
            points: [
              [t0, 1],
              [t0, Number.NaN],
            ],
          },
        ],
      }),
    ).toThrow(/chart "x", series "eq": value 3 is NaN; pass a finite number, or null for a gap/);
    expect(() => timeChart({ id: 'bad id', title: 'X', series: [] })).toThrow(/chart id "bad id" is invalid/);
    expect(() => timeChart({ id: 'bad id', title: 'X', series: [] })).toThrow(
      expect.objectContaining({ code: 'TW_INPUT_INVALID' }),
    );
    expect(() =>
      barChart({ id: 'b', title: 'B', categories: ['x'], series: [{ name: 's', values: [1, 2] }] }),
    ).toThrow(/2 values for 1 categories/);
    expect(() =>
      eventChart({
        id: 'e',
        title: 'E',
        lanes: ['a'],
        series: [{ name: 's', events: [{ t: t0, lane: 'b' }] }],
      }),
    ).toThrow(/lane "b", which is not in lanes/);
    const twice = table({ id: 'same', columns: [], rows: [] });
    expect(() => renderPage({ title: 'T', sections: [{ title: 'S', content: [twice, twice] }] })).toThrow(
      /two of table "same"/,
    );
  });

  it('builds a page that escapes its text and forbids every request', () => {
    const page = renderPage({
      title: 'Run <1> & "2"',
      subtitle: 'sub',
      sections: [
        { title: 'Config', intro: 'as run', content: codeBlock('{"a": "<script>"}') },
        {
          title: 'Table',
          content: table({
            id: 'tbl',
            columns: [
              { label: 'name', value: (r: { n: string; v: number | null }) => r.n },
              { label: 'value', value: (r) => r.v, format: 'percent' },
            ],
            rows: [
              { n: '<x>', v: 0.5 },
              { n: 'y', v: null },
            ],
          }),
        },
      ],
    });
    expect(page).toContain('<title>Run &lt;1&gt; &amp; &quot;2&quot;</title>');
    expect(page).toContain('&lt;script&gt;');
    expect(page).toContain(
      `content="default-src &#39;none&#39;; style-src &#39;unsafe-inline&#39;; img-src data:"`,
    );
    expect(page).toContain('<td class="right">50%</td>');
    expect(page).toContain('<td class="right">—</td>');
    expect(page).toContain('data-table="tbl" data-rows="2"');
    expect(page).toContain('<a href="#s-config">Config</a>');
  });
});
