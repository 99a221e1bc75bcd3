/**
 * The routing configuration (a YAML file validated in full at start-up): which receivers get an alert,
 * by its severity, env, rule and labels; how long a repeat is suppressed and how often a long-running
 * alert is re-notified; and the inhibition rules. See README.md, "Routing".
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { DURATION_FORMS, parseDuration } from '../../core/durations.ts';
import { compileRegex } from '../../processors/rules/matchers.ts';
import {
  found,
  locateProblems,
  parseYaml,
  type YamlPath,
  type YamlProblem,
} from '../../processors/rules/yaml-file.ts';
import { ConfigError, TradewatchError, toError } from '../../runtime/errors.ts';
import type { Alert } from '../../schemas/index.ts';
import { isTimeZone } from '../../runtime/zoned-time.ts';
import { matchesAll, matchLabels, type LabelMatcher } from './matchers.ts';

/** The shipped routing: the defaults of issue 5 (README.md, "Routing"). */
export const DEFAULT_ROUTING_FILE = fileURLToPath(new URL('./default-routing.yaml', import.meta.url));

/** The built-in receiver that stores alerts for the daily digest (digest.ts; the file's `digest:`). */
export const DIGEST_RECEIVER = 'digest';

/** The digest's schedule when the file does not say: 08:00 UTC. */
export const DIGEST_DEFAULTS = Object.freeze({ at: '08:00', timezone: 'UTC' });

export const ROUTING_DEFAULTS = Object.freeze({ repeatSuppressMs: 600_000, repeatIntervalMs: 14_400_000 });

export interface CompiledRoute {
  /** `routes[i]` or its `name`. */
  readonly name: string;
  readonly match: readonly LabelMatcher[];
  readonly receivers: readonly string[];
  /** Go on to the next routes after a match. */
  readonly continue: boolean;
  /** A firing alert notified less than this ago to a receiver is not notified again (ms). */
  readonly repeatSuppressMs: number;
  /** A firing, unacknowledged alert is notified again this often (ms); 0: never. */
  readonly repeatIntervalMs: number;
  /** Labels (`rule`, `env`, `severity` included) whose values make a group; empty: no grouping. */
  readonly groupBy: readonly string[];
  /** How long a group's first notification waits for others of the group (ms). */
  readonly groupWaitMs: number;
}

export interface CompiledInhibitRule {
  readonly name: string;
  readonly source: readonly LabelMatcher[];
  readonly target: readonly LabelMatcher[];
  /** Labels that must be equal (both present, or both absent) on source and target. */
  readonly equal: readonly string[];
}

/** The daily digest: when (a local time of day in an IANA time zone) and to which notifiers. */
export interface DigestConfig {
  /** `HH:MM`, 24-hour, local to `timezone`. */
  readonly at: string;
  readonly hour: number;
  readonly minute: number;
  /** An IANA time zone (`UTC`, `Europe/London`). */
  readonly timezone: string;
  /** Notifier names; empty only when the file has no `digest:` (then no route may name `digest`). */
  readonly targets: readonly string[];
  /** `file:line:col` of each target (for problems found once the notifiers are known). */
  readonly targetLocations: readonly string[];
}

export interface RoutingConfig {
  readonly file: string;
  readonly routes: readonly CompiledRoute[];
  readonly inhibitRules: readonly CompiledInhibitRule[];
  readonly digest: DigestConfig;
}

/** Where one alert goes to one receiver, with that route's timing. */
export interface RouteTarget {
  readonly receiver: string;
  readonly route: string;
  readonly repeatSuppressMs: number;
  readonly repeatIntervalMs: number;
  readonly groupBy: readonly string[];
  readonly groupWaitMs: number;
}

const RECEIVER_NAME = /^[a-z][a-z0-9_-]*$/;
const TIME_OF_DAY = /^([01][0-9]|2[0-3]):([0-5][0-9])$/;
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const duration = z.string().or(z.number());
const matcherSpec = z.union([
  z.string(),
  z.strictObject({ regex: z.string() }),
  z.strictObject({ in: z.array(z.string()).min(1) }),
]);
const matchSpec = z.record(z.string(), matcherSpec);

