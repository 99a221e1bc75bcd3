/** KafkaAdmin.resetGroupOffsets on kafkajs: explicit offsets, read back and set again until they hold. */
import type { Admin } from 'kafkajs';
import { TradewatchError, toError } from '../../core/errors.ts';
import { guard, translate } from './kafkajs-errors.ts';
import type { GroupOffsetReset, OffsetResetTarget, PartitionOffsets } from '../../core/kafka-port.ts';

/**
 * Group states in which Kafka lets a group's offsets be changed: no members (`Empty`), or no group at
 * all (`Dead`: it never existed, or it expired).
 */
const IDLE_GROUP_STATES = new Set(['Empty', 'Dead']);

/** How long kafkajs's `setOffsets` may take before a reset gives up with TW_TIMEOUT. */
const SET_OFFSETS_TIMEOUT_MS = 60_000;

/** How many times a reset sets offsets the group does not hold yet before it gives up. */
const SET_OFFSETS_ATTEMPTS = 3;

/**
 * KafkaAdmin.resetGroupOffsets. The targets come from ListOffsets at read_committed (`fetchTopicOffsets`:
 * kafkajs's admin asks at that isolation level, so `high` is the LSO) and are written with `setOffsets`,
 * as explicit offsets. Not kafkajs's `resetOffsets`: that commits the sentinels -1 (latest) and -2
 * (earliest) as the offsets themselves, and a kafkajs consumer treats a negative committed offset as
 * none and falls back to its `fromBeginning`, which our processors set: a reset "to the end" would
 * start them at the beginning.
 */
export async function resetGroupOffsets(
  admin: Admin,
  where: string,
  topicOffsets: (topic: string) => Promise<PartitionOffsets[]>,
  request: { groupId: string; topic: string; to: OffsetResetTarget; dryRun: boolean },
): Promise<GroupOffsetReset[]> {
  const { groupId, topic, to, dryRun } = request;
  const topics = await guard(where, 'list topics', () => admin.listTopics());
  if (!topics.includes(topic)) {
    throw new TradewatchError(
      'TW_TOPIC_UNKNOWN',
      `topic ${topic} does not exist on the cluster at ${where}, so group ${groupId} has no offsets there ` +
        'to set. Check the topic name and TOPIC_PREFIX; `tradewatch topics apply` creates the catalogue topics.',
      { details: { topic, groupId, brokers: where } },
    );
  }
  await refuseActiveGroup(admin, where, groupId);

  const committed = async () => {
    const [fetched] = await guard(where, `fetch the offsets of group ${groupId} on ${topic}`, () =>
      admin.fetchOffsets({ groupId, topics: [topic] }),
    );
    // kafkajs reports a partition without a committed offset as -1.
    return new Map((fetched?.partitions ?? []).map((p) => [p.partition, p.offset]));
  };
  const before = await committed();
  const targets = (await topicOffsets(topic)).map((p) => ({
    partition: p.partition,
    offset: to === 'end' ? p.high : p.low,
  }));
  const result = targets.map((t): GroupOffsetReset => {
    const was = before.get(t.partition);
    return {
      partition: t.partition,
      before: was === undefined || BigInt(was) < 0n ? null : was,
      after: t.offset,
    };
  });
  if (dryRun) return result;

  // kafkajs commits only the partitions its throw-away member was assigned and seeked before it stopped
  // (it stops after the first broker's fetch), and says nothing of the others (a partition led by
  // another broker, or another member joined meanwhile): read back what the group holds, and set what
  // is missing again, a few times.
  let pending = targets;
  for (let attempt = 1; ; attempt += 1) {
    await setOffsets(admin, where, groupId, topic, pending);
    const now = await committed();
    pending = targets.filter((t) => now.get(t.partition) !== t.offset);
    if (pending.length === 0) return result;
    if (attempt >= SET_OFFSETS_ATTEMPTS) {
      throw new TradewatchError(
        'TW_KAFKA_FAILED',
        `Kafka at ${where} did not take every offset set for group ${groupId} on ${topic} after ` +
          `${attempt} attempts: ` +
          pending
            .map((t) => `partition ${t.partition} holds ${now.get(t.partition) ?? 'none'}, not ${t.offset}`)
            .join('; ') +
          '. Did an instance of the group start meanwhile? Stop it, then run the reset again.',
        { details: { groupId, topic, brokers: where } },
      );
    }
  }
}

/**
 * kafkajs's `setOffsets`: it joins the group with a throw-away member, commits the offsets and leaves once
 * that member has fetched (about 5 s: the fetch of its paused partitions waits out kafkajs's default
 * maxWaitTime). It checks first, as we did, that the group is idle (in case an instance started since).
 * Its promise hangs if that member never fetches: bounded by SET_OFFSETS_TIMEOUT_MS.
 */
async function setOffsets(
  admin: Admin,
  where: string,
  groupId: string,
  topic: string,
  partitions: { partition: number; offset: string }[],
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new TradewatchError(
            'TW_TIMEOUT',
            `setting the offsets of group ${groupId} on ${topic} did not finish within ` +
              `${SET_OFFSETS_TIMEOUT_MS} ms (Kafka at ${where}); some may be set: look with a dry run, ` +
              'and run the reset again',
            { details: { groupId, topic, brokers: where } },
          ),
        ),
      SET_OFFSETS_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([admin.setOffsets({ groupId, topic, partitions }), deadline]);
  } catch (error: unknown) {
    if (/must have no running instances/.test(toError(error).message)) {
      await refuseActiveGroup(admin, where, groupId);
    }
    throw translate(error, where, `set the offsets of group ${groupId} on ${topic}`);
  } finally {
    clearTimeout(timer);
  }
}

/** Throws TW_KAFKA_FAILED, naming the members, unless the group has no running member. */
async function refuseActiveGroup(admin: Admin, where: string, groupId: string): Promise<void> {
  const { groups } = await guard(where, `describe group ${groupId}`, () => admin.describeGroups([groupId]));
  const group = groups[0];
  if (!group || IDLE_GROUP_STATES.has(group.state)) return;
  const members = group.members.map((m) => `${m.clientId}@${m.clientHost.replace(/^\//, '')}`);
  throw new TradewatchError(
    'TW_KAFKA_FAILED',
    `consumer group ${groupId} has running instances (state ${group.state}, ` +
      `${members.length} member(s): ${members.join(', ') || 'joining'}), and Kafka lets a group's offsets ` +
      'change only while it has none. Stop `tradewatch run` for that processor on every machine first, ' +
      'then run this again (an instance that crashed stays a member until its session times out, ' +
      'TW_KAFKA_SESSION_TIMEOUT_MS).',
    { details: { groupId, state: group.state, members, brokers: where } },
  );
}
