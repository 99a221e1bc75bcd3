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
} from '../../processors/contract.ts';
export { LATE_PREFIX, inMemorySource, isRejection } from '../../processors/contract.ts';
export { ProcessorRunner } from './processor-runner.ts';
export { changelogsOf } from './changelogs.ts';
export type { RunnerStats } from './runner-context.ts';
export { deadLetterRecord, type DeadLetterReason } from './dead-letter.ts';
export {
  RUNNER_DEFAULTS,
  compileRunnerOptions,
  type CompiledRunnerOptions,
  type RunnerOptions,
} from './runner-options.ts';
export {
  VirtualRunner,
  type Fed,
  type FeedOptions,
  type SetAside,
  type VirtualRunnerOptions,
} from './virtual-runner.ts';
export { PartitionState } from './state-store.ts';
export { decodeState, encodeState } from './state-codec.ts';
