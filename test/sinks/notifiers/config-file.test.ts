import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../core/errors.ts';
import { createLogger } from '../../../core/logger.ts';
import {
  createNotifiers,
  loadNotifiersConfig,
  notifiersJsonSchema,
  parseNotifiersConfig,
} from '../../../sinks/notifiers/index.ts';

const EXAMPLE = fileURLToPath(new URL('../../../sinks/notifiers/example-notifiers.yaml', import.meta.url));
const BROKEN = fileURLToPath(new URL('../../fixtures/notifiers/broken.yaml', import.meta.url));
const ENV = {
  SLACK_WEBHOOK_ALERTS: 'https://hooks.slack.com/services/T0/B0/alertsSecretToken',
  SLACK_WEBHOOK_CRITICAL: 'https://hooks.slack.com/services/T0/B1/criticalSecretToken',
  SLACK_WEBHOOK_OPS: 'https://hooks.slack.com/services/T0/B2/opsSecretToken',
  PAGERDUTY_ROUTING_KEY: 'R0UT1NGKEY0123456789abcdefABCDEF',
  ALERTMANAGER_URL: 'http://alertmanager.internal:9093',
};

async function problemsOf(file: string, env: Record<string, string>): Promise<readonly string[]> {
  try {
    await loadNotifiersConfig(file, env);
  } catch (error: unknown) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('the notifiers configuration file', () => {
  it('reads the example with its secrets from the environment', async () => {
    const config = await loadNotifiersConfig(EXAMPLE, ENV);
    expect(config.fallback).toBe('ops');
    expect(config.delivery).toEqual({
      maxAttempts: 5,
      initialBackoffMs: 1_000,
      maxBackoffMs: 30_000,
      backoffMultiplier: 2,
      maxElapsedMs: 120_000,
      probeIntervalMs: 30_000,
    });
    expect(config.notifiers.map((n) => `${n.name}:${n.kind}`)).toEqual([
      'slack:slack',
      'ops:slack',
      'email:email',
      'pagerduty:pagerduty',
      'alertmanager:alertmanager',
    ]);
    expect(config.notifiers[0]).toEqual({
      kind: 'slack',
      name: 'slack',
      options: {
        name: 'slack',
        channels: { alerts: ENV.SLACK_WEBHOOK_ALERTS, 'trading-critical': ENV.SLACK_WEBHOOK_CRITICAL },
        defaultChannel: 'alerts',
        severityChannels: { critical: 'trading-critical' },
        ratePerSecond: 1,
      },
    });
    expect(config.notifiers[3]?.options).toEqual({
      name: 'pagerduty',
      routingKey: ENV.PAGERDUTY_ROUTING_KEY,
      source: 'tradewatch-prod',
    });
    expect(config.notifiers[4]?.options).toEqual({
      name: 'alertmanager',
      url: ENV.ALERTMANAGER_URL,
      firingTtlMs: 86_400_000,
    });

    const notifiers = createNotifiers(config, { logger: createLogger({ level: 'silent' }) });
    expect([...notifiers.all.keys()]).toEqual(['slack', 'ops', 'email', 'pagerduty', 'alertmanager']);
    // Everyone reports to ops; ops itself reports to the log, so a failing fallback cannot loop.
    expect(notifiers.fallbackOf('pagerduty').name).toBe('ops');
    expect(notifiers.fallbackOf('ops').name).toBe('log');
    await notifiers.close();
  });

  it('lists every problem with file:line:col, what was found and what is accepted, never a secret', async () => {
    const problems = await problemsOf(BROKEN, {
      SLACK_WEBHOOK_ALERTS: 'not a url but a secret',
      AWS_KEY: 'AKIASECRET',
    });
    const file = 'test/fixtures/notifiers/broken.yaml';
    expect(problems).toEqual([
      `${file}:3:17: expected a whole number ≥ 1, found 0`,
      `${file}:5:16: must not be shorter than initial_backoff`,
      `${file}:6:3: unknown key "probe_intervall" (did you mean "probe_interval"?); known keys: max_attempts, initial_backoff, max_backoff, backoff_multiplier, max_elapsed, probe_interval`,
      `${file}:7:11: no notifier is named "pager"; known: log, slack, email, pagerduty`,
      `${file}:12:15: notifiers[0] (slack): environment variable SLACK_WEBHOOK_ALERTS is not an http(s) URL (its value is not shown: it is a secret)`,
      `${file}:14:7: notifiers[0] (slack): channel name "Bad Name": expected lower-case letters, digits, ".", "-" and "_"`,
      `${file}:15:22: notifiers[0] (slack): expected one of the channels (alerts, ops, Bad Name), found "nowhere"`,
      `${file}:16:22: notifiers[0] (slack): expected messages per second per webhook, ≥ 0 (0 turns the limit off), found -1`,
      `${file}:17:5: notifiers[1] (email): give both access_key_id and secret_access_key, or neither (the AWS SDK's default credentials are used then)`,
      `${file}:19:11: notifiers[1] (email): expected an email address (name@domain), found "not-an-address"`,
      `${file}:20:9: notifiers[1] (email): expected at least one recipient`,
      `${file}:24:18: notifiers[2] (pagerduty): expected a 32-character Events API v2 integration key, found one of 16 characters (the value is not shown: it is a secret)`,
      `${file}:25:11: notifiers[3] (slack): notifiers[0] is already named slack: names must be unique`,
      `${file}:27:10: notifiers[3] (slack): environment variable UNSET_AM_URL is not set (or empty): set it to the url`,
      `${file}:28:17: notifiers[3] (slack): expected a positive duration (e.g. 500ms, 30s, 5m, 24h, 7d), found "forever"`,
      `${file}:31:5: notifiers[4] (log): unknown key "timeout"; known keys: name, type`,
    ]);
    const all = problems.join('\n');
    for (const secret of [
      'not a url but a secret',
      'inline-secret-token',
      'short-secret-key',
      'AKIASECRET',
    ]) {
      expect(all).not.toContain(secret);
    }
  });

  it('reports YAML syntax and an empty file', () => {
    expect(() => parseNotifiersConfig('notifiers: [', 'n.yaml', {})).toThrow(
      /n\.yaml:1:\d+: YAML syntax error/,
    );
    expect(() => parseNotifiersConfig('', 'n.yaml', {})).toThrow(
      /n\.yaml:1:1: expected a mapping \(version, delivery, fallback, notifiers\), found nothing/,
    );
  });

  it('publishes its JSON Schema, from the loader’s schema (the committed file is not stale)', async () => {
    const committed = JSON.parse(
      await readFile(new URL('../../../sinks/notifiers/notifiers.schema.json', import.meta.url), 'utf8'),
    ) as unknown;
    // If this fails: npx --no-install node --input-type=module -e "console.log(JSON.stringify((await
    // import('./sinks/notifiers/index.ts')).notifiersJsonSchema()))" > sinks/notifiers/notifiers.schema.json; prettier.
    expect(committed).toEqual(notifiersJsonSchema());
  });
});
