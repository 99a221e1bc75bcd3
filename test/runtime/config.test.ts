import { describe, expect, it } from 'vitest';
import { VARIABLES, loadConfig } from '../../runtime/config.ts';
import { ConfigError } from '../../core/errors.ts';

describe('configuration', () => {
  it('has defaults that point at the local stack', () => {
    const config = loadConfig({}, {});
    expect(config.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(config.kafka.brokersGiven).toBe(false);
    expect(config.questdb.httpUrl).toBe('http://127.0.0.1:9000');
    expect(config.kafka.topicPrefix).toBe('');
    expect(Object.isFrozen(config.kafka)).toBe(true);
  });

  it('derives endpoints from the stack ports', () => {
    const config = loadConfig({}, { TW_STACK_KAFKA_PORT: '19092', TW_STACK_QUESTDB_HTTP_PORT: '19000' });
    expect(config.kafka.brokers).toEqual(['127.0.0.1:19092']);
    expect(config.questdb.httpUrl).toBe('http://127.0.0.1:19000');
  });

  it('lists every problem at once, and rejects unknown TW_ variables', () => {
    let error: unknown;
    try {
      loadConfig(
        {},
        {
          TW_STACK_KAFKA_PORT: 'ninety',
          KAFKA_BROKERS: 'localhost',
          TOPIC_PREFIX: 'a b',
          TW_LOG_LEVLE: 'debug',
        },
      );
    } catch (e: unknown) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/TW_STACK_KAFKA_PORT="ninety"/);
    expect(problems.join('\n')).toMatch(/KAFKA_BROKERS: "localhost" is not host:port/);
    expect(problems.join('\n')).toMatch(/TOPIC_PREFIX="a b"/);
    expect(problems.join('\n')).toMatch(/TW_LOG_LEVLE is not a tradewatch variable/);
    expect((error as ConfigError).code).toBe('TW_CONFIG_INVALID');
  });

  it('refuses a commit interval that could outlast the transaction timeout', () => {
    expect(loadConfig({}, { TW_COMMIT_INTERVAL_MS: '10000' }).commitIntervalMs).toBe(10_000);
    expect(() => loadConfig({}, { TW_COMMIT_INTERVAL_MS: '20000' })).toThrow(
      /TW_COMMIT_INTERVAL_MS=20000 is too long: .*use at most 10000/,
    );
  });

  it('never shows a password from a connection string in its errors', () => {
    let message = '';
    try {
      loadConfig({}, { DATABASE_URL: 'mysql://bob:hunter2@db:3306/x' });
    } catch (e: unknown) {
      message = (e as Error).message;
    }
    expect(message).toContain('DATABASE_URL');
    expect(message).not.toContain('hunter2');
  });

  it('lets flags override the environment', () => {
    expect(loadConfig({ TW_LOG_LEVEL: 'debug' }, { TW_LOG_LEVEL: 'warn' }).log.level).toBe('debug');
  });

  it('documents every variable it reads', () => {
    for (const spec of Object.values(VARIABLES)) expect(spec.doc.length).toBeGreaterThan(10);
  });
});
