/**
 * The notifiers' configuration file: YAML, read once at start-up and validated in full by core's
 * loader (a strict zod schema per notifier type, then the cross-field checks). Every problem (YAML
 * syntax, unknown keys, wrong types, bad durations or URLs, unset environment variables, channels
 * without a webhook, an unknown fallback) is listed in ONE ConfigError (TW_CONFIG_INVALID, exit 2), each
 * with its file, line and column, the field, what was found and what is accepted. See README.md in
 * this folder for the format; notifiers.schema.json is its JSON Schema.
 *
 * Secrets (webhook URLs, routing keys, credentials, base URLs) are written either inline or, better,
 * as `{ env: NAME }`, read from the environment map the caller passes (the configuration module owns
 * `process.env`). Problems about a secret never quote its value.
 */
import { withoutUndefined } from '../../core/without-undefined.ts';
import { z } from 'zod';
import {
  crossCheck,
  defineConfigFile,
  duration,
  found,
  isRecord,
  type ConfigFile,
  type YamlPath,
} from '../../core/config-file/index.ts';
import { ConfigError } from '../../core/errors.ts';
import { SEVERITIES } from '../../schemas/index.ts';
import type { AlertmanagerNotifierOptions } from './alertmanager-notifier.ts';
import { isHttpUrl, secret, webhookChannels, type EnvironmentMap } from './config-secrets.ts';
import type { DeliveryPolicy } from './delivery-options.ts';
import type { EmailNotifierOptions } from './email-notifier.ts';
import type { PagerDutyNotifierOptions } from './pagerduty-notifier.ts';
import type { SlackNotifierOptions } from './slack-notifier.ts';
import { NOTIFIER_KINDS } from './types.ts';

export type { EnvironmentMap };

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

const NAME = /^[a-z][a-z0-9_-]*$/;
const EMAIL = /^[^\s@]+@[^\s@]+$/;

/** `"<key>" is missing (e.g. <example>)` for a missing key, else `otherwise`. */
const missing =
  (key: string, example: string, otherwise: (input: unknown) => string | undefined) =>
  (i: { input: unknown }): string | undefined =>
    i.input === undefined ? `"${key}" is missing (e.g. ${example})` : otherwise(i.input);

/** The problem of a value that is not a mapping (`what`: its keys); unknown keys are the loader's. */
const mapping =
  (what: string) =>
  (i: { code?: string; input: unknown }): string | undefined =>
    i.code === 'invalid_type'
      ? `expected a mapping (${what}), found ${i.input === null ? 'nothing' : found(i.input)}`
      : undefined;

const durationOf = (what: 'positive' | 'non-negative') =>
  duration({
    min: what === 'positive' ? 1 : 0,
    message: (v) => `expected a ${what} duration (e.g. 500ms, 30s, 5m, 24h, 7d), found ${found(v)}`,
  });

const wholeNumber = (min: number) => {
  const error = (i: { input: unknown }) => `expected a whole number ≥ ${min}, found ${found(i.input)}`;
  return z.number({ error }).int({ error }).min(min, { error });
};

const number = (min: number, what: string) => {
  const error = (i: { input: unknown }) => `expected ${what}, found ${found(i.input)}`;
  return z.number({ error }).min(min, { error });
};

const TEXT = z
  .string({ error: (i) => `expected a text, found ${found(i.input)}` })
  .refine((s) => s.trim() !== '', { error: 'expected a text, found an empty text' });

const PUBLIC_URL = z
  .string({ error: (i) => `expected an http(s) URL, found ${found(i.input)}` })
  .refine(isHttpUrl, { error: (i) => `expected an http(s) URL, found ${found(i.input)}` });

const email = (error: (i: { input: unknown }) => string | undefined) =>
  z
    .string({ error })
    .regex(EMAIL, { error: (i) => `expected an email address (name@domain), found ${found(i.input)}` });
const anEmail = (v: unknown) => `expected an email address, found ${found(v)}`;

