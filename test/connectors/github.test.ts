import { describe, expect, it } from 'vitest';
import { DAY_MS, WEEK_MS } from '../../core/durations.ts';
import { gitHubServer, type RepoData } from './github-server.ts';
import { connectorOf, harness, json, T0 } from './helpers.ts';

const MONDAY = T0 - 12 * 3_600_000; // 2026-03-02 00:00 UTC
const WEEK1 = MONDAY - 6 * WEEK_MS; // the first complete week of a 6-week history
const iso = (ms: number) => new Date(ms).toISOString();
const TOKEN = 'ghp_secret_token';

const COUNTS = [2, 4, 2, 4, 2, 30];
const repo: RepoData = {
  commits: COUNTS.flatMap((count, week) =>
    Array.from({ length: count }, (_, i) => ({
      sha: `w${week}c${i}`,
      date: iso(WEEK1 + week * WEEK_MS + DAY_MS + i * 60_000),
      login: ['ada', 'bob', 'cy'][i % 3]!,
    })),
  ),
  issues: [
    {
      number: 1,
      created_at: iso(WEEK1 + 2 * WEEK_MS + DAY_MS),
      closed_at: iso(WEEK1 + 2 * WEEK_MS + 3 * DAY_MS),
    },
    {
      number: 2,
      created_at: iso(WEEK1 + 3 * WEEK_MS + DAY_MS),
      closed_at: iso(WEEK1 + 5 * WEEK_MS + DAY_MS),
    },
    { number: 3, created_at: iso(WEEK1 + 5 * WEEK_MS + DAY_MS), closed_at: null },
    {
      number: 4,
      created_at: iso(WEEK1 + 5 * WEEK_MS),
      closed_at: iso(WEEK1 + 5 * WEEK_MS + DAY_MS),
      pull_request: true,
    },
  ],
  releases: [
    { tag: 'v2', published_at: iso(MONDAY - 5 * DAY_MS) },
    { tag: 'v2-rc', published_at: null, draft: true },
    { tag: 'v1', published_at: iso(WEEK1 + DAY_MS) },
  ],
};

const config = (url: string) =>
  connectorOf(`
connectors:
  - name: github
    type: github
    base_url: ${url}/api/v3
    credentials: { env: GITHUB_TOKEN }
    cadence: 1d
    budget_per_hour: 100
    history: 6w
    page_size: 10
    retries: { attempts: 4, initial: 10ms }
    assets:
      - { asset: uniswap, repos: [uniswap/v3-core] }
`);

