/**
 * A GitHub REST API stand-in for the endpoints the GitHub connector reads, per repository: commits
 * (`since`/`until`), issues (`state=all`, `since`; pull requests included, as the API does) and
 * releases; `per_page`/`page` pagination with a `Link` header; a strong ETag per page and 304 for a
 * matching `If-None-Match`; the primary rate limit as documented: `x-ratelimit-*` headers counting the
 * requests of the hour (a 304 counts none), and 403 `API rate limit exceeded` once they are spent,
 * until the reset. Paths with or without GitHub Enterprise's
 * `/api/v3` root. A renamed or transferred repository answers 301 with the `Location` of its id
 * (`/repositories/{id}/...`, the query kept), which serves it as GitHub does. Unknown repositories and
 * paths answer 404 as GitHub does.
 */
import { createHash } from 'node:crypto';
import { json, startProviderServer, type Override, type ProviderServer } from './provider-server.ts';

/** One repository's activity (ISO-8601 times). */
export interface RepoData {
  /** GitHub's repository id (`/repositories/{id}`); default: its place in `repos`, from 1. */
  id?: number;
  commits: { sha: string; date: string; login: string }[];
  issues: { number: number; created_at: string; closed_at: string | null; pull_request?: boolean }[];
  releases: { tag: string; published_at: string | null; draft?: boolean }[];
}

export interface GitHubServerOptions {
  /** Answers a request instead of the contract (secondary rate limits, 5xx). Default none. */
  readonly override?: Override;
  /** The clock of the rate-limit hour (`x-ratelimit-reset`), epoch ms. Default Date.now. */
  readonly now?: () => number;
  /** Requests an hour (`x-ratelimit-limit`). Default 5000, as for a token. */
  readonly limit?: number;
  /** Former names (`owner/name`) of repositories, to their current name: 301 to its id. */
  readonly renamed?: Readonly<Record<string, string>>;
  /** Changes each item as sent (a drifted payload), read at each request. Default none. */
  readonly transform?: (kind: 'commits' | 'issues' | 'releases', item: Record<string, unknown>) => unknown;
}

/** Starts a GitHub API for `repos` (by `owner/name`) on a free loopback port. */
export async function startGitHubServer(
  repos: Readonly<Record<string, RepoData>>,
  options: GitHubServerOptions = {},
): Promise<ProviderServer> {
  const now = options.now ?? Date.now;
  const names = Object.keys(repos);
  const limit = options.limit ?? 5000;
  // The rate-limit hour starts with its first request.
  let hour = { end: -Infinity, used: 0 };
  const server: ProviderServer = await startProviderServer((exchange, res, n) => {
    if (options.override?.(exchange, res, n) === true) return;
    const match =
      /^(\/api\/v3)?\/(?:repos\/([^/]+\/[^/]+)|repositories\/(\d+))\/(commits|issues|releases)$/.exec(
        exchange.path,
      );
    const name = match?.[2] ?? names.find((n, i) => String(repos[n]!.id ?? i + 1) === match?.[3]);
    const moved = name === undefined ? undefined : options.renamed?.[name];
    if (match !== null && moved !== undefined && repos[moved] !== undefined) {
      const location = new URL(
        `${server.url}${match[1] ?? ''}/repositories/${repos[moved].id ?? names.indexOf(moved) + 1}/${match[4]}`,
      );
      for (const [k, v] of exchange.query) location.searchParams.set(k, v);
      json(
        res,
        301,
        {
          message: 'Moved Permanently',
          url: location.href,
          documentation_url:
            'https://docs.github.com/rest/guides/best-practices-for-using-the-rest-api#follow-redirects',
        },
        { location: location.href },
      );
      return;
    }
    const repo = name === undefined ? undefined : repos[name];
    const kind = match?.[4] as 'commits' | 'issues' | 'releases' | undefined;
    if (match === null || repo === undefined || kind === undefined) {
      json(res, 404, {
        message: 'Not Found',
        documentation_url: 'https://docs.github.com/rest',
      });
      return;
    }
    const q = exchange.query;
    const since = Date.parse(q.get('since') ?? '1970-01-01T00:00:00Z');
    const until = Date.parse(q.get('until') ?? '2100-01-01T00:00:00Z');
    let items: unknown[];
    if (kind === 'commits') {
      items = repo.commits
        .filter((c) => Date.parse(c.date) >= since && Date.parse(c.date) <= until)
        .map((c) => ({
          sha: c.sha,
          commit: {
            author: { name: c.login, email: `${c.login}@example.com`, date: c.date },
            message: 'change',
          },
          author: { login: c.login },
        }));
    } else if (kind === 'issues') {
      items = repo.issues
        .filter((i) => Date.parse(i.closed_at ?? i.created_at) >= since)
        .map((i) => ({
          number: i.number,
          state: i.closed_at === null ? 'open' : 'closed',
          created_at: i.created_at,
          closed_at: i.closed_at,
          ...(i.pull_request === true ? { pull_request: { url: 'x' } } : {}),
        }));
    } else {
      items = repo.releases.map((r) => ({
        tag_name: r.tag,
        draft: r.draft ?? false,
        published_at: r.published_at,
      }));
    }
    if (options.transform !== undefined)
      items = items.map((item) => options.transform!(kind, item as Record<string, unknown>));
    if (now() >= hour.end) hour = { end: now() + 3_600_000, used: 0 };
    const limits = () => ({
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(Math.max(0, limit - hour.used)),
      'x-ratelimit-reset': String(Math.ceil(hour.end / 1000)),
      'x-ratelimit-used': String(hour.used),
    });
    if (hour.used >= limit) {
      json(
        res,
        403,
        {
          message: 'API rate limit exceeded for user ID 1.',
          documentation_url: 'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api',
        },
        limits(),
      );
      return;
    }
    const perPage = Number(q.get('per_page') ?? '30');
    const page = Number(q.get('page') ?? '1');
    const pages = Math.max(1, Math.ceil(items.length / perPage));
    const body = JSON.stringify(items.slice((page - 1) * perPage, page * perPage));
    const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 20)}"`;
    const notModified = exchange.headers['if-none-match'] === etag;
    // A 304 does not count against the primary rate limit.
    if (!notModified) hour.used += 1;
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      etag,
      ...limits(),
    };
    if (page < pages) {
      const next = new URL(`${server.url}${exchange.path}`);
      for (const [k, v] of q) next.searchParams.set(k, v);
      next.searchParams.set('page', String(page + 1));
      const last = new URL(next);
      last.searchParams.set('page', String(pages));
      headers['link'] = `<${next.href}>; rel="next", <${last.href}>; rel="last"`;
    }
    if (notModified) {
      res.writeHead(304, headers).end();
      return;
    }
    res.writeHead(200, headers).end(body);
  });
  return server;
}
