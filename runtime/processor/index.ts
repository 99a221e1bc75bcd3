export type {
  Output,
  ProcessContext,
  Processor,
  ProcessorInput,
  ProcessorOf,
  RecordSource,
  Rejection,
  RowSink,
  SinkRow,
  TimerContext,
} from './types.ts';
export { LATE_PREFIX, inMemorySource, isRejection } from './types.ts';
export { ProcessorRunner, changelogsOf, type RunnerStats } from './processor-runner.ts';
export {
  VirtualRunner,
  type Fed,
  type FeedOptions,
  type SetAside,
  type VirtualRunnerOptions,
} from './virtual-runner.ts';
export type { RunnerOptions } from './runner-options.ts';
export { PartitionState } from './state-store.ts';
