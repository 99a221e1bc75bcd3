/**
 * docker-compose.yml must bring up what `tradewatch stack up` brings up: the same versions, on the same
 * loopback ports, read from the same variables, so tradewatch's defaults work with either.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../runtime/config.ts';
import { QUESTDB_WORKER_SLEEP } from '../stack/questdb-service.ts';
import { TESTCONTAINERS_IMAGES } from './setup/global-setup.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface ComposeService {
  image: string;
  ports?: string[];
  environment?: Record<string, string | number>;
}
const compose = parse(await readFile(path.join(ROOT, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, ComposeService>;
};
const pomVersion = async (service: string, property: string) => {
  const pom = await readFile(path.join(ROOT, 'stack/maven', service, 'pom.xml'), 'utf8');
  return new RegExp(`<${property}>([^<]+)</${property}>`).exec(pom)?.[1];
};

describe('docker-compose.yml', () => {
  const defaults = loadConfig({}, {}).stack;

  it('runs Kafka, QuestDB, PostgreSQL and Grafana', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['grafana', 'kafka', 'postgres', 'questdb']);
  });

  it('uses the versions the local stack resolves', async () => {
    expect(compose.services['kafka']?.image).toBe(
      `apache/kafka:${await pomVersion('kafka', 'kafka.version')}`,
    );
    expect(compose.services['questdb']?.image).toBe(
      `questdb/questdb:${await pomVersion('questdb', 'questdb.version')}`,
    );
    expect(TESTCONTAINERS_IMAGES.questdbImage).toBe(compose.services['questdb']?.image);
  });

  it('publishes the local stack’s ports on loopback, from the same variables', () => {
    const published = (service: string) => compose.services[service]?.ports ?? [];
    expect(published('kafka')).toEqual([`127.0.0.1:\${TW_STACK_KAFKA_PORT:-${defaults.kafkaPort}}:9092`]);
    expect(compose.services['kafka']?.environment?.['KAFKA_ADVERTISED_LISTENERS']).toBe(
      `PLAINTEXT://127.0.0.1:\${TW_STACK_KAFKA_PORT:-${defaults.kafkaPort}}`,
    );
    expect(published('questdb')).toEqual([
      `127.0.0.1:\${TW_STACK_QUESTDB_HTTP_PORT:-${defaults.questdbHttpPort}}:9000`,
      `127.0.0.1:\${TW_STACK_QUESTDB_PG_PORT:-${defaults.questdbPgPort}}:8812`,
      `127.0.0.1:\${TW_STACK_QUESTDB_ILP_PORT:-${defaults.questdbIlpPort}}:9009`,
      `127.0.0.1:\${TW_STACK_QUESTDB_METRICS_PORT:-${defaults.questdbMetricsPort}}:9003`,
    ]);
    expect(published('postgres')).toEqual([
      `127.0.0.1:${new URL(loadConfig({}, {}).postgres.url).port}:5432`,
    ]);
  });

  it('lets QuestDB’s idle workers sleep as the local stack does', () => {
    const environment = compose.services['questdb']?.environment ?? {};
    for (const [key, value] of Object.entries(QUESTDB_WORKER_SLEEP)) {
      expect(environment[`QDB_${key.toUpperCase().replaceAll('.', '_')}`], key).toBe(value);
    }
  });
});
