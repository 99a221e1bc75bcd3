/**
 * The GitHub REST API stand-in of connectors/demo-server (what the demo runs against) for one test:
 * commits, issues and releases per repository, pagination, ETags and 304s, `x-ratelimit-*` headers;
 * `override` answers a request instead (secondary rate limits, 5xx); `options` renames repositories,
 * changes the payloads (drift) or sets the clock of `x-ratelimit-reset`. Closed when the test ends.
 */
import type { ServerResponse } from 'node:http';
import {
  startGitHubServer,
  type Exchange,
  type GitHubServerOptions,
  type RepoData,
} from '../../connectors/demo-server/index.ts';
import { closedAtEnd } from './helpers.ts';

export type { RepoData };

export async function gitHubServer(
  repos: Record<string, RepoData>,
  override?: (exchange: Exchange, res: ServerResponse, n: number) => boolean,
  options: Omit<GitHubServerOptions, 'override'> = {},
) {
  return closedAtEnd(
    await startGitHubServer(repos, override === undefined ? options : { ...options, override }),
  );
}
