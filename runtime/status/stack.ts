/** Whether each service of the stack answers: Kafka (and its brokers), QuestDB, PostgreSQL. */
import type { ClusterInfo } from '../kafka/index.ts';
import { describeError } from './part.ts';
import type { ServiceCheck, StackStatus } from './types.ts';

/** One probe per service; each resolves when the service answered. */
export interface StackProbes {
  readonly kafka: () => Promise<ClusterInfo>;
  readonly questdb: () => Promise<unknown>;
  readonly postgres: () => Promise<unknown>;
}

export async function stackStatus(probes: StackProbes): Promise<StackStatus> {
  const check = async (probe: () => Promise<unknown>): Promise<ServiceCheck> => {
    try {
      await probe();
      return { ok: true };
    } catch (e: unknown) {
      return { ok: false, error: describeError(e) };
    }
  };
  const [kafka, questdb, postgres] = await Promise.all([
    probes.kafka().then(
      (c) => ({ ok: true, brokers: c.brokers, controller: c.controller }),
      (e: unknown) => ({ ok: false, error: describeError(e) }),
    ),
    check(probes.questdb),
    check(probes.postgres),
  ]);
  return { kafka, questdb, postgres };
}
