/**
 * Sources declared elsewhere than the freshness file, with their own cadence: every connector of
 * connectors.yaml is the source `connector-<name>` on `ingest.runs` (`tradewatch run --connectors`).
 * Each becomes an override of its exact key, ahead of the file's overrides (so a `*-daily` glob or
 * the topic's defaults do not apply to it); an override of that exact key in the file wins instead.
 * Each is also expected (FreshnessOptions.expected): watched from the pipeline's start, so one that
 * never sends goes stale too.
 */
import { formatDuration } from '../../core/durations.ts';
import type { Environment } from '../../schemas/index.ts';
import { ConfigError } from '../../core/errors.ts';
import { checkSpec, settingsFor, type FreshnessOptions, type SourceTopicOptions } from './options.ts';

/** One source and its expected cadence. */
export interface DeclaredSource {
  /** The logical topic its records come on (`ingest.runs`). */
  readonly topic: string;
  /** Its Kafka key (`connector-github`). */
  readonly key: string;
  readonly cadenceMs: number;
  readonly slackMs: number;
  /** Where it was declared, for messages (`connectors.yaml:3:5: connector github`). */
  readonly origin: string;
  /** The env its records carry (a connector's: connectors.yaml's `env`). Default: the topic's env. */
  readonly env?: Environment;
}

/**
 * `options` with `sources` added as exact-key overrides of their topics, and expected.
 * @throws ConfigError listing every source whose topic the options do not watch, or whose settings
 * are invalid with the topic's defaults (e.g. a `forget_after` shorter than its cadence + slack).
 */
export function withDeclaredSources(
  options: FreshnessOptions,
  sources: readonly DeclaredSource[],
): FreshnessOptions {
  if (sources.length === 0) return options;
  const problems: string[] = [];
  const topics = new Map<string, SourceTopicOptions>(options.sources.map((s) => [s.topic, s]));
  for (const source of sources) {
    const topic = topics.get(source.topic);
    if (topic === undefined) {
      problems.push(
        `${source.origin}: the freshness options${options.file === null ? '' : ` of ${options.file}`} do not watch ` +
          `${source.topic}: add a \`- topic: ${source.topic}\` source to the freshness file (processors/freshness/README.md)`,
      );
      continue;
    }
    if (topic.overrides.some((o) => o.key.kind === 'exact' && o.key.source === source.key)) continue;
    const next: SourceTopicOptions = {
      ...topic,
      overrides: [
        {
          key: { kind: 'exact', source: source.key },
          settings: { cadence: source.cadenceMs, slackMs: source.slackMs },
        },
        ...topic.overrides,
      ],
    };
    const settings = settingsFor(options, next, source.key);
    const bad = checkSpec(settings);
    if (bad.length > 0) {
      problems.push(
        ...bad.map(
          (p) =>
            `${source.origin}: as the freshness source ${source.key} of ${source.topic} (cadence ` +
            `${formatDuration(source.cadenceMs)}, slack ${formatDuration(source.slackMs)}): ${p.field} ${p.message}; ` +
            `give ${source.key} an override of its own in the freshness file`,
        ),
      );
      continue;
    }
    topics.set(source.topic, next);
  }
  if (problems.length > 0)
    throw new ConfigError(problems, 'the freshness sources declared by the connectors');
  const expected = sources.map((s) => ({
    topic: s.topic,
    key: s.key,
    ...(s.env === undefined ? {} : { env: s.env }),
  }));
  return {
    ...options,
    sources: options.sources.map((s) => topics.get(s.topic) ?? s),
    expected: [...(options.expected ?? []), ...expected],
  };
}