const routeSchema = z.strictObject({
  name: z.string().min(1).optional(),
  match: matchSpec.optional(),
  receivers: z.array(z.string()),
  continue: z.boolean().optional(),
  repeat_suppress: duration.optional(),
  repeat_interval: duration.optional(),
  group_by: z.array(z.string()).optional(),
  group_wait: duration.optional(),
});

const inhibitSchema = z.strictObject({
  name: z.string().min(1).optional(),
  source_match: matchSpec,
  target_match: matchSpec,
  equal: z.array(z.string()).optional(),
});

const digestSchema = z.strictObject({
  at: z.string().optional(),
  timezone: z.string().optional(),
  targets: z.array(z.string()).min(1),
});

const fileSchema = z.strictObject({
  version: z.literal(1).optional(),
  digest: digestSchema.optional(),
  defaults: z
    .strictObject({ repeat_suppress: duration.optional(), repeat_interval: duration.optional() })
    .optional(),
  routes: z.array(routeSchema).min(1),
  inhibit_rules: z.array(inhibitSchema).optional(),
});

type FileSpec = z.infer<typeof fileSchema>;

/** Reads and validates a routing file. @throws ConfigError listing every problem with file:line:col. */
export async function loadRouting(file: string): Promise<RoutingConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e: unknown) {
    throw new TradewatchError(
      'TW_CONFIG_INVALID',
      `cannot read the routing file ${file}: ${toError(e).message}`,
    );
  }
  return parseRouting(text, file);
}

/** Validates routing YAML `text` (named `file` in problems). @throws ConfigError. */
export function parseRouting(text: string, file: string): RoutingConfig {
  const result = parseYaml(text, file);
  if ('syntax' in result) throw new ConfigError(result.syntax, `the routing file ${file}`);
  const { parsed } = result;
  const problems: YamlProblem[] = [];
  const shape = fileSchema.safeParse(parsed.root);
  if (!shape.success) {
    for (const issue of shape.error.issues) {
      const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
      const unknownKeys = issue.code === 'unrecognized_keys' ? issue.keys : [];
      if (unknownKeys.length > 0) {
        for (const key of unknownKeys) {
          problems.push({ path: [...path, key], onKey: true, message: `unknown key "${key}"` });
        }
      } else {
        problems.push({ path, message: `${issue.message}; found ${found(valueAt(parsed.root, path))}` });
      }
    }
    fail(parsed, file, problems);
  }
  const spec: FileSpec = shape.data;
  const durationAt = (raw: string | number | undefined, path: YamlPath, fallback: number): number => {
    if (raw === undefined) return fallback;
    const ms = typeof raw === 'number' && raw === 0 ? 0 : parseDuration(String(raw));
    if (ms === undefined) problems.push({ path, message: `expected ${DURATION_FORMS}, found ${found(raw)}` });
    return ms ?? fallback;
  };
  const suppress = durationAt(
    spec.defaults?.repeat_suppress,
    ['defaults', 'repeat_suppress'],
    ROUTING_DEFAULTS.repeatSuppressMs,
  );
  const interval = durationAt(
    spec.defaults?.repeat_interval,
    ['defaults', 'repeat_interval'],
    ROUTING_DEFAULTS.repeatIntervalMs,
  );
  const routes = spec.routes.map((r, i): CompiledRoute => {
    r.receivers.forEach((name, j) => {
      if (!RECEIVER_NAME.test(name)) {
        problems.push({
          path: ['routes', i, 'receivers', j],
          message: `expected a receiver name ([a-z][a-z0-9_-]*: a notifier's name or "${DIGEST_RECEIVER}"), found ${found(name)}`,
        });
      }
    });
    return {
      name: r.name ?? `routes[${i}]`,
      match: compileMatch(r.match ?? {}, ['routes', i, 'match'], problems),
      receivers: Object.freeze([...new Set(r.receivers)]),
      continue: r.continue ?? false,
      repeatSuppressMs: durationAt(r.repeat_suppress, ['routes', i, 'repeat_suppress'], suppress),
      repeatIntervalMs: durationAt(r.repeat_interval, ['routes', i, 'repeat_interval'], interval),
      groupBy: Object.freeze(
        (r.group_by ?? []).filter((label, j) => {
          const ok = LABEL_NAME.test(label);
          if (!ok) {
            problems.push({
              path: ['routes', i, 'group_by', j],
              message: `not a label name: ${found(label)}`,
            });
          }
          return ok;
        }),
      ),
      groupWaitMs: durationAt(r.group_wait, ['routes', i, 'group_wait'], 0),
    };
  });
  const inhibitRules = (spec.inhibit_rules ?? []).map((r, i): CompiledInhibitRule => ({
    name: r.name ?? `inhibit_rules[${i}]`,
    source: compileMatch(r.source_match, ['inhibit_rules', i, 'source_match'], problems),
    target: compileMatch(r.target_match, ['inhibit_rules', i, 'target_match'], problems),
    equal: Object.freeze(
      (r.equal ?? []).filter((label, j) => {
        const ok = LABEL_NAME.test(label);
        if (!ok) {
          problems.push({
            path: ['inhibit_rules', i, 'equal', j],
            message: `not a label name: ${found(label)}`,
          });
        }
        return ok;
      }),
    ),
  }));
  const digest = compileDigest(spec, parsed, file, problems);
  if (problems.length > 0) fail(parsed, file, problems);
  return Object.freeze({
    file,
    routes: Object.freeze(routes),
    inhibitRules: Object.freeze(inhibitRules),
    digest,
  });
}

