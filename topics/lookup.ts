import { TradewatchError } from '../core/errors.ts';
import { TOPICS, type TopicDefinition } from './catalogue.ts';

/** The catalogue entry of a logical topic name, or TW_TOPIC_UNKNOWN listing the known ones. */
export function findTopic(name: string): TopicDefinition {
  const topic = (TOPICS as readonly TopicDefinition[]).find((t) => t.name === name);
  if (!topic) {
    throw new TradewatchError(
      'TW_TOPIC_UNKNOWN',
      `unknown topic "${name}": tradewatch knows ${TOPICS.map((t) => t.name).join(', ')}. ` +
        'Give the logical name, without TOPIC_PREFIX; new topics are declared in topics/catalogue.ts.',
      { details: { topic: name } },
    );
  }
  return topic;
}
