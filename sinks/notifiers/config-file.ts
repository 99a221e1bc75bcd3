/**
 * The notifiers' configuration file: YAML, read once at start-up and validated in full (zod for each
 * field, then the cross-field checks). Every problem (YAML syntax, unknown keys, wrong types, bad
 * durations or URLs, unset environment variables, channels without a webhook, an unknown fallback) is
 * listed in ONE ConfigError (TW_CONFIG_INVALID, exit 2), each with its file, line and column, the field,
 * what was found and what is accepted. See README.md in this folder for the format.
 *
 * Secrets (webhook URLs, routing keys, credentials, base URLs) are written either inline or, better,
 * as `{ env: NAME }`, read from the environment map the caller passes (the configuration module owns
 * `process.env`). Problems about a secret never quote its value.
 */
import { z } from 'zod';
import { durationsWith } from '../../runtime/durations.ts';
import { ConfigError } from '../../runtime/errors.ts';
import {
  field,
  found,
  isRecord,
  parseYamlConfig,
  loadYamlConfig,
  unknownKeys,
  type YamlPath,
  type YamlProblem,
} from '../../runtime/yaml-file.ts';
import { SEVERITIES, type Severity } from '../../schemas/index.ts';
import type { AlertmanagerNotifierOptions } from './alertmanager-notifier.ts';
import type { DeliveryPolicy } from './delivery-options.ts';
import type { EmailNotifierOptions } from './email-notifier.ts';
import type { PagerDutyNotifierOptions } from './pagerduty-notifier.ts';
import type { SlackNotifierOptions } from './slack-notifier.ts';
import { NOTIFIER_KINDS } from './types.ts';

const VERSIONS = [1] as const;
const TOP_KEYS = ['version', 'delivery', 'fallback', 'notifiers'] as const;
const DELIVERY_KEYS = [
  'max_attempts',
  'initial_backoff',
  'max_backoff',
  'backoff_multiplier',
  'max_elapsed',
  'probe_interval',
] as const;
const COMMON_KEYS = ['name', 'type', 'timeout'] as const;
const KEYS_OF = {
  slack: [...COMMON_KEYS, 'channels', 'default_channel', 'severity_channels', 'rate_per_second', 'burst'],
  email: [
    ...COMMON_KEYS,
    'from',
    'to',
    'region',
    'endpoint',
    'access_key_id',
    'secret_access_key',
    'subject_prefix',
    'configuration_set',
  ],
  pagerduty: [...COMMON_KEYS, 'routing_key', 'url', 'source', 'client_url'],
  alertmanager: [...COMMON_KEYS, 'url', 'firing_ttl', 'generator_url'],
  log: ['name', 'type'],
} as const;

/** The name of the built-in log-only fallback. */
export const LOG_FALLBACK = 'log';

/** One configured notifier, with its constructor's options (without clock, sleep or logger). */
export type NotifierSpec =
  | { readonly kind: 'slack'; readonly name: string; readonly options: SlackNotifierOptions }
  | { readonly kind: 'email'; readonly name: string; readonly options: EmailNotifierOptions }
  | { readonly kind: 'pagerduty'; readonly name: string; readonly options: PagerDutyNotifierOptions }
  | { readonly kind: 'alertmanager'; readonly name: string; readonly options: AlertmanagerNotifierOptions }
  | { readonly kind: 'log'; readonly name: string; readonly options: Record<string, never> };

export interface NotifiersConfig {
  /** The file, as shown in messages. */
  readonly file: string;
  readonly delivery: DeliveryPolicy;
  /** Where permanent failures are reported: a notifier's name, or `log` (the default). */
  readonly fallback: string;
  readonly notifiers: readonly NotifierSpec[];
}

/** Environment variables, as the configuration module hands them over. */
export type EnvironmentMap = Readonly<Record<string, string | undefined>>;

