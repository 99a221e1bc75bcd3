/**
 * A throw-away Prometheus Alertmanager (Debian's `prometheus-alertmanager` package) for tests, local
 * runs and the benchmark: started on a free loopback port with its own configuration file and storage
 * directory (a route to a receiver that sends nothing, clustering off), stopped by `stop()`.
 */
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { TradewatchError } from '../../core/errors.ts';
import { exec, lastLines } from '../exec.ts';
import { httpOk, waitFor } from '../health.ts';

/** How to install it on Debian (CI runs this too). */
export const ALERTMANAGER_INSTALL = 'apt-get update && apt-get install -y prometheus-alertmanager';

/** The executables tried, in order: Debian's name, then upstream's. */
const BINARIES = ['prometheus-alertmanager', 'alertmanager'] as const;

/** Routes everything to a receiver with no integration: alerts are kept and shown, never sent on. */
const CONFIG = `route:
  receiver: blackhole
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: blackhole
`;

export interface AlertmanagerProcess {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly pid: number;
  /** Stops it (SIGTERM, then SIGKILL after 5 s). Idempotent. */
  stop(): Promise<void>;
}

export interface StartAlertmanagerOptions {
  /** A directory of its own (configuration and storage go there). */
  readonly dir: string;
  /** Port on 127.0.0.1. Default: a free one. */
  readonly port?: number;
  /** The executable. Default: the first of prometheus-alertmanager, alertmanager on PATH. */
  readonly binary?: string;
  /** How long to wait for /-/ready. Default 30 000 ms. */
  readonly readyTimeoutMs?: number;
}

/** The first Alertmanager executable that runs (`--version`), or undefined. */
export async function findAlertmanager(): Promise<string | undefined> {
  for (const name of BINARIES) {
    try {
      const result = await exec(name, ['--version'], { timeoutMs: 10_000 });
      if (result.code === 0) return name;
    } catch {
      // Not on PATH (ENOENT): try the next name.
    }
  }
  return undefined;
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startAlertmanager(options: StartAlertmanagerOptions): Promise<AlertmanagerProcess> {
  const binary = options.binary ?? (await findAlertmanager());
  if (binary === undefined) {
    throw new TradewatchError(
      'TW_PREREQUISITE_MISSING',
      `Prometheus Alertmanager is not installed (looked for ${BINARIES.join(', ')} on PATH). Install it with: ${ALERTMANAGER_INSTALL}`,
    );
  }
  const port = options.port ?? (await freePort());
  const storage = path.join(options.dir, 'data');
  await mkdir(storage, { recursive: true });
  const configFile = path.join(options.dir, 'alertmanager.yml');
  await writeFile(configFile, CONFIG);
  const child = spawn(
    binary,
    [
      `--config.file=${configFile}`,
      `--storage.path=${storage}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // No gossip: a single instance that binds nothing else.
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-20_000);
  });
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (exited) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exit;
      clearTimeout(killer);
    })();
    return stopping;
  };
  const ready = await waitFor(() => httpOk(`${url}/-/ready`), {
    deadline: Date.now() + (options.readyTimeoutMs ?? 30_000),
    abort: () => exited,
  });
  if (!ready) {
    await stop();
    throw new TradewatchError(
      'TW_STACK_START_FAILED',
      `Alertmanager did not become ready on ${url}${exited ? ` (it exited with code ${child.exitCode})` : ''}:\n${lastLines(stderr, 20)}`,
    );
  }
  return { url, pid: child.pid ?? -1, stop };
}