function compileDigest(
  spec: FileSpec,
  parsed: Parameters<typeof locateProblems>[0],
  file: string,
  problems: YamlProblem[],
): DigestConfig {
  const raw = spec.digest;
  if (raw === undefined) {
    spec.routes.forEach((r, i) => {
      const j = r.receivers.indexOf(DIGEST_RECEIVER);
      if (j >= 0) {
        problems.push({
          path: ['routes', i, 'receivers', j],
          message: `the "${DIGEST_RECEIVER}" receiver needs a top-level "digest:" section naming its targets (e.g. digest: { at: '08:00', timezone: UTC, targets: [slack] })`,
        });
      }
    });
  }
  const at = raw?.at ?? DIGEST_DEFAULTS.at;
  const time = TIME_OF_DAY.exec(at);
  if (time === null) {
    problems.push({
      path: ['digest', 'at'],
      message: `expected a local time of day HH:MM (00:00 to 23:59), found ${found(at)}`,
    });
  }
  const timezone = raw?.timezone ?? DIGEST_DEFAULTS.timezone;
  if (!isTimeZone(timezone)) {
    problems.push({
      path: ['digest', 'timezone'],
      message: `expected an IANA time zone such as UTC or Europe/London, found ${found(timezone)}`,
    });
  }
  const targets = raw?.targets ?? [];
  targets.forEach((name, j) => {
    if (!RECEIVER_NAME.test(name) || name === DIGEST_RECEIVER) {
      problems.push({
        path: ['digest', 'targets', j],
        message: `expected a notifier's name ([a-z][a-z0-9_-]*, not "${DIGEST_RECEIVER}"), found ${found(name)}`,
      });
    }
  });
  const targetLocations = targets.map(
    (_, j) => locateProblems(parsed, file, [{ path: ['digest', 'targets', j], message: '' }], () => '')[0]!,
  );
  return Object.freeze({
    at,
    hour: Number(time?.[1] ?? 8),
    minute: Number(time?.[2] ?? 0),
    timezone,
    targets: Object.freeze([...targets]),
    targetLocations: Object.freeze(targetLocations),
  });
}