const name = (required: boolean) =>
  z
    .string({
      error: (i) =>
        required && i.input === undefined
          ? '"name" is missing (e.g. name: slack)'
          : `expected a notifier name, found ${found(i.input)}`,
    })
    .regex(NAME, {
      error: (i) =>
        `expected a name of lower-case letters, digits, "-" and "_", starting with a letter, found ${found(i.input)}`,
    });

const TIMEOUT = durationOf('positive').optional();

/** The keys of every notifier but `log`: its name, its type and the deadline of one delivery. */
const common = <K extends string>(kind: K) => ({
  name: name(true),
  type: z.literal(kind),
  timeout: TIMEOUT,
});

const slack = (env: EnvironmentMap) =>
  crossCheck(
    z.strictObject({
      ...common('slack'),
      channels: webhookChannels(env),
      default_channel: z.string().optional(),
      severity_channels: z
        .strictObject(
          Object.fromEntries(SEVERITIES.map((s) => [s, z.string().optional()])) as Record<
            (typeof SEVERITIES)[number],
            z.ZodOptional<z.ZodString>
          >,
          { error: mapping('severity → channel') },
        )
        .default({}),
      rate_per_second: number(0, 'messages per second per webhook, ≥ 0 (0 turns the limit off)').optional(),
      burst: wholeNumber(1).optional(),
    }),
    (n, report) => {
      const known: readonly string[] =
        isRecord(n.channels) && Array.isArray(n.channels.names) ? n.channels.names : [];
      const checkChannel = (path: YamlPath, channel: unknown): void => {
        if (typeof channel === 'string' && !known.includes(channel)) {
          report(
            path,
            `expected one of the channels (${known.join(', ') || 'none'}), found ${found(channel)}`,
          );
        }
      };
      checkChannel(['default_channel'], n.default_channel);
      if (isRecord(n.severity_channels)) {
        for (const [severity, channel] of Object.entries(n.severity_channels)) {
          checkChannel(['severity_channels', severity], channel);
        }
      }
    },
  );

const emailNotifier = (env: EnvironmentMap) =>
  crossCheck(
    z.strictObject({
      ...common('email'),
      from: email(missing('from', 'from: alerts@example.com', anEmail)),
      to: z
        .array(
          email((i) => anEmail(i.input)),
          {
            error: missing(
              'to',
              'to: [oncall@example.com]',
              (v) => `expected a list of email addresses, found ${found(v)}`,
            ),
          },
        )
        .min(1, { error: 'expected at least one recipient' }),
      region: z
        .string({ error: (i) => `expected an AWS region, found ${found(i.input)}` })
        .regex(/^[a-z0-9-]+$/, {
          error: (i) => `expected an AWS region (e.g. eu-west-1), found ${found(i.input)}`,
        })
        .optional(),
      endpoint: secret(env, 'endpoint', 'url').optional(),
      access_key_id: secret(env, 'access_key_id', 'text').optional(),
      secret_access_key: secret(env, 'secret_access_key', 'text').optional(),
      subject_prefix: z.string({ error: (i) => `expected a text, found ${found(i.input)}` }).optional(),
      configuration_set: TEXT.optional(),
    }),
    (n, report) => {
      if (Object.hasOwn(n, 'access_key_id') !== Object.hasOwn(n, 'secret_access_key')) {
        report(
          [],
          `give both access_key_id and secret_access_key, or neither (the AWS SDK's default credentials are used then)`,
        );
      }
    },
  );

const pagerduty = (env: EnvironmentMap) =>
  crossCheck(
    z.strictObject({
      ...common('pagerduty'),
      routing_key: secret(env, 'routing_key', 'text', '{ env: PAGERDUTY_ROUTING_KEY }'),
      url: secret(env, 'url', 'url').optional(),
      source: TEXT.optional(),
      client_url: PUBLIC_URL.optional(),
    }),
    (n, report) => {
      if (typeof n.routing_key === 'string' && n.routing_key.length !== 32) {
        report(
          ['routing_key'],
          `expected a 32-character Events API v2 integration key, found one of ${n.routing_key.length} characters (the value is not shown: it is a secret)`,
        );
      }
    },
  );

