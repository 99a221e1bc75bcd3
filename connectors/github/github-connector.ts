/**
 * GitHub, through @octokit/rest with its throttling and retry plugins, pointed at `base_url`. Per
 * tracked repository: the commits and issues since the start of the history window (aligned to a
 * Monday, so the URLs and their ETags stay the same all week) and the releases, every page through
 * octokit's pagination. Requests go through the run's ConnectorHttp fetch: the hourly budget, a
 * conditional request when a cached page has an ETag (a 304 costs no GitHub rate limit and serves the
 * cached body), and every response stored. Rate limits: the connector's fetch waits (on the run's
 * clock) while a spent `x-ratelimit-remaining` runs to its reset or a `Retry-After` lasts, and the
 * throttling plugin retries what GitHub refused (403/429 rate limits, secondary limits); 5xx and
 * network errors are the retry plugin's. A renamed or transferred repository answers 301 to its id
 * (`/repositories/{id}/...`): followed, and recorded as a rename (`tw_connector_renames`, reported by
 * `tradewatch assets check`); its signals keep the configured name.
 * Normalization: weekly-stats.ts.
 */
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import { TradewatchError } from '../../core/errors.ts';
import type { ConnectorConfig } from '../config/types.ts';
import { payloadOf, type Connector, type Payload, type RunContext, type SignalValue } from '../types.ts';
import { weekStart, weeklySignals } from './weekly-stats.ts';

const GitHub = Octokit.plugin(throttling, retry);

/**
 * `/repos/{owner}/{repo}/commits` for any commits URL of the API at `baseUrl`, also when GitHub
 * redirected a renamed or transferred repository to its id (`/repositories/{id}/commits`).
 */
function endpointOf(baseUrl: string): (url: string) => string {
  return (url) => {
    const path = new URL(url).pathname.slice(new URL(baseUrl).pathname.replace(/\/$/, '').length);
    return path.replace(/^\/(?:repos\/[^/]+\/[^/]+|repositories\/\d+)/, '/repos/{owner}/{repo}');
  };
}

/** A RequestError of octokit as one of ours (the credential is never in it). */
function asConnectorError(connector: string, repo: string, e: unknown): unknown {
  if (e instanceof TradewatchError) return e;
  const cause = (e as { cause?: unknown }).cause;
  if (cause instanceof TradewatchError) return cause;
  const status = (e as { status?: unknown }).status;
  const message = e instanceof Error ? e.message : String(e);
  if (typeof status !== 'number') return e;
  const where = `${connector}: GitHub answered ${status} for ${repo}: ${message}`;
  if (status === 429 || status >= 500)
    return new TradewatchError('TW_CONNECTOR_UNAVAILABLE', where, { cause: e });
  if (status === 403 && /rate limit/i.test(message)) {
    return new TradewatchError('TW_CONNECTOR_BUDGET_SPENT', `${where} (rate limit: the next run resumes)`, {
      cause: e,
    });
  }
  return new TradewatchError(
    'TW_CONNECTOR_REJECTED',
    `${where}${status === 401 || status === 403 ? ': check the token (credentials in connectors.yaml)' : status === 404 ? ': check the repository name' : ''}`,
    { cause: e },
  );
}

export function createGitHubConnector(config: ConnectorConfig, token: string | null): Connector {
  const assetOf = new Map(config.assets.flatMap((a) => a.repos.map((r) => [r, a.asset] as const)));
  return {
    name: config.name,
    async run(context: RunContext): Promise<void> {
      let collected: Payload[] = [];
      const fetch = context.http.fetchFor(endpointOf(config.baseUrl), (endpoint, result) => {
        collected.push(payloadOf({ ...result, endpoint }));
      });
      const wantRetry = (
        retryAfter: number,
        _options: unknown,
        _octokit: unknown,
        retryCount: number,
      ): boolean => {
        const ok = retryCount < config.retry.attempts && retryAfter * 1000 <= config.maxWaitMs;
        context.logger.warn({ retryAfter, retryCount, retrying: ok }, 'GitHub rate limit');
        return ok;
      };
      const octokit = new GitHub({
        baseUrl: config.baseUrl,
        ...(token === null ? {} : { auth: token }),
        userAgent: 'tradewatch-connectors',
        request: { fetch, ...(context.signal === undefined ? {} : { signal: context.signal }) },
        throttle: { onRateLimit: wantRetry, onSecondaryRateLimit: wantRetry },
        retry: { retries: config.retry.attempts - 1, retryAfterBaseValue: config.retry.initialMs },
        log: {
          debug: () => undefined,
          info: () => undefined,
          warn: (message: string) => context.logger.debug({ octokit: message }),
          error: (message: string) => context.logger.debug({ octokit: message }),
        },
      });
      const since = new Date(weekStart(context.window.fromMs)).toISOString();
      const until = context.mode === 'backfill' ? new Date(context.window.toMs).toISOString() : undefined;
      for (const [repoName] of assetOf) {
        const [owner = '', repo = ''] = repoName.split('/');
        // Only complete weeks are published: a repository done for the current week has nothing new.
        const done = (await context.checkpoint(repoName))?.lastEventAt ?? null;
        if (done !== null && done >= weekStart(Math.min(context.clock.now(), context.window.toMs))) continue;
        collected = [];
        try {
          const perPage = Math.min(100, config.pageSize);
          await octokit.paginate(octokit.rest.repos.listCommits, {
            owner,
            repo,
            since,
            ...(until === undefined ? {} : { until }),
            per_page: perPage,
          });
          await octokit.paginate(octokit.rest.issues.listForRepo, {
            owner,
            repo,
            state: 'all',
            since,
            per_page: perPage,
          });
          await octokit.paginate(octokit.rest.repos.listReleases, { owner, repo, per_page: perPage });
        } catch (e: unknown) {
          throw asConnectorError(config.name, repoName, e);
        }
        const knownAt = Math.max(...collected.map((p) => p.fetchedAt));
        const lastWeekEnd = weekStart(Math.min(knownAt, context.window.toMs));
        await context.commit(repoName, collected, { cursor: null, lastEventAt: lastWeekEnd });
      }
    },
    normalize(scope: string, payloads: readonly Payload[], context): SignalValue[] {
      const asset = assetOf.get(scope);
      if (asset === undefined) throw new Error(`repository ${scope} is not tracked by ${config.name}`);
      return weeklySignals(asset, scope, payloads, context.knownAt);
    },
  };
}
