/**
 * `tradewatch run` as a child process, as an operator starts it: `node bin/tradewatch.js run ...` with
 * TOPIC_PREFIX set and logs at warn (JSON). Stopped with SIGTERM, as a deployment stops it; its peak
 * memory and CPU time are read from /proc just before.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuSeconds, processMemory } from './proc.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface PipelineExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** From SIGTERM to exit. */
  readonly stopMs: number;
  /** VmHWM just before SIGTERM. */
  readonly peakRssBytes: number | null;
  /** User + system CPU seconds just before SIGTERM. */
  readonly cpuSeconds: number | null;
  /** Log lines at warn or above (JSON lines; the level is a number, 40 = warn). */
  readonly warnings: number;
  /** The first few of them (`level msg: error message`), for the report. */
  readonly firstWarnings: readonly string[];
}

export interface PipelineProcess {
  readonly pid: number;
  readonly spawnedAt: number;
  /** Rejects if the child exits before `stop()` was called. */
  readonly died: Promise<never>;
  cpuSeconds(): number | null;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it exited. Idempotent. */
  stop(graceMs?: number): Promise<PipelineExit>;
}

/** `nodeFlags` go before the script, e.g. `--cpu-prof`. */
export function startPipelineProcess(
  args: readonly string[],
  prefix: string,
  nodeFlags: readonly string[] = [],
): PipelineProcess {
  const spawnedAt = performance.now();
  const child: ChildProcess = spawn(
    process.execPath,
    [...nodeFlags, path.join(ROOT, 'bin/tradewatch.js'), 'run', ...args],
    {
      cwd: ROOT,
      // Pass the caller's environment through (KAFKA_BROKERS, QUESTDB_HTTP_URL...) with the run's prefix.
      env: { ...process.env, TOPIC_PREFIX: prefix, TW_LOG_LEVEL: 'warn', TW_LOG_FORMAT: 'json' },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not start `tradewatch run`');
  let pending = '';
  let warnings = 0;
  const firstWarnings: string[] = [];
  const tail: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() === '') continue;
      const { level, text } = compact(line);
      tail.push(text);
      if (tail.length > 10) tail.shift();
      if (level >= 40) {
        warnings += 1;
        if (firstWarnings.length < 5) firstWarnings.push(text);
      }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  let stopping: Promise<PipelineExit> | undefined;
  const died = exited.then(({ code, signal }) => {
    if (stopping) return new Promise<never>(() => undefined);
    throw new Error(
      `tradewatch run exited early (code ${code}, signal ${signal}); its last lines:\n${tail.join('\n')}`,
    );
  });
  died.catch(() => undefined);

  const stop = async (graceMs = 60_000): Promise<PipelineExit> => {
    const memory = processMemory(pid);
    const cpu = cpuSeconds(pid);
    const started = performance.now();
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const { code, signal } = await exited;
    clearTimeout(timer);
    return {
      code,
      signal,
      stopMs: Math.round(performance.now() - started),
      peakRssBytes: memory?.peakRssBytes ?? null,
      cpuSeconds: cpu,
      warnings,
      firstWarnings,
    };
  };
  return {
    pid,
    spawnedAt,
    died,
    cpuSeconds: () => cpuSeconds(pid),
    stop: (graceMs) => (stopping ??= stop(graceMs)),
  };
}

/** A log line as `level msg: err.message` (pino JSON); other lines (a crash trace) as they are, level 50. */
function compact(line: string): { level: number; text: string } {
  try {
    const entry = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } };
    const level = Number(entry.level ?? 50);
    const name =
      ({ 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' } as Record<number, string>)[level] ??
      String(level);
    const error = entry.err?.message === undefined ? '' : `: ${entry.err.message}`;
    return { level, text: `${name} ${entry.msg ?? ''}${error}`.slice(0, 1000) };
  } catch {
    return { level: 50, text: line.slice(0, 1000) };
  }
}

/** The node flags that make the child write a CPU profile into `dir` when it exits. */
export function profileFlags(dir: string | undefined): string[] {
  return dir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${dir}`];
}
