import { describe, expect, it, onTestFinished } from 'vitest';
import {
  MANAGED_TOPIC_CONFIGS,
  RETIRED_TOPICS,
  TOPICS,
  applyTopics,
  physicalName,
  topicConfigs,
} from '../../topics/index.ts';
import { testAdmin, testKafka, withTestTopics } from '../helpers/kafka.ts';
import { runCli } from '../helpers/cli.ts';
import { waitFor } from '../helpers/wait-for.ts';

describe('topics apply', () => {
  it('creates the catalogue as declared, then finds nothing to do', async () => {
    const prefix = await withTestTopics('apply');
    const admin = await testAdmin();
    const states = await admin.describeTopics(
      TOPICS.map((t) => physicalName(t.name, prefix)),
      MANAGED_TOPIC_CONFIGS,
    );
    expect(states).toHaveLength(TOPICS.length);
    for (const topic of TOPICS) {
      const state = states.find((s) => s.name === physicalName(topic.name, prefix));
      expect(state?.partitions).toBe(topic.partitions);
      const expected = topicConfigs(topic);
      // Only the keys the catalogue sets (a topic without max.message.bytes has the broker's).
      expect(Object.fromEntries(Object.keys(expected).map((k) => [k, state?.configs[k]]))).toEqual(expected);
    }
    const again = await applyTopics(admin, { prefix });
    expect(again.created).toEqual([]);
    expect(again.drift).toEqual([]);
    expect(again.unchanged).toHaveLength(TOPICS.length);
  });

  it('reports drift, and fixes configs only when asked', async () => {
    const prefix = await withTestTopics('drift');
    const admin = await testAdmin();
    const marks = physicalName('portfolio.marks', prefix);
    await admin.alterTopicConfigs(marks, { 'cleanup.policy': 'delete', 'retention.ms': '1000' });
    // Config changes reach the broker's view asynchronously.
    const retention = async () =>
      (await admin.describeTopics([marks], ['retention.ms']))[0]?.configs['retention.ms'];
    await waitFor('the altered retention', async () => (await retention()) === '1000');

    const env = { TOPIC_PREFIX: prefix };
    const reported = await runCli(['topics', 'apply', '--fail-on-drift'], { env });
    expect(reported.code).toBe(1);
    expect(reported.stdout).toContain(
      `DRIFT     ${marks}: retention.ms is 1000, catalogue says ${14 * 86_400_000}`,
    );

    const fixed = await runCli(['topics', 'apply', '--fix', '--fail-on-drift'], { env });
    expect(fixed.code).toBe(0);
    expect(fixed.stdout).toContain(`fixed     ${marks}: retention.ms`);
    await waitFor('the fixed retention', async () => (await retention()) === String(14 * 86_400_000));
  });

  it('reports a retired topic still on the cluster as obsolete, with the command that deletes it', async () => {
    const prefix = await withTestTopics('obsolete');
    const admin = await testAdmin();
    const retry = physicalName('alerts.retry', prefix);
    expect(RETIRED_TOPICS.map((t) => t.name)).toContain('alerts.retry');
    expect((await applyTopics(admin, { prefix })).obsolete).toEqual([]);

    await admin.createTopics([{ name: retry, partitions: 3, replicationFactor: 1, configs: {} }]);
    onTestFinished(async () => {
      const cleanup = await testKafka().admin();
      await cleanup.deleteTopics([retry]);
      await cleanup.close();
    });
    const report = await applyTopics(admin, { prefix });
    expect(report.obsolete.map((o) => o.topic)).toEqual([retry]);
    expect(report.created).toEqual([]);
    expect((await applyTopics(admin, { prefix, only: ['alerts'] })).obsolete).toEqual([]);

    const applied = await runCli(['topics', 'apply', '--fail-on-drift'], { env: { TOPIC_PREFIX: prefix } });
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(
      new RegExp(
        `^OBSOLETE  ${retry.replaceAll('.', '\\.')}: no longer used \\(.*dispatcher.*\\); .*delete it: ` +
          `kafka-topics --bootstrap-server \\S+ --delete --topic ${retry.replaceAll('.', '\\.')}$`,
        'm',
      ),
    );
    expect(await admin.describeTopics([retry], ['retention.ms'])).toHaveLength(1);
  });

  it('lists the catalogue with each topic’s state on the cluster', async () => {
    const prefix = await withTestTopics('list');
    const listed = await runCli(['topics', 'list', '--json'], { env: { TOPIC_PREFIX: prefix } });
    expect(listed.code).toBe(0);
    const rows = JSON.parse(listed.stdout) as { topic: string; on_cluster: string; value: string }[];
    expect(rows.map((r) => r.topic)).toEqual(TOPICS.map((t) => physicalName(t.name, prefix)));
    expect(rows.every((r) => r.on_cluster.startsWith('yes'))).toBe(true);
    expect(rows.find((r) => r.topic.endsWith('portfolio.marks'))?.value).toBe('PortfolioMark');

    const missing = await runCli(['topics', 'list', '--json'], { env: { TOPIC_PREFIX: `${prefix}none.` } });
    const none = JSON.parse(missing.stdout) as { on_cluster: string }[];
    expect(none.every((r) => r.on_cluster === 'missing')).toBe(true);
  });
});
