/**
 * GitHub activity as weekly values (weeks from Monday 00:00 UTC; a value's ts is its week's end) and
 * z-scores against the repository's own earlier weeks. Pure: from the payloads of one repository
 * (commits, issues, releases pages), the same values on every replay.
 */
import { DAY_MS, WEEK_MS } from '../../core/durations.ts';
import { isoTime, list, parseJson, record } from '../parse.ts';
import { PayloadError, type Payload, type SignalValue } from '../types.ts';

export const COMMITS = '/repos/{owner}/{repo}/commits';
export const ISSUES = '/repos/{owner}/{repo}/issues';
export const RELEASES = '/repos/{owner}/{repo}/releases';

/** Weeks before a z-score is given. */
const Z_MIN_WEEKS = 4;
/** The Monday 1970-01-05 00:00 UTC: weeks are counted from it. */
const MONDAY = 4 * DAY_MS;

/** The start (Monday 00:00 UTC) of the week holding `ms`. */
export function weekStart(ms: number): number {
  return Math.floor((ms - MONDAY) / WEEK_MS) * WEEK_MS + MONDAY;
}

interface Activity {
  commits: { at: number; author: string }[];
  issues: { created: number; closed: number | null }[];
  releases: number[];
}

function read(payloads: readonly Payload[]): Activity {
  const activity: Activity = { commits: [], issues: [], releases: [] };
  for (const p of payloads) {
    const items = list(p.endpoint, parseJson(p.endpoint, p.body), 'the response');
    items.forEach((raw, i) => {
      const item = record(p.endpoint, raw, `[${i}]`);
      if (p.endpoint === COMMITS) {
        const commit = record(p.endpoint, item['commit'], `[${i}].commit`);
        const author = record(p.endpoint, commit['author'], `[${i}].commit.author`);
        const login = (item['author'] as { login?: unknown } | null)?.login;
        const fallback = [author['email'], author['name']].find((v): v is string => typeof v === 'string');
        const who = typeof login === 'string' ? login : (fallback ?? 'unknown');
        activity.commits.push({
          at: isoTime(p.endpoint, author['date'], `[${i}].commit.author.date`),
          author: who,
        });
      } else if (p.endpoint === ISSUES) {
        if (item['pull_request'] !== undefined) return; // the issues API lists pull requests too
        activity.issues.push({
          created: isoTime(p.endpoint, item['created_at'], `[${i}].created_at`),
          closed:
            item['closed_at'] === null ? null : isoTime(p.endpoint, item['closed_at'], `[${i}].closed_at`),
        });
      } else if (p.endpoint === RELEASES) {
        if (item['draft'] === true || item['published_at'] === null) return;
        activity.releases.push(isoTime(p.endpoint, item['published_at'], `[${i}].published_at`));
      } else {
        throw new PayloadError(p.endpoint, `unexpected endpoint ${p.endpoint} among a repository's payloads`);
      }
    });
  }
  return activity;
}

/** The time window of the commits request (`since`, `until`), from its URL. */
function windowOf(payloads: readonly Payload[], knownAt: number): { from: number; to: number } {
  const first = payloads.find((p) => p.endpoint === COMMITS);
  if (first === undefined) throw new PayloadError(COMMITS, 'no commits page among the repository payloads');
  const url = new URL(first.url);
  const since = url.searchParams.get('since');
  const until = url.searchParams.get('until');
  return {
    from: since === null ? knownAt - 12 * WEEK_MS : Date.parse(since),
    to: until === null ? knownAt : Math.min(knownAt, Date.parse(until)),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The z-score of the last of `series` against the ones before it, or undefined. */
function zScore(series: readonly number[]): number | undefined {
  if (series.length <= Z_MIN_WEEKS) return undefined;
  const before = series.slice(0, -1);
  const mean = before.reduce((a, b) => a + b, 0) / before.length;
  const sd = Math.sqrt(before.reduce((a, b) => a + (b - mean) ** 2, 0) / (before.length - 1));
  return sd === 0 ? undefined : (series[series.length - 1]! - mean) / sd;
}

/** The weekly signals of one repository, for every complete week of the fetched window. */
export function weeklySignals(
  asset: string,
  repo: string,
  payloads: readonly Payload[],
  knownAt: number,
): SignalValue[] {
  const activity = read(payloads);
  const window = windowOf(payloads, knownAt);
  const labels = { repo };
  const values: SignalValue[] = [];
  const history: Record<string, number[]> = {};
  const push = (name: string, value: number, unit: string, ts: number, z: boolean): void => {
    values.push({ asset, name, value, unit, ts, labels });
    if (!z) return;
    const series = (history[name] ??= []);
    series.push(value);
    const score = zScore(series);
    if (score !== undefined) values.push({ asset, name: `${name}_z`, value: score, unit: null, ts, labels });
  };
  const releases = [...activity.releases].sort((a, b) => a - b);
  for (let start = weekStart(window.from); start + WEEK_MS <= window.to; start += WEEK_MS) {
    const end = start + WEEK_MS;
    const inWeek = (t: number | null): boolean => t !== null && t >= start && t < end;
    const commits = activity.commits.filter((c) => inWeek(c.at));
    const closed = activity.issues.filter((i) => inWeek(i.closed));
    push('commits_week', commits.length, 'count', end, true);
    push('active_contributors_week', new Set(commits.map((c) => c.author)).size, 'count', end, true);
    push('issues_opened_week', activity.issues.filter((i) => inWeek(i.created)).length, 'count', end, true);
    push('issues_closed_week', closed.length, 'count', end, true);
    if (closed.length > 0) {
      const days = closed.map((i) => (i.closed! - i.created) / DAY_MS);
      push('issue_close_median_days', median(days), 'days', end, false);
    }
    push('releases_week', releases.filter((r) => inWeek(r)).length, 'count', end, false);
    const last = releases.filter((r) => r < end).at(-1);
    if (last !== undefined) push('days_since_release', (end - last) / DAY_MS, 'days', end, false);
  }
  return values;
}