const NAME = /^[a-z][a-z0-9_-]*$/;
const CHANNEL = /^[a-z0-9][a-z0-9._-]*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const EMAIL = /^[^\s@]+@[^\s@]+$/;
/** `500ms`, `30s`, `5m`, `24h`, `7d` in ms; undefined if not a duration. */
export const { parseDuration } = durationsWith(
  { units: ['d', 'h', 'm', 's', 'ms'], fractions: true },
  { style: 'largest' },
);

const duration = (what: 'positive' | 'non-negative') =>
  z.unknown().transform((value, ctx) => {
    const ms = parseDuration(value);
    if (ms === undefined || (what === 'positive' && ms === 0)) {
      ctx.addIssue({
        code: 'custom',
        message: `expected a ${what} duration (e.g. 500ms, 30s, 5m, 24h, 7d), found ${found(value)}`,
      });
      return z.NEVER;
    }
    return ms;
  });

const wholeNumber = (min: number) =>
  z
    .number({ error: (i) => `expected a whole number ≥ ${min}, found ${found(i.input)}` })
    .int({ error: (i) => `expected a whole number ≥ ${min}, found ${found(i.input)}` })
    .min(min, { error: (i) => `expected a whole number ≥ ${min}, found ${found(i.input)}` });

const number = (min: number, what: string) =>
  z
    .number({ error: (i) => `expected ${what}, found ${found(i.input)}` })
    .min(min, { error: (i) => `expected ${what}, found ${found(i.input)}` });

const text = (what: string) =>
  z
    .string({ error: (i) => `expected ${what}, found ${found(i.input)}` })
    .refine((s) => s.trim() !== '', { error: `expected ${what}, found an empty text` });

const publicUrl = z
  .string({ error: (i) => `expected an http(s) URL, found ${found(i.input)}` })
  .refine(isHttpUrl, {
    error: (i) => `expected an http(s) URL, found ${found(i.input)}`,
  });

const email = z
  .string({ error: (i) => `expected an email address, found ${found(i.input)}` })
  .regex(EMAIL, { error: (i) => `expected an email address (name@domain), found ${found(i.input)}` });

const SCHEMAS = {
  name: z.string({ error: (i) => `expected a notifier name, found ${found(i.input)}` }).regex(NAME, {
    error: (i) =>
      `expected a name of lower-case letters, digits, "-" and "_", starting with a letter, found ${found(i.input)}`,
  }),
  type: z.enum(NOTIFIER_KINDS, {
    error: (i) => `expected one of ${NOTIFIER_KINDS.join(', ')}, found ${found(i.input)}`,
  }),
  timeout: duration('positive'),
  channelName: z.string().regex(CHANNEL),
  severity: z.enum(SEVERITIES),
  rate: number(0, 'messages per second per webhook, ≥ 0 (0 turns the limit off)'),
  burst: wholeNumber(1),
  email,
  recipients: z
    .array(email, { error: (i) => `expected a list of email addresses, found ${found(i.input)}` })
    .min(1, { error: 'expected at least one recipient' }),
  region: z
    .string({ error: (i) => `expected an AWS region, found ${found(i.input)}` })
    .regex(/^[a-z0-9-]+$/, {
      error: (i) => `expected an AWS region (e.g. eu-west-1), found ${found(i.input)}`,
    }),
  text: text('a text'),
  publicUrl,
  firingTtl: duration('positive'),
  maxAttempts: wholeNumber(1),
  backoff: duration('non-negative'),
  multiplier: number(1, 'a number ≥ 1'),
  probe: duration('positive'),
} as const;

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** Collects problems while walking the document. */
class Checker {
  readonly problems: YamlProblem[] = [];
  readonly #env: EnvironmentMap;

  constructor(env: EnvironmentMap) {
    this.#env = env;
  }

  problem(path: YamlPath, message: string, onKey = false): void {
    this.problems.push(onKey ? { path, onKey, message } : { path, message });
  }

