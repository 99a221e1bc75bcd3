/**
 * The routing configuration (a YAML file validated in full at start-up): which receivers get an alert,
 * by its severity, env, rule and labels; how long a repeat is suppressed and how often a long-running
 * alert is re-notified; and the inhibition rules. See README.md, "Routing".
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import {
  crossCheck,
  defineConfigFile,
  duration,
  found,
  locateProblems,
  type ParsedYaml,
  type YamlPath,
} from '../../core/config-file/index.ts';
import { compileRegex } from '../../core/label-matchers.ts';
import { ConfigError, TradewatchError, toError } from '../../core/errors.ts';
import type { Alert } from '../../schemas/index.ts';
import { isTimeZone } from '../../core/zoned-time.ts';
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

// The routing's wording of durations since it shared the rule files' (its messages keep it).
const DURATION_FORMS = 'a duration such as 30s, 5m, 1h30m, 2d or 0 (units: w, d, h, m, s, ms)';
const DURATION = duration({ message: (v) => `expected ${DURATION_FORMS}, found ${found(v)}` });

const labelName = z.string().regex(LABEL_NAME, { error: (i) => `not a label name: ${found(i.input)}` });

/** `label: value`, `label: { regex: '...' }` or `label: { in: [a, b] }`, compiled. */
const MATCH = z
  .record(
    z.string(),
    z.union(
      [z.string(), z.strictObject({ regex: z.string() }), z.strictObject({ in: z.array(z.string()).min(1) })],
      {
        error: (i) =>
          `expected a value, { regex: '...' } or { in: [a, b] }, found ${found(i.input)}` as
            string | undefined,
      },
    ),
  )
  .transform((raw, ctx) =>
    Object.entries(raw).flatMap(([label, spec]): LabelMatcher[] => {
      if (!LABEL_NAME.test(label)) {
        ctx.addIssue({
          code: 'custom',
          path: [label],
          message: `not a label name: ${found(label)}`,
          params: { onKey: true },
        });
        return [];
      }
      if (typeof spec === 'string') return [{ label, kind: 'equals', value: spec }];
      if ('in' in spec) return [{ label, kind: 'in', values: Object.freeze([...spec.in]) }];
      const regex = compileRegex(spec.regex);
      if (regex instanceof RegExp) return [{ label, kind: 'regex', source: spec.regex, regex }];
      ctx.addIssue({
        code: 'custom',
        path: [label, 'regex'],
        message: `${found(spec.regex)} ${regex.problem}`,
      });
      return [];
    }),
  );

const ROUTE = z.strictObject({
  name: z.string().min(1).optional(),
  match: MATCH.default([]),
  receivers: z.array(
    z.string().regex(RECEIVER_NAME, {
      error: (i) =>
        `expected a receiver name ([a-z][a-z0-9_-]*: a notifier's name or "${DIGEST_RECEIVER}"), found ${found(i.input)}`,
    }),
  ),
  continue: z.boolean().default(false),
  repeat_suppress: DURATION.optional(),
  repeat_interval: DURATION.optional(),
  group_by: z.array(labelName).default([]),
  group_wait: DURATION.default(0),
});

const INHIBIT_RULE = z.strictObject({
  name: z.string().min(1).optional(),
  source_match: MATCH,
  target_match: MATCH,
  equal: z.array(labelName).default([]),
});

const DIGEST = crossCheck(
  z.strictObject({
    at: z
      .string()
      .regex(TIME_OF_DAY, {
        error: (i) => `expected a local time of day HH:MM (00:00 to 23:59), found ${found(i.input)}`,
      })
      .default(DIGEST_DEFAULTS.at),
    timezone: z
      .string()
      .refine(isTimeZone, {
        error: (i) => `expected an IANA time zone such as UTC or Europe/London, found ${found(i.input)}`,
      })
      .default(DIGEST_DEFAULTS.timezone),
    targets: z
      .array(
        z.string().refine((name) => RECEIVER_NAME.test(name) && name !== DIGEST_RECEIVER, {
          error: (i) =>
            `expected a notifier's name ([a-z][a-z0-9_-]*, not "${DIGEST_RECEIVER}"), found ${found(i.input)}`,
        }),
      )
      .min(1)
      .optional(),
  }),
  (digest, report) => {
    // Located at `digest.targets` (the digest section), as a problem of the targets.
    if (digest.targets === undefined) {
      report(['targets'], `expected a non-empty list of notifier names, found ${found(undefined)}`);
    }
  },
);

