/**
 * Finds the real services the tests run against, in this order:
 * 1. the environment: KAFKA_BROKERS (and QUESTDB_HTTP_URL / QUESTDB_PG_URL / DATABASE_URL) when set;
 * 2. Testcontainers, when a container runtime answers;
 * 3. the local stack (stack/), started here and stopped at the end if it was not already running.
 * Nothing is mocked: every integration test talks to these.
 */
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import pg from 'pg';
import { loadConfig } from '../../runtime/config.ts';
import { createLogger } from '../../core/logger.ts';
import { LocalStack } from '../../stack/index.ts';
import type { TestServices } from './services.ts';

const KAFKA_IMAGE = 'confluentinc/cp-kafka:7.9.2';
const QUESTDB_IMAGE = 'questdb/questdb:9.3.4';
/** The images Testcontainers runs (a test keeps QuestDB's in step with the local stack). */
export const TESTCONTAINERS_IMAGES = { kafkaImage: KAFKA_IMAGE, questdbImage: QUESTDB_IMAGE } as const;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const config = loadConfig();
  const logger = createLogger({ level: 'info', format: 'pretty', name: 'test-setup' });
  const stackLibDir = path.resolve(config.stack.dir, 'lib');
  const teardown: (() => Promise<void>)[] = [];
  // What the configuration says (KAFKA_BROKERS, QUESTDB_*, DATABASE_URL, or the local stack's ports);
  // Testcontainers replaces the Kafka and QuestDB endpoints with its containers'.
  const configured = {
    kafkaBrokers: [...config.kafka.brokers],
    questdbHttpUrl: config.questdb.httpUrl,
    questdbPgUrl: config.questdb.pgUrl,
    databaseUrl: config.postgres.url,
    stackLibDir,
  };
  let services: TestServices;

  if (config.kafka.brokersGiven) {
    services = { source: 'environment', ...configured };
  } else if (await containerRuntimeAnswers()) {
    const { GenericContainer, Wait } = await import('testcontainers');
    const { KafkaContainer } = await import('@testcontainers/kafka');
    const kafka = await new KafkaContainer(KAFKA_IMAGE).withKraft().start();
    teardown.push(async () => void (await kafka.stop()));
    const questdb = await new GenericContainer(QUESTDB_IMAGE)
      .withExposedPorts(9000, 8812)
      .withEnvironment({ QDB_TELEMETRY_ENABLED: 'false' })
      .withWaitStrategy(Wait.forHttp('/exec?query=select%201', 9000))
      .start();
    teardown.push(async () => void (await questdb.stop()));
    services = {
      ...configured,
      source: 'testcontainers',
      kafkaBrokers: [`${kafka.getHost()}:${kafka.getMappedPort(9093)}`],
      questdbHttpUrl: `http://${questdb.getHost()}:${questdb.getMappedPort(9000)}`,
      questdbPgUrl: `postgres://admin:quest@${questdb.getHost()}:${questdb.getMappedPort(8812)}/qdb`,
    };
  } else {
    const stack = new LocalStack({ ...config.stack, logger });
    const before = await stack.status();
    logger.info('no KAFKA_BROKERS and no container runtime: using the local stack (stack/)');
    await stack.up();
    // A stack the developer left running stays running; one started here is stopped at the end.
    if (!before.healthy) teardown.push(async () => void (await stack.down()));
    services = { source: 'local-stack', ...configured };
  }

  await checkPostgres(services.databaseUrl);
  logger.info({ source: services.source, kafka: services.kafkaBrokers }, 'test services ready');
  project.provide('services', services);

  return async () => {
    for (const step of teardown.reverse()) await step();
  };
}

async function containerRuntimeAnswers(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    // "Could not find a working container runtime strategy": no Docker here.
    return false;
  }
}

async function checkPostgres(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (error: unknown) {
    throw new Error(
      `PostgreSQL is not reachable at DATABASE_URL (${new URL(url).host}): ${(error as Error).message}. ` +
        'Start it (on these machines: pg_ctlcluster --skip-systemctl-redirect 15 main start) or set DATABASE_URL.',
      { cause: error },
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}