/**
 * The receivers of `alert`: the first matching route's, plus those of the following matching routes
 * while a matching route says `continue: true`. A receiver named twice keeps its first route. The
 * `digest` receiver's repeat interval is always 0.
 */
export function routeAlert(
  routing: RoutingConfig,
  alert: Pick<Alert, 'labels' | 'rule' | 'env' | 'severity'>,
): RouteTarget[] {
  const labels = matchLabels(alert);
  const targets = new Map<string, RouteTarget>();
  for (const route of routing.routes) {
    if (!matchesAll(route.match, labels)) continue;
    for (const receiver of route.receivers) {
      if (!targets.has(receiver)) {
        targets.set(receiver, {
          receiver,
          route: route.name,
          repeatSuppressMs: route.repeatSuppressMs,
          // The digest is never reminded: a reminder would list the same alert again in the digest.
          repeatIntervalMs: receiver === DIGEST_RECEIVER ? 0 : route.repeatIntervalMs,
          groupBy: route.groupBy,
          groupWaitMs: route.groupWaitMs,
        });
      }
    }
    if (!route.continue) break;
  }
  return [...targets.values()];
}

/** Every receiver name the routing uses. */
export function routingReceivers(routing: RoutingConfig): string[] {
  return [...new Set(routing.routes.flatMap((r) => r.receivers))];
}

/**
 * Checks that every receiver is a notifier (or the built-in digest) and every digest target a
 * notifier. @throws ConfigError naming the unknown ones (a target with its file:line:col) and what is
 * accepted.
 */
export function checkReceivers(routing: RoutingConfig, notifiers: readonly string[]): void {
  const known = new Set([...notifiers, DIGEST_RECEIVER]);
  const problems: string[] = [];
  routing.routes.forEach((route) => {
    for (const receiver of route.receivers) {
      if (!known.has(receiver)) {
        problems.push(
          `${route.name}: receiver "${receiver}" is not a notifier of the notifiers file; known: ${[...known].join(', ')}`,
        );
      }
    }
  });
  routing.digest.targets.forEach((target, j) => {
    if (!notifiers.includes(target)) {
      problems.push(
        `${routing.digest.targetLocations[j] ?? ''}digest.targets.${j}: "${target}" is not a notifier of the notifiers file; accepted: ${notifiers.join(', ')}`,
      );
    }
  });
  if (problems.length > 0) throw new ConfigError(problems, `the routing file ${routing.file}`);
}

function compileMatch(
  raw: Readonly<Record<string, z.infer<typeof matcherSpec>>>,
  path: YamlPath,
  problems: YamlProblem[],
): LabelMatcher[] {
  const matchers: LabelMatcher[] = [];
  for (const [label, spec] of Object.entries(raw)) {
    if (!LABEL_NAME.test(label)) {
      problems.push({ path: [...path, label], onKey: true, message: `not a label name: ${found(label)}` });
      continue;
    }
    if (typeof spec === 'string') matchers.push({ label, kind: 'equals', value: spec });
    else if ('regex' in spec) {
      const regex = compileRegex(spec.regex);
      if (regex instanceof RegExp) matchers.push({ label, kind: 'regex', source: spec.regex, regex });
      else
        problems.push({ path: [...path, label, 'regex'], message: `${found(spec.regex)} ${regex.problem}` });
    } else matchers.push({ label, kind: 'in', values: Object.freeze([...spec.in]) });
  }
  return matchers;
}

function valueAt(root: unknown, path: YamlPath): unknown {
  let node: unknown = root;
  for (const segment of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

function fail(parsed: Parameters<typeof locateProblems>[0], file: string, problems: YamlProblem[]): never {
  const where = (path: YamlPath): string => (path.length === 0 ? '' : `${path.join('.')}: `);
  throw new ConfigError(locateProblems(parsed, file, problems, where), `the routing file ${file}`);
}
