/**
 * The local stack: Apache Kafka (one KRaft node) and QuestDB, resolved from Maven Central and run as
 * detached JVMs under a stack dir, for the demo and the tests. See stack/README.md.
 */
export { LocalStack } from './local-stack.ts';
export { formatStatus } from './format-status.ts';
export { SERVICE_NAMES, SERVICE_STATES } from './types.ts';
export type { LocalStackOptions, ServiceName, ServiceState, ServiceStatus, StackStatus } from './types.ts';
