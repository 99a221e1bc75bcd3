export type * from './types.ts';
export { gatherPart, describeError } from './part.ts';
export { processorStatuses, topicLag, type WatchedGroup } from './processors.ts';
export { heartbeatStatuses, KIND_LABEL, type HeartbeatOptions } from './heartbeats.ts';
export { deadLetterCounts, boundRead, type DeadLetterCountOptions } from './dead-letters.ts';
export { alertStatus } from './alerts.ts';
export { dispatcherStatus } from './dispatcher.ts';
export { stackStatus, type StackProbes } from './stack.ts';
export { healthProblems, type HealthThresholds } from './health.ts';
