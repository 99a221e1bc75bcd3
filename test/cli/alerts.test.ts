import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/logger.ts';
import { DEFAULT_ROUTING_FILE, Dispatcher, DispatchStore, loadRouting } from '../../sinks/dispatch/index.ts';
import { jsonLines, runCli } from '../helpers/cli.ts';
import { testDatabase, testSchema } from '../scheduler/helpers.ts';
import { alert } from '../sinks/dispatch/helpers.ts';

const db = testDatabase();
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/dispatch/${name}`, import.meta.url));

describe('tradewatch alerts', () => {
  it('list, ack, silence, silences, unsilence, and their errors (exit 2)', { timeout: 180_000 }, async () => {
    const url = await testSchema(db.url());
    const env = { DATABASE_URL: url };
    // An alert recorded by a dispatcher (firing now, so that a silence made now covers it).
    const now = Date.now();
    const store = new DispatchStore({ url, logger: silentLogger() });
    await store.start();
    const dispatcher = new Dispatcher({
      store,
      routing: await loadRouting(DEFAULT_ROUTING_FILE),
      clock: new ManualClock(now),
      logger: silentLogger(),
    });
    await dispatcher.handle(alert({ fingerprint: 'fp-cli', starts_at: now, ts: now }));
    await store.close();

    const list = await runCli(['alerts', 'list'], { env });
    expect(list.stderr).toBe('');
    expect(list.stdout).toContain('fp-cli');
    expect(list.stdout).toContain('portfolio_drawdown_1h');

    const ack = await runCli(['alerts', 'ack', 'fp-cli', '--author', 'ana', '--comment', 'on it'], { env });
    expect(ack.code).toBe(0);
    expect(ack.stdout).toContain('acknowledged fp-cli');
    const listed = jsonLines((await runCli(['alerts', 'list', '--json'], { env })).stdout) as {
      fingerprint: string;
      ack: { by: string; comment: string } | null;
    }[];
    expect(listed.map((a) => [a.fingerprint, a.ack?.by, a.ack?.comment])).toEqual([
      ['fp-cli', 'ana', 'on it'],
    ]);

    const unknown = await runCli(['alerts', 'ack', 'nope'], { env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('TW_ALERT_UNKNOWN');

    const silence = await runCli(
      [
        'alerts',
        'silence',
        '--match',
        'rule=portfolio_drawdown_1h',
        '--match',
        'env=[prod,paper]',
        '--for',
        '2h',
      ],
      { env },
    );
    expect(silence.code).toBe(0);
    const id = silence.stdout.trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const silences = jsonLines((await runCli(['alerts', 'silences', '--json'], { env })).stdout) as {
      id: string;
      matchers: unknown[];
    }[];
    expect(silences.map((s) => s.id)).toEqual([id]);
    expect(silences[0]?.matchers).toEqual([
      { label: 'rule', kind: 'equals', value: 'portfolio_drawdown_1h' },
      { label: 'env', kind: 'in', values: ['prod', 'paper'] },
    ]);
    expect((await runCli(['alerts', 'unsilence', id], { env })).code).toBe(0);
    const again = await runCli(['alerts', 'unsilence', id], { env });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('TW_SILENCE_UNKNOWN');
    expect((await runCli(['alerts', 'silences'], { env })).stdout).toBe('no silences\n');

    const neither = await runCli(['alerts', 'silence', '--match', 'rule=x'], { env });
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('exactly one of --for <duration> and --until <time>');
    const badFor = await runCli(['alerts', 'silence', '--match', 'rule=x', '--for', '2 hours'], { env });
    expect(badFor.code).toBe(2);
    expect(badFor.stderr).toContain("option '--for <duration>' argument '2 hours' is invalid");
  });

  it(
    'notify refuses an invalid routing file, and a receiver the notifiers file lacks (exit 2)',
    { timeout: 30_000 },
    async () => {
      const bad = await runCli([
        'notify',
        '--notifiers',
        fixture('notifiers.yaml'),
        '--routing',
        fixture('bad-routing.yaml'),
      ]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('TW_CONFIG_INVALID');
      expect(bad.stderr).toContain('bad-routing.yaml:7:5: routes.0.recievers: unknown key');
      const missing = await runCli([
        'notify',
        '--notifiers',
        fixture('notifiers.yaml'),
        '--routing',
        fixture('routing-unknown-receiver.yaml'),
      ]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('receiver "opsgenie" is not a notifier of the notifiers file');
    },
  );
});
