/**
 * Connector test helpers: a local HTTP server speaking a provider's contract (the test writes the
 * handler; every exchange is recorded), a connector store on a fresh Postgres schema, the three topics
 * a connector writes under a fresh prefix, and a runner wired to them with a manual clock whose
 * sleeps advance it (rate-limit waits are recorded, never slept).
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inject, onTestFinished } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
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

/** One request as the provider server saw it. */
export interface Exchange {
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
}

export type Handler = (exchange: Exchange, res: ServerResponse, n: number) => void;

/** A provider on 127.0.0.1 answering with `handler`; closed when the test ends. */
export async function providerServer(handler: Handler): Promise<{ url: string; exchanges: Exchange[] }> {
  const exchanges: Exchange[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://provider.test');
    const exchange = { path: url.pathname, query: url.searchParams, headers: req.headers };
    exchanges.push(exchange);
    try {
      handler(exchange, res, exchanges.length);
    } catch (e: unknown) {
      res.writeHead(599).end(String(e));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, exchanges };
}

/** Sends `body` as JSON with `headers`. */
export function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
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