  /** `raw` as a mapping with only `keys`, or undefined (problem reported). */
  mapping(
    raw: unknown,
    path: YamlPath,
    keys: readonly string[],
    what: string,
  ): Record<string, unknown> | undefined {
    if (!isRecord(raw)) {
      this.problem(path, `expected a mapping (${what}), found ${raw === null ? 'nothing' : found(raw)}`);
      return undefined;
    }
    unknownKeys(raw, keys, path, this.problems);
    return raw;
  }

  /** `obj[key]` through `schema` when present; undefined when absent or invalid (problem reported). */
  field<T>(obj: Record<string, unknown>, key: string, path: YamlPath, schema: z.ZodType<T>): T | undefined {
    return field(obj, key, path, schema, this.problems);
  }

  /** Like {@link field} but the key must be there (`example` shows how). */
  required<T>(
    obj: Record<string, unknown>,
    key: string,
    path: YamlPath,
    schema: z.ZodType<T>,
    example: string,
  ): T | undefined {
    if (!Object.hasOwn(obj, key)) {
      this.problem(path, `"${key}" is missing (e.g. ${example})`);
      return undefined;
    }
    return this.field(obj, key, path, schema);
  }

  /**
   * A secret: an inline text or `{ env: NAME }`, resolved. `url`: it must be an http(s) URL. The value
   * never appears in a problem.
   */
  secret(
    obj: Record<string, unknown>,
    key: string,
    path: YamlPath,
    kind: 'url' | 'text',
    example: string | undefined,
  ): string | undefined {
    const here = [...path, key];
    if (!Object.hasOwn(obj, key)) {
      if (example !== undefined) this.problem(path, `"${key}" is missing (e.g. ${key}: ${example})`);
      return undefined;
    }
    const raw = obj[key];
    let value: string;
    let source: string;
    if (typeof raw === 'string') {
      value = raw;
      source = 'the inline value';
    } else if (isRecord(raw) && Object.keys(raw).length === 1 && typeof raw['env'] === 'string') {
      const name = raw['env'];
      if (!ENV_NAME.test(name)) {
        this.problem([...here, 'env'], `expected an environment variable name, found ${found(name)}`);
        return undefined;
      }
      const fromEnv = this.#env[name];
      if (fromEnv === undefined || fromEnv === '') {
        this.problem(
          here,
          `environment variable ${name} is not set (or empty): set it to the ${key.replace(/_/g, ' ')}`,
        );
        return undefined;
      }
      value = fromEnv;
      source = `environment variable ${name}`;
    } else {
      this.problem(
        here,
        `expected a text or { env: VARIABLE } (put secrets in the environment), found ${describeShape(raw)}`,
      );
      return undefined;
    }
    if (value.trim() === '') {
      this.problem(here, `${source} is empty`);
      return undefined;
    }
    if (kind === 'url' && !isHttpUrl(value)) {
      this.problem(here, `${source} is not an http(s) URL (its value is not shown: it is a secret)`);
      return undefined;
    }
    return value;
  }
}

/** What a value is, without its content (for secrets). */
function describeShape(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (isRecord(value)) return `a mapping with keys ${Object.keys(value).join(', ') || '(none)'}`;
  return `a ${typeof value}`;
}

/**
 * Parses and validates the configuration's text. Pure: `file` only names the file in messages.
 * @throws ConfigError (TW_CONFIG_INVALID) listing every problem.
 */
export function parseNotifiersConfig(textOf: string, file: string, env: EnvironmentMap): NotifiersConfig {
  return parseYamlConfig(textOf, file, {
    validate: (root, problems) => {
      const check = new Checker(env);
      const config = validate(root, file, check);
      problems.push(...check.problems);
      return config;
    },
    where: (path, root) => where(root, path),
    error: (problems) => configError(file, problems),
  });
}

/**
 * Reads and validates the configuration file.
 * @throws ConfigError (TW_CONFIG_INVALID) when it cannot be read or is invalid (every problem listed).
 */
export async function loadNotifiersConfig(file: string, env: EnvironmentMap): Promise<NotifiersConfig> {
  return loadYamlConfig(file, (text, shown) => parseNotifiersConfig(text, shown, env), configError);
}