describe('GitHub connector', () => {
  it('pages, waits out a secondary rate limit, retries 5xx, and publishes weekly values with z-scores', async () => {
    const h = await harness('gh');
    let limited = 0;
    let failures = 0;
    const server = await gitHubServer({ 'uniswap/v3-core': repo }, (exchange, res) => {
      if (exchange.path.endsWith('/issues') && limited === 0) {
        limited += 1;
        json(
          res,
          429,
          {
            message:
              'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
          },
          { 'retry-after': '1' },
        );
        return true;
      }
      if (exchange.query.get('page') === '2' && exchange.path.endsWith('/commits') && failures < 2) {
        failures += 1;
        json(res, 502, { message: 'Server Error' });
        return true;
      }
      return false;
    });
    const summary = await h.run(config(server.url), { mode: 'run' }, TOKEN);

    expect(summary).toMatchObject({ status: 'success', error: null });
    expect(server.exchanges.every((e) => e.headers.authorization === `token ${TOKEN}`)).toBe(true);
    const commitPages = server.exchanges
      .filter((e) => e.path.endsWith('/commits'))
      .map((e) => e.query.get('page'));
    expect(commitPages).toEqual([null, '2', '2', '2', '3', '4', '5']);
    expect(server.exchanges.filter((e) => e.path.endsWith('/issues'))).toHaveLength(2);
    expect(server.exchanges[0]!.query.get('since')).toBe(iso(WEEK1));

    const signals = await h.signals();
    const series = (name: string) =>
      signals
        .filter((s) => s.name === name)
        .sort((a, b) => a.ts - b.ts)
        .map((s) => s.value);
    expect(series('commits_week')).toEqual(COUNTS);
    expect(series('active_contributors_week')).toEqual([2, 3, 2, 3, 2, 3]);
    expect(series('issues_opened_week')).toEqual([0, 0, 1, 1, 0, 1]);
    expect(series('issues_closed_week')).toEqual([0, 0, 1, 0, 0, 1]);
    expect(series('issue_close_median_days')).toEqual([2, 14]);
    expect(series('releases_week')).toEqual([1, 0, 0, 0, 0, 1]);
    expect(series('days_since_release')).toEqual([6, 13, 20, 27, 34, 5]);
    const z = series('commits_week_z');
    expect(z).toHaveLength(2);
    expect(z[0]).toBeCloseTo(-0.866, 3);
    expect(z[1]).toBeCloseTo((30 - 2.8) / Math.sqrt(1.2), 6);
    expect(signals.find((s) => s.name === 'commits_week')).toMatchObject({
      source: 'github',
      asset: 'uniswap',
      unit: 'count',
      labels: { repo: 'uniswap/v3-core' },
      ts: WEEK1 + WEEK_MS,
    });
    const [run] = await h.runs();
    expect(run).toMatchObject({ ingest: 'connector-github', status: 'success', data_until: MONDAY });
  });

  it('sends conditional requests: a 304 serves the cached page, and a restart in the same week fetches nothing', async () => {
    const h = await harness('gh-etag');
    const server = await gitHubServer({ 'uniswap/v3-core': repo });
    const first = await h.run(config(server.url), { mode: 'run' }, TOKEN);
    expect(first.notModified).toBe(0);
    const sent = server.exchanges.length;

    h.clock.advance(DAY_MS);
    const same = await h.run(config(server.url), { mode: 'run' }, TOKEN);
    expect(same).toMatchObject({ status: 'success', requests: 0, rows: 0 });
    expect(server.exchanges).toHaveLength(sent);

    h.clock.advance(WEEK_MS);
    const next = await h.run(config(server.url), { mode: 'run' }, TOKEN);
    const releases = server.exchanges.slice(sent).filter((e) => e.path.endsWith('/releases'));
    expect(releases).toHaveLength(1);
    expect(releases[0]!.headers['if-none-match']).toMatch(/^"[0-9a-f]{20}"$/);
    expect(next).toMatchObject({ status: 'success', notModified: 1 });
    const days = (await h.signals()).filter(
      (s) => s.name === 'days_since_release' && s.ts === MONDAY + WEEK_MS,
    );
    expect(days.map((s) => s.value)).toEqual([12]);
  });

  it('never sends more than the hourly budget: the spent budget reads to octokit as a rate limit', async () => {
    const h = await harness('gh-budget');
    const server = await gitHubServer({ 'uniswap/v3-core': repo });
    const summary = await h.run({ ...config(server.url), budgetPerHour: 3 }, { mode: 'run' }, TOKEN);
    expect(summary).toMatchObject({ status: 'failure', requests: 3, rows: 0 });
    expect(summary.error).toMatch(
      /^TW_CONNECTOR_BUDGET_SPENT: github: GitHub answered 403 for uniswap\/v3-core: .*budget_per_hour: 3/,
    );
    expect(server.exchanges).toHaveLength(3);
    expect(await h.store.requestsInHour('github', h.clock.now())).toBe(3);
  });

  it('forgets a connector: its next run starts as its first did (what the demo does at every run)', async () => {
    const h = await harness('gh-forget');
    const server = await gitHubServer({ 'uniswap/v3-core': repo });
    const first = await h.run(config(server.url), { mode: 'run' }, TOKEN);
    expect(await h.store.checkpoints('github')).toEqual([
      { scope: 'uniswap/v3-core', checkpoint: { cursor: null, lastEventAt: MONDAY } },
    ]);
    await h.store.forget('github');
    expect(await h.store.checkpoints('github')).toEqual([]);
    expect(await h.store.requestsInHour('github', h.clock.now())).toBe(0);
    expect(await h.store.lastRun('github')).toBeUndefined();
    // Same clock, same week: without the reset this run would fetch nothing (see above).
    const again = await h.run(config(server.url), { mode: 'run' }, TOKEN);
    expect(again).toMatchObject({
      status: 'success',
      requests: first.requests,
      notModified: 0,
      rows: first.rows,
    });
    expect(again.drift).toEqual([]);
  });
});