const ROUTING = crossCheck(
  z
    .strictObject({
      version: z.literal(1).optional(),
      digest: DIGEST.optional(),
      defaults: z
        .strictObject({
          repeat_suppress: DURATION.default(ROUTING_DEFAULTS.repeatSuppressMs),
          repeat_interval: DURATION.default(ROUTING_DEFAULTS.repeatIntervalMs),
        })
        .default({
          repeat_suppress: ROUTING_DEFAULTS.repeatSuppressMs,
          repeat_interval: ROUTING_DEFAULTS.repeatIntervalMs,
        }),
      routes: z.array(ROUTE).min(1),
      inhibit_rules: z.array(INHIBIT_RULE).default([]),
    })
    .meta({
      title: 'tradewatch alert routing',
      description:
        'Which receivers get an alert, repeats, grouping, inhibition and the daily digest. Format: sinks/dispatch/README.md, "Routing".',
    }),
  (file, report) => {
    if (file.digest !== undefined || !Array.isArray(file.routes)) return;
    file.routes.forEach((route: unknown, i) => {
      const receivers: unknown =
        typeof route === 'object' && route !== null && 'receivers' in route ? route.receivers : [];
      const j = Array.isArray(receivers) ? receivers.indexOf(DIGEST_RECEIVER) : -1;
      if (j >= 0) {
        report(
          ['routes', i, 'receivers', j],
          `the "${DIGEST_RECEIVER}" receiver needs a top-level "digest:" section naming its targets (e.g. digest: { at: '08:00', timezone: UTC, targets: [slack] })`,
        );
      }
    });
  },
);

/** The daily digest: when (a local time of day in an IANA time zone) and to which notifiers. */
export type DigestConfig = ReturnType<typeof compileDigest>;

function compileDigest(spec: z.output<typeof DIGEST> | undefined, file: string, document: ParsedYaml) {
  const { at, timezone } = spec ?? DIGEST_DEFAULTS;
  const targets = spec?.targets ?? [];
  const time = TIME_OF_DAY.exec(at);
  return Object.freeze({
    /** `HH:MM`, 24-hour, local to `timezone`. */
    at,
    hour: Number(time?.[1] ?? 8),
    minute: Number(time?.[2] ?? 0),
    /** An IANA time zone (`UTC`, `Europe/London`). */
    timezone,
    /** Notifier names; empty only when the file has no `digest:` (then no route may name `digest`). */
    targets: Object.freeze([...targets]),
    /** `file:line:col` of each target (for problems found once the notifiers are known). */
    targetLocations: Object.freeze(
      targets.map(
        (_, j) =>
          locateProblems(document, file, [{ path: ['digest', 'targets', j], message: '' }], () => '')[0]!,
      ),
    ),
  });
}

export type RoutingConfig = ReturnType<typeof compile>;
export type CompiledInhibitRule = RoutingConfig['inhibitRules'][number];

function compile(
  spec: z.output<typeof ROUTING>,
  file: string,
  _at: (path: YamlPath) => string,
  document: ParsedYaml,
) {
  const { defaults } = spec;
  const routes = spec.routes.map((r, i): CompiledRoute =>
    Object.freeze({
      name: r.name ?? `routes[${i}]`,
      match: r.match,
      receivers: Object.freeze([...new Set(r.receivers)]),
      continue: r.continue,
      repeatSuppressMs: r.repeat_suppress ?? defaults.repeat_suppress,
      repeatIntervalMs: r.repeat_interval ?? defaults.repeat_interval,
      groupBy: Object.freeze(r.group_by),
      groupWaitMs: r.group_wait,
    }),
  );
  const inhibitRules = spec.inhibit_rules.map((r, i) =>
    Object.freeze({
      name: r.name ?? `inhibit_rules[${i}]`,
      source: Object.freeze(r.source_match),
      target: Object.freeze(r.target_match),
      /** Labels that must be equal (both present, or both absent) on source and target. */
      equal: Object.freeze(r.equal),
    }),
  );
  return Object.freeze({
    /** The file, as shown in messages. */
    file,
    routes: Object.freeze(routes),
    inhibitRules: Object.freeze(inhibitRules),
    digest: compileDigest(spec.digest, file, document),
  });
}

const ROUTING_FILE = defineConfigFile({
  schema: ROUTING,
  compile,
  error: (file, problems) => new ConfigError(problems, `the routing file ${file}`),
  // `routes.0.match.severity: ` before a problem, as the routing's messages have always said.
  where: (path: YamlPath) => (path.length === 0 ? '' : `${path.join('.')}: `),
});

/** Validates routing YAML `text` (named `file` in problems). @throws ConfigError listing every problem. */
export const parseRouting = ROUTING_FILE.parse;

/** The JSON Schema of routing files, for editors (committed as routing.schema.json). */
export const routingJsonSchema = ROUTING_FILE.jsonSchema;

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
