/**
 * The GitHub REST API stand-in of connectors/demo-server (what the demo runs against) for one test:
 * commits, issues and releases per repository, pagination, ETags and 304s, `x-ratelimit-*` headers;
 * `override` answers a request instead (secondary rate limits, 5xx). Closed when the test ends.
 */
import type { ServerResponse } from 'node:http';
import { startGitHubServer, type Exchange, type RepoData } from '../../connectors/demo-server/index.ts';
import { closedAtEnd } from './helpers.ts';

export type { RepoData };

export async function gitHubServer(
  repos: Record<string, RepoData>,
  override?: (exchange: Exchange, res: ServerResponse, n: number) => boolean,
) {
  return closedAtEnd(await startGitHubServer(repos, override === undefined ? {} : { override }));
}
