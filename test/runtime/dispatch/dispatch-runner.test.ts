import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.ts';
import { physicalName } from '../../../topics/index.ts';
import { dispatchGroup } from '../../../runtime/dispatch/dispatch-runner.ts';
import { dispatchRig } from './helpers.ts';
import { SlackNotifier } from '../../../sinks/notifiers/index.ts';
import { startCli } from '../../helpers/cli.ts';
import { testKafka } from '../../helpers/kafka.ts';
import { pipelinePrefix } from '../../helpers/pipeline.ts';
import { SlackReceiver } from '../../../stack/receivers/slack-receiver.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { produceAlerts } from '../../sinks/notifiers/helpers.ts';
import { T0, alert, resolved, testDatabase, testSchema } from '../../sinks/dispatch/helpers.ts';

const db = testDatabase();

async function deleteGroup(prefix: string): Promise<void> {
  const admin = await testKafka().admin();
  try {
    await admin.deleteGroups([dispatchGroup(prefix)]);
  } finally {
    await admin.close();
  }
}

describe('DispatchRunner (real Kafka, Postgres and Slack receiver)', () => {
  it(
    'consumes alerts, delivers once through Slack, dead-letters garbage; a replay after losing its offsets notifies nothing twice',
    { timeout: 60_000 },
    async () => {
      const prefix = await pipelinePrefix('dispatch');
      const url = await testSchema(db.url());
      const slack = await SlackReceiver.start();
      const webhook = slack.webhook('alerts');
      const clock = new ManualClock(T0);
      const slackNotifier = new SlackNotifier({ channels: { alerts: webhook }, ratePerSecond: 0 });
      const { store, start } = await dispatchRig(url, prefix, slackNotifier, clock, { fromBeginning: true });
      const a = alert(); // warning → slack
      let runner = await start();
      try {
        await produceAlerts(prefix, [a]);
        await waitFor('the firing alert on Slack', () => slack.accepted(webhook).length === 1);
        const producer = await testKafka().producer();
        await producer.send([
          { topic: physicalName('alerts', prefix), key: 'x', value: Buffer.from('not avro') },
        ]);
        await producer.close();
        clock.advance(60_000);
        await produceAlerts(prefix, [a, resolved(a, T0 + 60_000)]);
        await waitFor('the resolve on Slack', () => slack.accepted(webhook).length === 2);
        await waitFor('4 records read', () => runner.stats().received === 4);
        expect(runner.stats().deadLettered).toBe(1);
      } finally {
        await runner.close();
      }
      // The offsets are lost (as after a crash before the commit): every alert is read again.
      await deleteGroup(prefix);
      runner = await start();
      try {
        await waitFor('4 records read again', () => runner.stats().received === 4);
        await runner.kick();
        expect(slack.accepted(webhook)).toHaveLength(2);
        const log = await store.notifications();
        expect(log.map((n) => `${n.receiver}/${n.status}/${n.state}`)).toEqual([
          'slack/firing/delivered',
          'slack/resolved/delivered',
        ]);
      } finally {
        await runner.close();
        await deleteGroup(prefix);
        await store.close();
        await slack.close();
      }
    },
  );

  it('tradewatch notify runs the dispatcher and stops cleanly on SIGTERM', { timeout: 60_000 }, async () => {
    const prefix = await pipelinePrefix('notify-cmd');
    const url = await testSchema(db.url());
    const notifiersFile = fileURLToPath(new URL('../../fixtures/dispatch/notifiers.yaml', import.meta.url));
    const running = startCli(['notify', '--notifiers', notifiersFile, '--from-beginning'], {
      env: { TOPIC_PREFIX: prefix, DATABASE_URL: url, TW_LOG_LEVEL: 'warn' },
    });
    try {
      await waitFor('the dispatcher running', () => running.stdout().includes('dispatcher running'));
      await produceAlerts(prefix, [
        alert({ fingerprint: 'fp-cmd', severity: 'error', starts_at: Date.now() }),
      ]);
      // error → slack and email, both log notifiers here: a warn line each.
      await waitFor('two log notifications', () => running.stderr().split('fp-cmd').length - 1 >= 2);
      running.child.kill('SIGTERM');
      const result = await running.exited;
      expect(result.code).toBe(0);
    } finally {
      if (running.child.exitCode === null) running.child.kill('SIGKILL');
      await deleteGroup(prefix);
    }
  });
});
