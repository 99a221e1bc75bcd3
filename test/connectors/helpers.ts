/**
 * Connector test helpers: a local HTTP server speaking a provider's contract (connectors/demo-server:
 * the test writes the handler or uses a provider's; every exchange is recorded), a connector store on a fresh Postgres schema, the three topics
 * a connector writes under a fresh prefix, and a runner wired to them with a manual clock whose
 * sleeps advance it (rate-limit waits are recorded, never slept).
 */
import { inject, onTestFinished } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import {
  startProviderServer,
  type Exchange,
  type Handler,
  type ProviderServer,
} from '../../connectors/demo-server/index.ts';
import { silentLogger } from '../../core/logger.ts';
import {
  CONNECTORS_FILE,
  ConnectorStore,
  createConnector,
  runConnector,
  type ConnectorConfig,
  type RunRequest,
  type RunSummary,
} from '../../connectors/index.ts';
import type { KafkaProducer } from '../../core/kafka-port.ts';
import { SchemaRegistry, type IngestRun, type Metric, type Signal } from '../../schemas/index.ts';
import { TOPICS, physicalName, topicConfigs } from '../../topics/index.ts';
import { testKafka } from '../helpers/kafka.ts';
import { readTopic } from '../helpers/topics.ts';
import { uniqueName } from '../helpers/unique.ts';
import { testSchema } from '../scheduler/helpers.ts';

export { json, type Exchange, type Handler } from '../../connectors/demo-server/index.ts';

/** A provider on 127.0.0.1 answering with `handler` (connectors/demo-server); closed when the test ends. */
export async function providerServer(handler: Handler): Promise<{ url: string; exchanges: Exchange[] }> {
  return closedAtEnd(await startProviderServer(handler));
}

/** `server`, closed when the test ends. */
export function closedAtEnd(server: ProviderServer): ProviderServer {
  onTestFinished(() => server.close());
  return server;
}

/** The first connector of a connectors.yaml text. */
export function connectorOf(yaml: string): ConnectorConfig {
  const config = CONNECTORS_FILE.parse(yaml, 'connectors.yaml').connectors[0];
  if (config === undefined) throw new Error('no connector');
  return config;
}

export const T0 = Date.UTC(2026, 2, 2, 12, 0, 0); // a Monday, noon

export interface Harness {
  /** DATABASE_URL of the store's schema. */
  readonly url: string;
  readonly store: ConnectorStore;
  readonly clock: ManualClock;
  readonly prefix: string;
  /** Every rate-limit or backoff wait asked of the sleep, ms. */
  readonly waits: number[];
  run(config: ConnectorConfig, request?: RunRequest, credential?: string | null): Promise<RunSummary>;
  signals(): Promise<Signal[]>;
  metrics(): Promise<Metric[]>;
  runs(): Promise<IngestRun[]>;
}

/** A store on a fresh schema, fresh topics, a producer and a manual clock at `start`. */
export async function harness(label: string, start = T0): Promise<Harness> {
  const url = await testSchema(inject('services').databaseUrl);
  const store = new ConnectorStore({ url, logger: silentLogger() });
  onTestFinished(() => store.close());
  await store.start();
  const prefix = `${uniqueName(`c-${label}`)}.`;
  const kafka = testKafka();
  const admin = await kafka.admin();
  const names = ['signals', 'metrics', 'ingest.runs'];
  onTestFinished(async () => {
    await admin.deleteTopics(names.map((n) => physicalName(n, prefix)));
    await admin.close();
  });
  await admin.createTopics(
    TOPICS.filter((t) => names.includes(t.name)).map((t) => ({
      name: physicalName(t.name, prefix),
      partitions: t.partitions,
      replicationFactor: 1,
      configs: topicConfigs(t),
    })),
  );
  const producer: KafkaProducer = await kafka.producer();
  onTestFinished(() => producer.close());
  const registry = await SchemaRegistry.load();
  const clock = new ManualClock(start);
  const waits: number[] = [];
  return {
    url,
    store,
    clock,
    prefix,
    waits,
    run: (config, request = { mode: 'run' }, credential = null) =>
      runConnector(
        createConnector(config, credential),
        config,
        {
          store,
          producer,
          registry,
          topicPrefix: prefix,
          env: 'prod',
          clock,
          logger: silentLogger(),
          sleep: (ms) => {
            waits.push(ms);
            clock.advance(ms);
            return Promise.resolve();
          },
        },
        request,
      ),
    signals: () => readTopic(physicalName('signals', prefix), 'Signal'),
    metrics: () => readTopic(physicalName('metrics', prefix), 'Metric'),
    runs: () => readTopic(physicalName('ingest.runs', prefix), 'IngestRun'),
  };
}
