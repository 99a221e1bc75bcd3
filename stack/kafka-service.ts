import { randomBytes } from 'node:crypto';
import { access, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createKafkaClient, type KafkaAdmin, type KafkaProducer } from '../runtime/kafka/index.ts';
import { silentLogger } from '../core/logger.ts';
import { TradewatchError } from '../core/errors.ts';
import { exec, lastLines } from './exec.ts';
import { tcpAccepts, waitFor } from './health.ts';
import type { ServicePaths, StackLayout } from './layout.ts';
import type { StackService } from './service.ts';

const HOST = '127.0.0.1';
/** A consumer group and transactional id used only to make the broker load its coordinators. */
const PROBE_ID = 'tradewatch-stack-probe';

export interface KafkaServiceOptions {
  layout: StackLayout;
  paths: ServicePaths;
  pomFile: string;
  kafkaPort: number;
  kafkaControllerPort: number;
}

/**
 * One KRaft node that is broker and controller at once, with a static quorum
 * (`controller.quorum.voters`), storage formatted once without `--standalone`.
 */
export function kafkaService(options: KafkaServiceOptions): StackService {
  const { layout, paths, kafkaPort, kafkaControllerPort } = options;
  const propertiesFile = path.join(layout.confDir, 'kafka.properties');
  const log4jFile = path.join(layout.confDir, 'kafka-log4j2.properties');
  const bootstrap = `${HOST}:${kafkaPort}`;

  // Probes are expected to fail while the broker starts: quiet, quick, and without retries of their own.
  const probeClient = createKafkaClient({
    brokers: [bootstrap],
    clientId: PROBE_ID,
    logger: silentLogger(),
    connectionTimeoutMs: 1000,
    requestTimeoutMs: 3000,
    retries: 0,
  });

  return {
    name: 'kafka',
    pomFile: options.pomFile,
    versionProperty: 'kafka.version',
    paths,
    ports: [
      { role: 'client', port: kafkaPort, variable: 'TW_STACK_KAFKA_PORT' },
      { role: 'controller', port: kafkaControllerPort, variable: 'TW_STACK_KAFKA_CONTROLLER_PORT' },
    ],
    endpoints: { bootstrap, controller: `${HOST}:${kafkaControllerPort}` },
    markers: ['kafka.Kafka', propertiesFile],

    async prepare({ javaCommand, logger, timeoutMs }) {
      await mkdir(paths.dataDir, { recursive: true });
      await writeFile(propertiesFile, serverProperties(options));
      await writeFile(log4jFile, LOG4J2_PROPERTIES);
      const metaFile = path.join(paths.dataDir, 'meta.properties');
      if (await exists(metaFile)) return;
      // Format once; the cluster id then lives in <data>/kafka/meta.properties. `-g` makes a re-run
      // after an interrupted format harmless.
      const clusterId = newClusterId();
      logger.info({ clusterId, dataDir: paths.dataDir }, 'formatting Kafka storage');
      const result = await exec(
        javaCommand,
        [
          '-Xmx256m',
          `-Dlog4j2.configurationFile=file:${log4jFile}`,
          '-cp',
          classpath(paths),
          'kafka.tools.StorageTool',
          'format',
          '-t',
          clusterId,
          '-c',
          propertiesFile,
          '-g',
        ],
        { timeoutMs },
      );
      if (result.code !== 0 || !(await exists(metaFile))) {
        throw new TradewatchError(
          'TW_STACK_START_FAILED',
          `kafka: formatting the storage in ${paths.dataDir} failed (exit code ${String(result.code)}). ` +
            `If the directory holds data from another cluster, remove it (it is only local test data). Output:\n` +
            lastLines(`${result.stdout}\n${result.stderr}`, 20),
          { details: { service: 'kafka', dataDir: paths.dataDir } },
        );
      }
    },

    javaArgs() {
      return [
        // Lean for a small machine: the broker needs little heap for test and demo loads.
        '-Xms256m',
        '-Xmx768m',
        '-XX:+UseG1GC',
        '-XX:MaxGCPauseMillis=20',
        '-XX:+ExplicitGCInvokesConcurrent',
        '-Djava.awt.headless=true',
        `-Dlog4j2.configurationFile=file:${log4jFile}`,
        '-cp',
        classpath(paths),
        'kafka.Kafka',
        propertiesFile,
      ];
    },

    environment(env) {
      return env;
    },

    async answers() {
      // A TCP check first keeps the common "not up yet" case cheap and quiet.
      if (!(await tcpAccepts(HOST, kafkaPort, 1000))) return false;
      let admin: KafkaAdmin | undefined;
      try {
        admin = await probeClient.admin();
        const cluster = await admin.describeCluster();
        return cluster.brokers > 0 && cluster.controller !== null;
      } catch {
        return false;
      } finally {
        await admin?.close().catch(() => undefined);
      }
    },

    async settle(deadline, logger) {
      // A fresh broker creates __consumer_offsets and __transaction_state on first use and answers
      // "coordinator loading" / "not coordinator" meanwhile; kafkajs does not retry all of those
      // (sendOffsets in a transaction fails at once). Loading both here means clients never see it.
      // Retries are on here: kafkajs refuses an idempotent producer without them, and they absorb the
      // short "loading" phase; the deadline still bounds the whole wait.
      const kafka = createKafkaClient({
        brokers: [bootstrap],
        clientId: PROBE_ID,
        logger: silentLogger(),
        connectionTimeoutMs: 1000,
        requestTimeoutMs: 5000,
        retries: 3,
      });
      const ready = await waitFor(
        async () => {
          let admin: KafkaAdmin | undefined;
          let producer: KafkaProducer | undefined;
          try {
            admin = await kafka.admin();
            await admin.groupOffsets(PROBE_ID);
            // A transactional producer's connect runs InitProducerId on the transaction coordinator.
            producer = await kafka.producer({ transactionalId: PROBE_ID });
            return true;
          } catch (e: unknown) {
            logger.debug({ err: e }, 'Kafka coordinators not ready yet');
            return false;
          } finally {
            await producer?.close().catch(() => undefined);
            await admin?.close().catch(() => undefined);
          }
        },
        { deadline, intervalMs: 250 },
      );
      if (!ready) throw new Error('the group and transaction coordinators did not become available');
    },
  };
}

