import { expect, it } from 'vitest';
import { translate } from '../../../runtime/kafka/kafkajs-errors.ts';

const kafkajsError = (fields: { name: string; type?: string; retriable?: boolean }, message = 'refused') =>
  Object.assign(new Error(message), fields);

it('translates what kafkajs throws into catalogued errors with retriable set from what kafkajs knows', () => {
  const where = '127.0.0.1:9092';
  const election = translate(
    kafkajsError({ name: 'KafkaJSProtocolError', type: 'NOT_LEADER_FOR_PARTITION', retriable: true }),
    where,
    'produce',
  );
  expect([election.code, election.retriable]).toEqual(['TW_KAFKA_FAILED', true]);
  expect(election.message).toBe('Kafka at 127.0.0.1:9092 refused to produce: refused');

  const fenced = translate(kafkajsError({ name: 'KafkaJSProtocolError', retriable: false }), where, 'commit');
  expect([fenced.code, fenced.retriable]).toEqual(['TW_KAFKA_FAILED', false]);

  const down = translate(kafkajsError({ name: 'KafkaJSConnectionError' }, 'ECONNREFUSED'), where, 'connect');
  expect([down.code, down.retriable]).toEqual(['TW_KAFKA_UNAVAILABLE', true]);
  expect(translate(down, where, 'again')).toBe(down);
});
