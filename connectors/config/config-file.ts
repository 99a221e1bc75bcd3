/**
 * `connectors.yaml`: every connector's provider, credentials (by environment variable name, never the
 * value), assets, cadence, rate budget and expectations. Validated in full by core's loader: every
 * problem at once, each with `file:line:col`, the field, what was found and what is accepted.
 * Format: connectors/README.md.
 */
import { z } from 'zod';
import {
  crossCheck,
  defineConfigFile,
  duration,
  found,
  type ConfigFile,
} from '../../core/config-file/index.ts';
import { ConfigError } from '../../core/errors.ts';
import { ENVIRONMENTS } from '../../schemas/index.ts';
import { CONNECTOR_TYPES, EXPECTATION_CHECKS, type ConnectorConfig, type ConnectorsConfig } from './types.ts';

const NAME = /^[a-z][a-z0-9-]{0,39}$/;
const ASSET = /^[a-z0-9][a-z0-9._-]{0,79}$/;
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
const REPO = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

const text = (what: string, pattern: RegExp, example: string) =>
  z
    .string({
      error: (i) =>
        i.input === undefined
          ? `"${what}" is missing (e.g. ${example})`
          : `expected ${what}, found ${found(i.input)}`,
    })
    .regex(pattern, {
      error: (i) => `expected ${what} matching ${pattern.source} (e.g. ${example}), found ${found(i.input)}`,
    });

const wholeNumber = (min: number, what: string) => {
  const error = (i: { input: unknown }) =>
    `expected ${what}, a whole number ≥ ${min}, found ${found(i.input)}`;
  return z
    .number({ error })
    .refine(Number.isInteger, { error })
    .refine((n) => n >= min, { error });
};

const number = (what: string) => z.number({ error: (i) => `expected ${what}, found ${found(i.input)}` });

const positiveDuration = () =>
  duration({
    min: 1,
    message: (v) => `expected a positive duration (e.g. 30s, 5m, 1h, 1d), found ${found(v)}`,
  });

