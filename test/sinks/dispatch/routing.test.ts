import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ROUTING_FILE,
  checkReceivers,
  loadRouting,
  parseMatcher,
  parseRouting,
  routeAlert,
  routingJsonSchema,
} from '../../../sinks/dispatch/index.ts';
import { alert } from './helpers.ts';

const BAD = fileURLToPath(new URL('../../fixtures/dispatch/bad-routing.yaml', import.meta.url));

describe('routing', () => {
  it('the default routing: severity × env → receivers; staging and paper never page', async () => {
    const routing = await loadRouting(DEFAULT_ROUTING_FILE);
    const table: Record<string, string> = {};
    for (const severity of ['critical', 'error', 'warning', 'info'] as const) {
      for (const env of ['prod', 'staging', 'paper'] as const) {
        table[`${severity}/${env}`] = routeAlert(routing, alert({ severity, env }))
          .map((t) => t.receiver)
          .join(',');
      }
    }
    expect(table).toEqual({
      'critical/prod': 'pagerduty,slack,email',
      'critical/staging': 'slack,email',
      'critical/paper': 'slack,email',
      'error/prod': 'slack,email',
      'error/staging': 'slack,email',
      'error/paper': 'slack,email',
      'warning/prod': 'slack',
      'warning/staging': 'slack',
      'warning/paper': 'slack',
      'info/prod': 'digest',
      'info/staging': 'digest',
      'info/paper': 'digest',
    });
    const [first] = routeAlert(routing, alert({ severity: 'warning' }));
    expect(first).toMatchObject({ repeatSuppressMs: 600_000, repeatIntervalMs: 14_400_000 });
    expect(routeAlert(routing, alert({ severity: 'info' }))[0]?.repeatIntervalMs).toBe(0);
  });

  it('continue: true adds the next matching routes; labels and rule are matched', () => {
    const routing = parseRouting(
      [
        'routes:',
        '  - match: { rule: { in: [a, b] }, team: risk }',
        '    receivers: [risk-slack]',
        '    continue: true',
        '  - receivers: [slack]',
        '    repeat_interval: 1h',
      ].join('\n'),
      'r.yaml',
    );
    expect(
      routeAlert(routing, alert({ rule: 'a', labels: { team: 'risk' } })).map((t) => t.receiver),
    ).toEqual(['risk-slack', 'slack']);
    expect(
      routeAlert(routing, alert({ rule: 'c', labels: { team: 'risk' } })).map((t) => t.receiver),
    ).toEqual(['slack']);
  });

  it('reports every problem of an invalid file with file:line:col', async () => {
    const error = await loadRouting(BAD).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TW_CONFIG_INVALID' });
    const message = (error as Error).message;
    expect(message).toContain(`${BAD}:7:5: routes.0.recievers: unknown key "recievers"`);
    // The shape is checked first: once it is right, the values.
    const second = await Promise.resolve()
      .then(() =>
        parseRouting(
          [
            'defaults:',
            '  repeat_suppress: 10 minutes',
            'routes:',
            "  - match: { severity: { regex: '(' } }",
            '    receivers: [Slack]',
            'inhibit_rules:',
            '  - { source_match: { rule: a }, target_match: { rule: b }, equal: [1bad] }',
          ].join('\n'),
          'r.yaml',
        ),
      )
      .catch((e: unknown) => (e as Error).message);
    expect(second).toContain('r.yaml:2:20: defaults.repeat_suppress: expected a duration such as 30s');
    expect(second).toContain(
      'r.yaml:4:33: routes.0.match.severity.regex: "(" is not a valid regular expression',
    );
    expect(second).toContain('r.yaml:5:17: routes.0.receivers.0: expected a receiver name');
    expect(second).toContain('r.yaml:7:69: inhibit_rules.0.equal.0: not a label name');
  });

  it('checkReceivers names receivers the notifiers file lacks', async () => {
    const routing = await loadRouting(DEFAULT_ROUTING_FILE);
    expect(() => checkReceivers(routing, ['slack', 'email', 'pagerduty'])).not.toThrow();
    expect(() => checkReceivers(routing, ['slack'])).toThrow(/receiver "pagerduty" is not a notifier/);
  });

  it('command-line matchers', () => {
    expect(parseMatcher('env=prod')).toEqual({ label: 'env', kind: 'equals', value: 'prod' });
    expect(parseMatcher('venue=[a,b]')).toEqual({ label: 'venue', kind: 'in', values: ['a', 'b'] });
    expect(parseMatcher('rule=~strategy_.*')).toMatchObject({ kind: 'regex', source: 'strategy_.*' });
    expect(parseMatcher('rule')).toEqual({ problem: expect.stringContaining('is not a matcher') as string });
    expect(parseMatcher('1x=y')).toEqual({
      problem: expect.stringContaining('is not a label name') as string,
    });
    expect(parseMatcher('x=~(')).toEqual({
      problem: expect.stringContaining('not a valid regular expression') as string,
    });
  });

  it('publishes its JSON Schema, from the loader’s schema (the committed file is not stale)', async () => {
    const committed = JSON.parse(
      await readFile(new URL('../../../sinks/dispatch/routing.schema.json', import.meta.url), 'utf8'),
    ) as unknown;
    // If this fails: npx --no-install node --input-type=module -e "console.log(JSON.stringify((await
    // import('./sinks/dispatch/index.ts')).routingJsonSchema()))" > sinks/dispatch/routing.schema.json; prettier.
    expect(committed).toEqual(routingJsonSchema());
  });
});