function configError(file: string, problems: readonly string[]): ConfigError {
  return new ConfigError(problems, `the notifiers configuration ${file} (format: sinks/notifiers/README.md)`);
}

/** `notifiers[1] (slack): ` before a problem inside a notifier. */
function where(root: unknown, path: YamlPath): string {
  if (path[0] !== 'notifiers' || typeof path[1] !== 'number' || !isRecord(root)) return '';
  const list = root['notifiers'];
  const item: unknown = Array.isArray(list) ? list[path[1]] : undefined;
  const name = isRecord(item) && typeof item['name'] === 'string' ? ` (${item['name']})` : '';
  return `notifiers[${path[1]}]${name}: `;
}

function validate(root: unknown, file: string, check: Checker): NotifiersConfig | undefined {
  const top = check.mapping(root ?? null, [], TOP_KEYS, 'version, delivery, fallback, notifiers');
  if (top === undefined) return undefined;
  if (Object.hasOwn(top, 'version') && !(VERSIONS as readonly unknown[]).includes(top['version'])) {
    check.problem(['version'], `expected ${VERSIONS.join(' or ')}, found ${found(top['version'])}`);
  }
  const delivery = Object.hasOwn(top, 'delivery') ? validateDelivery(top['delivery'], check) : {};

  const list = top['notifiers'];
  const notifiers: NotifierSpec[] = [];
  if (!Array.isArray(list) || list.length === 0) {
    check.problem(
      list === undefined ? [] : ['notifiers'],
      list === undefined
        ? '"notifiers:" is missing: expected a list of notifiers (e.g. - name: slack, type: slack)'
        : `expected a non-empty list of notifiers, found ${found(list)}`,
    );
  } else {
    const firstIndexOf = new Map<string, number>();
    list.forEach((raw: unknown, index) => {
      const name = isRecord(raw) ? raw['name'] : undefined;
      if (typeof name === 'string') {
        const first = firstIndexOf.get(name);
        if (first !== undefined) {
          check.problem(
            ['notifiers', index, 'name'],
            `notifiers[${first}] is already named ${name}: names must be unique`,
          );
        } else firstIndexOf.set(name, index);
      }
      const spec = validateNotifier(raw, ['notifiers', index], check);
      if (spec !== undefined) notifiers.push(spec);
    });
  }
  const names = Array.isArray(list)
    ? list.flatMap((raw: unknown) => (isRecord(raw) && typeof raw['name'] === 'string' ? [raw['name']] : []))
    : [];

  let fallback = LOG_FALLBACK;
  if (Object.hasOwn(top, 'fallback')) {
    const named = check.field(top, 'fallback', [], SCHEMAS.name);
    if (named !== undefined) {
      const known = [...new Set([LOG_FALLBACK, ...names])];
      if (!known.includes(named)) {
        check.problem(['fallback'], `no notifier is named ${found(named)}; known: ${known.join(', ')}`);
      } else fallback = named;
    }
  }
  if (check.problems.length > 0) return undefined;
  return Object.freeze({
    file,
    delivery: Object.freeze(delivery),
    fallback,
    notifiers: Object.freeze(notifiers),
  });
}

function validateDelivery(raw: unknown, check: Checker): DeliveryPolicy {
  const path = ['delivery'];
  const obj = check.mapping(raw, path, DELIVERY_KEYS, DELIVERY_KEYS.join(', '));
  if (obj === undefined) return {};
  const policy = {
    maxAttempts: check.field(obj, 'max_attempts', path, SCHEMAS.maxAttempts),
    initialBackoffMs: check.field(obj, 'initial_backoff', path, SCHEMAS.backoff),
    maxBackoffMs: check.field(obj, 'max_backoff', path, SCHEMAS.backoff),
    backoffMultiplier: check.field(obj, 'backoff_multiplier', path, SCHEMAS.multiplier),
    maxElapsedMs: check.field(obj, 'max_elapsed', path, SCHEMAS.backoff),
    probeIntervalMs: check.field(obj, 'probe_interval', path, SCHEMAS.probe),
  };
  if (
    policy.initialBackoffMs !== undefined &&
    policy.maxBackoffMs !== undefined &&
    policy.maxBackoffMs < policy.initialBackoffMs
  ) {
    check.problem([...path, 'max_backoff'], 'must not be shorter than initial_backoff');
  }
  return Object.fromEntries(Object.entries(policy).filter(([, v]) => v !== undefined));
}

