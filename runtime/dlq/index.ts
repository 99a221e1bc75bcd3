export {
  groupDeadLetters,
  readDeadLetterLog,
  recordId,
  selectDeadLetters,
  type DeadLetterEntry,
  type DeadLetterFilter,
  type Failure,
  type RecordId,
  type Replay,
} from './dead-letter-log.ts';
export { planReplay, replayDeadLetters, replayRecords, type ReplayPlan } from './replay.ts';
export {
  DEAD_LETTER_RECORDER,
  DeadLetterRecorder,
  deadLetterRow,
  type DeadLetterRecorderOptions,
} from './dead-letter-recorder.ts';