function classpath(paths: ServicePaths): string {
  // The JVM expands `dir/*` to every jar in it (not a shell glob).
  return `${paths.libDir}${path.sep}*`;
}

/** 16 random bytes as 22 characters of base64url, like Kafka's `Uuid`; never starting with `-`. */
function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

function serverProperties(options: KafkaServiceOptions): string {
  const { paths, kafkaPort, kafkaControllerPort } = options;
  const lines = [
    '# Generated by tradewatch stack/ on every `up()`: edits here are overwritten.',
    '# One KRaft node, broker and controller at once, static quorum; loopback only.',
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@${HOST}:${kafkaControllerPort}`,
    `listeners=PLAINTEXT://${HOST}:${kafkaPort},CONTROLLER://${HOST}:${kafkaControllerPort}`,
    `advertised.listeners=PLAINTEXT://${HOST}:${kafkaPort}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${paths.dataDir}`,
    '',
    '# A single node: without replication factor 1 the internal topics are never created and clients',
    '# loop on "group coordinator not available".',
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'default.replication.factor=1',
    'min.insync.replicas=1',
    '# Fewer internal partitions than the default 50: faster first use of groups and transactions.',
    'offsets.topic.num.partitions=5',
    'transaction.state.log.num.partitions=5',
    '',
    '# Topics come from the catalogue (topics/), never from a typo in a client.',
    'auto.create.topics.enable=false',
    'num.partitions=3',
    '# Tests and the demo join groups often; do not wait 3 s for more members.',
    'group.initial.rebalance.delay.ms=0',
    '',
    '# Lean on a 2-core machine.',
    'num.network.threads=2',
    'num.io.threads=2',
    'num.recovery.threads.per.data.dir=1',
    'background.threads=2',
    'log.cleaner.threads=1',
    '',
  ];
  return lines.join('\n');
}

/** Everything to standard output, which the stack appends to logs/kafka.log. */
const LOG4J2_PROPERTIES = `# Generated by tradewatch stack/: Kafka logs to standard output, which goes to logs/kafka.log.
status = warn
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
# The request and state-change loggers are chatty at INFO and say nothing a test needs.
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
logger.config.name = org.apache.kafka.common.config.AbstractConfig
logger.config.level = WARN
`;
