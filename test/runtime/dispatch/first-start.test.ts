/**
 * Alerts already firing reach the receivers: a dispatcher's first start (a group without offsets)
 * delivers what fires now (at most TW_NOTIFY_MAX_AGE_MS old), never the resolved history, then goes on
 * from the topic's end; `tradewatch alerts list` reads the alert state from the topic itself, whether or
 * not a dispatcher has run.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.ts';
import { dispatchGroup } from '../../../runtime/dispatch/dispatch-runner.ts';
import { dispatchRig } from './helpers.ts';
import { jsonLines, runCli } from '../../helpers/cli.ts';
import { testKafka } from '../../helpers/kafka.ts';
import { pipelinePrefix } from '../../helpers/pipeline.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { produceAlerts } from '../../sinks/notifiers/helpers.ts';
import {
  RecordingNotifier,
  T0,
  alert,
  resolved,
  testDatabase,
  testSchema,
} from '../../sinks/dispatch/helpers.ts';

const db = testDatabase();
const HOUR = 3_600_000;

describe('alerts already firing', () => {
  it(
    'are delivered at the dispatcher’s first start; resolved and too old ones are not',
    { timeout: 90_000 },
    async () => {
      const prefix = await pipelinePrefix('dispatch-first');
      const url = await testSchema(db.url());
      // "Now" is two days after T0: an alert that started at T0 is older than the one-day maximum.
      const clock = new ManualClock(T0 + 48 * HOUR);
      const recent = alert({
        fingerprint: 'fp-recent',
        severity: 'warning',
        starts_at: T0 + 47 * HOUR,
        ts: T0 + 47 * HOUR,
      });
      const old = alert({ fingerprint: 'fp-old', severity: 'warning', starts_at: T0, ts: T0 });
      const gone = alert({
        fingerprint: 'fp-gone',
        severity: 'warning',
        starts_at: T0 + 46 * HOUR,
        ts: T0 + 46 * HOUR,
      });
      await produceAlerts(prefix, [old, gone, recent, resolved(gone, T0 + 47 * HOUR)]);

      // Read by `alerts list` with no dispatcher ever run: the firing ones, old or not.
      const listed = await runCli(['alerts', 'list', '--json'], {
        env: { TOPIC_PREFIX: prefix, DATABASE_URL: url },
      });
      expect(listed.code).toBe(0);
      const firing = jsonLines(listed.stdout) as { fingerprint: string; ack: unknown }[];
      expect(firing.map((a) => a.fingerprint)).toEqual(['fp-old', 'fp-recent']);

      const slack = new RecordingNotifier('slack');
      const { store, start } = await dispatchRig(url, prefix, slack, clock, { firingMaxAgeMs: 24 * HOUR });
      let runner = await start();
      try {
        await waitFor('the firing alert delivered', () => slack.sent.length >= 1);
        await runner.kick();
        expect(slack.sent.flatMap((n) => n.alerts.map((a) => `${a.status} ${a.fingerprint}`))).toEqual([
          'firing fp-recent',
        ]);
        // It goes on from the end: a new alert is delivered, nothing before it again.
        const fresh = alert({ fingerprint: 'fp-new', starts_at: T0 + 48 * HOUR, ts: T0 + 48 * HOUR });
        await produceAlerts(prefix, [fresh]);
        await waitFor('the new alert delivered', () => slack.sent.length >= 2);
        await runner.close();
        // A restart finds the group's offsets: no first start again.
        runner = await start();
        // A marker after the restart: once it is delivered, anything a second first start would have
        // re-delivered (before consuming) would be there too.
        const marker = alert({ fingerprint: 'fp-marker', starts_at: T0 + 48 * HOUR, ts: T0 + 48 * HOUR });
        await produceAlerts(prefix, [marker]);
        await waitFor('the marker delivered', () => slack.sent.length >= 3);
        await runner.kick();
        expect(slack.sent.flatMap((n) => n.alerts.map((a) => a.fingerprint))).toEqual([
          'fp-recent',
          'fp-new',
          'fp-marker',
        ]);
      } finally {
        await runner.close();
        await store.close();
        const admin = await testKafka().admin();
        await admin.deleteGroups([dispatchGroup(prefix)]).catch(() => undefined);
        await admin.close();
      }
    },
  );
});
