export {
  RETIRED_TOPICS,
  TOPICS,
  changelogTopic,
  physicalName,
  processorGroup,
  seriesKey,
  topicConfigs,
  MANAGED_TOPIC_CONFIGS,
  type AvroValue,
  type KeySpec,
  type RawValue,
  type RetiredTopic,
  type TopicDefinition,
  type TopicName,
} from './catalogue.ts';
export { findTopic } from './lookup.ts';
export { removePrefix } from './remove.ts';
export { applyTopics, type ApplyOptions, type ApplyReport, type Drift, type ObsoleteTopic } from './apply.ts';
export {
  DEAD_LETTER_HEADERS,
  REPLAY_HEADERS,
  TRUNCATED_HEADERS,
  deadLetterFromJson,
  deadLetterHeaders,
  deadLetterToJson,
  readDeadLetter,
  type DeadLetter,
} from './dead-letter.ts';