const alertmanager = (env: EnvironmentMap) =>
  z.strictObject({
    ...common('alertmanager'),
    url: secret(env, 'url', 'url', '{ env: ALERTMANAGER_URL }'),
    firing_ttl: durationOf('positive').optional(),
    generator_url: PUBLIC_URL.optional(),
  });

const LOG = z.strictObject({ name: name(true), type: z.literal('log') });

const notifier = (env: EnvironmentMap) =>
  z.discriminatedUnion('type', [slack(env), emailNotifier(env), pagerduty(env), alertmanager(env), LOG], {
    error: (i) => {
      if (!isRecord(i.input)) return `expected a mapping (name, type, ...), found ${found(i.input)}`;
      const type = i.input['type'];
      return type === undefined
        ? `"type" is missing (e.g. type: slack (one of ${NOTIFIER_KINDS.join(', ')}))`
        : `expected one of ${NOTIFIER_KINDS.join(', ')}, found ${found(type)}`;
    },
  });

const DELIVERY = crossCheck(
  z.strictObject(
    {
      max_attempts: wholeNumber(1).optional(),
      initial_backoff: durationOf('non-negative').optional(),
      max_backoff: durationOf('non-negative').optional(),
      backoff_multiplier: number(1, 'a number ≥ 1').optional(),
      max_elapsed: durationOf('non-negative').optional(),
      probe_interval: durationOf('positive').optional(),
    },
    {
      error: mapping(
        'max_attempts, initial_backoff, max_backoff, backoff_multiplier, max_elapsed, probe_interval',
      ),
    },
  ),
  (d, report, valid) => {
    // Either one missing: nothing to compare (an absent max_backoff is never shorter).
    if (
      valid('initial_backoff') &&
      valid('max_backoff') &&
      (d.max_backoff ?? Infinity) < (d.initial_backoff ?? 0)
    ) {
      report(['max_backoff'], 'must not be shorter than initial_backoff');
    }
  },
);

const notifiersFile = (env: EnvironmentMap) =>
  crossCheck(
    z
      .strictObject(
        {
          version: z.literal(1, { error: (i) => `expected 1, found ${found(i.input)}` }).optional(),
          delivery: DELIVERY.default({}),
          fallback: name(false).optional(),
          notifiers: z
            .array(notifier(env), {
              error: (i) =>
                i.input === undefined
                  ? '"notifiers:" is missing: expected a list of notifiers (e.g. - name: slack, type: slack)'
                  : `expected a non-empty list of notifiers, found ${found(i.input)}`,
            })
            .min(1, { error: (i) => `expected a non-empty list of notifiers, found ${found(i.input)}` }),
        },
        { error: mapping('version, delivery, fallback, notifiers') },
      )
      .meta({
        title: 'tradewatch notifiers',
        description: 'The notifiers alerts are delivered to. Format: sinks/notifiers/README.md.',
      }),
    (file, report, valid) => {
      const list: unknown[] = Array.isArray(file.notifiers) ? file.notifiers : [];
      const names = list.map((n) => (isRecord(n) && typeof n['name'] === 'string' ? n['name'] : undefined));
      names.forEach((name, index) => {
        const first = names.indexOf(name);
        if (name !== undefined && first < index) {
          report(
            ['notifiers', index, 'name'],
            `notifiers[${first}] is already named ${name}: names must be unique`,
          );
        }
      });
      const known = [...new Set([LOG_FALLBACK, ...names.filter((n) => n !== undefined)])];
      if (typeof file.fallback === 'string' && valid('fallback') && !known.includes(file.fallback)) {
        report(['fallback'], `no notifier is named ${found(file.fallback)}; known: ${known.join(', ')}`);
      }
    },
  );

type Parsed = z.output<ReturnType<typeof notifier>>;

