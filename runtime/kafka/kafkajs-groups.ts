/**
 * KafkaAdmin's consumer-group reads on kafkajs, for `tradewatch status`: groups with their members and
 * assignments, the offsets several groups committed (with their metadata), and offsets by timestamp.
 * Each asks as little as it can: one DescribeGroups per coordinator, one OffsetFetch per group for all
 * its topics at once (all groups concurrently), one ListOffsets per broker and time.
 */
import kafkajs from 'kafkajs';
import type { Admin } from 'kafkajs';
import { guard } from './kafkajs-errors.ts';
import type { CommittedOffset, GroupDescription, KafkaAdmin } from '../../core/kafka-port.ts';

// kafkajs is CommonJS and Node's named-export detection misses some of its exports: take them from the default.
const { AssignerProtocol } = kafkajs;

export function groupReads(
  admin: Admin,
  where: string,
): Pick<KafkaAdmin, 'describeGroups' | 'committedOffsets' | 'offsetsAt'> {
  return {
    async describeGroups(groupIds) {
      if (groupIds.length === 0) return [];
      const { groups } = await guard(where, `describe groups ${groupIds.join(', ')}`, () =>
        admin.describeGroups([...groupIds]),
      );
      const byId = new Map(groups.map((g) => [g.groupId, g]));
      return groupIds.map((groupId): GroupDescription => {
        const group = byId.get(groupId);
        if (group === undefined) return { groupId, state: 'Dead', members: [] };
        return {
          groupId,
          state: group.state,
          members: group.members.map((m) => ({
            memberId: m.memberId,
            clientId: m.clientId,
            host: m.clientHost.replace(/^\//, ''),
            assignment: decodeAssignment(m.memberAssignment),
          })),
        };
      });
    },
    async committedOffsets(groupIds) {
      const entries = await Promise.all(
        groupIds.map(async (groupId) => {
          // No topics: the coordinator returns every topic the group committed on, in one request.
          const topics = await guard(where, `fetch the offsets of group ${groupId}`, () =>
            admin.fetchOffsets({ groupId }),
          );
          const offsets: CommittedOffset[] = [];
          for (const t of topics) {
            for (const p of t.partitions) {
              // kafkajs reports a partition without a committed offset as -1.
              if (BigInt(p.offset) < 0n) continue;
              offsets.push({
                topic: t.topic,
                partition: p.partition,
                offset: p.offset,
                metadata: p.metadata,
              });
            }
          }
          return [groupId, offsets] as const;
        }),
      );
      return new Map(entries);
    },
    async offsetsAt(topic, timestamp) {
      const offsets = await guard(
        where,
        `find the offsets of ${topic} at ${new Date(timestamp).toISOString()}`,
        () => admin.fetchTopicOffsetsByTimestamp(topic, timestamp),
      );
      return offsets
        .map((p) => ({ partition: p.partition, offset: p.offset }))
        .sort((a, b) => a.partition - b.partition);
    },
  };
}

/** A member's assignment as the consumer protocol encodes it; empty when it has none (rebalancing). */
function decodeAssignment(raw: Buffer): GroupMember['assignment'] {
  if (raw.length === 0) return [];
  const decoded = AssignerProtocol.MemberAssignment.decode(raw);
  if (decoded === null) return [];
  return Object.entries(decoded.assignment)
    .map(([topic, partitions]) => ({ topic, partitions: [...partitions].sort((a, b) => a - b) }))
    .sort((a, b) => a.topic.localeCompare(b.topic));
}

type GroupMember = GroupDescription['members'][number];
