/**
 * The shipped routing starts with whichever notifiers a team has: receivers not in the notifiers file are
 * dropped from their routes (a route left with none falls back to every notifier present), the digest
 * goes to the targets present; `tradewatch notify` with a Slack-only file starts and says so once.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { DEFAULT_ROUTING_FILE, adaptDefaultRouting, loadRouting } from '../../../sinks/dispatch/index.ts';
import { startCli } from '../../helpers/cli.ts';
import { testAdmin } from '../../helpers/kafka.ts';
import { pipelinePrefix } from '../../helpers/pipeline.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { produceAlerts } from '../notifiers/helpers.ts';
import { alert, testDatabase, testSchema } from './helpers.ts';

const db = testDatabase();
const receivers = (routing: Awaited<ReturnType<typeof loadRouting>>) =>
  Object.fromEntries(routing.routes.map((r) => [r.name, [...r.receivers]]));

describe('the shipped routing over the notifiers a team has', () => {
  it('keeps the receivers present, falls back to them, and says what changed', async () => {
    const shipped = await loadRouting(DEFAULT_ROUTING_FILE);
    const slackOnly = adaptDefaultRouting(shipped, ['slack']);
    expect(receivers(slackOnly.routing)).toEqual({
      'critical-prod': ['slack'],
      'critical-staging-paper': ['slack'],
      error: ['slack'],
      warning: ['slack'],
      info: ['digest'],
    });
    expect(slackOnly.routing.digest.targets).toEqual(['slack']);
    expect(slackOnly.changes).toEqual([
      'route critical-prod: pagerduty, email are not in the notifiers file; its alerts go to slack',
      'route critical-staging-paper: email is not in the notifiers file; its alerts go to slack',
      'route error: email is not in the notifiers file; its alerts go to slack',
    ]);
    // A team whose one notifier has another name: every route falls back to it, and the digest too.
    const other = adaptDefaultRouting(shipped, ['ops-mail']);
    expect(receivers(other.routing)['warning']).toEqual(['ops-mail']);
    expect(other.routing.digest.targets).toEqual(['ops-mail']);
    // All present: nothing changes.
    expect(adaptDefaultRouting(shipped, ['pagerduty', 'slack', 'email']).changes).toEqual([]);
  });

  it(
    'tradewatch notify starts with a Slack-only notifiers file and the shipped routing',
    { timeout: 60_000 },
    async () => {
      const prefix = await pipelinePrefix('notify-slack-only');
      const url = await testSchema(db.url());
      // Left by an earlier version: notify says it may go.
      const admin = await testAdmin();
      const retired = `${prefix}alerts.retry`;
      await admin.createTopics([{ name: retired, partitions: 1, replicationFactor: 1, configs: {} }]);
      onTestFinished(async () => {
        await admin.deleteTopics([retired]);
        await admin.close();
      });
      const file = fileURLToPath(
        new URL('../../fixtures/dispatch/slack-only-notifiers.yaml', import.meta.url),
      );
      const running = startCli(['notify', '--notifiers', file], {
        env: { TOPIC_PREFIX: prefix, DATABASE_URL: url, TW_LOG_LEVEL: 'warn' },
      });
      try {
        await waitFor('the dispatcher running', () => running.stdout().includes('dispatcher running'));
        expect(running.stderr().match(/the shipped routing names notifiers/g)).toHaveLength(1);
        await waitFor('the retired topic named', () =>
          running.stderr().includes(`kafka-topics --bootstrap-server <brokers> --delete --topic ${retired}`),
        );
        await produceAlerts(prefix, [
          alert({ fingerprint: 'fp-slack-only', severity: 'critical', starts_at: Date.now() }),
        ]);
        // critical prod → slack alone (its log notifier writes a warn line).
        await waitFor('the Slack notification', () => running.stderr().includes('fp-slack-only'));
        running.child.kill('SIGTERM');
        expect((await running.exited).code).toBe(0);
      } finally {
        if (running.child.exitCode === null) running.child.kill('SIGKILL');
      }
    },
  );
});
