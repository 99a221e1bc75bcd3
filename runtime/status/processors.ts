/**
 * The processors' consumer groups at a glance: instances (group members and what they own), lag per
 * input topic, and when each last committed. Asked in a fixed number of round trips whatever the
 * partition count: one DescribeGroups, one OffsetFetch per group (concurrently), one ListOffsets per
 * input topic (concurrently).
 */
import type { CommittedOffset, KafkaAdmin, PartitionOffsets } from '../kafka/index.ts';
import { committedAt } from '../kafka/index.ts';
import type { ProcessorStatus } from './types.ts';

/** A consumer group to report on. */
export interface WatchedGroup {
  /** The processor's name (`dispatch` for the dispatcher). */
  readonly name: string;
  readonly group: string;
}

export async function processorStatuses(
  admin: KafkaAdmin,
  groups: readonly WatchedGroup[],
  /** Processors that must run; default: those whose group has offsets or members. */
  expected?: ReadonlySet<string>,
): Promise<ProcessorStatus[]> {
  const ids = groups.map((g) => g.group);
  const [descriptions, committed] = await Promise.all([
    admin.describeGroups(ids),
    admin.committedOffsets(ids),
  ]);
  const described = new Map(descriptions.map((d) => [d.groupId, d]));

  // Every input topic of every group: those it committed on, and those its members are assigned.
  const topicsOf = new Map<string, Set<string>>();
  for (const id of ids) {
    const topics = new Set((committed.get(id) ?? []).map((o) => o.topic));
    for (const m of described.get(id)?.members ?? []) for (const a of m.assignment) topics.add(a.topic);
    topicsOf.set(id, topics);
  }
  const allTopics = [...new Set([...topicsOf.values()].flatMap((t) => [...t]))];
  const ends = new Map<string, readonly PartitionOffsets[]>();
  await Promise.all(
    allTopics.map(async (topic) => {
      // A topic deleted since the group committed on it: no lag to count there.
      const offsets = await admin.offsets(topic).catch(() => undefined);
      if (offsets !== undefined) ends.set(topic, offsets);
    }),
  );

  return groups.map(({ name, group }): ProcessorStatus => {
    const description = described.get(group);
    const offsets = committed.get(group) ?? [];
    const members = description?.members ?? [];
    const topics = [...(topicsOf.get(group) ?? [])].sort().map((topic) => ({
      topic,
      partitions: ends.get(topic)?.length ?? 0,
      lag: topicLag(ends.get(topic) ?? [], offsets, topic),
    }));
    const commits = offsets.map((o) => committedAt(o.metadata)).filter((t): t is number => t !== null);
    return {
      name,
      group,
      state: description?.state ?? 'Dead',
      deployed: expected ? expected.has(name) : offsets.length > 0 || members.length > 0,
      instances: members
        .map((m) => ({
          clientId: m.clientId,
          host: m.host,
          partitions: m.assignment.reduce((n, a) => n + a.partitions.length, 0),
        }))
        .sort((a, b) => a.host.localeCompare(b.host) || a.clientId.localeCompare(b.clientId)),
      lag: topics.reduce((n, t) => n + t.lag, 0),
      topics,
      lastCommitAt: commits.length === 0 ? null : Math.max(...commits),
    };
  });
}

/**
 * Records of `topic` the group has not committed: per partition, its end less the committed offset, or
 * less its first stored offset when the group never committed there (a new group starts at the start).
 */
export function topicLag(
  ends: readonly PartitionOffsets[],
  committed: readonly CommittedOffset[],
  topic: string,
): number {
  const at = new Map(committed.filter((o) => o.topic === topic).map((o) => [o.partition, BigInt(o.offset)]));
  let lag = 0n;
  for (const p of ends) {
    const from = at.get(p.partition) ?? BigInt(p.low);
    const behind = BigInt(p.high) - (from < BigInt(p.low) ? BigInt(p.low) : from);
    if (behind > 0n) lag += behind;
  }
  return Number(lag);
}
