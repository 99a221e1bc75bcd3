/** The kafkajs admin client behind KafkaAdmin: topics, their offsets, consumer groups' offsets. */
import kafkajs from 'kafkajs';
import type { Admin } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';
import { retry } from '../../core/retry.ts';
import { TradewatchError } from '../../core/errors.ts';
import { guard, isTransientKafkaError } from './kafkajs-errors.ts';
import { resetGroupOffsets } from './kafkajs-offsets-reset.ts';
import { groupReads } from './kafkajs-groups.ts';
import type { KafkaAdmin, PartitionOffsets, TopicState } from '../../core/kafka-port.ts';

// kafkajs is CommonJS and Node's named-export detection misses some of its exports: take them from the default.
const { ConfigResourceTypes } = kafkajs;

/** A call that meets a leader election or spreading metadata is tried again, every 250 ms, this often. */
const TRANSIENT_RETRY = { attempts: 20, initialMs: 250, multiplier: 1, retryIf: isTransientKafkaError };

/** How long, in attempts 250 ms apart, new topics may take to get their leaders. */
const NEW_TOPIC_LEADER_ATTEMPTS = 120;

export function wrapAdmin(admin: Admin, where: string): KafkaAdmin {
  let closing: Promise<void> | undefined;
  const offsets = async (topic: string): Promise<PartitionOffsets[]> => {
    // Right after a topic is created its partitions may still be electing leaders; kafkajs gives up on
    // NOT_LEADER at once here, so retry, refreshing the metadata, for a little while.
    const result = await guard(where, `fetch the offsets of ${topic}`, () =>
      retry(() => admin.fetchTopicOffsets(topic), {
        ...TRANSIENT_RETRY,
        beforeRetry: () => admin.fetchTopicMetadata({ topics: [topic] }).catch(() => undefined),
      }),
    );
    return result
      .map((p) => ({ partition: p.partition, low: p.low, high: p.high }))
      .sort((a, b) => a.partition - b.partition);
  };

  return {
    ...groupReads(admin, where),
    async describeCluster() {
      const cluster = await guard(where, 'describe the cluster', () => admin.describeCluster());
      return { brokers: cluster.brokers.length, controller: cluster.controller };
    },
    listTopics: () => guard(where, 'list topics', () => admin.listTopics()),
    async describeTopics(names, configKeys) {
      const existing = new Set(await guard(where, 'list topics', () => admin.listTopics()));
      const present = names.filter((n) => existing.has(n));
      if (present.length === 0) return [];
      const metadata = await guard(where, 'describe topics', () =>
        admin.fetchTopicMetadata({ topics: present }),
      );
      const configs = await guard(where, 'describe topic configs', () =>
        admin.describeConfigs({
          includeSynonyms: false,
          resources: present.map((name) => ({
            type: ConfigResourceTypes.TOPIC,
            name,
            configNames: [...configKeys],
          })),
        }),
      );
      return metadata.topics.map((t) => {
        const resource = configs.resources.find((r) => r.resourceName === t.name);
        const entries: Record<string, string> = {};
        for (const e of resource?.configEntries ?? []) entries[e.configName] = e.configValue;
        return {
          name: t.name,
          partitions: t.partitions.length,
          replicationFactor: t.partitions[0]?.replicas.length ?? 0,
          configs: entries,
        };
      });
    },
    async createTopics(topics: readonly TopicState[]) {
      await guard(where, 'create topics', () =>
        admin.createTopics({
          // kafkajs's own wait gives up on UNKNOWN_TOPIC_OR_PARTITION while the new topics' metadata
          // spreads (seen on a loaded machine); wait here instead, as long as it takes within a deadline.
          waitForLeaders: false,
          topics: topics.map((t) => ({
            topic: t.name,
            numPartitions: t.partitions,
            replicationFactor: t.replicationFactor,
            configEntries: Object.entries(t.configs).map(([name, value]) => ({ name, value })),
          })),
        }),
      );
      const names = topics.map((t) => t.name);
      await guard(where, `wait for the leaders of ${names.join(', ')}`, () =>
        retry(
          async () => {
            const { topics: found } = await admin.fetchTopicMetadata({ topics: names });
            const leaderless = found.filter((t) => t.partitions.some((p) => p.leader < 0));
            if (found.length < names.length || leaderless.length > 0) {
              throw Object.assign(new Error('the new topics have no leaders yet'), {
                type: 'LEADER_NOT_AVAILABLE',
              });
            }
          },
          { ...TRANSIENT_RETRY, attempts: NEW_TOPIC_LEADER_ATTEMPTS },
        ),
      );
    },
    async alterTopicConfigs(name, configs) {
      await guard(where, `alter the configuration of topic ${name}`, () =>
        admin.alterConfigs({
          validateOnly: false,
          resources: [
            {
              type: ConfigResourceTypes.TOPIC,
              name,
              configEntries: Object.entries(configs).map(([n, value]) => ({ name: n, value })),
            },
          ],
        }),
      );
    },
    async deleteTopics(names) {
      await guard(where, 'delete topics', () => admin.deleteTopics({ topics: [...names] }));
    },
    offsets,
    async waitUntilVisible(positions, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      const topics = [...new Set(positions.map((p) => p.topic))];
      for (;;) {
        const highs = new Map<string, bigint>();
        for (const topic of topics) {
          for (const p of await offsets(topic)) highs.set(`${topic}/${p.partition}`, BigInt(p.high));
        }
        const pending = positions.filter(
          (p) => (highs.get(`${p.topic}/${p.partition}`) ?? 0n) <= BigInt(p.offset),
        );
        if (pending.length === 0) return;
        if (Date.now() > deadline) {
          throw new TradewatchError(
            'TW_TIMEOUT',
            `records produced to ${pending.map((p) => `${p.topic}[${p.partition}]@${p.offset}`).join(', ')} ` +
              `were not visible to readers after ${timeoutMs} ms; check the broker's log`,
          );
        }
        await sleep(50);
      }
    },
    async groupOffsets(groupId, topics) {
      const result = await guard(where, `fetch the offsets of group ${groupId}`, () =>
        admin.fetchOffsets({ groupId, ...(topics ? { topics: [...topics] } : {}) }),
      );
      return result.flatMap((t) =>
        t.partitions.map((p) => ({ topic: t.topic, partition: p.partition, offset: p.offset })),
      );
    },
    resetGroupOffsets: (groupId, topic, to, options = {}) =>
      resetGroupOffsets(admin, where, offsets, { groupId, topic, to, dryRun: options.dryRun === true }),
    async deleteGroups(groupIds) {
      await guard(where, 'delete consumer groups', () => admin.deleteGroups([...groupIds]));
    },
    close() {
      closing ??= guard(where, 'disconnect the admin client', () => admin.disconnect());
      return closing;
    },
  };
}