const URL_FIELD = z
  .string({ error: (i) => `expected an http(s) URL (the provider's API root), found ${found(i.input)}` })
  .refine(
    (v) => {
      try {
        return ['http:', 'https:'].includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    { error: (i) => `expected an http(s) URL (the provider's API root), found ${found(i.input)}` },
  );

const EXPECTATION = crossCheck(
  z.strictObject({
    signal: z.string({
      error: (i) => `expected a signal name or glob (e.g. commits_week, "*"), found ${found(i.input)}`,
    }),
    check: z.enum(EXPECTATION_CHECKS, {
      error: (i) => `expected one of ${EXPECTATION_CHECKS.join(', ')}, found ${found(i.input)}`,
    }),
    min: number('the lowest accepted value').optional(),
    max: number('the highest accepted value').optional(),
    max_change: number('the largest relative change per run (0.5: ±50%)')
      .refine((n) => n > 0, {
        error: 'expected a relative change > 0',
      })
      .optional(),
    tolerate: number('the share of values that may break the check, 0 to 1')
      .refine((n) => n >= 0 && n <= 1, {
        error: (i) => `expected a share from 0 to 1, found ${found(i.input)}`,
      })
      .default(0),
  }),
  (e, report, valid) => {
    if (!valid('check')) return;
    if (e.check === 'range' && e.min === undefined && e.max === undefined)
      report(['check'], 'a range check needs min, max or both');
    if (e.check === 'change' && e.max_change === undefined)
      report(['check'], 'a change check needs max_change (e.g. max_change: 0.5 for ±50% per run)');
    if (e.check !== 'range' && (e.min !== undefined || e.max !== undefined))
      report(['check'], `min and max belong to a range check, not ${e.check}`);
    if (e.check !== 'change' && e.max_change !== undefined)
      report(['check'], `max_change belongs to a change check, not ${e.check}`);
    if (valid('min') && valid('max') && e.min !== undefined && e.max !== undefined && e.min > e.max)
      report(['min'], `min ${e.min} is above max ${e.max}`);
  },
);

const ASSET_ENTRY = z.strictObject({
  asset: text('a canonical asset id (lower case, e.g. uniswap)', ASSET, 'asset: uniswap'),
  id: z
    .string({ error: (i) => `expected the provider's id of the asset, found ${found(i.input)}` })
    .min(1)
    .optional(),
  repos: z
    .array(text('a GitHub repository owner/name', REPO, 'Uniswap/v3-core'))
    .min(1)
    .optional(),
  chain: text('a chain id (lower case, e.g. ethereum)', /^[a-z0-9][a-z0-9-]*$/, 'chain: ethereum').optional(),
  contract: text(
    'a contract address',
    /^[A-Za-z0-9]{20,80}$/,
    'contract: 0x1f9840a85d5af5bf1d1762f925bdaddc4201f984',
  ).optional(),
});

const CONNECTOR = crossCheck(
  z.strictObject({
    name: text('a connector name (lower case, digits, -)', NAME, 'name: github'),
    type: z.enum(CONNECTOR_TYPES, {
      error: (i) => `expected one of ${CONNECTOR_TYPES.join(', ')}, found ${found(i.input)}`,
    }),
    base_url: URL_FIELD,
    credentials: z
      .strictObject({ env: text('an environment variable name', ENV_NAME, 'env: GITHUB_TOKEN') })
      .optional(),
    cadence: positiveDuration(),
    budget_per_hour: wholeNumber(1, 'the requests allowed per hour'),
    rate_per_minute: wholeNumber(1, 'the requests allowed per minute').optional(),
    max_wait: positiveDuration().default(15 * 60_000),
    timeout: positiveDuration().default(30_000),
    retries: z
      .strictObject({
        attempts: wholeNumber(1, 'the attempts of one request').default(5),
        initial: positiveDuration().default(1000),
        max: positiveDuration().default(60_000),
      })
      .default({ attempts: 5, initial: 1000, max: 60_000 }),
    history: positiveDuration().default(12 * 7 * 86_400_000),
    page_size: wholeNumber(1, 'the items per page').default(100),
    metrics: z.array(z.string().min(1)).min(1).optional(),
    assets: z.array(ASSET_ENTRY).min(1, { error: 'expected at least one asset' }),
    expectations: z.array(EXPECTATION).default([]),
  }),
  (c, report, valid) => {
    if (!valid('type') || !valid('assets')) return;
    c.assets.forEach((a, i) => {
      if ((a.chain === undefined) !== (a.contract === undefined))
        report(['assets', i], 'chain and contract go together: the on-chain key of the asset is both');
      if (c.type === 'github' && a.repos === undefined)
        report(['assets', i], 'a github asset needs repos (e.g. repos: [Uniswap/v3-core])');
      if (c.type !== 'github' && a.id === undefined)
        report(['assets', i], `a ${c.type} asset needs id, the provider's id of the asset (e.g. id: btc)`);
      if (c.type !== 'github' && a.repos !== undefined)
        report(['assets', i, 'repos'], `repos belong to a github connector, not ${c.type}`);
    });
    if (c.type !== 'github' && c.metrics === undefined && valid('metrics'))
      report(['type'], `a ${c.type} connector needs metrics (the provider's metric names to fetch)`);
    if (c.type === 'tokenterminal' && c.credentials === undefined && valid('credentials'))
      report(
        ['type'],
        'a tokenterminal connector needs credentials: { env: TOKEN_TERMINAL_API_KEY } (its API key)',
      );
  },
);

const FILE = crossCheck(
  z.strictObject({
    version: z
      .literal(1, { error: (i) => `expected 1 (the only version), found ${found(i.input)}` })
      .default(1),
    env: z
      .enum(ENVIRONMENTS, {
        error: (i) => `expected one of ${ENVIRONMENTS.join(', ')}, found ${found(i.input)}`,
      })
      .default('prod'),
    connectors: z.array(CONNECTOR).min(1, { error: 'expected at least one connector' }),
  }),
  (f, report, valid) => {
    if (!valid('connectors')) return;
    const seen = new Map<string, number>();
    f.connectors.forEach((c, i) => {
      const first = seen.get(c.name);
      if (first !== undefined)
        report(['connectors', i, 'name'], `connector ${c.name} is already defined (connectors[${first}])`);
      else seen.set(c.name, i);
    });
  },
);

const GITHUB_METRICS = [
  'commits_week',
  'issues_opened_week',
  'issues_closed_week',
  'issue_close_median_days',
  'releases_week',
  'days_since_release',
  'active_contributors_week',
];

export const CONNECTORS_FILE: ConfigFile<ConnectorsConfig> = defineConfigFile({
  schema: FILE,
  compile: (value, file, at): ConnectorsConfig =>
    Object.freeze({
      file,
      env: value.env,
      connectors: Object.freeze(
        value.connectors.map((c, i): ConnectorConfig =>
          Object.freeze({
            name: c.name,
            type: c.type,
            baseUrl: c.base_url.replace(/\/+$/, ''),
            credentialEnv: c.credentials?.env ?? null,
            credentialRequired: c.type === 'tokenterminal',
            cadenceMs: c.cadence,
            budgetPerHour: c.budget_per_hour,
            ratePerMinute: c.rate_per_minute ?? (c.type === 'tokenterminal' ? 60 : undefined),
            maxWaitMs: c.max_wait,
            timeoutMs: c.timeout,
            retry: { attempts: c.retries.attempts, initialMs: c.retries.initial, maxMs: c.retries.max },
            historyMs: c.history,
            pageSize: c.page_size,
            metrics: Object.freeze(c.metrics ?? (c.type === 'github' ? GITHUB_METRICS : [])),
            assets: Object.freeze(
              c.assets.map((a, j) =>
                Object.freeze({
                  asset: a.asset,
                  id: a.id ?? null,
                  repos: Object.freeze(a.repos ?? []),
                  chain: a.chain ?? null,
                  contract: a.contract ?? null,
                  at: at(['connectors', i, 'assets', j]),
                }),
              ),
            ),
            expectations: Object.freeze(
              c.expectations.map((e, j) =>
                Object.freeze({
                  signal: e.signal,
                  check: e.check,
                  ...(e.min === undefined ? {} : { min: e.min }),
                  ...(e.max === undefined ? {} : { max: e.max }),
                  ...(e.max_change === undefined ? {} : { maxChange: e.max_change }),
                  tolerate: e.tolerate,
                  at: at(['connectors', i, 'expectations', j]),
                }),
              ),
            ),
            at: at(['connectors', i]),
          }),
        ),
      ),
    }),
  error: (file, problems) => new ConfigError(problems, `the connectors configuration ${file}`),
});

/** Reads and validates `connectors.yaml`. @throws ConfigError listing every problem. */
export function loadConnectorsConfig(file: string): Promise<ConnectorsConfig> {
  return CONNECTORS_FILE.load(file);
}

/** Environment variables, as the configuration module hands them over. */
export type EnvironmentMap = Readonly<Record<string, string | undefined>>;

/**
 * The credential of `connector` from `env`, or null when it has none.
 * @throws ConfigError when a required one (or one named in the file) is unset; the value is never shown.
 */
export function resolveCredential(
  connector: ConnectorConfig,
  env: EnvironmentMap,
  file: string,
): string | null {
  if (connector.credentialEnv === null) return null;
  const value = env[connector.credentialEnv];
  if (value === undefined || value === '') {
    throw new ConfigError(
      [
        `${connector.at}: connector ${connector.name}: environment variable ${connector.credentialEnv} is not set ` +
          `(or empty): set it to the ${connector.type} API credential, or remove credentials from the connector` +
          (connector.credentialRequired ? ' (this provider needs one)' : ''),
      ],
      `the connectors configuration ${file}`,
    );
  }
  return value;
}

/** The connectors named (all when none), in file order. @throws ConfigError naming an unknown one. */
export function selectConnectors(
  config: ConnectorsConfig,
  names: readonly string[],
): readonly ConnectorConfig[] {
  if (names.length === 0) return config.connectors;
  const known = config.connectors.map((c) => c.name);
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0) {
    throw new ConfigError(
      unknown.map((n) => `connector ${n} is not in ${config.file} (known: ${known.join(', ')})`),
      'the command line',
    );
  }
  return config.connectors.filter((c) => names.includes(c.name));
}