function validateNotifier(raw: unknown, path: YamlPath, check: Checker): NotifierSpec | undefined {
  if (!isRecord(raw)) {
    check.problem(path, `expected a mapping (name, type, ...), found ${found(raw)}`);
    return undefined;
  }
  const before = check.problems.length;
  const name = check.required(raw, 'name', path, SCHEMAS.name, 'name: slack');
  const kind = check.required(
    raw,
    'type',
    path,
    SCHEMAS.type,
    `type: slack (one of ${NOTIFIER_KINDS.join(', ')})`,
  );
  if (kind === undefined) return undefined;
  const obj = check.mapping(raw, path, KEYS_OF[kind], `the keys of a ${kind} notifier`);
  if (obj === undefined) return undefined;
  const timeoutMs = kind === 'log' ? undefined : check.field(obj, 'timeout', path, SCHEMAS.timeout);
  const timeout = timeoutMs === undefined ? {} : { timeoutMs };
  const spec = ((): NotifierSpec | undefined => {
    const n = name ?? kind;
    switch (kind) {
      case 'slack':
        return validateSlack(obj, path, n, timeout, check);
      case 'email':
        return validateEmail(obj, path, n, timeout, check);
      case 'pagerduty': {
        const routingKey = check.secret(obj, 'routing_key', path, 'text', '{ env: PAGERDUTY_ROUTING_KEY }');
        if (routingKey !== undefined && routingKey.length !== 32) {
          check.problem(
            [...path, 'routing_key'],
            `expected a 32-character Events API v2 integration key, found one of ${routingKey.length} characters (the value is not shown: it is a secret)`,
          );
        }
        const url = check.secret(obj, 'url', path, 'url', undefined);
        const source = check.field(obj, 'source', path, SCHEMAS.text);
        const clientUrl = check.field(obj, 'client_url', path, SCHEMAS.publicUrl);
        if (routingKey === undefined) return undefined;
        return {
          kind,
          name: n,
          options: {
            name: n,
            routingKey,
            ...(url === undefined ? {} : { url }),
            ...(source === undefined ? {} : { source }),
            ...(clientUrl === undefined ? {} : { clientUrl }),
            ...timeout,
          },
        };
      }
      case 'alertmanager': {
        const url = check.secret(obj, 'url', path, 'url', '{ env: ALERTMANAGER_URL }');
        const firingTtlMs = check.field(obj, 'firing_ttl', path, SCHEMAS.firingTtl);
        const generatorUrl = check.field(obj, 'generator_url', path, SCHEMAS.publicUrl);
        if (url === undefined) return undefined;
        return {
          kind,
          name: n,
          options: {
            name: n,
            url,
            ...(firingTtlMs === undefined ? {} : { firingTtlMs }),
            ...(generatorUrl === undefined ? {} : { generatorUrl }),
            ...timeout,
          },
        };
      }
      case 'log':
        return { kind, name: n, options: {} };
    }
  })();
  return check.problems.length === before ? spec : undefined;
}

