import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { appendFile, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { waitFor } from './health.ts';

/** What the pid in a pid file refers to now. */
export type PidState = 'alive' | 'gone' | 'foreign';

/** Reads a pid file; `undefined` when there is none or it does not hold a pid. */
export async function readPidFile(pidFile: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(pidFile, 'utf8');
  } catch (e: unknown) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

/** When the pid file was written (ms since epoch), i.e. when the process was started. */
export async function pidFileTime(pidFile: string): Promise<number | undefined> {
  try {
    return (await stat(pidFile)).mtimeMs;
  } catch {
    return undefined;
  }
}

export async function removePidFile(pidFile: string): Promise<void> {
  await rm(pidFile, { force: true });
}

/**
 * Whether `pid` is a live process whose command line contains every one of `markers`. A zombie counts
 * as gone; a live process without the markers is `foreign` (the pid was reused by another program).
 * Linux only: reads `/proc`.
 */
export async function pidState(pid: number, markers: readonly string[]): Promise<PidState> {
  let cmdline: string;
  let statLine: string;
  try {
    [cmdline, statLine] = await Promise.all([
      readFile(`/proc/${pid}/cmdline`, 'utf8'),
      readFile(`/proc/${pid}/stat`, 'utf8'),
    ]);
  } catch {
    return 'gone';
  }
  // Field 3 of /proc/<pid>/stat, after the parenthesised command name, is the state letter.
  const state = statLine.slice(statLine.lastIndexOf(')') + 2, statLine.lastIndexOf(')') + 3);
  if (state === 'Z' || state === 'X') return 'gone';
  const args = cmdline.split('\0').join(' ');
  return markers.every((m) => args.includes(m)) ? 'alive' : 'foreign';
}

/** A process started by {@link spawnDetached}. */
export interface DetachedProcess {
  readonly pid: number;
  /** Set once the process exits while this Node process still watches it. */
  exit(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
}

/**
 * Starts a process in its own session (it survives this Node process exiting), with standard output
 * and error appended to `logFile`, and records its pid in `pidFile`.
 */
export async function spawnDetached(options: {
  command: string;
  args: readonly string[];
  cwd: string;
  logFile: string;
  pidFile: string;
  env?: NodeJS.ProcessEnv;
}): Promise<DetachedProcess> {
  const fd = openSync(options.logFile, 'a');
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  try {
    const child = spawn(options.command, options.args, {
      cwd: options.cwd,
      detached: true,
      stdio: ['ignore', fd, fd],
      env: options.env ?? process.env,
    });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('spawn', () => resolve(child.pid ?? -1));
      child.once('error', reject);
    });
    child.on('exit', (code, signal) => {
      exited = { code, signal };
    });
    // The stack outlives the caller: do not keep the event loop alive for the child.
    child.unref();
    await writeFile(options.pidFile, `${pid}\n`);
    return { pid, exit: () => exited };
  } finally {
    closeSync(fd);
  }
}

/** Appends a marker line to a log, so that a reader sees where each start begins. */
export async function appendLogMarker(logFile: string, text: string): Promise<void> {
  await appendFile(logFile, `\n=== tradewatch stack ${new Date().toISOString()}: ${text} ===\n`);
}

/**
 * Stops `pid`: SIGTERM, wait up to `graceMs`, then SIGKILL and wait up to `killMs`. Returns how it
 * ended; `'alive'` means it survived SIGKILL (the caller reports that). Never signals a pid that no
 * longer carries `markers`.
 */
export async function terminate(
  pid: number,
  markers: readonly string[],
  options: { graceMs: number; killMs: number },
): Promise<'exited' | 'killed' | 'alive'> {
  const gone = async () => (await pidState(pid, markers)) !== 'alive';
  if (await gone()) return 'exited';
  signal(pid, 'SIGTERM');
  if (await waitFor(gone, { deadline: Date.now() + options.graceMs, intervalMs: 100 })) return 'exited';
  signal(pid, 'SIGKILL');
  if (await waitFor(gone, { deadline: Date.now() + options.killMs, intervalMs: 100 })) return 'killed';
  return 'alive';
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (e: unknown) {
    // ESRCH: it exited between the check and the signal, which is what we wanted.
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}

/**
 * The last `count` lines of `file` from byte `fromOffset` on (default: the whole file). Reads at most
 * the last 64 KiB: enough for the lines an error message quotes, whatever the log's size.
 */
export async function tailLines(file: string, count: number, fromOffset = 0): Promise<string[]> {
  let text: string;
  try {
    const handle = await open(file, 'r');
    try {
      const size = (await handle.stat()).size;
      const start = Math.max(Math.min(fromOffset, size), size - 65_536);
      const buffer = Buffer.alloc(size - start);
      await handle.read(buffer, 0, buffer.length, start);
      text = buffer.toString('utf8');
    } finally {
      await handle.close();
    }
  } catch {
    return [];
  }
  const lines = text.split('\n');
  while (lines.length > 0 && lines.at(-1)?.trim() === '') lines.pop();
  return lines.slice(-count);
}

/** The size of `file` in bytes, 0 when it does not exist. */
export async function fileSize(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}
