/** Firing alerts by severity, from the alert state the `alerts` topic holds (runtime/alert-state.ts). */
import { SEVERITIES, type SchemaRegistry, type Severity } from '../../schemas/index.ts';
import { firingAlerts, readAlertState } from '../alert-state.ts';
import type { KafkaAdmin, KafkaClient } from '../kafka/index.ts';
import type { AlertStatus } from './types.ts';

/** How many firing alerts the report names (the most severe, then the oldest). */
const TOP = 5;

export async function alertStatus(
  kafka: KafkaClient,
  admin: KafkaAdmin,
  registry: SchemaRegistry,
  topic: string,
): Promise<AlertStatus> {
  const firing = (await admin.listTopics()).includes(topic)
    ? firingAlerts(await readAlertState(kafka, admin, registry, topic))
    : [];
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const a of firing) bySeverity[a.severity] += 1;
  return {
    firing: bySeverity,
    top: firing.slice(0, TOP).map((a) => ({
      severity: a.severity,
      rule: a.rule,
      env: a.env,
      since: a.starts_at,
      summary: a.summary,
    })),
  };
}
