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
