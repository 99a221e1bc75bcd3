/**
 * Where the benchmark ran: the machine, the Node.js, the Kafka and QuestDB versions, the tree's commit.
 * Figures from another machine (or another load) are not comparable: ratios against a reference
 * measured in the same run are.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { createRequire } from 'node:module';
import type { Config } from '../runtime/config.ts';
import type { Logger } from '../core/logger.ts';
import { missingKafkajsPatches } from '../runtime/kafka/index.ts';
import { LocalStack } from '../stack/index.ts';
import { listeningPid } from './proc.ts';
import { questdbQuery } from './questdb.ts';

export interface MachineInfo {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryBytes: number;
  readonly platform: string;
  readonly kernel: string;
  readonly node: string;
  /** Its version, and whether it carries tradewatch's patches (patches/README.md). */
  readonly kafkajs: string;
  /** Kafka's version: from the local stack when the brokers are the local stack's, else null. */
  readonly kafka: string | null;
  /** From QuestDB's `build()`. */
  readonly questdb: string | null;
  /** 1, 5 and 15 minute load averages when the run started (the machine is shared). */
  readonly loadAverageAtStart: readonly number[];
  readonly git: { readonly commit: string | null; readonly changedFiles: number | null };
}

/** Process ids of the local stack's Kafka and QuestDB, for their CPU time; empty when not local. */
export interface StackProcesses {
  readonly kafka?: number;
  readonly questdb?: number;
}

export async function machineInfo(
  config: Config,
  logger: Logger,
): Promise<{ info: MachineInfo; stack: StackProcesses }> {
  const require = createRequire(import.meta.url);
  const missing = missingKafkajsPatches();
  const kafkajs =
    (require('kafkajs/package.json') as { version: string }).version +
    (missing.length === 0 ? ' (patched)' : ` (NOT patched: ${missing.join(', ')})`);
  let kafka: string | null = null;
  const stack: { kafka?: number; questdb?: number } = {};
  const status = await new LocalStack({ ...config.stack, logger })
    .status()
    .catch(() => ({ services: [], healthy: false }));
  for (const service of status.services) {
    if (service.state !== 'running' || service.pid === undefined) continue;
    if (service.name === 'kafka' && !config.kafka.brokersGiven) {
      kafka = service.version;
      stack.kafka = service.pid;
    }
    if (service.name === 'questdb') stack.questdb = service.pid;
  }
  // A stack started from another checkout (a worktree's bench against the shared stack): find Kafka
  // and QuestDB by the local ports they listen on.
  const localPort = (address: string | undefined): number | undefined => {
    const match = /^(?:[a-z]+:\/\/)?(127\.0\.0\.1|localhost|\[::1\]):(\d+)/.exec(address ?? '');
    return match ? Number(match[2]) : undefined;
  };
  const kafkaPort = localPort(config.kafka.brokers[0]);
  const questdbPort = localPort(config.questdb.httpUrl);
  if (stack.kafka === undefined && kafkaPort !== undefined) {
    const pid = listeningPid(kafkaPort);
    if (pid !== undefined) stack.kafka = pid;
  }
  if (stack.questdb === undefined && questdbPort !== undefined) {
    const pid = listeningPid(questdbPort);
    if (pid !== undefined) stack.questdb = pid;
  }
  let questdb: string | null;
  try {
    const rows = await questdbQuery(config.questdb.httpUrl, 'SELECT build()');
    questdb = /QuestDB ([\w.-]+)/.exec(String(rows[0]?.[0]))?.[1] ?? String(rows[0]?.[0]);
  } catch {
    questdb = null;
  }
  const git = (args: string[]): string | null => {
    const out = spawnSync('git', args, { encoding: 'utf8' });
    return out.status === 0 ? out.stdout : null;
  };
  const porcelain = git(['status', '--porcelain']);
  return {
    info: {
      cpus: os.availableParallelism(),
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryBytes: os.totalmem(),
      platform: `${os.platform()} ${os.arch()}`,
      kernel: os.release(),
      node: process.version,
      kafkajs,
      kafka,
      questdb,
      loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
      git: {
        commit: git(['rev-parse', 'HEAD'])?.trim() ?? null,
        changedFiles: porcelain === null ? null : porcelain.split('\n').filter((l) => l !== '').length,
      },
    },
    stack,
  };
}
