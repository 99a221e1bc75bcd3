/**
 * The secrets of the notifiers' configuration file (webhook URLs, routing keys, credentials, base
 * URLs): an inline text or `{ env: NAME }` read from the environment map the caller passes, as zod
 * fields of config-file.ts's schema. A problem about a secret never quotes its value.
 */
import { z } from 'zod';
import { found, isRecord, type YamlPath } from '../../core/config-file/index.ts';

/** Environment variables, as the configuration module hands them over. */
export type EnvironmentMap = Readonly<Record<string, string | undefined>>;

/** What a secret must be: an http(s) URL, or any text. */
export type SecretKind = 'url' | 'text';

const CHANNEL = /^[a-z0-9][a-z0-9._-]*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** What the JSON Schema says a secret is. */
const SECRET_JSON = {
  anyOf: [
    { type: 'string' },
    {
      type: 'object',
      properties: { env: { type: 'string', pattern: ENV_NAME.source } },
      required: ['env'],
      additionalProperties: false,
    },
  ],
  description: 'A secret: inline, or better { env: NAME } (an environment variable).',
};

export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** What a value is, without its content (for secrets). */
export function describeShape(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (isRecord(value)) return `a mapping with keys ${Object.keys(value).join(', ') || '(none)'}`;
  return `a ${typeof value}`;
}

type Issue = (path: YamlPath, message: string) => void;

/** The value of secret `key` written as `raw`, or undefined (a problem told to `issue`). */
function resolve(
  raw: unknown,
  key: string,
  kind: SecretKind,
  env: EnvironmentMap,
  issue: Issue,
): string | undefined {
  let value: string;
  let source: string;
  if (typeof raw === 'string') {
    value = raw;
    source = 'the inline value';
  } else if (isRecord(raw) && Object.keys(raw).length === 1 && typeof raw['env'] === 'string') {
    const name = raw['env'];
    if (!ENV_NAME.test(name)) {
      issue(['env'], `expected an environment variable name, found ${found(name)}`);
      return undefined;
    }
    const fromEnv = env[name];
    if (fromEnv === undefined || fromEnv === '') {
      issue(
        [],
        `environment variable ${name} is not set (or empty): set it to the ${key.replace(/_/g, ' ')}`,
      );
      return undefined;
    }
    value = fromEnv;
    source = `environment variable ${name}`;
  } else {
    issue(
      [],
      `expected a text or { env: VARIABLE } (put secrets in the environment), found ${describeShape(raw)}`,
    );
    return undefined;
  }
  if (value.trim() === '') issue([], `${source} is empty`);
  else if (kind === 'url' && !isHttpUrl(value)) {
    issue([], `${source} is not an http(s) URL (its value is not shown: it is a secret)`);
  } else return value;
  return undefined;
}

/** A reporter of custom issues for a transform's `ctx`, at `at` below the value. */
const issuesOf =
  (ctx: { addIssue: (issue: z.core.$ZodRawIssue) => void }, at: YamlPath = []): Issue =>
  (path, message) =>
    ctx.addIssue({ code: 'custom', path: [...at, ...path], message, input: undefined });

/**
 * The secret `key` (named in messages), resolved from `env`; `example` (`{ env: NAME }`) makes it
 * required. For an optional one, add `.optional()`.
 */
export function secret(env: EnvironmentMap, key: string, kind: SecretKind, example?: string) {
  return z
    .unknown()
    .transform((raw, ctx): string => {
      const issue = issuesOf(ctx);
      if (raw === undefined && example !== undefined)
        issue([], `"${key}" is missing (e.g. ${key}: ${example})`);
      return (raw === undefined ? undefined : resolve(raw, key, kind, env, issue)) ?? z.NEVER;
    })
    .meta(SECRET_JSON);
}

/**
 * Slack's channels: channel name → webhook URL (a secret), at least one. `names` are all the names
 * given (a bad one included), for the fields that refer to a channel.
 */
export function webhookChannels(env: EnvironmentMap) {
  const shape = (input: unknown) =>
    input === undefined
      ? '"channels" is missing (e.g. channels: { alerts: { env: SLACK_WEBHOOK_ALERTS } })'
      : `expected a mapping of channel name → webhook URL, found ${describeShape(input)}`;
  return z
    .record(z.string(), z.unknown().meta(SECRET_JSON), { error: (i) => shape(i.input) })
    .transform((raw, ctx) => {
      const names = Object.keys(raw);
      if (names.length === 0) issuesOf(ctx)([], shape(raw));
      const urls: Record<string, string> = {};
      for (const channel of names) {
        if (!CHANNEL.test(channel)) {
          ctx.addIssue({
            code: 'custom',
            path: [channel],
            message: `channel name ${found(channel)}: expected lower-case letters, digits, ".", "-" and "_"`,
            params: { onKey: true },
            input: undefined,
          });
          continue;
        }
        const url = resolve(raw[channel], channel, 'url', env, issuesOf(ctx, [channel]));
        if (url !== undefined) urls[channel] = url;
      }
      return { urls, names };
    });
}