function validateSlack(
  obj: Record<string, unknown>,
  path: YamlPath,
  name: string,
  timeout: { timeoutMs?: number },
  check: Checker,
): NotifierSpec | undefined {
  const channels: Record<string, string> = {};
  const rawChannels = obj['channels'];
  if (rawChannels === undefined) {
    check.problem(path, '"channels" is missing (e.g. channels: { alerts: { env: SLACK_WEBHOOK_ALERTS } })');
  } else if (!isRecord(rawChannels) || Object.keys(rawChannels).length === 0) {
    check.problem(
      [...path, 'channels'],
      `expected a mapping of channel name → webhook URL, found ${describeShape(rawChannels)}`,
    );
  } else {
    for (const channel of Object.keys(rawChannels)) {
      if (!CHANNEL.test(channel)) {
        check.problem(
          [...path, 'channels', channel],
          `channel name ${found(channel)}: expected lower-case letters, digits, ".", "-" and "_"`,
          true,
        );
        continue;
      }
      const url = check.secret(rawChannels, channel, [...path, 'channels'], 'url', undefined);
      if (url !== undefined) channels[channel] = url;
    }
  }
  const known = Object.keys(isRecord(rawChannels) ? rawChannels : {});
  const channelRef = z.string().refine((c) => known.includes(c), {
    error: (i) => `expected one of the channels (${known.join(', ') || 'none'}), found ${found(i.input)}`,
  });
  const defaultChannel = check.field(obj, 'default_channel', path, channelRef);
  const severityChannels: Partial<Record<Severity, string>> = {};
  if (Object.hasOwn(obj, 'severity_channels')) {
    const raw = check.mapping(
      obj['severity_channels'],
      [...path, 'severity_channels'],
      SEVERITIES,
      'severity → channel',
    );
    for (const severity of SEVERITIES) {
      const channel =
        raw === undefined
          ? undefined
          : check.field(raw, severity, [...path, 'severity_channels'], channelRef);
      if (channel !== undefined) severityChannels[severity] = channel;
    }
  }
  const ratePerSecond = check.field(obj, 'rate_per_second', path, SCHEMAS.rate);
  const burst = check.field(obj, 'burst', path, SCHEMAS.burst);
  if (Object.keys(channels).length === 0) return undefined;
  return {
    kind: 'slack',
    name,
    options: {
      name,
      channels,
      ...(defaultChannel === undefined ? {} : { defaultChannel }),
      severityChannels,
      ...(ratePerSecond === undefined ? {} : { ratePerSecond }),
      ...(burst === undefined ? {} : { burst }),
      ...timeout,
    },
  };
}

function validateEmail(
  obj: Record<string, unknown>,
  path: YamlPath,
  name: string,
  timeout: { timeoutMs?: number },
  check: Checker,
): NotifierSpec | undefined {
  const from = check.required(obj, 'from', path, SCHEMAS.email, 'from: alerts@example.com');
  const to = check.required(obj, 'to', path, SCHEMAS.recipients, 'to: [oncall@example.com]');
  const region = check.field(obj, 'region', path, SCHEMAS.region);
  const endpoint = check.secret(obj, 'endpoint', path, 'url', undefined);
  const accessKeyId = check.secret(obj, 'access_key_id', path, 'text', undefined);
  const secretAccessKey = check.secret(obj, 'secret_access_key', path, 'text', undefined);
  const hasId = Object.hasOwn(obj, 'access_key_id');
  const hasSecret = Object.hasOwn(obj, 'secret_access_key');
  if (hasId !== hasSecret) {
    check.problem(
      path,
      `give both access_key_id and secret_access_key, or neither (the AWS SDK's default credentials are used then)`,
    );
  }
  const subjectPrefix = check.field(
    obj,
    'subject_prefix',
    path,
    z.string({ error: (i) => `expected a text, found ${found(i.input)}` }),
  );
  const configurationSetName = check.field(obj, 'configuration_set', path, SCHEMAS.text);
  if (from === undefined || to === undefined) return undefined;
  return {
    kind: 'email',
    name,
    options: {
      name,
      from,
      to,
      ...(region === undefined ? {} : { region }),
      ...(endpoint === undefined ? {} : { endpoint }),
      ...(accessKeyId !== undefined && secretAccessKey !== undefined
        ? { credentials: { accessKeyId, secretAccessKey } }
        : {}),
      ...(subjectPrefix === undefined ? {} : { subjectPrefix }),
      ...(configurationSetName === undefined ? {} : { configurationSetName }),
      ...timeout,
    },
  };
}