/** The constructor's options of a notifier as parsed. */
function specOf(n: Parsed): NotifierSpec {
  if (n.type === 'log') return { kind: n.type, name: n.name, options: {} };
  const common = { name: n.name, timeoutMs: n.timeout };
  switch (n.type) {
    case 'slack':
      return {
        kind: n.type,
        name: n.name,
        options: withoutUndefined({
          ...common,
          channels: n.channels.urls,
          defaultChannel: n.default_channel,
          severityChannels: n.severity_channels,
          ratePerSecond: n.rate_per_second,
          burst: n.burst,
        }),
      };
    case 'email': {
      const { access_key_id: accessKeyId, secret_access_key: secretAccessKey } = n;
      const credentials =
        accessKeyId !== undefined && secretAccessKey !== undefined
          ? { accessKeyId, secretAccessKey }
          : undefined;
      return {
        kind: n.type,
        name: n.name,
        options: withoutUndefined({
          ...common,
          from: n.from,
          to: n.to,
          region: n.region,
          endpoint: n.endpoint,
          credentials,
          subjectPrefix: n.subject_prefix,
          configurationSetName: n.configuration_set,
        }),
      };
    }
    case 'pagerduty':
      return {
        kind: n.type,
        name: n.name,
        options: withoutUndefined({
          ...common,
          routingKey: n.routing_key,
          url: n.url,
          source: n.source,
          clientUrl: n.client_url,
        }),
      };
    case 'alertmanager':
      return {
        kind: n.type,
        name: n.name,
        options: withoutUndefined({
          ...common,
          url: n.url,
          firingTtlMs: n.firing_ttl,
          generatorUrl: n.generator_url,
        }),
      };
  }
}

/** The delivery policy as the options name it: only what the file gives. */
function deliveryOf(d: z.output<typeof DELIVERY>): DeliveryPolicy {
  return Object.freeze(
    withoutUndefined({
      maxAttempts: d.max_attempts,
      initialBackoffMs: d.initial_backoff,
      maxBackoffMs: d.max_backoff,
      backoffMultiplier: d.backoff_multiplier,
      maxElapsedMs: d.max_elapsed,
      probeIntervalMs: d.probe_interval,
    }),
  );
}

/** The file type, its secrets read from `env`. */
function notifiersConfigFile(env: EnvironmentMap): ConfigFile<NotifiersConfig> {
  return defineConfigFile({
    schema: notifiersFile(env),
    compile: (file, shown): NotifiersConfig =>
      Object.freeze({
        file: shown,
        delivery: deliveryOf(file.delivery),
        fallback: file.fallback ?? LOG_FALLBACK,
        notifiers: Object.freeze(file.notifiers.map(specOf)),
      }),
    error: (file, problems) =>
      new ConfigError(problems, `the notifiers configuration ${file} (format: sinks/notifiers/README.md)`),
    where,
  });
}

/**
 * Parses and validates the configuration's text. Pure: `file` only names the file in messages.
 * @throws ConfigError (TW_CONFIG_INVALID) listing every problem.
 */
export function parseNotifiersConfig(text: string, file: string, env: EnvironmentMap): NotifiersConfig {
  return notifiersConfigFile(env).parse(text, file);
}

/**
 * Reads and validates the configuration file.
 * @throws ConfigError (TW_CONFIG_INVALID) when it cannot be read or is invalid (every problem listed).
 */
export async function loadNotifiersConfig(file: string, env: EnvironmentMap): Promise<NotifiersConfig> {
  return notifiersConfigFile(env).load(file);
}

/** The JSON Schema of the file, for editors (committed as notifiers.schema.json). */
export const notifiersJsonSchema = (): Record<string, unknown> => notifiersConfigFile({}).jsonSchema();

/** `notifiers[1] (slack): ` before a problem inside a notifier. */
function where(path: YamlPath, root: unknown): string {
  if (path[0] !== 'notifiers' || typeof path[1] !== 'number' || !isRecord(root)) return '';
  const list = root['notifiers'];
  const item: unknown = Array.isArray(list) ? list[path[1]] : undefined;
  const named = isRecord(item) && typeof item['name'] === 'string' ? ` (${item['name']})` : '';
  return `notifiers[${path[1]}]${named}: `;
}
