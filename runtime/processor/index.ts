export type { Output, ProcessContext, Processor, ProcessorOf, Rejection, RowSink, SinkRow } from './types.ts';
export { isRejection } from './types.ts';
export { ProcessorRunner, LATE_PREFIX, type RunnerStats } from './processor-runner.ts';
export type { RunnerOptions } from './runner-options.ts';
export { PartitionState } from './state-store.ts';
