/**
 * The GitHub connector against the GitHub REST API stand-in (connectors/demo-server/github-api.ts), one
 * test per case of the connectors' test matrix (connectors/README.md, "Tests"): pagination, the primary
 * rate limit's headers, a 429 with Retry-After, a 5xx burst, a 304 with an ETag, drift, an expectation,
 * a renamed repository, the budget, a backfill resumed from its checkpoint.
 */
import { describe, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS, WEEK_MS } from '../../core/durations.ts';
import type { Signal } from '../../schemas/index.ts';
import { gitHubServer, type RepoData } from './github-server.ts';
import { connectorOf, harness, json, T0, type Exchange } from './helpers.ts';

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

const config = (url: string, extra = '') =>
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
${extra}`);

/** The values of signal `name`, by week. */
const series = (signals: readonly Signal[], name: string) =>
  signals
    .filter((s) => s.name === name)
    .sort((a, b) => a.ts - b.ts)
    .map((s) => s.value);

/** The `page` query of each request to `kind` (commits, issues, releases). */
const pages = (exchanges: readonly Exchange[], kind: string) =>
  exchanges.filter((e) => e.path.endsWith(`/${kind}`)).map((e) => e.query.get('page'));

describe('GitHub connector', () => {
  it('pagination: follows the Link pages and publishes weekly values with z-scores', async () => {
    const h = await harness('gh');
    const server = await gitHubServer({ 'uniswap/v3-core': repo });
    const summary = await h.run(config(server.url), { mode: 'run' }, TOKEN);

    expect(summary).toMatchObject({ status: 'success', error: null, requests: 7 });
    expect(server.exchanges.every((e) => e.headers.authorization === `token ${TOKEN}`)).toBe(true);
    expect(pages(server.exchanges, 'commits')).toEqual([null, '2', '3', '4', '5']);
    expect(server.exchanges.filter((e) => e.path.endsWith('/issues'))).toHaveLength(1);
    expect(server.exchanges[0]!.query.get('since')).toBe(iso(WEEK1));

    const signals = await h.signals();
    expect(series(signals, 'commits_week')).toEqual(COUNTS);
    expect(series(signals, 'active_contributors_week')).toEqual([2, 3, 2, 3, 2, 3]);
    expect(series(signals, 'issues_opened_week')).toEqual([0, 0, 1, 1, 0, 1]);
    expect(series(signals, 'issues_closed_week')).toEqual([0, 0, 1, 0, 0, 1]);
    expect(series(signals, 'issue_close_median_days')).toEqual([2, 14]);
    expect(series(signals, 'releases_week')).toEqual([1, 0, 0, 0, 0, 1]);
    expect(series(signals, 'days_since_release')).toEqual([6, 13, 20, 27, 34, 5]);
    const z = series(signals, 'commits_week_z');
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

  it('rate-limit headers: a spent x-ratelimit-remaining waits (on the run clock) until x-ratelimit-reset, never refused', async () => {
    const h = await harness('gh-primary');
    // Three requests an hour: the third answer says 0 remain until the hour's end.
    const server = await gitHubServer({ 'uniswap/v3-core': repo }, undefined, {
      limit: 3,
      now: () => h.clock.now(),
    });
    const summary = await h.run({ ...config(server.url), maxWaitMs: 2 * HOUR_MS }, { mode: 'run' }, TOKEN);

    expect(summary).toMatchObject({ status: 'success', requests: 7 });
    expect(h.waits).toEqual([HOUR_MS, HOUR_MS]);
    expect(h.clock.now()).toBe(T0 + 2 * HOUR_MS);
    const statuses = (await h.store.responsesOfRun(summary.runId)).map((r) => r.status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200]); // never a 403
    expect(series(await h.signals(), 'commits_week')).toEqual(COUNTS);
  });

  it('rate-limit headers: a wait past max_wait ends the run (TW_CONNECTOR_BUDGET_SPENT) before a request is refused', async () => {
    const h = await harness('gh-primary-long');
    const server = await gitHubServer({ 'uniswap/v3-core': repo }, undefined, {
      limit: 3,
      now: () => h.clock.now(),
    });
    const summary = await h.run(config(server.url), { mode: 'run' }, TOKEN);
    expect(summary).toMatchObject({ status: 'failure', requests: 3, rows: 0 });
    expect(summary.error).toMatch(/^TW_CONNECTOR_BUDGET_SPENT: .*longer than max_wait/);
    expect(server.exchanges).toHaveLength(3);
    expect(h.waits).toEqual([]);
    const statuses = (await h.store.responsesOfRun(summary.runId)).map((r) => r.status);
    expect(statuses).toEqual([200, 200, 200]);
  });

  it('429 with Retry-After: a secondary rate limit is waited out (octokit, and the run clock), then read', async () => {
    const h = await harness('gh-429');
    let limited = 0;
    const server = await gitHubServer({ 'uniswap/v3-core': repo }, (exchange, res) => {
      if (!exchange.path.endsWith('/issues') || limited > 0) return false;
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
    });
    const summary = await h.run(config(server.url), { mode: 'run' }, TOKEN);

    expect(summary).toMatchObject({ status: 'success', error: null });
    expect(pages(server.exchanges, 'issues')).toEqual([null, null]);
    expect(h.waits).toEqual([1000]);
    const statuses = (await h.store.responsesOfRun(summary.runId)).map((r) => r.status);
    expect(statuses.filter((s) => s === 429)).toHaveLength(1);
    expect(series(await h.signals(), 'issues_opened_week')).toEqual([0, 0, 1, 1, 0, 1]);
  });

  it('5xx burst: a page answered 502 twice is retried, then read', async () => {
    const h = await harness('gh-5xx');
    let failures = 0;
    const server = await gitHubServer({ 'uniswap/v3-core': repo }, (exchange, res) => {
      if (exchange.query.get('page') !== '2' || !exchange.path.endsWith('/commits') || failures >= 2)
        return false;
      failures += 1;
      json(res, 502, { message: 'Server Error' });
      return true;
    });
    const summary = await h.run(config(server.url), { mode: 'run' }, TOKEN);

    expect(summary).toMatchObject({ status: 'success', error: null, requests: 9 });
    expect(pages(server.exchanges, 'commits')).toEqual([null, '2', '2', '2', '3', '4', '5']);
    expect(series(await h.signals(), 'commits_week')).toEqual(COUNTS);
  });

  it('304 with an ETag: conditional requests serve the cached page, and a restart in the same week fetches nothing', async () => {
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
    const stored = await h.store.responsesOfRun(next.runId);
    expect(stored.filter((r) => r.status === 304).map((r) => r.endpoint)).toEqual([
      '/repos/{owner}/{repo}/releases',
    ]);
    const days = (await h.signals()).filter(
      (s) => s.name === 'days_since_release' && s.ts === MONDAY + WEEK_MS,
    );
    expect(days.map((s) => s.value)).toEqual([12]);
  });

  it('drift: a new field in the commits reports schema drift, and 0 on the next clean run', async () => {
    const h = await harness('gh-drift');
    let drifted = false;
    const server = await gitHubServer({ 'uniswap/v3-core': repo }, undefined, {
      transform: (kind, item) =>
        drifted && kind === 'commits' ? { ...item, verification: { verified: true } } : item,
    });
    expect((await h.run(config(server.url), { mode: 'run' }, TOKEN)).drift).toEqual([]);

    drifted = true;
    h.clock.advance(WEEK_MS);
    const summary = await h.run(config(server.url), { mode: 'run' }, TOKEN);
    expect(summary.status).toBe('success');
    expect(summary.drift).toEqual([
      {
        endpoint: '/repos/{owner}/{repo}/commits',
        drift: { added: ['$[].verification', '$[].verification.verified'], missing: [], retyped: [] },
        previousFields: '',
      },
    ]);
    const metric = (await h.metrics()).find((m) => m.name === 'schema_drift' && m.value > 0);
    expect(metric).toMatchObject({
      value: 2,
      labels: { connector: 'github', endpoint: '/repos/{owner}/{repo}/commits' },
    });

    h.clock.advance(WEEK_MS);
    const clean = await h.run(config(server.url), { mode: 'run' }, TOKEN);
    expect(clean.drift).toEqual([]);
    const resolved = (await h.metrics()).filter(
      (m) =>
        m.name === 'schema_drift' &&
        m.ts === clean.finishedAt &&
        m.labels['endpoint'] === '/repos/{owner}/{repo}/commits',
    );
    expect(resolved.map((m) => [m.labels['fields'], m.value])).toEqual([
      ['$[].verification,$[].verification.verified', 0],
    ]);
  });

  it('expectation: a weekly value out of range is published flagged, and the expectation fails', async () => {
    const h = await harness('gh-expect');
    const server = await gitHubServer({ 'uniswap/v3-core': repo });
    const summary = await h.run(
      config(
        server.url,
        `    expectations:
      - { signal: commits_week, check: range, min: 0, max: 10 }`,
      ),
      { mode: 'run' },
      TOKEN,
    );
    expect(summary).toMatchObject({ status: 'success', flagged: 1 });
    expect(summary.failedExpectations).toEqual(['commits_week range (1/6)']);
    const flagged = (await h.signals()).filter((s) => s.flags.length > 0);
    expect(flagged).toEqual([
      expect.objectContaining({ name: 'commits_week', value: 30, ts: MONDAY, flags: ['range'] }),
    ]);
    const metrics = (await h.metrics()).filter((m) => m.labels['signal'] === 'commits_week');
    expect(metrics.map((m) => [m.name, m.value]).sort()).toEqual([
      ['expectation_failed', 1],
      ['expectation_violations', 1],
    ]);
  });

  it('rename: a renamed repository answers 301 to its id; followed, recorded, its signals under the configured name', async () => {
    const h = await harness('gh-rename');
    const server = await gitHubServer({ 'uniswap/v3-core': { ...repo, id: 42 } }, undefined, {
      renamed: { 'uniswap/uniswap-v3-core': 'uniswap/v3-core' },
    });
    const c = config(server.url);
    const renamed = {
      ...c,
      assets: [{ ...c.assets[0]!, repos: ['uniswap/uniswap-v3-core'] }],
    };
    const summary = await h.run(renamed, { mode: 'run' }, TOKEN);

    expect(summary).toMatchObject({ status: 'success', error: null, requests: 10 });
    expect(server.exchanges.map((e) => e.path.replace('/api/v3', ''))).toEqual([
      '/repos/uniswap/uniswap-v3-core/commits',
      '/repositories/42/commits',
      '/repositories/42/commits',
      '/repositories/42/commits',
      '/repositories/42/commits',
      '/repositories/42/commits',
      '/repos/uniswap/uniswap-v3-core/issues',
      '/repositories/42/issues',
      '/repos/uniswap/uniswap-v3-core/releases',
      '/repositories/42/releases',
    ]);
    // Same origin: the token follows the redirect.
    expect(server.exchanges.every((e) => e.headers.authorization === `token ${TOKEN}`)).toBe(true);
    const renames = await h.store.renames('github');
    expect(renames.map((r) => [new URL(r.fromUrl).pathname, new URL(r.toUrl).pathname])).toEqual([
      ['/api/v3/repos/uniswap/uniswap-v3-core/commits', '/api/v3/repositories/42/commits'],
      ['/api/v3/repos/uniswap/uniswap-v3-core/issues', '/api/v3/repositories/42/issues'],
      ['/api/v3/repos/uniswap/uniswap-v3-core/releases', '/api/v3/repositories/42/releases'],
    ]);
    const stored = await h.store.responsesOfRun(summary.runId);
    expect(stored[0]).toMatchObject({ endpoint: '/repos/{owner}/{repo}/commits', status: 200 });
    expect(stored[0]!.redirectedFrom).toMatch(/\/repos\/uniswap\/uniswap-v3-core\/commits\?/);
    const signals = await h.signals();
    expect(series(signals, 'commits_week')).toEqual(COUNTS);
    expect(new Set(signals.map((s) => s.labels['repo']))).toEqual(new Set(['uniswap/uniswap-v3-core']));
  });

  it('budget: never more than the hourly budget; the spent budget reads to octokit as a rate limit', async () => {
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

  it('resume: a backfill stopped by the budget resumes from its checkpoint, the repository done not fetched again', async () => {
    const h = await harness('gh-resume');
    const server = await gitHubServer({ 'org/a': repo, 'org/b': repo });
    const c = config(server.url);
    const two = {
      ...c,
      budgetPerHour: 10,
      assets: [{ ...c.assets[0]!, repos: ['org/a', 'org/b'] }],
    };
    const window = { fromMs: WEEK1, toMs: MONDAY };
    const scope = (r: string) => `backfill:${WEEK1}-${MONDAY}:${r}`;

    const first = await h.run(two, { mode: 'backfill', window }, TOKEN);
    expect(first).toMatchObject({ status: 'partial', requests: 10, commits: 1 });
    expect(first.error).toMatch(/^TW_CONNECTOR_BUDGET_SPENT: .*org\/b/);
    expect(await h.store.checkpoints('github')).toEqual([
      { scope: scope('org/a'), checkpoint: { cursor: null, lastEventAt: MONDAY } },
    ]);
    const before = server.exchanges.length;

    h.clock.advance(HOUR_MS);
    const resumed = await h.run(two, { mode: 'backfill', window }, TOKEN);
    expect(resumed).toMatchObject({ status: 'success', requests: 7, commits: 1 });
    const again = server.exchanges.slice(before);
    expect(again.every((e) => e.path.includes('/org/b/'))).toBe(true);
    expect(await h.store.checkpoints('github')).toEqual([
      { scope: scope('org/a'), checkpoint: { cursor: null, lastEventAt: MONDAY } },
      { scope: scope('org/b'), checkpoint: { cursor: null, lastEventAt: MONDAY } },
    ]);
    const commitsWeek = (await h.signals()).filter((s) => s.name === 'commits_week');
    for (const r of ['org/a', 'org/b'])
      expect(commitsWeek.filter((s) => s.labels['repo'] === r).map((s) => s.value)).toEqual(COUNTS);
  });

  it('forget: a forgotten connector’s next run starts as its first did (what the demo does at every run)', async () => {
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
