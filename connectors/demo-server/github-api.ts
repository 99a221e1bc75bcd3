/**
 * A GitHub REST API stand-in for the endpoints the GitHub connector reads, per repository: commits
 * (`since`/`until`), issues (`state=all`, `since`; pull requests included, as the API does) and
 * releases; `per_page`/`page` pagination with a `Link` header; a strong ETag per page and 304 for a
 * matching `If-None-Match`; `x-ratelimit-*` headers. Paths with or without GitHub Enterprise's
 * `/api/v3` root. Unknown repositories and paths answer 404 as GitHub does.
 */
import { createHash } from 'node:crypto';
import { json, startProviderServer, type Override, type ProviderServer } from './provider-server.ts';

/** One repository's activity (ISO-8601 times). */
export interface RepoData {
  commits: { sha: string; date: string; login: string }[];
  issues: { number: number; created_at: string; closed_at: string | null; pull_request?: boolean }[];
  releases: { tag: string; published_at: string | null; draft?: boolean }[];
}

export interface GitHubServerOptions {
  /** Answers a request instead of the contract (secondary rate limits, 5xx). Default none. */
  readonly override?: Override;
  /** The time of the `x-ratelimit-reset` header, epoch ms. Default Date.now. */
  readonly now?: () => number;
}

/** Starts a GitHub API for `repos` (by `owner/name`) on a free loopback port. */
export async function startGitHubServer(
  repos: Readonly<Record<string, RepoData>>,
  options: GitHubServerOptions = {},
): Promise<ProviderServer> {
  const now = options.now ?? Date.now;
  const server: ProviderServer = await startProviderServer((exchange, res, n) => {
    if (options.override?.(exchange, res, n) === true) return;
    const match = /^(?:\/api\/v3)?\/repos\/([^/]+\/[^/]+)\/(commits|issues|releases)$/.exec(exchange.path);
    const repo = match === null ? undefined : repos[match[1]!];
    if (match === null || repo === undefined) {
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
    if (match[2] === 'commits') {
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
    } else if (match[2] === 'issues') {
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
    const perPage = Number(q.get('per_page') ?? '30');
    const page = Number(q.get('page') ?? '1');
    const pages = Math.max(1, Math.ceil(items.length / perPage));
    const body = JSON.stringify(items.slice((page - 1) * perPage, page * perPage));
    const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 20)}"`;
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      etag,
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '4999',
      'x-ratelimit-reset': String(Math.floor(now() / 1000) + 3600),
    };
    if (page < pages) {
      const next = new URL(`${server.url}${exchange.path}`);
      for (const [k, v] of q) next.searchParams.set(k, v);
      next.searchParams.set('page', String(page + 1));
      const last = new URL(next);
      last.searchParams.set('page', String(pages));
      headers['link'] = `<${next.href}>; rel="next", <${last.href}>; rel="last"`;
    }
    if (exchange.headers['if-none-match'] === etag) {
      res.writeHead(304, headers).end();
      return;
    }
    res.writeHead(200, headers).end(body);
  });
  return server;
}
