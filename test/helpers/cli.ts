import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the real `tradewatch` command (bin/tradewatch.js on the Node running the tests) against the
 * test services, with `env` added (e.g. TOPIC_PREFIX) and `input` on standard input.
 */
export function runCli(
  args: readonly string[],
  options: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  const running = startCli(args, options);
  const timeoutMs = options.timeoutMs ?? 45_000;
  const timer = setTimeout(() => running.child.kill('SIGKILL'), timeoutMs);
  return running.exited.then((result) => {
    clearTimeout(timer);
    if (result.signal === 'SIGKILL') {
      throw new Error(`tradewatch ${args.join(' ')} did not finish in ${timeoutMs} ms\n${result.stderr}`);
    }
    return result;
  });
}

export interface RunningCli {
  readonly child: ChildProcessWithoutNullStreams;
  /** Output so far. */
  stdout(): string;
  stderr(): string;
  readonly exited: Promise<CliResult>;
}

/** Starts the real `tradewatch` command and returns at once; `exited` settles when it ends. */
export function startCli(
  args: readonly string[],
  options: { env?: Record<string, string>; input?: string } = {},
): RunningCli {
  const services = inject('services');
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/tradewatch.js'), ...args], {
    cwd: ROOT,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '',
      KAFKA_BROKERS: services.kafkaBrokers.join(','),
      QUESTDB_HTTP_URL: services.questdbHttpUrl,
      QUESTDB_PG_URL: services.questdbPgUrl,
      DATABASE_URL: services.databaseUrl,
      TW_LOG_FORMAT: 'json',
      TW_LOG_LEVEL: 'warn',
      ...options.env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  if (options.input !== undefined) child.stdin.end(options.input);
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** The JSON lines of a command's standard output. */
export function jsonLines(stdout: string): unknown[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as unknown);
}
